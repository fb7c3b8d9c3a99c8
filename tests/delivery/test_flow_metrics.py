"""Reference flow metrics and DORA keys: worked numbers, bucket edges and empty periods."""

import itertools
import random
from datetime import UTC, datetime, timedelta, timezone

import pytest

from core.metrics.flow import (
    ITEM_TYPES,
    BucketSize,
    Deployment,
    Incident,
    ItemType,
    WorkItem,
    bucket_floor,
    bucket_starts,
    change_failure_rate,
    compute_flow,
    deployment_frequency,
    failed_changes,
    flow_distribution,
    flow_efficiency,
    flow_load,
    flow_time,
    flow_velocity,
    lead_time_for_changes,
    time_in_state,
    time_to_restore,
)

DAY = timedelta(days=1)
HOUR = timedelta(hours=1)
MON = datetime(2025, 3, 3, tzinfo=UTC)  # a Monday
NEXT_MON = MON + 7 * DAY


def item(
    external_id: str,
    *,
    created: datetime,
    started: datetime | None = None,
    finished: datetime | None = None,
    active: float | None = None,
    kind: ItemType = "feature",
) -> WorkItem:
    return WorkItem(external_id, kind, created, started, finished, active)


def deploy(
    external_id: str,
    at: datetime,
    commits: tuple[datetime, ...] = (),
    *,
    ok: bool = True,
    incident: bool = False,
) -> Deployment:
    return Deployment(external_id, at, commits, ok, incident)


# buckets


def test_daily_buckets() -> None:
    start = datetime(2025, 3, 3, 15, tzinfo=UTC)
    assert bucket_starts(start, start + 2 * DAY, "day") == [MON, MON + DAY, MON + 2 * DAY]


def test_daily_buckets_end_is_exclusive() -> None:
    assert bucket_starts(MON, MON + 2 * DAY, "day") == [MON, MON + DAY]


def test_weeks_start_on_monday_utc() -> None:
    wednesday = MON + 2 * DAY + 5 * HOUR
    assert bucket_floor(wednesday, "week") == MON
    assert bucket_floor(MON, "week") == MON
    sunday_night = MON - timedelta(minutes=1)
    assert bucket_floor(sunday_night, "week") == MON - 7 * DAY
    in_third_week = wednesday + 12 * DAY
    assert bucket_starts(wednesday, in_third_week, "week") == [MON, NEXT_MON, NEXT_MON + 7 * DAY]


def test_months_start_on_the_first_including_leap_february() -> None:
    start = datetime(2024, 1, 31, 23, tzinfo=UTC)
    end = datetime(2024, 4, 1, tzinfo=UTC)
    assert bucket_starts(start, end, "month") == [
        datetime(2024, 1, 1, tzinfo=UTC),
        datetime(2024, 2, 1, tzinfo=UTC),
        datetime(2024, 3, 1, tzinfo=UTC),
    ]


def test_month_buckets_cross_the_year() -> None:
    starts = bucket_starts(
        datetime(2024, 11, 15, tzinfo=UTC), datetime(2025, 2, 2, tzinfo=UTC), "month"
    )
    assert [(s.year, s.month) for s in starts] == [(2024, 11), (2024, 12), (2025, 1), (2025, 2)]


def test_buckets_are_aligned_in_utc_whatever_the_input_zone() -> None:
    tokyo = timezone(timedelta(hours=9))
    monday_morning_tokyo = datetime(2025, 3, 3, 8, tzinfo=tokyo)  # Sunday 23:00 UTC
    assert bucket_floor(monday_morning_tokyo, "week") == MON - 7 * DAY
    assert bucket_floor(monday_morning_tokyo, "day") == MON - DAY


def test_naive_and_empty_periods_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        bucket_starts(datetime(2025, 3, 3), datetime(2025, 3, 4), "day")
    with pytest.raises(ValueError, match="before its end"):
        bucket_starts(MON, MON, "day")
    with pytest.raises(ValueError, match="unknown bucket"):
        bucket_starts(MON, NEXT_MON, "year")  # type: ignore[arg-type]


# flow metrics over one period


ITEMS = [
    # finished in the week: flow times 2, 4, 6 and 10 days
    item("F1", created=MON - 9 * DAY, started=MON - DAY, finished=MON + DAY, active=1 * 86_400),
    item("F2", created=MON - 4 * DAY, finished=MON + 2 * DAY, active=None, kind="defect"),
    item(
        "F3",
        created=MON - 10 * DAY,
        started=MON - 3 * DAY,
        finished=MON + 3 * DAY,
        active=3 * 86_400,
        kind="defect",
    ),
    item(
        "F4",
        created=MON - 20 * DAY,
        started=MON - 10 * DAY,
        finished=NEXT_MON - HOUR,
        active=0.5 * 86_400,
        kind="debt",
    ),
    # finished exactly at the week's end: belongs to the next week
    item("N1", created=MON, started=MON + DAY, finished=NEXT_MON, active=100.0),
    # finished before the week
    item("P1", created=MON - 9 * DAY, started=MON - 8 * DAY, finished=MON - DAY),
    # still open
    item("O1", created=MON - 2 * DAY, started=MON + 4 * DAY, kind="risk"),
    item("O2", created=MON + 5 * DAY),
    # created after the week
    item("L1", created=NEXT_MON + HOUR),
]


def test_flow_velocity_counts_items_finished_in_the_half_open_period() -> None:
    assert flow_velocity(ITEMS, MON, NEXT_MON) == 4
    assert flow_velocity(ITEMS, NEXT_MON, NEXT_MON + 7 * DAY) == 1


def test_flow_time_is_a_distribution_falling_back_to_creation() -> None:
    # F1 2d, F2 6d (from creation), F3 6d, F4 ~10d -> sorted [2, 6, 6, ~10]
    week = flow_time(ITEMS, MON, NEXT_MON)
    nearest = flow_time(ITEMS, MON, NEXT_MON, "nearest_rank")
    only_f2 = flow_time(ITEMS, MON + 2 * DAY, MON + 3 * DAY)

    assert week is not None and nearest is not None and only_f2 is not None
    assert week.count == 4
    assert week.p50 == nearest.p50 == 6 * 86_400
    assert 6 * 86_400 < week.p85 < week.p95 < nearest.p95
    assert (only_f2.count, only_f2.p50, only_f2.p95) == (1, 6 * 86_400, 6 * 86_400)
    assert flow_time(ITEMS, MON - 30 * DAY, MON - 20 * DAY) is None


def test_flow_efficiency_is_a_ratio_of_sums_over_items_with_active_time() -> None:
    # F1 1d/2d, F3 3d/6d, F4 0.5d/(17d - 1h); F2 has no active time and is left out
    f4_flow = (17 * DAY - HOUR).total_seconds()
    expected = (1 + 3 + 0.5) * 86_400 / (2 * 86_400 + 6 * 86_400 + f4_flow)
    assert flow_efficiency(ITEMS, MON, NEXT_MON) == pytest.approx(expected)
    mean_of_ratios = (0.5 + 0.5 + 0.5 * 86_400 / f4_flow) / 3
    assert flow_efficiency(ITEMS, MON, NEXT_MON) != pytest.approx(mean_of_ratios)


def test_time_in_state_is_a_distribution_over_items_with_state_changes() -> None:
    finished = [
        WorkItem("A", "feature", MON, MON, MON + 10 * HOUR, 4 * 3600, 6 * 3600, 0.0),
        WorkItem("B", "feature", MON, MON, MON + 20 * HOUR, 2 * 3600, 8 * 3600, 10 * 3600),
        WorkItem("C", "defect", MON, MON, MON + 30 * HOUR, 9 * 3600, 21 * 3600, 0.0),
        WorkItem("D", "defect", MON, MON, MON + 5 * HOUR, None),  # no state changes
    ]

    states = time_in_state(finished, MON, NEXT_MON)

    assert states is not None
    assert (states.active.count, states.active.p50, states.active.mean) == (3, 4 * 3600, 5 * 3600)
    assert (states.waiting.p50, states.waiting.p95) == (8 * 3600, pytest.approx(19.7 * 3600))
    assert (states.blocked.p50, states.blocked.p85) == (0.0, 7 * 3600)
    assert time_in_state(finished[3:], MON, NEXT_MON) is None


def test_flow_efficiency_without_data_is_none() -> None:
    assert flow_efficiency(ITEMS, MON + 2 * DAY, MON + 3 * DAY) is None  # only F2
    assert flow_efficiency([], MON, NEXT_MON) is None


def test_flow_load_counts_work_in_progress_at_an_instant() -> None:
    # at NEXT_MON: N1 finishes exactly then (still in progress), O1 and O2 open
    assert flow_load(ITEMS, NEXT_MON) == 3
    # at MON: F1, F2 (from creation), F3, F4; O1 counts from its start, which is later
    assert flow_load(ITEMS, MON) == 4
    assert flow_load(ITEMS, MON - 30 * DAY) == 0


def test_flow_distribution_has_every_type() -> None:
    shares = flow_distribution(ITEMS, MON, NEXT_MON)
    assert shares == {"feature": 0.25, "defect": 0.5, "risk": 0.0, "debt": 0.25}
    assert set(shares) == set(ITEM_TYPES)
    assert flow_distribution([], MON, NEXT_MON) == dict.fromkeys(ITEM_TYPES, 0.0)


# DORA keys


def test_change_failure_rate_worked_example() -> None:
    deployments = [
        deploy("d1", MON + HOUR),
        deploy("d2", MON + 2 * HOUR, incident=True),
        deploy("d3", MON + DAY),
        deploy("d4", MON + 2 * DAY, incident=True),
        deploy("d5", MON + 3 * DAY),
    ]
    assert change_failure_rate(deployments, MON, NEXT_MON) == 0.4


def test_failed_deployments_count_as_failed_changes_once() -> None:
    deployments = [
        deploy("d1", MON + HOUR, ok=False),
        deploy("d2", MON + 2 * HOUR, ok=False, incident=True),
        deploy("d3", MON + 3 * HOUR),
        deploy("d4", MON + 4 * HOUR),
    ]
    assert change_failure_rate(deployments, MON, NEXT_MON) == 0.5
    assert change_failure_rate([], MON, NEXT_MON) is None


def test_an_incident_naming_its_deployment_makes_it_a_failed_change() -> None:
    deployments = [deploy("d1", MON + HOUR), deploy("d2", MON + DAY), deploy("d3", MON + 2 * DAY)]
    incidents = [Incident("i1", MON + 2 * HOUR, None, deployment_external_id="d1")]

    assert change_failure_rate(deployments, MON, NEXT_MON, incidents) == pytest.approx(1 / 3)


def test_a_deployment_naming_its_incident_is_a_failed_change() -> None:
    deployments = [
        Deployment("d1", MON + HOUR, (), True, False, incident_external_id="i1"),
        deploy("d2", MON + DAY),
    ]
    incidents = [Incident("i1", MON + 2 * HOUR, None)]

    assert change_failure_rate(deployments, MON, NEXT_MON, incidents) == 0.5


def test_links_from_both_sides_count_a_deployment_once() -> None:
    deployments = [
        Deployment("d1", MON + HOUR, (), True, False, incident_external_id="i1"),
        deploy("d2", MON + DAY),
    ]
    incidents = [
        Incident("i1", MON + 2 * HOUR, None, deployment_external_id="d1"),
        Incident("i2", MON + 3 * HOUR, None, deployment_external_id="d1"),
    ]

    assert failed_changes(deployments, incidents) == {"d1"}
    assert change_failure_rate(deployments, MON, NEXT_MON, incidents) == 0.5


def test_links_to_records_never_reported_do_not_count() -> None:
    deployments = [
        Deployment("d1", MON + HOUR, (), True, False, incident_external_id="no-such-incident"),
        deploy("d2", MON + DAY),
    ]
    incidents = [Incident("i1", MON + 2 * HOUR, None, deployment_external_id="no-such-deploy")]

    assert failed_changes(deployments, incidents) == set()
    assert change_failure_rate(deployments, MON, NEXT_MON, incidents) == 0.0


def test_an_incident_may_link_a_deployment_of_an_earlier_period() -> None:
    """The link makes the deployment failed in its own period, not in the incident's."""
    deployments = [deploy("d1", MON - DAY), deploy("d2", MON + DAY)]
    incidents = [Incident("i1", MON + 2 * HOUR, None, deployment_external_id="d1")]

    assert change_failure_rate(deployments, MON - 2 * DAY, MON, incidents) == 1.0
    assert change_failure_rate(deployments, MON, NEXT_MON, incidents) == 0.0


def test_deployment_frequency_counts_and_rates_per_day() -> None:
    deployments = [deploy(f"d{i}", MON + i * HOUR) for i in range(14)]
    deployments.append(deploy("late", NEXT_MON))
    assert deployment_frequency(deployments, MON, NEXT_MON) == (14, 2.0)
    assert deployment_frequency(deployments, MON, MON + 12 * HOUR) == (12, 24.0)
    assert deployment_frequency([], MON, NEXT_MON) == (0, 0.0)


def test_lead_time_for_changes_pools_commits_of_successful_deployments() -> None:
    deployments = [
        deploy("d1", MON + 10 * HOUR, (MON + 9 * HOUR, MON + 6 * HOUR, MON)),  # 1h, 4h, 10h
        deploy("d2", MON + DAY, (MON + DAY - 2 * HOUR,)),  # 2h
        deploy("d3", MON + 2 * DAY, (MON,), ok=False),  # failed: not counted
        deploy("d4", MON + 3 * DAY, ()),  # no commits
    ]
    pooled = lead_time_for_changes(deployments, MON, NEXT_MON)
    nearest = lead_time_for_changes(deployments, MON, NEXT_MON, "nearest_rank")

    # pooled [1, 2, 4, 10] hours: the median halfway between 2 and 4, or the second
    assert pooled is not None and nearest is not None
    assert (pooled.count, pooled.mean, pooled.p50) == (4, 4.25 * 3600, 3 * 3600)
    assert nearest.p50 == 2 * 3600
    assert lead_time_for_changes(deployments, MON + 3 * DAY, NEXT_MON) is None


def test_time_to_restore_uses_incidents_resolved_in_the_period() -> None:
    incidents = [
        Incident("i1", MON - DAY, MON + HOUR),  # 25h, resolved in period
        Incident("i2", MON + DAY, MON + DAY + 2 * HOUR),  # 2h
        Incident("i3", MON + 2 * DAY, MON + 2 * DAY + 3 * HOUR),  # 3h
        Incident("i4", MON + 3 * DAY, None),  # unresolved
        Incident("i5", MON + 6 * DAY, NEXT_MON),  # resolved at the end: next period
    ]
    week = time_to_restore(incidents, MON, NEXT_MON)
    next_day = time_to_restore(incidents, NEXT_MON, NEXT_MON + DAY)

    # [2, 3, 25] hours; p85 at position 1.7: 3 + 0.7 * 22 hours
    assert week is not None and next_day is not None
    assert (week.count, week.p50, week.p85) == (3, 3 * 3600, pytest.approx(18.4 * 3600))
    assert (next_day.count, next_day.p50) == (1, 24 * 3600)
    assert time_to_restore([], MON, NEXT_MON) is None


# compute_flow


def test_compute_flow_weekly_buckets() -> None:
    deployments = [
        deploy("d1", MON + HOUR, (MON,)),
        deploy("d2", NEXT_MON + HOUR, (NEXT_MON - HOUR,), incident=True),
    ]
    incidents = [Incident("i1", NEXT_MON + 2 * HOUR, NEXT_MON + 5 * HOUR)]
    buckets = compute_flow(
        ITEMS, deployments, incidents, start=MON, end=NEXT_MON + 7 * DAY, bucket="week"
    )
    assert [b.start for b in buckets] == [MON, NEXT_MON]
    first, second = buckets
    assert first.end == NEXT_MON
    assert (first.window_start, first.window_end) == (MON, NEXT_MON)
    assert first.flow_velocity == 4
    assert first.flow_time_seconds == 6 * 86_400
    assert first.flow_load == 3
    assert first.flow_distribution.defect == 0.5
    assert first.deployment_count == 1
    assert first.deployments_per_day == pytest.approx(1 / 7)
    assert first.lead_time_for_changes_seconds == 3600
    assert first.change_failure_rate == 0.0
    assert first.time_to_restore_seconds is None
    assert second.flow_velocity == 1
    assert second.flow_time_seconds == 6 * 86_400
    assert second.flow_efficiency == pytest.approx(100 / (6 * 86_400))
    assert second.flow_load == 3  # O1, O2 and L1
    assert second.change_failure_rate == 1.0
    assert second.lead_time_for_changes_seconds == 2 * 3600
    assert second.time_to_restore_seconds == 3 * 3600


def test_compute_flow_clips_partial_buckets_to_the_period() -> None:
    wednesday = MON + 2 * DAY
    deployments = [deploy("early", MON + HOUR), deploy("in", wednesday + HOUR)]
    buckets = compute_flow(
        [], deployments, [], start=wednesday, end=wednesday + 2 * DAY, bucket="week"
    )
    assert len(buckets) == 1
    (only,) = buckets
    assert (only.start, only.end) == (MON, NEXT_MON)
    assert (only.window_start, only.window_end) == (wednesday, wednesday + 2 * DAY)
    assert only.deployment_count == 1
    assert only.deployments_per_day == 0.5


def test_compute_flow_on_empty_data() -> None:
    buckets = compute_flow([], [], [], start=MON, end=MON + 3 * DAY, bucket="day")
    assert len(buckets) == 3
    for bucket in buckets:
        assert bucket.flow_velocity == 0
        assert bucket.flow_time_seconds is None
        assert bucket.flow_efficiency is None
        assert bucket.flow_load == 0
        assert dict(bucket.flow_distribution) == dict.fromkeys(ITEM_TYPES, 0.0)
        assert bucket.deployment_count == 0
        assert bucket.deployments_per_day == 0.0
        assert bucket.lead_time_for_changes_seconds is None
        assert bucket.change_failure_rate is None
        assert bucket.time_to_restore_seconds is None


def test_compute_flow_monthly_counts_add_up() -> None:
    start = datetime(2025, 1, 1, tzinfo=UTC)
    end = datetime(2025, 4, 1, tzinfo=UTC)
    deployments = [deploy(f"d{i}", start + i * DAY) for i in range(90)]
    buckets = compute_flow([], deployments, [], start=start, end=end, bucket="month")
    assert [b.deployment_count for b in buckets] == [31, 28, 31]
    assert all(b.deployments_per_day == 1.0 for b in buckets)


def test_work_items_are_frozen() -> None:
    one = ITEMS[0]
    with pytest.raises(AttributeError):
        one.finished = None  # type: ignore[misc]


@pytest.mark.parametrize("bucket", ["day", "week", "month"])
def test_bucket_counts_add_up_to_the_period_total(bucket: BucketSize) -> None:
    rng = random.Random(7)
    start = datetime(2025, 1, 15, 6, tzinfo=UTC)
    end = datetime(2025, 3, 20, 18, tzinfo=UTC)
    span = (end - start + 20 * DAY).total_seconds()

    def moment() -> datetime:
        return start - 10 * DAY + timedelta(seconds=rng.uniform(0, span))

    items = []
    for i in range(300):
        created = moment()
        finished = created + timedelta(hours=rng.uniform(1, 400)) if rng.random() < 0.7 else None
        items.append(item(f"w{i}", created=created, finished=finished, kind=rng.choice(ITEM_TYPES)))
    deployments = [deploy(f"d{i}", moment()) for i in range(200)]
    buckets = compute_flow(items, deployments, [], start=start, end=end, bucket=bucket)
    assert sum(b.flow_velocity for b in buckets) == flow_velocity(items, start, end)
    assert (
        sum(b.deployment_count for b in buckets) == deployment_frequency(deployments, start, end)[0]
    )
    assert buckets[0].window_start == start
    assert buckets[-1].window_end == end
    for earlier, later in itertools.pairwise(buckets):
        assert earlier.window_end == later.window_start
