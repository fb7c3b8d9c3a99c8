"""Work item age: worked numbers, the SQL against the reference, and bad requests."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from core.metrics.flow import WorkItem, compute_flow
from core.metrics.work_item_age import InProgress, age_summary, flow_times_by_type
from tests.api_client import Api
from tests.delivery.test_delivery_metrics import History, iso, random_history, when
from tests.factories import Factory
from tests.problems import assert_problem

AT = datetime(2025, 3, 10, tzinfo=UTC)
DAY = timedelta(days=1)


def in_progress(external_id: str, kind: str, days_old: float) -> InProgress:
    return InProgress(external_id, kind, None, AT - days_old * DAY)


def test_items_older_than_their_types_p85_flow_time_are_flagged() -> None:
    """Vacanti's aging chart: features took 2, 4, 6, 8 and 10 days, so their 85th
    percentile (linear, position 3.4) is 8 + 0.4 x 2 = 8.8 days; defects took 1 and 3
    days (p85 at position 0.85: 1 + 0.85 x 2 = 2.7 days)."""
    finished = [("feature", d * 86_400.0) for d in (2, 4, 6, 8, 10)]
    finished += [("defect", d * 86_400.0) for d in (1, 3)]
    flow_times = flow_times_by_type(finished, "linear")
    items = [
        in_progress("F-1", "feature", 9),
        in_progress("F-2", "feature", 3),
        in_progress("B-1", "defect", 2.5),
        in_progress("B-2", "defect", 4),
        in_progress("R-1", "risk", 30),
    ]

    summary = age_summary(items, flow_times, AT, "linear", limit=3)

    assert flow_times["feature"].p85 == pytest.approx(8.8 * 86_400)
    assert flow_times["defect"].p85 == pytest.approx(2.7 * 86_400)
    assert (summary.in_progress, summary.over_p85) == (5, 2)
    by_type = {t.type: t for t in summary.by_type}
    assert (by_type["feature"].in_progress, by_type["feature"].over_p85) == (2, 1)
    assert (by_type["defect"].in_progress, by_type["defect"].over_p85) == (2, 1)
    assert (by_type["risk"].finished, by_type["risk"].flow_time) == (0, None)
    assert [i.external_id for i in summary.oldest] == ["R-1", "F-1", "B-2"]
    assert [i.over_p85 for i in summary.oldest] == [None, True, True]
    assert summary.oldest[1].age_seconds == 9 * 86_400
    assert summary.age is not None and summary.age.p50 == 4 * 86_400


def test_nothing_in_progress_has_no_ages() -> None:
    summary = age_summary([], {}, AT, "linear", limit=20)

    assert (summary.in_progress, summary.age, summary.by_type, summary.oldest) == (0, None, [], [])


def close(got: Any, want: Any) -> bool:
    """Equal, numbers within a relative 1e-9 (sums taken in another order), at any depth."""
    if isinstance(want, dict):
        return (
            isinstance(got, dict)
            and got.keys() == want.keys()
            and all(close(got[k], want[k]) for k in want)
        )
    if isinstance(want, list):
        return isinstance(got, list) and len(got) == len(want) and all(map(close, got, want))
    if isinstance(want, float) and isinstance(got, int | float):
        return got == pytest.approx(want, rel=1e-9)
    return bool(got == want)


def expected(data: History, at: datetime, history_days: int, limit: int) -> Any:
    """The reference: every item through the pure functions, nothing read from SQL."""
    start = at - history_days * DAY
    items = [
        InProgress(item.external_id, item.type, None, item.began)
        for item in data.oracle_items
        if item.began < at and (item.finished is None or item.finished >= at)
    ]
    finished = [
        (item.type, item.flow_seconds)
        for item in data.oracle_items
        if item.finished is not None
        and item.flow_seconds is not None
        and start <= item.finished < at
    ]
    flow_times = flow_times_by_type(finished, "linear")
    return age_summary(items, flow_times, at, "linear", limit)


@pytest.mark.parametrize(
    ("at", "history_days"),
    [("2025-02-03T00:00:00Z", 90), ("2025-03-31T12:00:00Z", 30), ("2024-06-01T00:00:00Z", 90)],
)
def test_sql_gives_the_reference_ages(factory: Factory, at: str, history_days: int) -> None:
    stream = factory.value_stream()
    data = random_history(20250310, items=300, deployments=0, incidents=0)
    data.send(factory, stream)

    answer = factory.api.ok(
        factory.api.get(
            f"/api/v1/value-streams/{stream['id']}/work-item-age",
            params={"at": at, "history_days": history_days, "oldest": 100},
        )
    )

    want = expected(data, when(at), history_days, 100).model_dump(mode="json")
    assert answer["percentile_method"] == "linear"
    assert when(answer["at"]) == when(at)
    for name in ("in_progress", "over_p85", "age", "by_type"):
        assert close(answer[name], want[name]), (name, answer[name], want[name])
    assert [i["external_id"] for i in answer["oldest"]] == [
        i["external_id"] for i in want["oldest"]
    ]
    if when(at).year == 2025:
        assert answer["in_progress"] > 10 and answer["over_p85"] > 0


def test_the_age_is_measured_now_by_default(factory: Factory) -> None:
    stream = factory.value_stream()
    started = datetime.now(UTC) - 3 * DAY
    item = {"external_id": "F-1", "type": "feature", "created": iso(started)}
    factory.ingest(stream, "work-items", [item])

    answer = factory.api.ok(factory.api.get(f"/api/v1/value-streams/{stream['id']}/work-item-age"))

    (oldest,) = answer["oldest"]
    assert oldest["age_seconds"] == pytest.approx(3 * 86_400, abs=600)
    assert oldest["over_p85"] is None


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"at": "2025-01-01T00:00:00"}, "at"),
        ({"history_days": 0}, "history_days"),
        ({"history_days": 731}, "history_days"),
        ({"oldest": 101}, "oldest"),
        ({"percentile_method": "mode"}, "percentile_method"),
    ],
)
def test_bad_requests_are_refused(
    editor: Api, factory: Factory, params: dict[str, Any], field: str
) -> None:
    stream = factory.value_stream()

    answer = editor.get(f"/api/v1/value-streams/{stream['id']}/work-item-age", params=params)

    assert_problem(answer, 422, field=field)


def test_each_bucket_gives_the_aging_work_in_progress_at_its_end() -> None:
    """Vacanti's aging chart at each bucket's end (Actionable Agile Metrics for
    Predictability, 2015): features finished in 2, 4, 6, 8 and 10 days in February, so at
    the end of the week of 3 March their 85th percentile is 8.8 days (linear, position 3.4);
    F-1, begun 9 days before that end, is older than it, F-2 (3 days) is not. A week later
    both are 7 days older, and F-2 (10 days) has passed it too."""
    week_end = datetime(2025, 3, 10, tzinfo=UTC)
    finished = [
        WorkItem(f"D-{d}", "feature", feb(1), feb(1), feb(1) + d * DAY, None)
        for d in (2, 4, 6, 8, 10)
    ]
    wip = [
        WorkItem("F-1", "feature", week_end - 9 * DAY, None, None, None),
        WorkItem("F-2", "feature", week_end - 3 * DAY, None, None, None),
    ]

    first, second = compute_flow(
        finished + wip,
        [],
        [],
        start=week_end - 7 * DAY,
        end=week_end + 7 * DAY,
        bucket="week",
    )

    assert first.aging is not None and second.aging is not None
    assert (first.aging.in_progress, first.aging.over_p85) == (2, 1)
    assert first.aging.age is not None and first.aging.age.p50 == 6 * 86_400
    assert (second.aging.in_progress, second.aging.over_p85) == (2, 2)
    assert second.aging.age is not None and second.aging.age.p95 == pytest.approx(
        (16 - 0.05 * 6) * 86_400
    )


def feb(day: int) -> datetime:
    return datetime(2025, 2, day, tzinfo=UTC)


def test_the_last_buckets_aging_is_the_work_item_age_at_its_end(factory: Factory) -> None:
    stream = factory.value_stream()
    random_history(20251207, items=300, deployments=0, incidents=0).send(factory, stream)
    end = "2025-03-31T12:00:00Z"

    report = factory.flow_metrics(
        stream, start="2025-02-03T00:00:00Z", end=end, bucket="week", aging=True
    )
    age = factory.api.ok(
        factory.api.get(f"/api/v1/value-streams/{stream['id']}/work-item-age", params={"at": end})
    )

    aging = report["buckets"][-1]["aging"]
    assert aging["in_progress"] == age["in_progress"] == report["buckets"][-1]["flow_load"]
    assert aging["over_p85"] == age["over_p85"] > 0
    assert close(aging["age"], age["age"])


def test_the_aging_of_each_bucket_is_given_when_asked(editor: Api, factory: Factory) -> None:
    stream = factory.value_stream()
    period = {"start": "2025-02-03T00:00:00Z", "end": "2025-02-17T00:00:00Z"}

    plain = factory.flow_metrics(stream, **period)
    asked = factory.flow_metrics(stream, **period, aging=True)
    refused = editor.get(
        f"/api/v1/value-streams/{stream['id']}/flow-metrics", params={**period, "aging": "maybe"}
    )

    assert [b["aging"] for b in plain["buckets"]] == [None, None]
    assert [b["aging"] for b in asked["buckets"]] == [
        {"in_progress": 0, "over_p85": 0, "age": None}
    ] * 2
    assert_problem(refused, 422, field="aging")
