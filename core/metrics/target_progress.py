"""Progress of a flow-metric target, judged against a straight line from start to due.

A PMO wants one word per target (on track, at risk, off track) and the numbers behind
it. Progress is the share of the baseline-to-target gap closed by the latest
measurement; the expectation is the share of the timeline elapsed. The straight line is
a deliberately simple plan: it needs no extra input and is easy to explain in a report.
`STATUS_RULE` states the rule once, for the API documentation of both transports, and
`ProgressRead` is the one shape of the answer, which both transports and the exports read.
"""

import enum
from collections.abc import Sequence
from datetime import datetime, timedelta

from pydantic import BaseModel, ConfigDict, Field

MAX_CLOCK_SKEW = timedelta(minutes=5)
"""How far ahead of the service's clock a measurement may be dated: clocks of the
tools that send measurements drift a little, but nothing is measured in the future."""

ON_TRACK_TOLERANCE = 10.0
AT_RISK_TOLERANCE = 30.0

STATUS_RULE = (
    "achieved: the latest measurement reached the target (even after the due date). "
    "no_data: nothing measured up to now. Otherwise off_track once the due date has "
    "passed; before it, percent_of_way is compared with expected_percent_now (the share "
    "of the timeline from start_date to the end of due_date gone by): on_track when at "
    f"most {ON_TRACK_TOLERANCE:g} points behind it (or ahead), at_risk when at most "
    f"{AT_RISK_TOLERANCE:g} points behind, off_track further behind. A measurement worse "
    "than the baseline (percent_of_way below 0) is never on_track: it is at_risk at best, "
    "whatever the timeline says."
)
PERCENT_OF_WAY = (
    "share of the way from baseline (0) to target (100) that the latest measurement "
    "covers; negative when it is worse than the baseline, above 100 beyond the target"
)
EXPECTED_PERCENT = (
    "share of the timeline from start_date to the end of due_date gone by now, 0 to 100: "
    "where a straight line from baseline to target would be"
)


class Direction(enum.StrEnum):
    lower_is_better = "lower_is_better"
    higher_is_better = "higher_is_better"


class TargetStatus(enum.StrEnum):
    on_track = "on_track"
    at_risk = "at_risk"
    off_track = "off_track"
    achieved = "achieved"
    no_data = "no_data"


class ProgressRead(BaseModel):
    """Where a target stands now, computed from its measurements, never stored."""

    model_config = ConfigDict(frozen=True)

    latest_value: float | None = Field(
        description="the latest measurement taken up to now, in the target's unit"
    )
    latest_at: datetime | None = Field(description="when the latest measurement was taken")
    percent_of_way: float | None = Field(description=PERCENT_OF_WAY)
    status: TargetStatus = Field(description=STATUS_RULE)
    expected_percent_now: float | None = Field(description=EXPECTED_PERCENT)
    reason: str = Field(description="the status in words, with the numbers behind it")


def validate_target(baseline: float, target: float, direction: Direction) -> None:
    """Refuse targets that cannot be progressed towards.

    A target equal to its baseline has no gap to measure progress against, so it is
    refused, except a lower-is-better target of zero from a baseline of zero: flow
    metrics are never negative, so "stay at zero" is the best value there is and is
    accepted as a hold-the-line target.
    """
    if baseline == target:
        if direction is Direction.lower_is_better and target == 0:
            return
        raise ValueError("the target must differ from the baseline: there is no gap to close")
    if direction is Direction.lower_is_better and target > baseline:
        raise ValueError("a lower-is-better target must be below the baseline")
    if direction is Direction.higher_is_better and target < baseline:
        raise ValueError("a higher-is-better target must be above the baseline")


def future_problem(measured_at: datetime, now: datetime) -> str | None:
    """Why a measurement cannot be dated `measured_at` at `now`, or None when it can."""
    if measured_at > now + MAX_CLOCK_SKEW:
        minutes = MAX_CLOCK_SKEW.total_seconds() / 60
        return (
            f"{measured_at.isoformat()} is in the future: a measurement may be dated at most "
            f"{minutes:g} minutes ahead of the service's clock ({now.isoformat()})"
        )
    return None


def reached(value: float, target: float, direction: Direction) -> bool:
    if direction is Direction.lower_is_better:
        return value <= target
    return value >= target


def percent_of_way(baseline: float, target: float, direction: Direction, value: float) -> float:
    """0 at the baseline, 100 at the target; negative when worse than the baseline."""
    if baseline == target:
        return 100.0 if reached(value, target, direction) else 0.0
    return round((baseline - value) / (baseline - target) * 100, 2)


def expected_percent(start: datetime, due: datetime, now: datetime) -> float:
    """Share of the timeline elapsed, clamped to 0..100."""
    if due <= start:
        raise ValueError("the due date must be after the start")
    elapsed = (now - start) / (due - start) * 100
    return round(min(max(elapsed, 0.0), 100.0), 2)


def _fmt(value: float) -> str:
    return f"{value:g}"


def progress(
    baseline: float,
    target: float,
    direction: Direction,
    measurements: Sequence[tuple[datetime, float]],
    *,
    start: datetime,
    due: datetime,
    now: datetime,
) -> ProgressRead:
    """Where a target stands at ``now``.

    Measurements taken after ``now`` are ignored so a report for a past date shows what
    was known then; of two measurements at the same instant the later one given wins, as
    a correction. Reaching the target wins over lateness: a target achieved after its
    due date is still achieved. Moving the wrong way is never on track, however early:
    the straight line expects little at first, and a tolerance meant for "a bit behind
    the plan" must not paint a target green that is worse than where it started.
    """
    direction = Direction(direction)
    validate_target(baseline, target, direction)
    expected = expected_percent(start, due, now)
    known = [(at, value) for at, value in measurements if at <= now]
    if not known:
        return ProgressRead(
            latest_value=None,
            latest_at=None,
            percent_of_way=None,
            status=TargetStatus.no_data,
            expected_percent_now=expected,
            reason="no measurements yet",
        )
    latest_at, latest = max(reversed(known), key=lambda m: m[0])
    percent = percent_of_way(baseline, target, direction, latest)

    def result(status: TargetStatus, reason: str) -> ProgressRead:
        return ProgressRead(
            latest_value=latest,
            latest_at=latest_at,
            percent_of_way=percent,
            status=status,
            expected_percent_now=expected,
            reason=reason,
        )

    if reached(latest, target, direction):
        return result(
            TargetStatus.achieved, f"latest {_fmt(latest)} reached the target {_fmt(target)}"
        )
    where = f"{_fmt(percent)}% of the way, {_fmt(expected)}% expected by now"
    if now >= due:
        return result(TargetStatus.off_track, f"past due and not reached: {where}")
    if baseline == target:
        return result(TargetStatus.off_track, f"latest {_fmt(latest)} lost the held level")
    if percent < 0:
        worse = f"latest {_fmt(latest)} is worse than the baseline {_fmt(baseline)}: {where}"
        if percent >= expected - AT_RISK_TOLERANCE:
            return result(TargetStatus.at_risk, worse)
        return result(TargetStatus.off_track, worse)
    if percent >= expected - ON_TRACK_TOLERANCE:
        return result(TargetStatus.on_track, where)
    if percent >= expected - AT_RISK_TOLERANCE:
        return result(TargetStatus.at_risk, where)
    return result(TargetStatus.off_track, where)
