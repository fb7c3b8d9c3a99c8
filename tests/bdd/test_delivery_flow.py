"""Feature: Delivery flow and the four keys (features/delivery_flow.feature).

The steps speak the tracker's and the pipeline's language (tables of items, deployments
and incidents, times like "Mon 3 Mar 10:00" in 2025, UTC) and drive the bulk ingest and
flow-metrics endpoints of the real HTTP API.
"""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pytest_bdd import given, scenarios, then, when

from tests.api_client import Api
from tests.bdd.steps import p, refused
from tests.bdd.world import Stream
from tests.factories import Factory

scenarios("delivery_flow.feature")

YEAR = 2025
WEEK = timedelta(days=7)


def moment(text: str) -> datetime:
    """ "Mon 3 Mar 10:00" in 2025, UTC; the weekday must match the date."""
    parsed = datetime.strptime(f"{text.strip()} {YEAR}", "%a %d %b %H:%M %Y").replace(tzinfo=UTC)
    assert parsed.strftime("%a") == text.split()[0], f"{text!r} is a {parsed:%A}"
    return parsed


def iso(value: datetime) -> str:
    return value.isoformat().replace("+00:00", "Z")


def rows(datatable: list[list[str]]) -> list[dict[str, str]]:
    header, *body = datatable
    return [dict(zip(header, (cell.strip() for cell in row), strict=True)) for row in body]


def deployments_of(datatable: list[list[str]]) -> list[dict[str, Any]]:
    records = []
    for row in rows(datatable):
        commits = [c for c in row.get("commits", "").split(",") if c.strip()]
        records.append(
            {
                "external_id": row["deployment"],
                "deployed_at": iso(moment(row["deployed"])),
                "commit_times": [iso(moment(c)) for c in commits],
                "succeeded": row.get("outcome", "succeeded") != "failed",
                "incident_external_id": row.get("incident") or None,
            }
        )
    return records


def week_of(api: Api, stream: Stream, day: str, **params: str) -> Any:
    start = moment(f"{day} 00:00")
    return api.get(
        f"{stream.url}/flow-metrics",
        params={"start": iso(start), "end": iso(start + WEEK), "bucket": "week", **params},
    )


def the_week(report: dict[str, Any]) -> dict[str, Any]:
    (week,) = report["buckets"]
    return week


# -- Given / When: what the tools report ------------------------------------------------------


@given("the pipeline reports these deployments:", target_fixture="reported")
def pipeline_reported(
    factory: Factory, stream: Stream, datatable: list[list[str]]
) -> list[dict[str, Any]]:
    records = deployments_of(datatable)
    factory.ingest(stream.ref, "deployments", records)
    return records


@when("the pipeline reports these deployments:", target_fixture="answer")
def pipeline_reports(editor: Api, stream: Stream, datatable: list[list[str]]) -> Any:
    return editor.post(f"{stream.url}/deployments/bulk", {"items": deployments_of(datatable)})


@when("the pipeline reports the same deployments again", target_fixture="answer")
def pipeline_reports_again(editor: Api, stream: Stream, reported: list[dict[str, Any]]) -> Any:
    return editor.post(f"{stream.url}/deployments/bulk", {"items": reported})


@given("the incident tracker reports these incidents:")
def incidents_reported(factory: Factory, stream: Stream, datatable: list[list[str]]) -> None:
    records = [
        {
            "external_id": row["incident"],
            "opened_at": iso(moment(row["opened"])),
            "resolved_at": iso(moment(row["resolved"])) if row.get("resolved") else None,
            "deployment_external_id": row.get("deployment") or None,
        }
        for row in rows(datatable)
    ]
    factory.ingest(stream.ref, "incidents", records)


@given("the tracker reports these work items:")
def work_items_reported(factory: Factory, stream: Stream, datatable: list[list[str]]) -> None:
    """Each item was active from its start for its active hours, then waiting."""
    records = []
    for row in rows(datatable):
        started = moment(row["started"])
        active = timedelta(hours=float(row["active hours"]))
        records.append(
            {
                "external_id": row["item"],
                "type": row["type"],
                "created": iso(started - timedelta(days=1)),
                "started": iso(started),
                "finished": iso(moment(row["finished"])) if row["finished"] else None,
                "state_changes": [
                    {"at": iso(started), "state": "In progress", "flag": "active"},
                    {"at": iso(started + active), "state": "Waiting", "flag": "waiting"},
                ],
            }
        )
    factory.ingest(stream.ref, "work-items", records)


@when("the viewer reports a deployment", target_fixture="answer")
def viewer_reports(viewer: Api, stream: Stream) -> Any:
    deployment = {"external_id": "D1", "deployed_at": iso(moment("Mon 3 Mar 10:00"))}
    return viewer.post(f"{stream.url}/deployments/bulk", {"items": [deployment]})


@when(p("the team asks for the delivery metrics of the week of {day}"), target_fixture="report")
def ask_for_the_week(editor: Api, stream: Stream, day: str) -> dict[str, Any]:
    return editor.ok(week_of(editor, stream, day))


@when(
    p("the team asks for the delivery metrics of the week of {day} by nearest rank"),
    target_fixture="report",
)
def ask_by_nearest_rank(editor: Api, stream: Stream, day: str) -> dict[str, Any]:
    return editor.ok(week_of(editor, stream, day, percentile_method="nearest_rank"))


@when(
    p("the team looks at the age of its work in progress on {day} {time}"),
    target_fixture="ages",
)
def look_at_ages(editor: Api, stream: Stream, day: str, time: str) -> dict[str, Any]:
    at = moment(f"{day} {time}")
    return editor.ok(editor.get(f"{stream.url}/work-item-age", params={"at": iso(at)}))


@when(
    p(
        "the team asks for the delivery metrics day by day from {first} to {last}, with the "
        "aging of the work in progress"
    ),
    target_fixture="report",
)
def ask_day_by_day(editor: Api, stream: Stream, first: str, last: str) -> dict[str, Any]:
    params = {
        "start": iso(moment(f"{first} 00:00")),
        "end": iso(moment(f"{last} 00:00")),
        "bucket": "day",
        "aging": "true",
    }
    return editor.ok(editor.get(f"{stream.url}/flow-metrics", params=params))


def aging_on(report: dict[str, Any], day: str) -> dict[str, Any]:
    (bucket,) = [b for b in report["buckets"] if b["start"] == iso(moment(f"{day} 00:00"))]
    aging: dict[str, Any] = bucket["aging"]
    return aging


@then(
    p(
        "at the end of {day} {count:d} items are in progress, {late:d} of them older than 85% "
        "of the finished items of its type"
    )
)
def in_progress_at_the_end_of(report: dict[str, Any], day: str, count: int, late: int) -> None:
    aging = aging_on(report, day)
    assert (aging["in_progress"], aging["over_p85"]) == (count, late)


@then(
    p(
        "at the end of {day} the work in progress is {p50:Num} hours old at the median and "
        "{p95:Num} hours at the 95th percentile"
    )
)
def aged_at_the_end_of(report: dict[str, Any], day: str, p50: float, p95: float) -> None:
    age = aging_on(report, day)["age"]
    assert (age["p50"], age["p95"]) == (pytest.approx(p50 * 3600), pytest.approx(p95 * 3600))


@given(p("the team finished {count:d} items on every one of the {days:d} days before {day}"))
def steady_throughput(factory: Factory, stream: Stream, count: int, days: int, day: str) -> None:
    first = moment(f"{day} 12:00")
    records = [
        {
            "external_id": f"T-{back}-{n}",
            "type": "feature",
            "created": iso(first - timedelta(days=back + 2)),
            "finished": iso(first - timedelta(days=back)),
        }
        for back in range(1, days + 1)
        for n in range(count)
    ]
    factory.ingest(stream.ref, "work-items", records)


@when(
    p("the team asks when {remaining:d} more items will be done, starting {day}"),
    target_fixture="forecast",
)
def ask_when(editor: Api, stream: Stream, remaining: int, day: str) -> dict[str, Any]:
    start = moment(f"{day} 00:00").date()
    params = {"remaining": remaining, "start": start.isoformat(), "history_days": 30}
    return editor.ok(editor.get(f"{stream.url}/forecast", params=params))


@then(p("in {confidence:d}% of the simulated futures they are done by {day}"))
def done_by(forecast: dict[str, Any], confidence: int, day: str) -> None:
    (when,) = [w for w in forecast["when"] if w["confidence"] == confidence]
    assert when["on"] == moment(f"{day} 00:00").date().isoformat()


@then(p("by {day} at least {items:d} items are done in {confidence:d}% of them"))
def how_many_by(
    editor: Api, stream: Stream, forecast: dict[str, Any], day: str, items: int, confidence: int
) -> None:
    by = moment(f"{day} 00:00").date().isoformat()
    params = {"by": by, "start": forecast["start"], "history_days": forecast["history_days"]}
    answer = editor.ok(editor.get(f"{stream.url}/forecast", params=params))
    (count,) = [c for c in answer["how_many"] if c["confidence"] == confidence]
    assert count["items"] == items


@then("asking again gives the same forecast")
def same_again(editor: Api, stream: Stream, forecast: dict[str, Any]) -> None:
    params = {
        "remaining": forecast["remaining"],
        "start": forecast["start"],
        "history_days": forecast["history_days"],
    }
    assert editor.ok(editor.get(f"{stream.url}/forecast", params=params)) == forecast


# -- Then: the four keys ----------------------------------------------------------------------


@then(p("the deployment frequency is {count:d} deployments, {per_day:Num} a day"))
def deployment_frequency(report: dict[str, Any], count: int, per_day: float) -> None:
    week = the_week(report)
    assert week["deployment_count"] == count
    assert round(week["deployments_per_day"], 2) == per_day


@then(p("the change failure rate is {percent:d}%"))
def change_failure_rate(report: dict[str, Any], percent: int) -> None:
    assert the_week(report)["change_failure_rate"] == pytest.approx(percent / 100)


@then(p("the lead time for changes is {hours:Num} hours"))
def lead_time_for_changes(report: dict[str, Any], hours: float) -> None:
    assert the_week(report)["lead_time_for_changes_seconds"] == hours * 3600


@then(p("the time to restore service is {hours:Num} hours"))
def time_to_restore(report: dict[str, Any], hours: float) -> None:
    assert the_week(report)["time_to_restore_seconds"] == hours * 3600


@then(p("the lead time for changes is {hours:Num} hours at the 95th percentile"))
def lead_time_p95(report: dict[str, Any], hours: float) -> None:
    assert the_week(report)["lead_time_for_changes"]["p95"] == hours * 3600


@then("the answer says its percentiles are interpolated")
def interpolated(report: dict[str, Any]) -> None:
    assert report["percentile_method"] == "linear"
    assert report["median_method"].startswith("linear interpolation"), report["median_method"]


@then("the answer says its percentiles are nearest ranks")
def nearest_ranks(report: dict[str, Any]) -> None:
    assert report["percentile_method"] == "nearest_rank"
    assert report["median_method"].startswith("nearest rank"), report["median_method"]


# -- Then: flow -------------------------------------------------------------------------------


@then(p("the flow velocity is {count:d} items"))
def flow_velocity(report: dict[str, Any], count: int) -> None:
    assert the_week(report)["flow_velocity"] == count


@then(p("the flow time is {hours:Num} hours"))
def flow_time(report: dict[str, Any], hours: float) -> None:
    assert the_week(report)["flow_time_seconds"] == hours * 3600


@then(p("the flow time is {p85:Num} hours at the 85th percentile and {p95:Num} hours at the 95th"))
def flow_time_spread(report: dict[str, Any], p85: float, p95: float) -> None:
    spread = the_week(report)["flow_time"]
    assert (spread["p85"], spread["p95"]) == (p85 * 3600, p95 * 3600)


@then(p("the finished items were active {hours:Num} hours at the median"))
def active_median(report: dict[str, Any], hours: float) -> None:
    assert the_week(report)["time_in_state"]["active"]["p50"] == pytest.approx(hours * 3600)


@then(
    p(
        "the finished items waited {p50:Num} hours at the median and {p85:Num} hours "
        "at the 85th percentile"
    )
)
def waiting_spread(report: dict[str, Any], p50: float, p85: float) -> None:
    waiting = the_week(report)["time_in_state"]["waiting"]
    assert (waiting["p50"], waiting["p85"]) == (
        pytest.approx(p50 * 3600),
        pytest.approx(p85 * 3600),
    )


@then(
    p(
        "{count:d} items are in progress, {late:d} of them older than 85% of the finished "
        "items of its type"
    )
)
def in_progress(ages: dict[str, Any], count: int, late: int) -> None:
    assert (ages["in_progress"], ages["over_p85"]) == (count, late)


def aged(ages: dict[str, Any], external_id: str) -> dict[str, Any]:
    (item,) = [i for i in ages["oldest"] if i["external_id"] == external_id]
    return item


@then(
    p("{item} is {hours:Num} hours old, past the {p85:Num} hours that 85% of finished {kind}s took")
)
def past_its_kind(ages: dict[str, Any], item: str, hours: float, p85: float, kind: str) -> None:
    found = aged(ages, item)
    assert found["type"] == kind
    assert found["age_seconds"] == hours * 3600
    assert found["type_p85_flow_seconds"] == pytest.approx(p85 * 3600)
    assert found["over_p85"] is True


@then(p("the oldest is {item}, {hours:Num} hours old, with no finished {kind} to compare with"))
def oldest_without_reference(ages: dict[str, Any], item: str, hours: float, kind: str) -> None:
    oldest = ages["oldest"][0]
    assert (oldest["external_id"], oldest["type"]) == (item, kind)
    assert oldest["age_seconds"] == hours * 3600
    assert (oldest["type_p85_flow_seconds"], oldest["over_p85"]) == (None, None)


@then(p("the flow efficiency is {percent:d}%"))
def flow_efficiency(report: dict[str, Any], percent: int) -> None:
    assert the_week(report)["flow_efficiency"] == pytest.approx(percent / 100)


@then(p("the work in progress at the end of the week is {count:d} items"))
def work_in_progress(report: dict[str, Any], count: int) -> None:
    assert the_week(report)["flow_load"] == count


@then(
    p(
        "the flow distribution is {feature:d}% features, {defect:d}% defects, "
        "{risk:d}% risks and {debt:d}% debt"
    )
)
def flow_distribution(
    report: dict[str, Any], feature: int, defect: int, risk: int, debt: int
) -> None:
    expected = {"feature": feature, "defect": defect, "risk": risk, "debt": debt}
    shares = {
        kind: round(share * 100) for kind, share in the_week(report)["flow_distribution"].items()
    }
    assert shares == expected


# -- Then: ingest -----------------------------------------------------------------------------


@then(p("{created:d} are created, {updated:d} updated and {unchanged:d} left unchanged"))
def ingest_counts(editor: Api, answer: Any, created: int, updated: int, unchanged: int) -> None:
    counts = editor.ok(answer)
    assert counts == {"created": created, "updated": updated, "unchanged": unchanged}


@then(p("the change failure rate of the week of {day} is still {percent:d}%"))
def change_failure_rate_still(editor: Api, stream: Stream, day: str, percent: int) -> None:
    week = the_week(editor.ok(week_of(editor, stream, day)))
    assert week["change_failure_rate"] == pytest.approx(percent / 100)


@then(p("the report is refused, naming {field}"))
def report_refused_naming(answer: Any, field: str) -> None:
    refused(answer, 422, code="VALIDATION_FAILED", field=field)


@then("the report is refused because a viewer may only look")
def report_refused_for_a_viewer(answer: Any) -> None:
    refused(answer, 403, code="FORBIDDEN")


@then(p("the viewer can read the delivery metrics of the week of {day}"))
def viewer_reads(viewer: Api, stream: Stream, day: str) -> None:
    assert len(the_week(viewer.ok(week_of(viewer, stream, day)))) > 0
