"""Flow-metric targets and their measurements; progress is computed, never stored."""

import uuid
from collections import defaultdict
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from core.actor import Actor
from core.errors import Conflict, NotFound, ValidationFailed
from core.metrics.flow import FlowBucket
from core.metrics.map_metrics import MapMetrics
from core.metrics.targets import (
    Direction,
    TargetProgress,
    future_problem,
    progress,
    validate_target,
)
from core.models.target import (
    FlowTarget,
    Measurement,
    MeasurementCreate,
    MetricKey,
    TargetCreate,
    TargetFromMaps,
)
from core.models.value_stream import ValueStream
from core.services import crud, flow_metrics, maps
from core.services.children import ChildService
from core.types import utcnow

MAP_METRICS: dict[MetricKey, tuple[str, Direction, str]] = {
    MetricKey.lead_time: ("lead_time_seconds", Direction.lower_is_better, "seconds"),
    MetricKey.process_time: ("process_time_seconds", Direction.lower_is_better, "seconds"),
    MetricKey.activity_ratio: ("activity_ratio", Direction.higher_is_better, "ratio"),
    MetricKey.rolled_pca: ("rolled_pca_percent", Direction.higher_is_better, "percent"),
    MetricKey.handoffs: ("handoffs", Direction.lower_is_better, "count"),
}


def _check(baseline: float, target: float, direction: Any) -> None:
    try:
        validate_target(baseline, target, Direction(direction))
    except ValueError as exc:
        raise ValidationFailed(str(exc), field="target") from exc


class TargetService(ChildService[FlowTarget]):
    async def prepare(
        self, session: AsyncSession, actor: Actor, parent: Any, values: dict[str, Any]
    ) -> dict[str, Any]:
        _check(values["baseline"], values["target"], values["direction"])
        values["start_date"] = values.get("start_date") or utcnow().date()
        if values["due_date"] <= values["start_date"]:
            raise ValidationFailed("due_date must come after start_date", field="due_date")
        return values

    async def check_change(
        self, session: AsyncSession, actor: Actor, obj: FlowTarget, changes: dict[str, Any]
    ) -> None:
        merged = {k: changes.get(k, getattr(obj, k)) for k in ("baseline", "target", "direction")}
        _check(merged["baseline"], merged["target"], merged["direction"])
        start = changes.get("start_date", obj.start_date)
        if changes.get("due_date", obj.due_date) <= start:
            raise ValidationFailed("due_date must come after start_date", field="due_date")


def _not_in_future(moment: datetime | None, field: str) -> None:
    problem = None if moment is None else future_problem(moment, utcnow())
    if problem is not None:
        raise ValidationFailed(problem, field=field)


class MeasurementService(ChildService[Measurement]):
    async def prepare(
        self, session: AsyncSession, actor: Actor, parent: Any, values: dict[str, Any]
    ) -> dict[str, Any]:
        _not_in_future(values.get("measured_at"), "measured_at")
        return values

    async def check_change(
        self, session: AsyncSession, actor: Actor, obj: Measurement, changes: dict[str, Any]
    ) -> None:
        _not_in_future(changes.get("measured_at"), "measured_at")


targets = TargetService(FlowTarget, person_fields=["owner_id"], filters=["metric", "owner_id"])
measurements = MeasurementService(
    Measurement,
    parent=FlowTarget,
    parent_field="target_id",
    order=("measured_at", "id"),
    filters=["source"],
)


def _moment(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def target_progress(
    target: FlowTarget, series: Sequence[Measurement], now: datetime | None = None
) -> TargetProgress:
    """Progress from baseline towards target, judged against the time elapsed to the due date."""
    return progress(
        target.baseline,
        target.target,
        Direction(target.direction),
        [(m.measured_at, m.value) for m in series],
        start=_moment(target.start_date),
        due=_moment(target.due_date + timedelta(days=1)),
        now=now or utcnow(),
    )


async def progress_of(
    session: AsyncSession, actor: Actor, target_list: Sequence[FlowTarget]
) -> dict[uuid.UUID, TargetProgress]:
    """Progress of many targets with one query for all their measurements."""
    series = await measurements.for_parents(session, actor, [t.id for t in target_list])
    now = utcnow()
    return {t.id: target_progress(t, series.get(t.id, []), now) for t in target_list}


async def targets_of_streams(
    session: AsyncSession, actor: Actor, stream_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[FlowTarget]]:
    return await targets.for_parents(session, actor, stream_ids)


async def create_from_maps(
    session: AsyncSession, actor: Actor, value_stream_id: uuid.UUID, data: TargetFromMaps
) -> FlowTarget:
    """Baseline from the current map, target from the chosen desired map, of this cycle."""
    if data.metric not in MAP_METRICS:
        raise ValidationFailed(
            f"{data.metric} is not a map metric: use one of {', '.join(MAP_METRICS)}",
            field="metric",
        )
    try:
        _current, _desired, now, then, _changes = await maps.comparison(
            session, actor, value_stream_id
        )
    except NotFound as exc:
        await crud.get(session, actor, ValueStream, value_stream_id)
        raise Conflict(f"no target from maps yet: {exc.detail}", field="metric") from exc
    attribute, direction, unit = MAP_METRICS[data.metric]
    baseline, goal = _value(now, attribute), _value(then, attribute)
    create = TargetCreate(
        metric=data.metric,
        unit=unit,
        baseline=baseline,
        target=goal,
        direction=direction,
        due_date=data.due_date,
        owner_id=data.owner_id,
        note="baseline from the current-state map, target from the chosen desired-state map",
    )
    return await targets.create(session, actor, value_stream_id, create)


def _value(metrics: MapMetrics, attribute: str) -> float:
    value = getattr(metrics, attribute)
    if value is None:
        raise ValidationFailed(f"the maps have no {attribute} yet", field="metric")
    return float(value)


async def status_counts(
    session: AsyncSession, actor: Actor, stream_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, dict[str, int]]:
    """Per value stream, how many targets are on track, at risk, off track, achieved, no data."""
    by_stream = await targets_of_streams(session, actor, stream_ids)
    flat = [t for ts in by_stream.values() for t in ts]
    progresses = await progress_of(session, actor, flat)
    counts: dict[uuid.UUID, dict[str, int]] = defaultdict(dict)
    for stream_id, stream_targets in by_stream.items():
        for t in stream_targets:
            status = progresses[t.id].status.value
            counts[stream_id][status] = counts[stream_id].get(status, 0) + 1
    return counts


FLOW_VALUES: dict[MetricKey, Callable[[FlowBucket], float | None]] = {
    MetricKey.flow_velocity: lambda b: b.flow_velocity,
    MetricKey.flow_time: lambda b: b.flow_time_seconds,
    MetricKey.flow_efficiency: lambda b: b.flow_efficiency,
    MetricKey.flow_load: lambda b: b.flow_load,
    MetricKey.flow_distribution_feature: lambda b: b.flow_distribution.get("feature"),
    MetricKey.flow_distribution_defect: lambda b: b.flow_distribution.get("defect"),
    MetricKey.flow_distribution_risk: lambda b: b.flow_distribution.get("risk"),
    MetricKey.flow_distribution_debt: lambda b: b.flow_distribution.get("debt"),
    MetricKey.deployment_frequency: lambda b: b.deployments_per_day,
    MetricKey.lead_time_for_changes: lambda b: b.lead_time_for_changes_seconds,
    MetricKey.change_failure_rate: lambda b: b.change_failure_rate,
    MetricKey.time_to_restore: lambda b: b.time_to_restore_seconds,
}
TIME_METRICS = frozenset(
    {MetricKey.flow_time, MetricKey.lead_time_for_changes, MetricKey.time_to_restore}
)
SECONDS_PER_UNIT = {
    "s": 1.0, "second": 1.0, "seconds": 1.0,
    "min": 60.0, "minute": 60.0, "minutes": 60.0,
    "h": 3600.0, "hour": 3600.0, "hours": 3600.0,
    "d": 86400.0, "day": 86400.0, "days": 86400.0,
    "w": 604800.0, "week": 604800.0, "weeks": 604800.0,
}  # fmt: skip
PERCENT_UNITS = frozenset({"%", "percent", "pct"})


def in_target_unit(target: FlowTarget, value: float) -> float:
    """Flow metrics come in seconds and ratios; a target may count days or percent."""
    unit = (target.unit or "").strip().lower()
    if MetricKey(target.metric) in TIME_METRICS and unit in SECONDS_PER_UNIT:
        return value / SECONDS_PER_UNIT[unit]
    if unit in PERCENT_UNITS:
        return value * 100
    return value


async def record_from_flow(
    session: AsyncSession,
    actor: Actor,
    value_stream_id: uuid.UUID,
    *,
    start: datetime,
    end: datetime,
) -> list[Measurement]:
    """Measure every delivery-flow target over `[start, end)` from the ingested data.

    One measurement per target whose metric comes from delivery flow, dated `end`,
    with source "flow"; targets the period says nothing about (no deployments, say)
    get none rather than a made-up zero.
    """
    actor.require_write()
    _not_in_future(end, "end")
    window = await flow_metrics.window_metrics(
        session, actor, value_stream_id, start=start, end=end
    )
    recorded = []
    for target in (await targets_of_streams(session, actor, [value_stream_id])).get(
        value_stream_id, []
    ):
        extract = FLOW_VALUES.get(MetricKey(target.metric))
        value = extract(window) if extract else None
        if value is None:
            continue
        recorded.append(
            await measurements.create(
                session,
                actor,
                target.id,
                MeasurementCreate(
                    value=round(in_target_unit(target, float(value)), 6),
                    measured_at=end,
                    source="flow",
                    note=f"delivery flow from {start.isoformat()} to {end.isoformat()}",
                ),
            )
        )
    return recorded
