"""Value stream maps, their steps and handoffs, and the metrics computed from them."""

import uuid
from collections.abc import Sequence
from typing import Any, Protocol

from pydantic import Field
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from core.actor import Actor
from core.durations import parse_duration
from core.errors import Conflict, ValidationFailed
from core.maps.flowmap import Calendar, DataBox, FlowMap, Handoff, Step, ValueClass
from core.models.value_stream import ValueStream
from core.models.value_stream_map import (
    STEP_DURATIONS,
    MapCreate,
    MapFields,
    MapHandoff,
    MapKind,
    MapStep,
    ValueStreamMap,
    WaitsIn,
)
from core.services import crud
from core.services.children import ChildService
from core.services.filters import CycleFilter, ListFilter


class MapFilter(ListFilter):
    kind: MapKind | None = Field(
        default=None, description="the flow as it is (current) or as it is meant to be"
    )
    cycle: CycleFilter = None
    chosen: bool | None = Field(
        default=None, description="true: the desired map chosen for its cycle"
    )


class StepFilter(ListFilter):
    role: str | None = Field(default=None, max_length=120, description="the role doing the step")
    team: str | None = Field(default=None, max_length=120, description="the team doing it")
    automated: bool | None = Field(default=None, description="true: no person does it")
    cicd_stage: bool | None = Field(default=None, description="true: a stage of the pipeline")
    value_class: ValueClass | None = Field(
        default=None, description="whether the customer would pay for it"
    )


class HandoffFilter(ListFilter):
    cross_team: bool | None = Field(
        default=None, description="true: the work passes from one team to another"
    )


def _seconds(value: Any, stream_map: MapFields, field: str) -> float | None:
    if value is None:
        return None
    try:
        return parse_duration(
            value,
            hours_per_working_day=stream_map.hours_per_working_day,
            days_are_working_days=stream_map.waits_in == "working",
        )
    except ValidationFailed as exc:
        raise ValidationFailed(exc.detail, field=field) from exc


class MapService(ChildService[ValueStreamMap]):
    """A cycle has one current-state map and any number of desired drafts, one chosen."""

    async def prepare(
        self, session: AsyncSession, actor: Actor, parent: Any, values: dict[str, Any]
    ) -> dict[str, Any]:
        stream: ValueStream = parent
        check_data_box(MapCreate.model_validate(values))
        await crud.lock(session, stream)
        values = {**values, "cycle": stream.cycle}
        if values["kind"] == MapKind.current:
            if values.get("chosen"):
                raise ValidationFailed("only a desired-state map can be chosen", field="chosen")
            existing = await session.exec(
                select(ValueStreamMap.id)
                .where(ValueStreamMap.value_stream_id == stream.id)
                .where(ValueStreamMap.cycle == stream.cycle)
                .where(ValueStreamMap.kind == MapKind.current.value)
            )
            if existing.first() is not None:
                raise Conflict(
                    f"cycle {stream.cycle} already has a current-state map", field="kind"
                )
        elif values.get("chosen"):
            await self._unchoose_others(session, actor, stream.id, stream.cycle, keep=None)
        return values

    async def check_change(
        self, session: AsyncSession, actor: Actor, obj: ValueStreamMap, changes: dict[str, Any]
    ) -> None:
        check_data_box(obj.model_copy(update=changes))
        if changes.get("chosen"):
            if obj.kind != MapKind.desired:
                raise ValidationFailed("only a desired-state map can be chosen", field="chosen")
            stream = await crud.get(session, actor, ValueStream, obj.value_stream_id)
            await crud.lock(session, stream)
            await self._unchoose_others(session, actor, obj.value_stream_id, obj.cycle, keep=obj.id)

    async def _unchoose_others(
        self,
        session: AsyncSession,
        actor: Actor,
        stream_id: uuid.UUID,
        cycle: int,
        keep: uuid.UUID | None,
    ) -> None:
        rows = await session.exec(
            crud.scoped(ValueStreamMap, actor)
            .where(ValueStreamMap.value_stream_id == stream_id)
            .where(ValueStreamMap.cycle == cycle)
            .where(col(ValueStreamMap.chosen).is_(True))
        )
        for other in list(rows):
            if other.id != keep:
                await crud.update(session, actor, other, {"chosen": False}, expected_version=None)


class StepService(ChildService[MapStep]):
    """Durations arrive in people's units and are stored in seconds by the map's calendar."""

    async def prepare(
        self, session: AsyncSession, actor: Actor, parent: Any, values: dict[str, Any]
    ) -> dict[str, Any]:
        stream_map: ValueStreamMap = parent
        values = with_seconds(values, stream_map)
        if values.get("position") is None:
            last = await session.exec(
                select(func.max(MapStep.position)).where(MapStep.map_id == stream_map.id)
            )
            highest = last.one()
            values["position"] = 0 if highest is None else highest + 1
        return values

    async def check_change(
        self, session: AsyncSession, actor: Actor, obj: MapStep, changes: dict[str, Any]
    ) -> None:
        stream_map = await crud.get(session, actor, ValueStreamMap, obj.map_id)
        converted = with_seconds(dict(changes), stream_map)
        changes.clear()
        changes.update(converted)


def with_seconds(
    values: dict[str, Any],
    stream_map: MapFields,
    durations: Sequence[tuple[str, str]] = STEP_DURATIONS,
) -> dict[str, Any]:
    """Durations count on the map's working day: a stored map's, or that of one being imported."""
    for given, stored in durations:
        if given in values:
            values[stored] = _seconds(values.pop(given), stream_map, given)
    return values


HANDOFF_DURATIONS = (("wait_time", "wait_seconds"),)


def data_box(values: Any) -> DataBox:
    """The data box of a map, or of its fields as they would be after a change."""
    return DataBox(
        demand_units=values.demand_units,
        demand_working_days=values.demand_working_days,
        shifts_per_day=values.shifts_per_day,
        shift_hours=values.shift_hours,
        break_minutes_per_shift=values.break_minutes_per_shift,
    )


def check_data_box(values: Any) -> None:
    """Refuse a data box that leaves no working time (three 9-hour shifts, or breaks
    longer than the shift): each field alone can be valid while together they are not."""
    data_box(values).check(Calendar(values.hours_per_working_day, values.waits_in))


class HandoffService(ChildService[MapHandoff]):
    """A handoff joins two steps of the same map; only a rework loop may go back."""

    async def prepare(
        self, session: AsyncSession, actor: Actor, parent: Any, values: dict[str, Any]
    ) -> dict[str, Any]:
        stream_map: ValueStreamMap = parent
        values = with_seconds(values, stream_map, HANDOFF_DURATIONS)
        await crud.lock(session, stream_map)
        if values["from_step_id"] == values["to_step_id"]:
            raise ValidationFailed("a handoff joins two different steps", field="to_step_id")
        steps = await crud.get_many(
            session, actor, MapStep, [values["from_step_id"], values["to_step_id"]]
        )
        for field in ("from_step_id", "to_step_id"):
            step = steps.get(values[field])
            if step is None or step.map_id != stream_map.id:
                raise ValidationFailed(f"{field} names no step of this map", field=field)
        flow = await flow_map(session, actor, stream_map)
        candidate = Handoff(
            "new",
            str(values["from_step_id"]),
            str(values["to_step_id"]),
            rework=values.get("rework", False),
        )
        flow.check_handoff(candidate)
        return values

    async def check_change(
        self, session: AsyncSession, actor: Actor, obj: MapHandoff, changes: dict[str, Any]
    ) -> None:
        stream_map = await crud.get(session, actor, ValueStreamMap, obj.map_id)
        converted = with_seconds(dict(changes), stream_map, HANDOFF_DURATIONS)
        changes.clear()
        changes.update(converted)


maps = MapService(ValueStreamMap, filters=MapFilter)
steps = StepService(
    MapStep,
    parent=ValueStreamMap,
    parent_field="map_id",
    filters=StepFilter,
    order=("position", "id"),
)
handoffs = HandoffService(
    MapHandoff, parent=ValueStreamMap, parent_field="map_id", filters=HandoffFilter
)


class MapHead(Protocol):
    """What a map's picture needs of the map itself: its row, or a copy made off the loop."""

    @property
    def id(self) -> uuid.UUID: ...
    @property
    def name(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def hours_per_working_day(self) -> float: ...
    @property
    def waits_in(self) -> WaitsIn: ...
    @property
    def demand_units(self) -> float | None: ...
    @property
    def demand_working_days(self) -> float: ...
    @property
    def shifts_per_day(self) -> int: ...
    @property
    def shift_hours(self) -> float | None: ...
    @property
    def break_minutes_per_shift(self) -> float: ...


def to_flow_map(
    stream_map: MapHead, map_steps: Sequence[MapStep], map_handoffs: Sequence[MapHandoff]
) -> FlowMap:
    """The pure picture of a map that metrics and classifier plugins work on."""
    return FlowMap(
        id=str(stream_map.id),
        name=stream_map.name,
        kind=MapKind(stream_map.kind).value,
        steps=tuple(
            Step(
                id=str(s.id),
                name=s.name,
                position=s.position,
                role=s.role,
                team=s.team,
                people=s.people,
                process_seconds=s.process_seconds,
                wait_seconds=s.wait_seconds,
                percent_complete_accurate=s.percent_complete_accurate,
                tools=tuple(s.tools or ()),
                artifacts=tuple(s.artifacts or ()),
                automated=s.automated,
                cicd_stage=s.cicd_stage,
                value_class=s.value_class,
                description=s.description,
                queue_size=s.queue_size,
                cycle_seconds=s.cycle_seconds,
                changeover_seconds=s.changeover_seconds,
                uptime_percent=s.uptime_percent,
                batch_size=s.batch_size,
            )
            for s in map_steps
        ),
        handoffs=tuple(
            Handoff(
                str(h.id),
                str(h.from_step_id),
                str(h.to_step_id),
                h.artifact,
                h.cross_team,
                h.rework,
                h.wait_seconds,
                h.rework_percent,
            )
            for h in map_handoffs
        ),
        calendar=Calendar(stream_map.hours_per_working_day, stream_map.waits_in),
        data_box=data_box(stream_map),
    ).with_inventory_waits()


async def flow_maps(
    session: AsyncSession, actor: Actor, stream_maps: Sequence[ValueStreamMap]
) -> dict[uuid.UUID, FlowMap]:
    """Many maps with their steps and handoffs in two queries."""
    ids = [m.id for m in stream_maps]
    all_steps = await steps.for_parents(session, actor, ids)
    all_handoffs = await handoffs.for_parents(session, actor, ids)
    return {
        m.id: to_flow_map(m, all_steps.get(m.id, []), all_handoffs.get(m.id, []))
        for m in stream_maps
    }


async def flow_map(session: AsyncSession, actor: Actor, stream_map: ValueStreamMap) -> FlowMap:
    return (await flow_maps(session, actor, [stream_map]))[stream_map.id]


async def cycle_maps(
    session: AsyncSession, actor: Actor, stream: ValueStream, cycle: int | None = None
) -> tuple[ValueStreamMap | None, ValueStreamMap | None]:
    """The current map and the chosen desired map of a cycle (default: the stream's now)."""
    rows = await session.exec(
        crud.scoped(ValueStreamMap, actor)
        .where(ValueStreamMap.value_stream_id == stream.id)
        .where(ValueStreamMap.cycle == (cycle or stream.cycle))
    )
    current = desired = None
    for row in rows:
        if row.kind == MapKind.current:
            current = row
        elif row.chosen:
            desired = row
    return current, desired
