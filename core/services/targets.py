"""Flow-metric targets and their measurements; progress is computed, never stored."""

import uuid
from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from core.actor import Actor
from core.errors import ValidationFailed
from core.metrics.map_metrics import MapMetrics
from core.metrics.targets import Direction, TargetProgress, progress, validate_target
from core.models.target import FlowTarget, Measurement, MetricKey, TargetCreate, TargetFromMaps
from core.services import maps
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


targets = TargetService(FlowTarget, person_fields=["owner_id"], filters=["metric", "owner_id"])
measurements = ChildService(
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
    _current, _desired, now, then, _changes = await maps.comparison(session, actor, value_stream_id)
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
