"""Flow-metric targets and their measurements; progress is computed, never stored.

Values are stored in the metric's canonical unit and given and shown in the target's
own unit (`core.metrics.units`). The conversions happen here and nowhere else: on the
way in when a target or measurement is written, on the way out in `target_read` and
`measurement_read`, which both transports and the exports answer with.
"""

import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from pydantic import Field
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from core.actor import Actor
from core.delivery import flow_metrics
from core.errors import Conflict, FieldProblem, NotFound, ValidationFailed
from core.maps import measuring
from core.metrics import units
from core.metrics.flow import SECONDS_PER_DAY, FlowBucket
from core.metrics.map_metrics import MapMetrics
from core.metrics.target_progress import (
    Direction,
    ProgressRead,
    future_problem,
    progress,
    validate_target,
)
from core.models.target import (
    FlowMeasurementsRead,
    FlowTarget,
    Measurement,
    MeasurementRead,
    MetricKey,
    TargetCreate,
    TargetFromMaps,
    TargetRead,
)
from core.models.value_stream import ValueStream
from core.services import crud
from core.services.children import ChildService
from core.services.filters import ListFilter
from core.types import utcnow
from core.webhooks import events

MAP_METRICS: dict[MetricKey, tuple[str, Direction, str]] = {
    MetricKey.lead_time: ("lead_time_seconds", Direction.lower_is_better, "seconds"),
    MetricKey.process_time: ("process_time_seconds", Direction.lower_is_better, "seconds"),
    MetricKey.activity_ratio: ("activity_ratio", Direction.higher_is_better, "ratio"),
    MetricKey.rolled_pca: ("rolled_pca_percent", Direction.higher_is_better, "percent"),
    MetricKey.handoffs: ("handoffs", Direction.lower_is_better, "handoffs"),
}
"""Map metric, the `MapMetrics` attribute it comes from, its direction and its unit there."""


def _check(baseline: float, target: float, direction: Any) -> None:
    try:
        validate_target(baseline, target, Direction(direction))
    except ValueError as exc:
        raise ValidationFailed(str(exc), field="target") from exc


def checked_unit(metric: str, unit: str | None, field: str = "unit") -> str | None:
    """The unit a target of `metric` is kept in, or a 422 listing the metric's units."""
    try:
        return units.unit_for(metric, unit)
    except units.UnknownUnit as exc:
        raise ValidationFailed(
            str(exc), problems=[FieldProblem(field, str(exc), exc.allowed)]
        ) from exc


def _custom_rules(metric: MetricKey, values: dict[str, Any]) -> None:
    """A custom metric is named by its key and counted in its owner's unit; no other is."""
    if metric is MetricKey.custom:
        if not values.get("custom_key"):
            raise ValidationFailed("a custom metric needs its custom_key", field="custom_key")
        if not values.get("unit"):
            raise ValidationFailed("a custom metric needs its unit", field="unit")
    elif values.get("custom_key"):
        raise ValidationFailed("custom_key is only for the custom metric", field="custom_key")


def _stored(target: FlowTarget, value: float) -> float:
    return units.to_canonical(target.metric, target.unit, value)


def in_target_unit(target: FlowTarget, value: float) -> float:
    """A stored value of `target` (or of its measurements) in the unit it is read in."""
    return units.from_canonical(target.metric, target.unit, value)


class TargetService(ChildService[FlowTarget]):
    async def prepare(
        self, session: AsyncSession, actor: Actor, parent: Any, values: dict[str, Any]
    ) -> dict[str, Any]:
        metric = MetricKey(values["metric"])
        _custom_rules(metric, values)
        unit = checked_unit(metric, values.get("unit"))
        values["unit"] = unit
        for name in ("baseline", "target"):
            values[name] = units.to_canonical(metric, unit, values[name])
        _check(values["baseline"], values["target"], values["direction"])
        values["start_date"] = values.get("start_date") or utcnow().date()
        if values["due_date"] <= values["start_date"]:
            raise ValidationFailed("due_date must come after start_date", field="due_date")
        return values

    async def revise(
        self, session: AsyncSession, actor: Actor, obj: FlowTarget, changes: dict[str, Any]
    ) -> dict[str, Any]:
        """A new unit changes how the values read; baseline and target sent are in it.

        A unit cleared with null is the metric's stored unit again; a custom metric's
        unit cannot be cleared.
        """
        if "unit" in changes:
            if changes["unit"] is None and obj.metric == MetricKey.custom:
                raise ValidationFailed("a custom metric needs its unit", field="unit")
            changes["unit"] = checked_unit(obj.metric, changes["unit"])
        unit = changes.get("unit") or obj.unit
        for name in ("baseline", "target"):
            if changes.get(name) is not None:
                changes[name] = units.to_canonical(obj.metric, unit, changes[name])
        return changes

    async def check_change(
        self, session: AsyncSession, actor: Actor, obj: FlowTarget, changes: dict[str, Any]
    ) -> None:
        merged = {k: changes.get(k, getattr(obj, k)) for k in ("baseline", "target", "direction")}
        _check(merged["baseline"], merged["target"], merged["direction"])
        start = changes.get("start_date", obj.start_date)
        if changes.get("due_date", obj.due_date) <= start:
            raise ValidationFailed("due_date must come after start_date", field="due_date")


def not_in_future(moment: datetime | None, field: str) -> None:
    """A measurement dated beyond the clock skew is refused, naming `field`."""
    problem = None if moment is None else future_problem(moment, utcnow())
    if problem is not None:
        raise ValidationFailed(problem, field=field)


class MeasurementService(ChildService[Measurement]):
    """Measurements are given in their target's unit and stored in the metric's."""

    async def prepare(
        self, session: AsyncSession, actor: Actor, parent: Any, values: dict[str, Any]
    ) -> dict[str, Any]:
        not_in_future(values.get("measured_at"), "measured_at")
        values["value"] = _stored(parent, values["value"])
        return values

    async def revise(
        self, session: AsyncSession, actor: Actor, obj: Measurement, changes: dict[str, Any]
    ) -> dict[str, Any]:
        if changes.get("value") is not None:
            target = await crud.get(session, actor, FlowTarget, obj.target_id)
            changes["value"] = _stored(target, changes["value"])
        return changes

    async def check_change(
        self, session: AsyncSession, actor: Actor, obj: Measurement, changes: dict[str, Any]
    ) -> None:
        not_in_future(changes.get("measured_at"), "measured_at")

    async def created(self, session: AsyncSession, actor: Actor, obj: Measurement) -> None:
        target = await crud.get(session, actor, FlowTarget, obj.target_id)
        await events.emit(
            session,
            actor,
            "measurement.recorded",
            {
                "measurement_id": str(obj.id),
                "target_id": str(target.id),
                "value_stream_id": str(target.value_stream_id),
                "metric": target.metric,
                "value": obj.value,
                "measured_at": obj.measured_at.isoformat().replace("+00:00", "Z"),
            },
        )


class TargetFilter(ListFilter):
    metric: MetricKey | None = Field(default=None, description="the metric it sets a goal for")
    owner_id: uuid.UUID | None = Field(default=None, description="the person who owns it")


class MeasurementFilter(ListFilter):
    source: str | None = Field(
        default=None,
        max_length=40,
        description="where the value came from: 'manual', 'flow' (delivery data), or a tool's",
    )


targets = TargetService(FlowTarget, person_fields=["owner_id"], filters=TargetFilter)
measurements = MeasurementService(
    Measurement,
    parent=FlowTarget,
    parent_field="target_id",
    order=("measured_at", "id"),
    filters=MeasurementFilter,
)


def _moment(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


@dataclass(frozen=True)
class TargetCourse:
    """What a target's progress is judged from, in the target's unit, as plain data.

    Progress depends on the moment it is judged at, so what may be kept between
    requests is this, not the status.
    """

    baseline: float
    target: float
    direction: Direction
    measurements: tuple[tuple[datetime, float], ...]
    start: datetime
    due: datetime

    @classmethod
    def of(cls, target: FlowTarget, series: Sequence[Measurement]) -> "TargetCourse":
        return cls(
            in_target_unit(target, target.baseline),
            in_target_unit(target, target.target),
            Direction(target.direction),
            tuple((m.measured_at, in_target_unit(target, m.value)) for m in series),
            _moment(target.start_date),
            _moment(target.due_date + timedelta(days=1)),
        )

    def progress(self, now: datetime) -> ProgressRead:
        return progress(
            self.baseline,
            self.target,
            self.direction,
            self.measurements,
            start=self.start,
            due=self.due,
            now=now,
        )


def target_progress(
    target: FlowTarget, series: Sequence[Measurement], now: datetime | None = None
) -> ProgressRead:
    """Progress from baseline towards target, judged against the time elapsed to the due date.

    Computed in the target's unit, so the reason reads in the numbers its owner set.
    """
    return TargetCourse.of(target, series).progress(now or utcnow())


async def progress_of(
    session: AsyncSession, actor: Actor, target_list: Sequence[FlowTarget]
) -> dict[uuid.UUID, ProgressRead]:
    """Progress of many targets with one query for all their measurements."""
    series = await measurements.for_parents(session, actor, [t.id for t in target_list])
    now = utcnow()
    return {t.id: target_progress(t, series.get(t.id, []), now) for t in target_list}


def target_read(target: FlowTarget, now: ProgressRead | None) -> TargetRead:
    """The target as clients read it: values in its unit, with its progress."""
    return TargetRead.model_validate(
        {
            **target.model_dump(warnings=False),
            "baseline": in_target_unit(target, target.baseline),
            "target": in_target_unit(target, target.target),
            "progress": now,
        }
    )


async def target_reads(
    session: AsyncSession, actor: Actor, rows: Sequence[FlowTarget]
) -> list[TargetRead]:
    progresses = await progress_of(session, actor, rows)
    return [target_read(t, progresses[t.id]) for t in rows]


def measurement_read(measurement: Measurement, target: FlowTarget) -> MeasurementRead:
    """A measurement as clients read it: its value in its target's unit."""
    return MeasurementRead.model_validate(
        {
            **measurement.model_dump(warnings=False),
            "value": in_target_unit(target, measurement.value),
            "unit": target.unit,
        }
    )


async def measurement_reads(
    session: AsyncSession, actor: Actor, rows: Sequence[Measurement]
) -> list[MeasurementRead]:
    owners = await crud.get_many(session, actor, FlowTarget, list({m.target_id for m in rows}))
    return [measurement_read(m, owners[m.target_id]) for m in rows]


async def targets_of_streams(
    session: AsyncSession, actor: Actor, stream_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[FlowTarget]]:
    return await targets.for_parents(session, actor, stream_ids)


async def create_from_maps(
    session: AsyncSession, actor: Actor, value_stream_id: uuid.UUID, data: TargetFromMaps
) -> FlowTarget:
    """Baseline from the current map, target from the chosen desired map, of this cycle.

    Without a unit the target reads in a unit a person would choose for these two
    numbers: 16 and 8 hours rather than 57,600 and 28,800 seconds.
    """
    if data.metric not in MAP_METRICS:
        raise ValidationFailed(
            f"{data.metric} is not a map metric: use one of {', '.join(MAP_METRICS)}",
            problems=[
                FieldProblem("metric", f"{data.metric} is not a map metric", list(MAP_METRICS))
            ],
        )
    unit = checked_unit(data.metric, data.unit) if data.unit is not None else None
    try:
        compared = await measuring.comparison(session, actor, value_stream_id)
    except NotFound as exc:
        await crud.get(session, actor, ValueStream, value_stream_id)
        raise Conflict(f"no target from maps yet: {exc.detail}", field="metric") from exc
    attribute, direction, map_unit = MAP_METRICS[data.metric]
    baseline, goal = (
        units.to_canonical(data.metric, map_unit, _value(metrics, attribute))
        for metrics in (compared.current, compared.desired)
    )
    unit = unit or units.human_unit(data.metric, (baseline, goal))
    create = TargetCreate(
        metric=data.metric,
        unit=unit,
        baseline=units.from_canonical(data.metric, unit, baseline),
        target=units.from_canonical(data.metric, unit, goal),
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


async def courses(
    session: AsyncSession, actor: Actor, stream_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, tuple[TargetCourse, ...]]:
    """Per value stream, its targets' courses (every stream asked for gets an answer)."""
    by_stream = await targets_of_streams(session, actor, stream_ids)
    flat = [t for ts in by_stream.values() for t in ts]
    series = await measurements.for_parents(session, actor, [t.id for t in flat])
    return {
        i: tuple(TargetCourse.of(t, series.get(t.id, [])) for t in by_stream.get(i, []))
        for i in stream_ids
    }


def status_counts(course_list: Iterable[TargetCourse], now: datetime) -> dict[str, int]:
    """How many targets are on track, at risk, off track, achieved, without data at `now`."""
    counts: dict[str, int] = {}
    for course in course_list:
        status = course.progress(now).status.value
        counts[status] = counts.get(status, 0) + 1
    return counts


def _per_day(count: int, bucket: FlowBucket) -> float:
    days = (bucket.window_end - bucket.window_start).total_seconds() / SECONDS_PER_DAY
    return count / days


FLOW_VALUES: dict[MetricKey, Callable[[FlowBucket], float | None]] = {
    MetricKey.flow_velocity: lambda b: _per_day(b.flow_velocity, b),
    MetricKey.flow_time: lambda b: b.flow_time_seconds,
    MetricKey.flow_efficiency: lambda b: b.flow_efficiency,
    MetricKey.flow_load: lambda b: b.flow_load,
    MetricKey.flow_distribution_feature: lambda b: b.flow_distribution.feature,
    MetricKey.flow_distribution_defect: lambda b: b.flow_distribution.defect,
    MetricKey.flow_distribution_risk: lambda b: b.flow_distribution.risk,
    MetricKey.flow_distribution_debt: lambda b: b.flow_distribution.debt,
    MetricKey.deployment_frequency: lambda b: b.deployments_per_day,
    MetricKey.lead_time_for_changes: lambda b: b.lead_time_for_changes_seconds,
    MetricKey.change_failure_rate: lambda b: b.change_failure_rate,
    MetricKey.time_to_restore: lambda b: b.time_to_restore_seconds,
}
"""Each delivery-flow metric of a window, in the metric's canonical unit."""


@dataclass(frozen=True)
class FlowMeasurements:
    """What measuring a window did, per target: measured anew, measured again, as before."""

    recorded: list[Measurement]
    replaced: list[Measurement]
    unchanged: list[Measurement]


async def record_from_flow(
    session: AsyncSession,
    actor: Actor,
    value_stream_id: uuid.UUID,
    *,
    start: datetime,
    end: datetime,
) -> FlowMeasurements:
    """Measure every delivery-flow target over `[start, end)` from the ingested data.

    One measurement per target and window, dated `end`, with source "flow"; targets the
    window says nothing about (no deployments, say) get none rather than a made-up zero.
    Measuring a window again is safe: a target whose measurement of that window still
    holds keeps it untouched (`unchanged`); one whose delivery data changed since (late
    incidents, say) has that measurement replaced by the new value, in place, with an
    audit event holding both (`replaced`). A window's measurement is what the data says
    now, and no copy of it is ever added.
    """
    actor.require_write()
    not_in_future(end, "end")
    window = await flow_metrics.window_metrics(
        session, actor, value_stream_id, start=start, end=end
    )
    flow_targets = _flow_targets(
        (await targets_of_streams(session, actor, [value_stream_id])).get(value_stream_id, [])
    )
    earlier = await _window_measurements(session, actor, flow_targets, start, end)
    result = FlowMeasurements([], [], [])
    for target in flow_targets:
        value = FLOW_VALUES[MetricKey(target.metric)](window)
        if value is None:
            continue
        known = earlier.get(target.id)
        if known is None:
            result.recorded.append(
                await crud.create(
                    session,
                    actor,
                    Measurement,
                    {
                        "target_id": target.id,
                        "value": float(value),
                        "measured_at": end,
                        "source": "flow",
                        "note": f"delivery flow from {start.isoformat()} to {end.isoformat()}",
                        "window_start": start,
                        "window_end": end,
                    },
                )
            )
        elif known.value == float(value):
            result.unchanged.append(known)
        else:
            result.replaced.append(
                await crud.update(
                    session, actor, known, {"value": float(value)}, expected_version=None
                )
            )
    return result


async def flow_measurements_read(
    session: AsyncSession, actor: Actor, result: FlowMeasurements
) -> FlowMeasurementsRead:
    every = [*result.recorded, *result.replaced, *result.unchanged]
    shown = iter(await measurement_reads(session, actor, every))
    return FlowMeasurementsRead(
        recorded=[next(shown) for _ in result.recorded],
        replaced=[next(shown) for _ in result.replaced],
        unchanged=[next(shown) for _ in result.unchanged],
    )


async def _window_measurements(
    session: AsyncSession,
    actor: Actor,
    flow_targets: Sequence[FlowTarget],
    start: datetime,
    end: datetime,
) -> dict[uuid.UUID, Measurement]:
    """The measurements these targets already have of exactly this window, by target."""
    if not flow_targets:
        return {}
    rows = await session.exec(
        crud.scoped(Measurement, actor).where(
            col(Measurement.target_id).in_([t.id for t in flow_targets]),
            Measurement.window_start == start,
            Measurement.window_end == end,
        )
    )
    return {m.target_id: m for m in rows}


def _flow_targets(rows: Iterable[FlowTarget]) -> list[FlowTarget]:
    return [t for t in rows if MetricKey(t.metric) in FLOW_VALUES]
