"""Reference delivery-flow metrics and the four DORA keys, computed in memory.

These are the oracle the SQL implementations are tested against, and good enough on
their own for small data. Every choice below is one SQL can reproduce exactly:

* Periods and buckets are half-open, ``[start, end)``, in UTC. Buckets are aligned to
  calendar days, ISO weeks (Monday 00:00) or months (the 1st), and each is clipped to
  the requested period, as ``WHERE t >= :start AND t < :end GROUP BY bucket(t)`` does.
* Durations are distributions (`core.metrics.percentiles`): count, mean, and the 50th,
  85th and 95th percentiles by the caller's method, linear interpolation by default;
  each method is defined on ranks, so SQL on either database gives the very same number.
* Ratios are ratios of sums, so one slow item weighs by its time, not by its count.
"""

import calendar
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict

from core.metrics.definitions import FLOW, described
from core.metrics.dora_tiers import DoraTiers
from core.metrics.percentiles import (
    DEFAULT_PERCENTILE_METHOD,
    Distribution,
    PercentileMethod,
    distribution,
    median,
)
from core.metrics.work_item_age import (
    AGING_HISTORY_DAYS,
    AgingAt,
    InProgress,
    aging_at,
    flow_times_by_type,
)

ItemType = Literal["feature", "defect", "risk", "debt"]
BucketSize = Literal["day", "week", "month"]
ITEM_TYPES: tuple[ItemType, ...] = get_args(ItemType)
SECONDS_PER_DAY = 86_400.0


@dataclass(frozen=True)
class WorkItem:
    """A flow item; ``active_seconds`` is its time in active states, from state changes."""

    external_id: str
    type: ItemType
    created: datetime
    started: datetime | None
    finished: datetime | None
    active_seconds: float | None
    waiting_seconds: float | None = None
    blocked_seconds: float | None = None

    @property
    def began(self) -> datetime:
        """Items imported without a start state count from creation."""
        return self.started if self.started is not None else self.created

    @property
    def flow_seconds(self) -> float | None:
        if self.finished is None:
            return None
        return (self.finished - self.began).total_seconds()


@dataclass(frozen=True)
class Deployment:
    """``caused_incident`` is the pipeline's own word; ``incident_external_id`` a link."""

    external_id: str
    deployed_at: datetime
    commit_times: tuple[datetime, ...]
    succeeded: bool
    caused_incident: bool
    incident_external_id: str | None = None


@dataclass(frozen=True)
class Incident:
    """``deployment_external_id`` links the incident to the deployment that caused it."""

    external_id: str
    opened: datetime
    resolved: datetime | None
    deployment_external_id: str | None = None


class FlowDistribution(BaseModel):
    """Share of each type among finished items."""

    model_config = ConfigDict(frozen=True)

    feature: float
    defect: float
    risk: float
    debt: float


class TimeInState(BaseModel):
    """How long the finished items whose state changes are known were active, waiting and
    blocked, each a distribution over those items."""

    model_config = ConfigDict(frozen=True)

    active: Distribution
    waiting: Distribution
    blocked: Distribution


@described(FLOW)
class FlowBucket(BaseModel):
    """One bucket; seconds for times, `null` where there was nothing to measure."""

    # `start`/`end` are the calendar bucket (the label); `window_start`/`window_end` are
    # the part of it inside the requested period, which is what was counted.
    model_config = ConfigDict(frozen=True)

    start: datetime
    end: datetime
    window_start: datetime
    window_end: datetime
    flow_velocity: int
    flow_time_seconds: float | None
    flow_time: Distribution | None
    flow_efficiency: float | None
    flow_load: int
    flow_distribution: FlowDistribution
    deployment_count: int
    deployments_per_day: float
    lead_time_for_changes_seconds: float | None
    lead_time_for_changes: Distribution | None
    change_failure_rate: float | None
    time_to_restore_seconds: float | None
    time_to_restore: Distribution | None
    dora_tiers: DoraTiers | None = None
    time_in_state: TimeInState | None
    aging: AgingAt | None = None


def _require_aware(name: str, value: datetime) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware: naive datetimes are ambiguous")


def bucket_floor(moment: datetime, bucket: BucketSize) -> datetime:
    """The start of the calendar bucket holding ``moment``, in UTC."""
    _require_aware("moment", moment)
    day = moment.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    if bucket == "day":
        return day
    if bucket == "week":
        return day - timedelta(days=day.weekday())
    if bucket == "month":
        return day.replace(day=1)
    raise ValueError(f"unknown bucket {bucket!r}: use day, week or month")


def bucket_next(bucket_start: datetime, bucket: BucketSize) -> datetime:
    """The start of the bucket after the one starting at ``bucket_start``."""
    if bucket == "day":
        return bucket_start + timedelta(days=1)
    if bucket == "week":
        return bucket_start + timedelta(weeks=1)
    if bucket == "month":
        days = calendar.monthrange(bucket_start.year, bucket_start.month)[1]
        return bucket_start.replace(day=1) + timedelta(days=days)
    raise ValueError(f"unknown bucket {bucket!r}: use day, week or month")


def bucket_starts(start: datetime, end: datetime, bucket: BucketSize) -> list[datetime]:
    """Starts of the calendar buckets overlapping ``[start, end)``; the first may precede start."""
    _require_aware("start", start)
    _require_aware("end", end)
    if start >= end:
        raise ValueError("the period start must be before its end")
    starts: list[datetime] = []
    current = bucket_floor(start, bucket)
    while current < end:
        starts.append(current)
        current = bucket_next(current, bucket)
    return starts


def _within(moment: datetime | None, start: datetime, end: datetime) -> bool:
    return moment is not None and start <= moment < end


def finished_in(items: Iterable[WorkItem], start: datetime, end: datetime) -> list[WorkItem]:
    return [item for item in items if _within(item.finished, start, end)]


def flow_velocity(items: Iterable[WorkItem], start: datetime, end: datetime) -> int:
    return len(finished_in(items, start, end))


def flow_time(
    items: Iterable[WorkItem],
    start: datetime,
    end: datetime,
    method: PercentileMethod = DEFAULT_PERCENTILE_METHOD,
) -> Distribution | None:
    """Seconds from start (or creation) to finish of the items finished in the period."""
    return distribution(
        (
            item.flow_seconds
            for item in finished_in(items, start, end)
            if item.flow_seconds is not None
        ),
        method,
    )


def flow_efficiency(items: Iterable[WorkItem], start: datetime, end: datetime) -> float | None:
    """Active time over flow time, summed over finished items whose active time is known.

    Items without state history are left out of both sums rather than counted as idle,
    which would understate efficiency for teams whose tracker lacks that history.
    """
    active = 0.0
    total = 0.0
    measured = False
    for item in finished_in(items, start, end):
        if item.active_seconds is None or item.flow_seconds is None:
            continue
        measured = True
        active += item.active_seconds
        total += item.flow_seconds
    if not measured or total <= 0:
        return None
    return active / total


def flow_load(items: Iterable[WorkItem], at: datetime) -> int:
    """Items begun before ``at`` and not finished before it: the WIP at that instant."""
    return sum(
        1 for item in items if item.began < at and (item.finished is None or item.finished >= at)
    )


def flow_distribution(
    items: Iterable[WorkItem], start: datetime, end: datetime
) -> dict[str, float]:
    """Share of each item type among the finished items; all types present, zeros if none."""
    finished = finished_in(items, start, end)
    shares: dict[str, float] = dict.fromkeys(ITEM_TYPES, 0.0)
    if not finished:
        return shares
    for kind in ITEM_TYPES:
        shares[kind] = sum(1 for item in finished if item.type == kind) / len(finished)
    return shares


def deployments_in(
    deployments: Iterable[Deployment], start: datetime, end: datetime
) -> list[Deployment]:
    return [d for d in deployments if _within(d.deployed_at, start, end)]


def deployment_frequency(
    deployments: Iterable[Deployment], start: datetime, end: datetime
) -> tuple[int, float]:
    """Count of deployments, failed ones included, and that count per day of the period."""
    count = len(deployments_in(deployments, start, end))
    days = (end - start).total_seconds() / SECONDS_PER_DAY
    return count, count / days


def lead_time_for_changes(
    deployments: Iterable[Deployment],
    start: datetime,
    end: datetime,
    method: PercentileMethod = DEFAULT_PERCENTILE_METHOD,
) -> Distribution | None:
    """Seconds from commit to deploy, pooling every commit of successful deployments.

    Pooling weighs a deployment by the commits it carries, as the DORA definition measures
    changes, not deployments.
    """
    return distribution(
        (
            (deployment.deployed_at - committed).total_seconds()
            for deployment in deployments_in(deployments, start, end)
            if deployment.succeeded
            for committed in deployment.commit_times
        ),
        method,
    )


def failed_changes(deployments: Iterable[Deployment], incidents: Iterable[Incident]) -> set[str]:
    """External ids of the deployments that failed or caused an incident.

    Trackers and pipelines link the two from either side: a deployment may name its
    incident, an incident may name its deployment. Either link counts, but only between
    records that exist: a name nobody reported is a typo or a record not sent yet, and
    a failure rate must not rise on it.
    """
    deployed = list(deployments)
    known_deployments = {d.external_id for d in deployed}
    known_incidents: set[str] = set()
    named_by_incidents: set[str] = set()
    for incident in incidents:
        known_incidents.add(incident.external_id)
        if incident.deployment_external_id in known_deployments:
            named_by_incidents.add(incident.deployment_external_id)
    return {
        d.external_id
        for d in deployed
        if not d.succeeded
        or d.caused_incident
        or d.incident_external_id in known_incidents
        or d.external_id in named_by_incidents
    }


def change_failure_rate(
    deployments: Iterable[Deployment],
    start: datetime,
    end: datetime,
    incidents: Iterable[Incident] = (),
) -> float | None:
    """Share of the period's deployments that failed (see `failed_changes`); ``None`` if none."""
    every = list(deployments)
    period = deployments_in(every, start, end)
    if not period:
        return None
    failed = failed_changes(every, incidents)
    return sum(1 for d in period if d.external_id in failed) / len(period)


def time_to_restore(
    incidents: Iterable[Incident],
    start: datetime,
    end: datetime,
    method: PercentileMethod = DEFAULT_PERCENTILE_METHOD,
) -> Distribution | None:
    """Seconds from open to resolve of incidents resolved in the period."""
    return distribution(
        (
            (incident.resolved - incident.opened).total_seconds()
            for incident in incidents
            if incident.resolved is not None and _within(incident.resolved, start, end)
        ),
        method,
    )


def time_in_state(
    items: Iterable[WorkItem],
    start: datetime,
    end: datetime,
    method: PercentileMethod = DEFAULT_PERCENTILE_METHOD,
) -> TimeInState | None:
    """Seconds in each kind of state, over the items finished in the period that have state
    changes (`core.metrics.work_states`); None when none has."""
    known = [item for item in finished_in(items, start, end) if item.active_seconds is not None]
    active = distribution((item.active_seconds or 0.0 for item in known), method)
    waiting = distribution((item.waiting_seconds or 0.0 for item in known), method)
    blocked = distribution((item.blocked_seconds or 0.0 for item in known), method)
    if active is None or waiting is None or blocked is None:
        return None
    return TimeInState(active=active, waiting=waiting, blocked=blocked)


def aging(
    items: Iterable[WorkItem],
    at: datetime,
    method: PercentileMethod = DEFAULT_PERCENTILE_METHOD,
    history_days: int = AGING_HISTORY_DAYS,
) -> AgingAt:
    """The work in progress at `at` against the flow time of its type's items finished in
    the `history_days` before it (`core.metrics.work_item_age`)."""
    every = list(items)
    wip = [
        InProgress(item.external_id, item.type, None, item.began)
        for item in every
        if item.began < at and (item.finished is None or item.finished >= at)
    ]
    history = finished_in(every, at - timedelta(days=history_days), at)
    flow_times = flow_times_by_type(
        ((item.type, item.flow_seconds) for item in history if item.flow_seconds is not None),
        method,
    )
    return aging_at(wip, flow_times, at, method)


def compute_window(
    items: Sequence[WorkItem],
    deployments: Sequence[Deployment],
    incidents: Sequence[Incident],
    *,
    bucket_start: datetime,
    bucket_end: datetime,
    window_start: datetime,
    window_end: datetime,
    method: PercentileMethod = DEFAULT_PERCENTILE_METHOD,
) -> FlowBucket:
    """All metrics for one bucket, counted over its window inside the requested period."""
    count, per_day = deployment_frequency(deployments, window_start, window_end)
    flow = flow_time(items, window_start, window_end, method)
    lead = lead_time_for_changes(deployments, window_start, window_end, method)
    restore = time_to_restore(incidents, window_start, window_end, method)
    return FlowBucket(
        start=bucket_start,
        end=bucket_end,
        window_start=window_start,
        window_end=window_end,
        flow_velocity=flow_velocity(items, window_start, window_end),
        flow_time_seconds=median(flow),
        flow_time=flow,
        flow_efficiency=flow_efficiency(items, window_start, window_end),
        flow_load=flow_load(items, window_end),
        flow_distribution=FlowDistribution(**flow_distribution(items, window_start, window_end)),
        deployment_count=count,
        deployments_per_day=per_day,
        lead_time_for_changes_seconds=median(lead),
        lead_time_for_changes=lead,
        change_failure_rate=change_failure_rate(deployments, window_start, window_end, incidents),
        time_to_restore_seconds=median(restore),
        time_to_restore=restore,
        time_in_state=time_in_state(items, window_start, window_end, method),
        aging=aging(items, window_end, method),
    )


def compute_flow(
    items: Sequence[WorkItem],
    deployments: Sequence[Deployment],
    incidents: Sequence[Incident],
    *,
    start: datetime,
    end: datetime,
    bucket: BucketSize,
    method: PercentileMethod = DEFAULT_PERCENTILE_METHOD,
) -> list[FlowBucket]:
    """One `FlowBucket` per calendar bucket overlapping ``[start, end)``, oldest first."""
    buckets: list[FlowBucket] = []
    for bucket_start in bucket_starts(start, end, bucket):
        bucket_end = bucket_next(bucket_start, bucket)
        buckets.append(
            compute_window(
                items,
                deployments,
                incidents,
                bucket_start=bucket_start,
                bucket_end=bucket_end,
                window_start=max(bucket_start, start),
                window_end=min(bucket_end, end),
                method=method,
            )
        )
    return buckets
