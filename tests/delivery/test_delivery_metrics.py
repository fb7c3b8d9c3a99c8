"""Flow and DORA metrics in SQL: the same numbers as the in-memory reference, a constant
number of statements, the median method stated, REST and GraphQL alike."""

import random
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from litestar.testing import TestClient
from sqlalchemy import event

from core.actor import Actor
from core.delivery import flow_metrics
from core.metrics.flow import (
    ITEM_TYPES,
    Deployment,
    FlowBucket,
    Incident,
    WorkItem,
    compute_flow,
    compute_window,
    failed_changes,
)
from core.metrics.percentiles import PercentileMethod
from core.metrics.work_states import StateChange, state_seconds
from core.models.token import Role
from tests.api_client import Api
from tests.conftest import Tenant, run_in_db
from tests.factories import Factory
from tests.problems import assert_problem

MON = datetime(2025, 3, 3, tzinfo=UTC)  # a Monday
DAY = timedelta(days=1)
HOUR = timedelta(hours=1)
FLOAT_FIELDS = (
    "flow_time_seconds",
    "flow_efficiency",
    "deployments_per_day",
    "lead_time_for_changes_seconds",
    "change_failure_rate",
    "time_to_restore_seconds",
)
INT_FIELDS = ("flow_velocity", "flow_load", "deployment_count")
SPREAD_FIELDS = ("flow_time", "lead_time_for_changes", "time_to_restore")
TIME_FIELDS = ("start", "end", "window_start", "window_end")


def iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def when(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


# -- a random delivery history, sent through the API and kept for the oracle ----------------


class History:
    """Work items, deployments and incidents as the API takes them and as the oracle does."""

    def __init__(self) -> None:
        self.items: list[dict[str, Any]] = []
        self.deployments: list[dict[str, Any]] = []
        self.incidents: list[dict[str, Any]] = []
        self.oracle_items: list[WorkItem] = []
        self.oracle_deployments: list[Deployment] = []
        self.oracle_incidents: list[Incident] = []

    def item(
        self,
        kind: str,
        created: datetime,
        started: datetime | None,
        finished: datetime | None,
        changes: list[tuple[datetime, str]],
    ) -> None:
        external_id = f"WI-{len(self.items)}"
        self.items.append(
            {
                "external_id": external_id,
                "type": kind,
                "created": iso(created),
                "started": iso(started) if started else None,
                "finished": iso(finished) if finished else None,
                "state_changes": [
                    {"at": iso(at), "state": flag.title(), "flag": flag} for at, flag in changes
                ],
            }
        )
        times = None
        if finished is not None:
            times = state_seconds(
                [StateChange(at, flag) for at, flag in changes], started or created, finished
            )
        self.oracle_items.append(
            WorkItem(
                external_id,
                kind,  # type: ignore[arg-type]
                created,
                started,
                finished,
                times.active if times is not None else None,
                times.waiting if times is not None else None,
                times.blocked if times is not None else None,
            )
        )

    def deployment(
        self,
        at: datetime,
        commits: list[datetime],
        *,
        ok: bool = True,
        incident: bool = False,
        names: str | None = None,
    ) -> None:
        """`names` is the external id of the incident the pipeline links, if any."""
        external_id = f"D-{len(self.deployments)}"
        self.deployments.append(
            {
                "external_id": external_id,
                "deployed_at": iso(at),
                "commit_times": [iso(c) for c in commits],
                "succeeded": ok,
                "caused_incident": incident,
                "incident_external_id": names,
            }
        )
        self.oracle_deployments.append(
            Deployment(external_id, at, tuple(commits), ok, incident, names)
        )

    def incident(
        self, opened: datetime, resolved: datetime | None, *, names: str | None = None
    ) -> None:
        """`names` is the external id of the deployment the incident tracker links, if any."""
        external_id = f"INC-{len(self.incidents)}"
        self.incidents.append(
            {
                "external_id": external_id,
                "opened_at": iso(opened),
                "resolved_at": iso(resolved) if resolved else None,
                "deployment_external_id": names,
            }
        )
        self.oracle_incidents.append(Incident(external_id, opened, resolved, names))

    def send(self, factory: Factory, stream: dict[str, Any]) -> None:
        for kind, records in (
            ("work-items", self.items),
            ("deployments", self.deployments),
            ("incidents", self.incidents),
        ):
            for first in range(0, len(records), 5_000):
                factory.ingest(stream, kind, records[first : first + 5_000])

    def expected(
        self, start: datetime, end: datetime, bucket: str, method: PercentileMethod = "linear"
    ) -> list[FlowBucket]:
        return compute_flow(
            self.oracle_items,
            self.oracle_deployments,
            self.oracle_incidents,
            start=start,
            end=end,
            bucket=bucket,  # type: ignore[arg-type]
            method=method,
        )


def random_history(seed: int, *, items: int, deployments: int, incidents: int) -> History:
    """Times on whole minutes (and some right on bucket edges), so ties and edges occur."""
    rng = random.Random(seed)
    origin = datetime(2024, 12, 1, tzinfo=UTC)
    edges = [
        datetime(2025, 1, 15, 13, tzinfo=UTC),  # period starts and ends of the tests below
        datetime(2025, 2, 3, tzinfo=UTC),
        datetime(2025, 3, 31, tzinfo=UTC),
        datetime(2025, 4, 20, 7, 30, tzinfo=UTC),
        datetime(2025, 2, 1, tzinfo=UTC),  # bucket edges
        MON,
        MON + 7 * DAY,
        datetime(2025, 4, 1, tzinfo=UTC),
    ]

    def moment(days: float = 150) -> datetime:
        return origin + timedelta(minutes=rng.randrange(int(days * 24 * 60)))

    def later(base: datetime, days: float) -> datetime:
        if rng.random() < 0.05:
            return max(base, rng.choice(edges))
        return base + timedelta(minutes=rng.randrange(int(days * 24 * 60)))

    history = History()
    for _ in range(items):
        created = moment()
        started = later(created, 5) if rng.random() < 0.8 else None
        began = started or created
        finished = later(began, 30) if rng.random() < 0.75 else None
        changes: list[tuple[datetime, str]] = []
        if rng.random() < 0.8:
            span = int(((finished or began + 20 * DAY) - began).total_seconds() // 60) + 2 * 1440
            times = sorted(
                began - DAY + timedelta(minutes=rng.randrange(span))
                for _ in range(rng.randint(1, 5))
            )
            changes = [(t, rng.choice(("active", "waiting", "blocked"))) for t in times]
        history.item(rng.choice(ITEM_TYPES), created, started, finished, changes)

    def link(prefix: str, reported: int) -> str | None:
        """Now and then a link, sometimes to a record that is never reported."""
        if rng.random() >= 0.15:
            return None
        return f"{prefix}-{rng.randrange(reported + reported // 5 + 1)}"

    for _ in range(deployments):
        at = later(moment(), 1)
        commits = [
            at - timedelta(minutes=rng.randrange(10 * 1440)) for _ in range(rng.randint(0, 3))
        ]
        history.deployment(
            at,
            commits,
            ok=rng.random() < 0.85,
            incident=rng.random() < 0.05,
            names=link("INC", incidents),
        )
    for _ in range(incidents):
        opened = moment()
        history.incident(
            opened,
            later(opened, 3) if rng.random() < 0.8 else None,
            names=link("D", deployments),
        )
    return history


def assert_same(answer: list[dict[str, Any]], expected: list[FlowBucket]) -> None:
    assert len(answer) == len(expected)
    for got, want in zip(answer, expected, strict=True):
        label = got["start"]
        for name in TIME_FIELDS:
            assert when(got[name]) == getattr(want, name), (label, name)
        for name in INT_FIELDS:
            assert got[name] == getattr(want, name), (label, name)
        for name in FLOAT_FIELDS:
            value, reference = got[name], getattr(want, name)
            if reference is None:
                assert value is None, (label, name, value)
            else:
                assert value == pytest.approx(reference, rel=1e-9, abs=1e-9), (label, name)
        assert got["flow_distribution"] == pytest.approx(dict(want.flow_distribution)), label
        for name in SPREAD_FIELDS:
            spread = getattr(want, name)
            if spread is None:
                assert got[name] is None, (label, name)
            else:
                assert got[name] == pytest.approx(spread.model_dump(), rel=1e-9), (label, name)
        if want.time_in_state is None:
            assert got["time_in_state"] is None, label
        else:
            for state, spread in want.time_in_state:
                expected = pytest.approx(spread.model_dump(), rel=1e-9)
                assert got["time_in_state"][state] == expected, (label, state)
        assert want.aging is not None
        aging = got["aging"]
        assert (aging["in_progress"], aging["over_p85"]) == (
            want.aging.in_progress,
            want.aging.over_p85,
        ), label
        if want.aging.age is None:
            assert aging["age"] is None, label
        else:
            assert aging["age"] == pytest.approx(want.aging.age.model_dump(), rel=1e-9), label


# -- the SQL against the reference ------------------------------------------------------------


@pytest.fixture
def history(factory: Factory) -> tuple[dict[str, Any], History]:
    stream = factory.value_stream()
    data = random_history(20250303, items=400, deployments=250, incidents=80)
    data.send(factory, stream)
    return stream, data


@pytest.mark.parametrize(
    ("start", "end", "bucket"),
    [
        # partial first and last buckets of every size
        ("2025-01-15T13:00:00Z", "2025-04-20T07:30:00Z", "day"),
        ("2025-01-15T13:00:00Z", "2025-04-20T07:30:00Z", "week"),
        ("2025-01-15T13:00:00Z", "2025-04-20T07:30:00Z", "month"),
        # aligned to the calendar, in another zone
        ("2025-02-03T01:00:00+01:00", "2025-03-31T00:00:00Z", "week"),
        # before any data, and one bucket only
        ("2024-01-01T00:00:00Z", "2024-01-08T00:00:00Z", "week"),
        ("2025-03-04T06:00:00Z", "2025-03-04T18:00:00Z", "day"),
    ],
)
def test_sql_gives_the_reference_numbers(
    factory: Factory, history: tuple[dict[str, Any], History], start: str, end: str, bucket: str
) -> None:
    stream, data = history

    report = factory.flow_metrics(stream, start=start, end=end, bucket=bucket, aging=True)

    assert report["percentile_method"] == "linear"
    assert report["bucket"] == bucket
    assert_same(report["buckets"], data.expected(when(start), when(end), bucket))


@pytest.mark.parametrize(
    ("start", "end", "bucket"),
    [
        ("2025-01-15T13:00:00Z", "2025-04-20T07:30:00Z", "week"),
        ("2025-03-04T06:00:00Z", "2025-03-04T18:00:00Z", "day"),
    ],
)
def test_sql_gives_the_reference_numbers_by_nearest_rank_too(
    factory: Factory, history: tuple[dict[str, Any], History], start: str, end: str, bucket: str
) -> None:
    stream, data = history
    method: PercentileMethod = "nearest_rank"

    report = factory.flow_metrics(
        stream, start=start, end=end, bucket=bucket, percentile_method=method, aging=True
    )

    assert report["percentile_method"] == method
    assert report["median_method"].startswith("nearest rank")
    assert_same(report["buckets"], data.expected(when(start), when(end), bucket, method))


def test_the_reference_data_exercise_every_metric(history: tuple[dict[str, Any], History]) -> None:
    """Guards the comparison above from passing on buckets that are all empty."""
    _stream, data = history
    expected = data.expected(when("2025-01-15T13:00:00Z"), when("2025-04-20T07:30:00Z"), "week")

    for name in (*FLOAT_FIELDS, *INT_FIELDS):
        values = {getattr(bucket, name) for bucket in expected}
        assert len(values - {None, 0}) > 3, name
    for name in SPREAD_FIELDS:
        spreads = [getattr(bucket, name) for bucket in expected]
        assert sum(1 for s in spreads if s is not None and s.count > 1) > 3, name
    states = [bucket.time_in_state for bucket in expected if bucket.time_in_state is not None]
    for state in ("active", "waiting", "blocked"):
        assert sum(1 for s in states if getattr(s, state).p95 > 0) > 3, state


def test_the_reference_data_link_failures_from_both_sides(
    history: tuple[dict[str, Any], History],
) -> None:
    """Guards the comparison above: links of every kind, some to records never reported."""
    _stream, data = history
    deployments = {d.external_id: d for d in data.oracle_deployments}
    incidents = {i.external_id: i for i in data.oracle_incidents}
    failed = failed_changes(data.oracle_deployments, data.oracle_incidents)
    named_by_incidents = {i.deployment_external_id for i in data.oracle_incidents}

    only_by_incident = [
        d
        for d in deployments.values()
        if d.succeeded and not d.caused_incident and d.external_id in named_by_incidents
    ]
    only_by_deployment = [
        d
        for d in deployments.values()
        if d.succeeded and not d.caused_incident and d.incident_external_id in incidents
    ]
    dangling_deployments = {
        d.incident_external_id
        for d in deployments.values()
        if d.incident_external_id and d.incident_external_id not in incidents
    }
    dangling_incidents = named_by_incidents - set(deployments) - {None}

    assert len(only_by_incident) > 3
    assert len(only_by_deployment) > 3
    assert all(d.external_id in failed for d in only_by_incident + only_by_deployment)
    assert dangling_deployments and dangling_incidents


def test_one_arbitrary_window_for_a_measurement(
    database_url: str, tenant: Tenant, history: tuple[dict[str, Any], History]
) -> None:
    """What recording a measurement for a target asks: every metric over one window."""
    stream, data = history
    start, end = when("2025-02-04T12:00:00Z"), when("2025-03-19T18:30:00Z")
    actor = Actor(organization_id=tenant.organization.id, role=Role.viewer)

    async def work(session: Any) -> FlowBucket:
        return await flow_metrics.window_metrics(
            session, actor, uuid.UUID(stream["id"]), start=start, end=end
        )

    got = run_in_db(database_url, work)

    want = compute_window(
        data.oracle_items,
        data.oracle_deployments,
        data.oracle_incidents,
        bucket_start=start,
        bucket_end=end,
        window_start=start,
        window_end=end,
    )
    assert got.flow_velocity == want.flow_velocity > 0
    assert got.flow_load == want.flow_load
    assert got.deployment_count == want.deployment_count
    for name in FLOAT_FIELDS:
        assert getattr(got, name) == pytest.approx(getattr(want, name), rel=1e-9), name


# -- worked numbers ---------------------------------------------------------------------------


def test_dora_keys_of_a_worked_week(factory: Factory) -> None:
    """Five deployments, two of which led to incidents: a change failure rate of 0.4."""
    stream = factory.value_stream()
    deployments = [
        ("D1", MON + 10 * HOUR, [MON + 9 * HOUR, MON + 8 * HOUR], None),  # leads 1 h, 2 h
        ("D2", MON + DAY + 10 * HOUR, [MON + 10 * HOUR], "INC-1"),  # 24 h
        ("D3", MON + 2 * DAY + 10 * HOUR, [MON + 2 * DAY + 6 * HOUR], None),  # 4 h
        ("D4", MON + 3 * DAY + 10 * HOUR, [MON + 3 * DAY + 7 * HOUR], "INC-2"),  # 3 h
        ("D5", MON + 4 * DAY + 10 * HOUR, [MON + 4 * DAY + 5 * HOUR], None),  # 5 h
    ]
    factory.ingest(
        stream,
        "deployments",
        [
            {
                "external_id": ext,
                "deployed_at": iso(at),
                "commit_times": [iso(c) for c in commits],
                "incident_external_id": incident,
            }
            for ext, at, commits, incident in deployments
        ],
    )
    factory.ingest(
        stream,
        "incidents",
        [
            {
                "external_id": "INC-1",
                "opened_at": iso(MON + DAY + 12 * HOUR),
                "resolved_at": iso(MON + DAY + 14 * HOUR),
                "deployment_external_id": "D2",
            },
            {
                "external_id": "INC-2",
                "opened_at": iso(MON + 3 * DAY + 11 * HOUR),
                "resolved_at": iso(MON + 4 * DAY + 11 * HOUR),
                "deployment_external_id": "D4",
            },
        ],
    )

    report = factory.flow_metrics(stream, start=iso(MON), end=iso(MON + 7 * DAY), bucket="week")

    (week,) = report["buckets"]
    assert week["deployment_count"] == 5
    assert week["deployments_per_day"] == pytest.approx(5 / 7)
    assert week["change_failure_rate"] == 0.4
    # six changes: 1, 2, 3, 4, 5 and 24 hours; the median is halfway between 3 and 4
    assert week["lead_time_for_changes_seconds"] == 3.5 * 3600
    assert week["lead_time_for_changes"]["p95"] == pytest.approx((5 + 0.75 * 19) * 3600)
    # restored in 2 h and 24 h: the median is halfway
    assert week["time_to_restore_seconds"] == 13 * 3600
    assert report["percentile_method"] == "linear"
    assert report["median_method"].startswith("linear interpolation")


def test_incidents_that_name_their_deployment_make_it_a_failed_change(
    factory: Factory,
) -> None:
    """Five deployments that name nothing; two incidents name theirs, one a deployment never
    reported. One deployment names an incident never reported."""
    stream = factory.value_stream()
    factory.ingest(
        stream,
        "deployments",
        [
            {
                "external_id": f"D{n}",
                "deployed_at": iso(MON + n * DAY),
                "incident_external_id": "INC-NEVER-REPORTED" if n == 0 else None,
            }
            for n in range(5)
        ],
    )
    factory.ingest(
        stream,
        "incidents",
        [
            {
                "external_id": f"INC-{n}",
                "opened_at": iso(MON + n * DAY + HOUR),
                "deployment_external_id": deployment,
            }
            for n, deployment in ((1, "D1"), (3, "D3"), (4, "D-NEVER-REPORTED"))
        ],
    )

    (week,) = factory.flow_metrics(stream, start=iso(MON), end=iso(MON + 7 * DAY))["buckets"]

    assert week["deployment_count"] == 5
    assert week["change_failure_rate"] == 0.4


def test_a_link_counts_once_the_linked_record_arrives(factory: Factory) -> None:
    """Feeds arrive in any order: the rate follows the data stored, not the order sent."""
    stream = factory.value_stream()
    factory.ingest(
        stream,
        "deployments",
        [
            {"external_id": "D1", "deployed_at": iso(MON + HOUR), "incident_external_id": "I1"},
            {"external_id": "D2", "deployed_at": iso(MON + DAY)},
        ],
    )
    before = factory.flow_metrics(stream, start=iso(MON), end=iso(MON + 7 * DAY))["buckets"]

    factory.ingest(stream, "incidents", [{"external_id": "I1", "opened_at": iso(MON + DAY)}])
    after = factory.flow_metrics(stream, start=iso(MON), end=iso(MON + 7 * DAY))["buckets"]

    assert [before[0]["change_failure_rate"], after[0]["change_failure_rate"]] == [0.0, 0.5]


def test_links_do_not_reach_into_another_value_stream(factory: Factory) -> None:
    ours, theirs = factory.value_stream(), factory.value_stream()
    factory.ingest(ours, "deployments", [{"external_id": "D1", "deployed_at": iso(MON + HOUR)}])
    factory.ingest(
        theirs,
        "incidents",
        [{"external_id": "I1", "opened_at": iso(MON + DAY), "deployment_external_id": "D1"}],
    )

    (week,) = factory.flow_metrics(ours, start=iso(MON), end=iso(MON + 7 * DAY))["buckets"]

    assert week["change_failure_rate"] == 0.0


def test_flow_metrics_of_a_worked_week(factory: Factory) -> None:
    stream = factory.value_stream()

    def item(n: int, kind: str, began: int, finished: int | None, active: int) -> dict[str, Any]:
        start = MON + began * HOUR
        body: dict[str, Any] = {
            "external_id": f"WI-{n}",
            "type": kind,
            "created": iso(start - DAY),
            "started": iso(start),
            "finished": iso(MON + finished * HOUR) if finished is not None else None,
            "state_changes": [
                {"at": iso(start), "state": "Doing", "flag": "active"},
                {"at": iso(start + active * HOUR), "state": "Waiting", "flag": "waiting"},
            ],
        }
        return body

    factory.ingest(
        stream,
        "work-items",
        [
            item(1, "feature", 0, 10, 5),  # 10 h flow, 5 h active
            item(2, "feature", 2, 32, 6),  # 30 h flow, 6 h active
            item(3, "defect", 10, 30, 1),  # 20 h flow, 1 h active
            item(4, "debt", 20, 60, 8),  # 40 h flow, 8 h active
            item(5, "feature", 30, None, 2),  # still in progress at the week's end
            item(6, "risk", -30, 200, 1),  # finishes next week: in progress too
        ],
    )

    (week,) = factory.flow_metrics(stream, start=iso(MON), end=iso(MON + 7 * DAY))["buckets"]

    assert week["flow_velocity"] == 4
    assert week["flow_time_seconds"] == 25 * 3600  # of 10, 20, 30 and 40 h
    assert week["flow_time"] == {
        "count": 4,
        "mean": 25 * 3600,
        "p50": 25 * 3600,
        "p85": 35.5 * 3600,
        "p95": 38.5 * 3600,
    }
    assert week["flow_efficiency"] == pytest.approx(20 / 100)
    assert week["flow_load"] == 2
    assert week["flow_distribution"] == {"feature": 0.5, "defect": 0.25, "risk": 0.0, "debt": 0.25}


def test_empty_buckets_say_there_was_nothing_to_measure(factory: Factory) -> None:
    stream = factory.value_stream()

    report = factory.flow_metrics(
        stream, start="2025-01-01T00:00:00Z", end="2025-03-01T00:00:00Z", bucket="month"
    )

    assert [b["start"] for b in report["buckets"]] == [
        "2025-01-01T00:00:00Z",
        "2025-02-01T00:00:00Z",
    ]
    first = report["buckets"][0]
    assert first["flow_velocity"] == 0
    assert first["flow_time_seconds"] is None
    assert first["change_failure_rate"] is None
    assert first["deployments_per_day"] == 0
    assert first["flow_distribution"] == {"feature": 0, "defect": 0, "risk": 0, "debt": 0}


# -- bad periods ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "status", "field"),
    [
        ({"start": "2025-01-01T00:00:00", "end": "2025-02-01T00:00:00Z"}, 422, "start"),
        ({"start": "2025-02-01T00:00:00Z", "end": "2025-01-01T00:00:00Z"}, 422, "end"),
        (
            {"start": "2020-01-01T00:00:00Z", "end": "2025-01-01T00:00:00Z", "bucket": "day"},
            422,
            None,
        ),
        (
            {"start": "2025-01-01T00:00:00Z", "end": "2025-02-01T00:00:00Z", "bucket": "year"},
            422,
            "bucket",
        ),
        ({"end": "2025-02-01T00:00:00Z"}, 422, "start"),
        (
            {
                "start": "2025-01-01T00:00:00Z",
                "end": "2025-02-01T00:00:00Z",
                "percentile_method": "average",
            },
            422,
            "percentile_method",
        ),
    ],
)
def test_bad_periods_are_refused(
    editor: Api, factory: Factory, params: dict[str, str], status: int, field: str | None
) -> None:
    stream = factory.value_stream()
    url = f"/api/v1/value-streams/{stream['id']}/flow-metrics"

    assert_problem(editor.get(url, params=params), status, field=field)


def test_a_thousand_buckets_are_allowed(factory: Factory) -> None:
    stream = factory.value_stream()
    start = datetime(2022, 1, 1, tzinfo=UTC)

    report = factory.flow_metrics(
        stream, start=iso(start), end=iso(start + 1000 * DAY), bucket="day"
    )

    assert len(report["buckets"]) == 1000


# -- GraphQL ----------------------------------------------------------------------------------

FLOW_QUERY = """
query Flow($id: ID!, $start: DateTime!, $end: DateTime!, $bucket: FlowBucketSize!) {
  flowMetrics(valueStreamId: $id, start: $start, end: $end, bucket: $bucket, aging: true) {
    valueStreamId bucket percentileMethod medianMethod
    buckets {
      start end windowStart windowEnd
      flowVelocity flowTimeSeconds flowEfficiency flowLoad
      flowTime { count mean p50 p85 p95 }
      flowDistribution { feature defect risk debt }
      deploymentCount deploymentsPerDay leadTimeForChangesSeconds
      leadTimeForChanges { count mean p50 p85 p95 }
      changeFailureRate timeToRestoreSeconds
      timeToRestore { count mean p50 p85 p95 }
      doraTiers { deploymentFrequency leadTimeForChanges changeFailureRate timeToRestore }
      timeInState {
        active { count mean p50 p85 p95 }
        waiting { count mean p50 p85 p95 }
        blocked { count mean p50 p85 p95 }
      }
      aging { inProgress overP85 age { count mean p50 p85 p95 } }
    }
  }
}
"""


def snake(name: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in name)


def test_graphql_flow_metrics_equal_rest(
    editor: Api, factory: Factory, history: tuple[dict[str, Any], History]
) -> None:
    stream, _data = history
    period = {"start": "2025-01-15T13:00:00Z", "end": "2025-04-20T07:30:00Z", "bucket": "week"}

    rest = factory.flow_metrics(stream, **period, aging=True)
    answer = editor.graphql(FLOW_QUERY, {"id": stream["id"], **period})

    assert "errors" not in answer, answer
    graph = answer["data"]["flowMetrics"]
    assert graph["medianMethod"] == rest["median_method"]
    assert graph["percentileMethod"] == rest["percentile_method"]
    assert len(graph["buckets"]) == len(rest["buckets"])
    for ours, theirs in zip(graph["buckets"], rest["buckets"], strict=True):
        converted = {snake(k): v for k, v in ours.items()}
        converted["dora_tiers"] = {snake(k): v for k, v in converted["dora_tiers"].items()}
        converted["aging"] = {snake(k): v for k, v in converted["aging"].items()}
        for name in TIME_FIELDS:
            assert when(converted.pop(name)) == when(theirs.pop(name))
        assert converted == theirs


INGEST = """
mutation Ingest($id: ID!, $items: [WorkItemInput!]!) {
  ingestWorkItems(valueStreamId: $id, items: $items) { created updated unchanged }
}
"""

INGEST_DEPLOYMENTS = """
mutation Ingest($id: ID!, $items: [DeploymentInput!]!, $incidents: [IncidentInput!]!) {
  ingestDeployments(valueStreamId: $id, items: $items) { created updated unchanged }
  ingestIncidents(valueStreamId: $id, items: $incidents) { created updated unchanged }
}
"""


def test_graphql_ingest_is_idempotent_and_names_bad_fields(
    editor: Api, viewer: Api, factory: Factory
) -> None:
    stream = factory.value_stream()
    items = [
        {
            "externalId": "WI-1",
            "type": "feature",
            "created": iso(MON),
            "finished": iso(MON + 10 * HOUR),
            "stateChanges": [{"at": iso(MON), "state": "Doing", "flag": "active"}],
        }
    ]

    first = editor.graphql(INGEST, {"id": stream["id"], "items": items})
    again = editor.graphql(INGEST, {"id": stream["id"], "items": items})
    bad = editor.graphql(
        INGEST, {"id": stream["id"], "items": [{**items[0], "finished": iso(MON - HOUR)}]}
    )
    refused = viewer.graphql(INGEST, {"id": stream["id"], "items": items})

    assert first["data"]["ingestWorkItems"] == {"created": 1, "updated": 0, "unchanged": 0}
    assert again["data"]["ingestWorkItems"] == {"created": 0, "updated": 0, "unchanged": 1}
    (error,) = bad["errors"]
    assert error["extensions"]["code"] == "VALIDATION_FAILED"
    assert error["extensions"]["fields"][0]["field"] == "items[0].finished"
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    (stored,) = editor.ok(editor.get(f"/api/v1/value-streams/{stream['id']}/work-items"))["items"]
    assert stored["active_seconds"] == 10 * 3600


def test_graphql_ingests_deployments_and_incidents(editor: Api, factory: Factory) -> None:
    stream = factory.value_stream()
    variables = {
        "id": stream["id"],
        "items": [
            {"externalId": "D1", "deployedAt": iso(MON), "commitTimes": [iso(MON - HOUR)]},
            {"externalId": "D2", "deployedAt": iso(MON + DAY), "succeeded": False},
        ],
        "incidents": [{"externalId": "I1", "openedAt": iso(MON), "resolvedAt": iso(MON + HOUR)}],
    }

    answer = editor.graphql(INGEST_DEPLOYMENTS, variables)

    assert answer["data"] == {
        "ingestDeployments": {"created": 2, "updated": 0, "unchanged": 0},
        "ingestIncidents": {"created": 1, "updated": 0, "unchanged": 0},
    }
    (week,) = factory.flow_metrics(stream, start=iso(MON), end=iso(MON + 7 * DAY))["buckets"]
    assert week["change_failure_rate"] == 0.5
    assert week["lead_time_for_changes_seconds"] == 3600
    assert week["time_to_restore_seconds"] == 3600


# -- a constant number of statements ----------------------------------------------------------


@contextmanager
def counting(client: TestClient[Any]) -> Iterator[list[str]]:
    """Every SQL statement the app runs meanwhile, on any of its engines."""
    database = client.app.state.vsm.database
    engines = {id(e): e for e in (database.read_engine, database.write_engine)}.values()
    statements: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    for engine in engines:
        event.listen(engine.sync_engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        for engine in engines:
            event.remove(engine.sync_engine, "before_cursor_execute", record)


def test_statements_per_request_do_not_grow_with_the_data(
    client: TestClient[Any], factory: Factory
) -> None:
    small, large = factory.value_stream(), factory.value_stream()
    random_history(1, items=5, deployments=5, incidents=2).send(factory, small)
    random_history(2, items=600, deployments=300, incidents=100).send(factory, large)
    period = {"start": "2025-01-15T13:00:00Z", "end": "2025-04-20T07:30:00Z"}

    counts = {}
    for name, stream, bucket in (
        ("small", small, "week"),
        ("large", large, "week"),
        ("large by day", large, "day"),
    ):
        with counting(client) as statements:
            factory.flow_metrics(stream, bucket=bucket, **period)
        counts[name] = len(statements)

    assert counts["small"] == counts["large"] == counts["large by day"], counts


def test_ingest_statements_do_not_grow_with_the_batch(
    client: TestClient[Any], factory: Factory
) -> None:
    stream = factory.value_stream()
    counts = {}
    for size in (10, 500):
        history = random_history(size, items=size, deployments=size, incidents=size)
        for record in history.items:
            record["external_id"] += f"-{size}"
        with counting(client) as statements:
            factory.ingest(stream, "work-items", history.items)
        counts[size] = len(statements)
        with counting(client) as statements:
            factory.ingest(stream, "work-items", history.items)  # all unchanged
        counts[-size] = len(statements)

    assert counts[10] == counts[500], counts
    assert counts[-10] == counts[-500], counts
