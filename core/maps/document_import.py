"""Importing a map document into a value stream: rows built in a worker thread, then
inserted a batch at a time, so one large import does not stall the other requests.
"""

import graphlib
import uuid
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import insert
from sqlmodel.ext.asyncio.session import AsyncSession

from core.actor import Actor
from core.errors import ValidationFailed, invalid
from core.foundation import audit
from core.ids import new_id
from core.maps import service as maps
from core.maps.document_export import map_document
from core.maps.document_parsing import ImportLimits, parse_document
from core.maps.document_schema import MapDocument, StepDocument
from core.maps.flowmap import FlowMap, Handoff, Step
from core.models.base import table_of
from core.models.value_stream import ValueStream
from core.models.value_stream_map import (
    STEP_DURATIONS,
    HandoffCreate,
    MapCreate,
    MapHandoff,
    MapKind,
    MapStep,
    StepCreate,
    ValueStreamMap,
)
from core.offload import heavy_work_running, off_loop
from core.services import crud
from core.types import utcnow

INSERT_BATCH = 100
"""Rows per INSERT: between batches the event loop answers other requests."""


@dataclass(frozen=True)
class PreparedImport:
    """A map document checked through and turned into rows, ready to insert.

    The rows lack only `map_id`, which exists once the map is created.
    """

    map: MapCreate
    steps: list[dict[str, Any]]
    handoffs: list[dict[str, Any]]


def prepare_import(
    raw: bytes | str, media_type: str, limits: ImportLimits, organization_id: uuid.UUID
) -> PreparedImport:
    """Read, check and turn a map document into rows: the CPU part of an import.

    A pure function of its arguments, run in a worker thread; every error names the
    step or handoff it is about.
    """
    with heavy_work_running():
        return _prepared(parse_document(raw, media_type, limits), organization_id)


def _prepared(document: MapDocument, organization_id: uuid.UUID) -> PreparedImport:
    created = _validated(
        MapCreate,
        {
            "kind": document.kind,
            "name": document.name,
            "notes": document.notes,
            "chosen": document.chosen,
            "hours_per_working_day": document.calendar.get("hours_per_working_day", 8.0),
            "waits_in": document.calendar.get("waits_in", "calendar"),
            **document.data_box,
        },
        "calendar",
    )
    try:
        maps.check_data_box(created)
    except ValidationFailed as exc:
        inner = exc.problems[0].field if exc.problems else ""
        raise ValidationFailed(
            f"data_box.{inner}: {exc.detail}", field=f"data_box.{inner}"
        ) from exc
    now = utcnow()
    base = {"organization_id": organization_id, "version": 1, "created_at": now, "updated_at": now}
    steps = [_step_row(base, created, i, step) for i, step in enumerate(document.steps)]
    ids = {step.key: row["id"] for step, row in zip(document.steps, steps, strict=True)}
    links = []
    for i, handoff in enumerate(document.handoffs):
        if handoff.from_ == handoff.to:
            raise ValidationFailed(
                f"handoffs[{i}]: a handoff joins two different steps", field=f"handoffs[{i}]"
            )
        where = f"handoffs[{i}]"
        values = _validated(
            HandoffCreate,
            {
                "from_step_id": ids[handoff.from_],
                "to_step_id": ids[handoff.to],
                **handoff.model_dump(exclude={"from_", "to"}),
            },
            where,
        ).model_dump()
        links.append(
            {
                **base,
                **_with_seconds(values, created, where, maps.HANDOFF_DURATIONS),
                "id": new_id(),
            }
        )
    forward = [link for link in links if not link["rework"]]
    closing = _first_loop(steps, forward)
    if closing is not None:
        at = links.index(forward[closing])
        raise ValidationFailed(
            f"handoffs[{at}] closes a loop; mark a handoff back to an earlier step as a "
            "rework loop (rework: true)",
            field=f"handoffs[{at}]",
        )
    _check_rework_loops(steps, links)
    return PreparedImport(created, steps, links)


def _check_rework_loops(steps: list[dict[str, Any]], links: list[dict[str, Any]]) -> None:
    """Each rework loop must go back along the forward handoffs listed before it, as when
    the map was drawn one handoff at a time (so every exported map imports again)."""
    if not any(link["rework"] for link in links):
        return
    pictured = tuple(Step(id=str(s["id"]), name=s["name"], position=s["position"]) for s in steps)
    forward: list[Handoff] = []
    for i, link in enumerate(links):
        handoff = Handoff(
            f"handoffs[{i}]",
            str(link["from_step_id"]),
            str(link["to_step_id"]),
            rework=link["rework"],
        )
        if not handoff.rework:
            forward.append(handoff)
            continue
        so_far = FlowMap(
            id="import", name="import", kind="current", steps=pictured, handoffs=tuple(forward)
        )
        if not so_far.goes_back(handoff):
            raise ValidationFailed(
                f"{handoff.id}: a rework loop goes back from a later step to an earlier one "
                "the work came through",
                field=handoff.id,
            )


async def import_document(
    session: AsyncSession,
    actor: Actor,
    value_stream_id: uuid.UUID,
    raw: bytes | str,
    media_type: str,
    limits: ImportLimits,
) -> ValueStreamMap:
    """Create a map with all its steps and handoffs in the stream's current cycle.

    The document is read and checked in a worker thread before the database is touched;
    the rows then go in with multi-row INSERTs, a batch at a time.
    """
    actor.require_write()
    prepared = await off_loop(prepare_import, raw, media_type, limits, actor.organization_id)
    return await import_prepared(session, actor, value_stream_id, prepared)


async def import_prepared(
    session: AsyncSession, actor: Actor, value_stream_id: uuid.UUID, prepared: PreparedImport
) -> ValueStreamMap:
    stream_map = await maps.maps.create(session, actor, value_stream_id, prepared.map)
    for table, rows in (
        (table_of(MapStep), prepared.steps),
        (table_of(MapHandoff), prepared.handoffs),
    ):
        for start in range(0, len(rows), INSERT_BATCH):
            batch = [{**row, "map_id": stream_map.id} for row in rows[start : start + INSERT_BATCH]]
            # RETURNING makes SQLAlchemy send multi-row INSERTs (see core.waste.classify).
            await session.exec(insert(table).returning(table.c.id), params=batch)
    audit.record(
        session,
        actor,
        action="import",
        entity_type="value_stream_map",
        entity_id=stream_map.id,
        after={"steps": len(prepared.steps), "handoffs": len(prepared.handoffs)},
    )
    return stream_map


def _first_loop(steps: list[dict[str, Any]], links: list[dict[str, Any]]) -> int | None:
    """The index of the handoff that first closes a loop, found by bisection: a few
    topological sorts of the whole map instead of one per handoff."""
    edges = [(h["from_step_id"], h["to_step_id"]) for h in links]

    def looped(n: int) -> bool:
        graph: dict[Any, set[Any]] = {s["id"]: set() for s in steps}
        for source, target in edges[:n]:
            graph[target].add(source)
        try:
            graphlib.TopologicalSorter(graph).prepare()
        except graphlib.CycleError:
            return True
        return False

    if not looped(len(edges)):
        return None
    fine, broken = 0, len(edges)
    while broken - fine > 1:
        middle = (fine + broken) // 2
        if looped(middle):
            broken = middle
        else:
            fine = middle
    return broken - 1


def _step_row(
    base: dict[str, Any], created: MapCreate, i: int, step: StepDocument
) -> dict[str, Any]:
    """One step, validated like one sent on its own, with errors that say which one."""
    where = f"steps[{i}]"
    values = step.model_dump(exclude={"key"})
    if values["position"] is None:
        values["position"] = i
    data = _validated(StepCreate, values, where).model_dump()
    values = _with_seconds(data, created, where)
    value_class = values.get("value_class")
    return {
        **base,
        **values,
        "id": new_id(),
        "value_class": None if value_class is None else str(value_class),
    }


def _with_seconds(
    values: dict[str, Any],
    created: MapCreate,
    where: str,
    durations: tuple[tuple[str, str], ...] = STEP_DURATIONS,
) -> dict[str, Any]:
    """A step's or a handoff's durations in seconds, errors naming which one."""
    try:
        return maps.with_seconds(values, created, durations)
    except ValidationFailed as exc:
        inner = exc.problems[0].field if exc.problems else ""
        raise ValidationFailed(f"{where}.{inner}: {exc.detail}", field=f"{where}.{inner}") from exc


def _validated(model: Any, values: dict[str, Any], where: str) -> Any:
    try:
        return model.model_validate(values)
    except ValidationError as exc:
        raise invalid(exc, where, prefix=f"{where}.") from exc


class CarryOver(BaseModel):
    """What a new cycle's current-state map starts from; both may be left out."""

    model_config = ConfigDict(extra="forbid")

    from_map_id: uuid.UUID | None = Field(
        default=None,
        description="an earlier map of the stream; by default the previous cycle's chosen "
        "desired-state map, else its current-state map",
    )
    name: str | None = Field(
        default=None, min_length=1, max_length=200, description="by default the source's name"
    )


async def carry_over(
    session: AsyncSession,
    actor: Actor,
    value_stream_id: uuid.UUID,
    *,
    from_map_id: uuid.UUID | None = None,
    name: str | None = None,
) -> ValueStreamMap:
    """The current cycle's current-state map, started as a copy of an earlier cycle's map.

    A new cycle begins where the last one meant to arrive: by default from the previous
    cycle's chosen desired-state map, else from its current-state map; `from_map_id`
    names another of the stream's earlier maps. Steps and handoffs are copied, findings
    are not (they are judged anew on the new map).
    """
    actor.require_write()
    stream = await crud.get(session, actor, ValueStream, value_stream_id)
    source = await _carried_from(session, actor, stream, from_map_id)
    ordered = (await maps.steps.for_parents(session, actor, [source.id])).get(source.id, [])
    links = (await maps.handoffs.for_parents(session, actor, [source.id])).get(source.id, [])
    written = map_document(source, ordered, links)
    written.update(kind=MapKind.current.value, name=name or source.name)
    written.pop("chosen", None)
    document = MapDocument.model_validate(written)
    prepared = await off_loop(_prepared, document, actor.organization_id)
    return await import_prepared(session, actor, stream.id, prepared)


async def _carried_from(
    session: AsyncSession, actor: Actor, stream: ValueStream, from_map_id: uuid.UUID | None
) -> ValueStreamMap:
    if from_map_id is not None:
        source = await maps.maps.get(session, actor, from_map_id)
        if source.value_stream_id != stream.id:
            raise ValidationFailed("the map belongs to another value stream", field="from_map_id")
        if source.cycle >= stream.cycle:
            raise ValidationFailed(
                f"start cycle {stream.cycle} from a map of an earlier cycle", field="from_map_id"
            )
        return source
    previous = stream.cycle - 1
    if previous < 1:
        raise ValidationFailed(
            "the first cycle has no earlier map to start from", field="from_map_id"
        )
    current, desired = await maps.cycle_maps(session, actor, stream, previous)
    carried = desired or current
    if carried is None:
        raise ValidationFailed(
            f"cycle {previous} has no chosen desired-state map nor current-state map to start from",
            field="from_map_id",
        )
    return carried
