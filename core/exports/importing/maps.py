"""A stream's maps with their steps, handoffs and waste findings, as new rows.

Handoffs and findings point at steps (and findings at handoffs) of the same map, so each
map's steps get their new ids before the rows that refer to them are made; the id map
keeps them for the backlog, whose items name steps and findings too.
"""

import uuid

from sqlmodel import SQLModel

from core.actor import Actor
from core.exports.importing.rows import IdMap, row
from core.exports.snapshots import MapSnapshot
from core.models.value_stream_map import (
    HandoffRead,
    MapHandoff,
    MapStep,
    StepRead,
    ValueStreamMap,
)
from core.models.waste_finding import FindingRead, WasteFinding


def map_rows(
    actor: Actor, views: list[MapSnapshot], stream_id: uuid.UUID, ids: IdMap
) -> list[SQLModel]:
    rows: list[SQLModel] = []
    for view in views:
        map_id = ids.new("map", view.map.id)
        rows.append(row(ValueStreamMap, view.map, actor, id=map_id, value_stream_id=stream_id))
        rows.extend(_step_rows(actor, view.steps, map_id, ids))
        rows.extend(_handoff_rows(actor, view.handoffs, map_id, ids))
        rows.extend(_finding_rows(actor, view.findings, map_id, stream_id, ids))
    return rows


def _step_rows(actor: Actor, reads: list[StepRead], map_id: uuid.UUID, ids: IdMap) -> list[MapStep]:
    return [row(MapStep, s, actor, id=ids.new("step", s.id), map_id=map_id) for s in reads]


def _handoff_rows(
    actor: Actor, reads: list[HandoffRead], map_id: uuid.UUID, ids: IdMap
) -> list[MapHandoff]:
    return [
        row(
            MapHandoff,
            link,
            actor,
            id=ids.new("handoff", link.id),
            map_id=map_id,
            from_step_id=ids.get("step", link.from_step_id),
            to_step_id=ids.get("step", link.to_step_id),
        )
        for link in reads
    ]


def _finding_rows(
    actor: Actor,
    reads: list[FindingRead],
    map_id: uuid.UUID,
    stream_id: uuid.UUID,
    ids: IdMap,
) -> list[WasteFinding]:
    return [
        row(
            WasteFinding,
            finding,
            actor,
            id=ids.new("finding", finding.id),
            map_id=map_id,
            value_stream_id=stream_id,
            step_id=ids.get("step", finding.step_id),
            handoff_id=ids.get("handoff", finding.handoff_id),
        )
        for finding in reads
    ]
