"""Target progress: worked lead-time example, status thresholds, and target validation."""

from datetime import UTC, datetime, timedelta

import pytest

from core.metrics.target_progress import (
    MAX_CLOCK_SKEW,
    Direction,
    TargetStatus,
    expected_percent,
    future_problem,
    percent_of_way,
    progress,
    validate_target,
)

START = datetime(2025, 1, 1, tzinfo=UTC)
DUE = START + timedelta(days=100)
LOWER = Direction.lower_is_better
HIGHER = Direction.higher_is_better


def at(fraction: float) -> datetime:
    return START + (DUE - START) * fraction


def test_halfway_there_halfway_through_is_on_track() -> None:
    result = progress(
        20, 10, LOWER, [(START, 20.0), (at(0.4), 15.0)], start=START, due=DUE, now=at(0.5)
    )
    assert result.latest_value == 15.0
    assert result.latest_at == at(0.4)
    assert result.percent_of_way == 50.0
    assert result.expected_percent_now == 50.0
    assert result.status is TargetStatus.on_track
    assert "50% of the way" in result.reason


def test_halfway_there_at_80_percent_of_the_timeline_is_at_risk() -> None:
    result = progress(20, 10, LOWER, [(at(0.4), 15.0)], start=START, due=DUE, now=at(0.8))
    assert result.expected_percent_now == 80.0
    assert result.status is TargetStatus.at_risk


def test_halfway_there_past_due_is_off_track() -> None:
    result = progress(
        20, 10, LOWER, [(at(0.4), 15.0)], start=START, due=DUE, now=DUE + timedelta(days=1)
    )
    assert result.expected_percent_now == 100.0
    assert result.status is TargetStatus.off_track
    assert "past due" in result.reason


def test_reaching_the_due_date_without_the_target_is_off_track() -> None:
    result = progress(20, 10, LOWER, [(at(0.9), 10.5)], start=START, due=DUE, now=DUE)
    assert result.percent_of_way == 95.0
    assert result.status is TargetStatus.off_track


@pytest.mark.parametrize(
    ("latest", "status"),
    [
        (16.0, TargetStatus.on_track),  # 40%, exactly 10 points behind 50%
        (16.1, TargetStatus.at_risk),  # 39%
        (18.0, TargetStatus.at_risk),  # 20%, exactly 30 points behind
        (18.1, TargetStatus.off_track),  # 19%
        (22.0, TargetStatus.off_track),  # worse than the baseline
        (12.0, TargetStatus.on_track),  # ahead of plan
    ],
)
def test_status_thresholds_halfway_through(latest: float, status: TargetStatus) -> None:
    result = progress(20, 10, LOWER, [(at(0.1), latest)], start=START, due=DUE, now=at(0.5))
    assert result.status is status


def test_worse_than_baseline_gives_negative_percent() -> None:
    result = progress(20, 10, LOWER, [(at(0.1), 22.0)], start=START, due=DUE, now=at(0.1))
    assert result.percent_of_way == -20.0


@pytest.mark.parametrize("latest", [10.0, 8.0])
def test_reaching_or_passing_the_target_is_achieved(latest: float) -> None:
    result = progress(20, 10, LOWER, [(at(0.2), latest)], start=START, due=DUE, now=at(0.3))
    assert result.status is TargetStatus.achieved
    assert result.percent_of_way == (100.0 if latest == 10.0 else 120.0)


def test_achieved_after_due_is_still_achieved() -> None:
    later = DUE + timedelta(days=5)
    result = progress(20, 10, LOWER, [(later, 9.0)], start=START, due=DUE, now=later)
    assert result.status is TargetStatus.achieved


def test_higher_is_better_deployment_frequency() -> None:
    result = progress(2, 10, HIGHER, [(at(0.2), 6.0)], start=START, due=DUE, now=at(0.5))
    assert result.percent_of_way == 50.0
    assert result.status is TargetStatus.on_track
    achieved = progress(2, 10, HIGHER, [(at(0.2), 12.0)], start=START, due=DUE, now=at(0.5))
    assert achieved.status is TargetStatus.achieved
    assert achieved.percent_of_way == 125.0


def test_no_measurements_is_no_data() -> None:
    result = progress(20, 10, LOWER, [], start=START, due=DUE, now=at(0.5))
    assert result.status is TargetStatus.no_data
    assert result.latest_value is None
    assert result.latest_at is None
    assert result.percent_of_way is None
    assert result.expected_percent_now == 50.0


def test_measurements_after_now_are_ignored() -> None:
    measurements = [(at(0.2), 15.0), (at(0.9), 10.0)]
    result = progress(20, 10, LOWER, measurements, start=START, due=DUE, now=at(0.5))
    assert result.latest_value == 15.0
    only_future = progress(20, 10, LOWER, [(at(0.9), 10.0)], start=START, due=DUE, now=at(0.5))
    assert only_future.status is TargetStatus.no_data


def test_latest_is_by_time_not_by_input_order() -> None:
    measurements = [(at(0.4), 15.0), (at(0.1), 19.0), (at(0.3), 17.0)]
    result = progress(20, 10, LOWER, measurements, start=START, due=DUE, now=at(0.5))
    assert result.latest_value == 15.0


def test_a_later_entry_at_the_same_instant_wins() -> None:
    measurements = [(at(0.4), 15.0), (at(0.4), 14.0)]
    result = progress(20, 10, LOWER, measurements, start=START, due=DUE, now=at(0.5))
    assert result.latest_value == 14.0


def test_before_the_start_nothing_is_expected_yet() -> None:
    assert expected_percent(START, DUE, START - timedelta(days=3)) == 0.0
    result = progress(
        20,
        10,
        LOWER,
        [(START - timedelta(days=5), 20.0)],
        start=START,
        due=DUE,
        now=START - timedelta(days=3),
    )
    assert result.status is TargetStatus.on_track


def test_direction_may_be_given_as_its_string_value() -> None:
    result = progress(
        20,
        10,
        "lower_is_better",
        [(at(0.1), 15.0)],  # type: ignore[arg-type]
        start=START,
        due=DUE,
        now=at(0.5),
    )
    assert result.status is TargetStatus.on_track


def test_lower_is_better_target_above_baseline_is_refused() -> None:
    with pytest.raises(ValueError, match="lower-is-better target must be below the baseline"):
        validate_target(10, 20, LOWER)


def test_higher_is_better_target_below_baseline_is_refused() -> None:
    with pytest.raises(ValueError, match="higher-is-better target must be above the baseline"):
        progress(10, 5, HIGHER, [], start=START, due=DUE, now=START)


@pytest.mark.parametrize("direction", list(Direction))
def test_target_equal_to_baseline_is_refused(direction: Direction) -> None:
    with pytest.raises(ValueError, match="differ from the baseline"):
        validate_target(5, 5, direction)


def test_zero_target_from_zero_baseline_holds_the_line_when_lower_is_better() -> None:
    validate_target(0, 0, LOWER)
    held = progress(0, 0, LOWER, [(at(0.1), 0.0)], start=START, due=DUE, now=at(0.5))
    assert held.status is TargetStatus.achieved
    assert held.percent_of_way == 100.0
    broken = progress(0, 0, LOWER, [(at(0.1), 2.0)], start=START, due=DUE, now=at(0.1))
    assert broken.status is TargetStatus.off_track
    assert "lost the held level" in broken.reason
    assert broken.percent_of_way == 0.0
    with pytest.raises(ValueError):
        validate_target(0, 0, HIGHER)


def test_due_must_follow_start() -> None:
    with pytest.raises(ValueError, match="due date"):
        progress(20, 10, LOWER, [], start=DUE, due=START, now=START)


def test_percent_of_way_formula() -> None:
    assert percent_of_way(20, 10, LOWER, 20) == 0.0
    assert percent_of_way(20, 10, LOWER, 10) == 100.0
    assert percent_of_way(0.5, 0.8, HIGHER, 0.6) == 33.33


def test_a_measurement_worse_than_the_baseline_is_never_on_track() -> None:
    """Baseline 58, target 45: a first measurement of 58.5 moved the wrong way."""
    start = datetime(2025, 1, 1, tzinfo=UTC)
    due = start + timedelta(days=180)
    measured = start + timedelta(days=2)
    result = progress(58, 45, LOWER, [(measured, 58.5)], start=start, due=due, now=measured)
    assert result.expected_percent_now == 1.11
    assert result.percent_of_way == -3.85
    assert result.status is TargetStatus.at_risk
    assert "worse than the baseline 58" in result.reason


@pytest.mark.parametrize(
    ("direction", "baseline", "target", "latest"),
    [(LOWER, 20, 10, 20.5), (HIGHER, 2, 10, 1.9)],
)
def test_worse_than_the_baseline_at_the_start_is_at_risk_whatever_the_direction(
    direction: Direction, baseline: float, target: float, latest: float
) -> None:
    result = progress(
        baseline, target, direction, [(START, latest)], start=START, due=DUE, now=START
    )
    assert result.expected_percent_now == 0.0
    assert result.percent_of_way is not None and result.percent_of_way < 0
    assert result.status is TargetStatus.at_risk


def test_worse_than_the_baseline_and_far_behind_the_plan_is_off_track() -> None:
    result = progress(20, 10, LOWER, [(at(0.5), 21.0)], start=START, due=DUE, now=at(0.5))
    assert result.status is TargetStatus.off_track


def test_exactly_at_the_baseline_early_on_is_on_track() -> None:
    result = progress(20, 10, LOWER, [(at(0.01), 20.0)], start=START, due=DUE, now=at(0.05))
    assert result.percent_of_way == 0.0
    assert result.status is TargetStatus.on_track


def test_a_measurement_may_be_dated_up_to_the_clock_skew_ahead() -> None:
    now = datetime(2026, 3, 1, 12, tzinfo=UTC)
    assert future_problem(now, now) is None
    assert future_problem(now + MAX_CLOCK_SKEW, now) is None
    assert future_problem(now - timedelta(days=400), now) is None


@pytest.mark.parametrize("ahead", [MAX_CLOCK_SKEW + timedelta(seconds=1), timedelta(days=365)])
def test_a_measurement_dated_further_ahead_is_in_the_future(ahead: timedelta) -> None:
    now = datetime(2026, 3, 1, 12, tzinfo=UTC)
    problem = future_problem(now + ahead, now)
    assert problem is not None
    assert "in the future" in problem
    assert "5 minutes" in problem
