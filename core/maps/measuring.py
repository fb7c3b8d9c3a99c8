"""A map's summary (its gate fact and its metrics), computed once per state of the map.

A 2,000-step map's metrics take about 25 ms to compute, but reading its 7,000 steps and
handoffs as ORM objects took ten times that, on the event loop, on every request. A
summary is kept in the process under the map's id and version and a fingerprint of its
steps and handoffs, which any change of either alters, so `GET /maps/{id}/metrics`, a
GraphQL map's `metrics` and every gate that looks at the map share it. The steps of maps
not summarized yet are read as plain rows in partitions, so other requests get turns
of the event loop in between, and are pictured and measured in a worker thread
(`core.offload`), never on the loop. Each summary also goes into the unit of work's memo
(`core.memo`), where the readout and comparisons look for a map's metrics.
"""

import functools
import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import String, cast
from sqlalchemy import select as sa_select
from sqlmodel import col, func
from sqlmodel.ext.asyncio.session import AsyncSession

from core.actor import Actor
from core.errors import NotFound, ValidationFailed
from core.maps.service import cycle_maps, maps, to_flow_map
from core.memo import memo_of
from core.metrics.map_metrics import (
    MapComparison,
    MapMetrics,
    MapsCompared,
    changes_between,
    compare,
    compute_map_metrics,
)
from core.models.value_stream import ValueStream
from core.models.value_stream_map import MapHandoff, MapStep, ValueStreamMap, WaitsIn
from core.offload import off_loop
from core.selects import select_columns
from core.services import crud
from core.workflow import kept
from core.workflow.facts import MapFact


async def metrics(session: AsyncSession, actor: Actor, map_id: uuid.UUID) -> MapMetrics:
    """The map's metrics (a map with a loop has none: `ValidationFailed` says where)."""
    return await metrics_of(session, await maps.get(session, actor, map_id))


async def metrics_of(session: AsyncSession, stream_map: ValueStreamMap) -> MapMetrics:
    """`metrics` of a map the caller has read already."""
    return _metrics_or_raise((await summaries(session, [stream_map]))[stream_map.id][1])


async def metrics_batch(
    session: AsyncSession, actor: Actor, map_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, MapMetrics]:
    """The metrics of many of the caller's maps; others' maps are absent."""
    rows = await crud.get_many(session, actor, ValueStreamMap, list(map_ids))
    known = await summaries(session, list(rows.values()))
    return {i: _metrics_or_raise(summary[1]) for i, summary in known.items()}


async def summaries(
    session: AsyncSession, stream_maps: Sequence[ValueStreamMap]
) -> dict[uuid.UUID, "Summary"]:
    """Each map's summary, kept ones reused, the others computed off the event loop.

    A read-only unit looks a summary up under its stream's revision first (one short
    query, `core.workflow.kept`), then under the map's fingerprint, which costs an
    aggregate over its steps and handoffs but survives writes to the stream's other
    records."""
    by_id = {m.id: m for m in stream_maps}

    async def by_fingerprint(ids: list[uuid.UUID]) -> dict[uuid.UUID, Summary]:
        return await _summarized(session, [by_id[i] for i in ids])

    known = await kept.values(
        session,
        {m.id: (m.value_stream_id, ("map", m.id, m.version)) for m in stream_maps},
        by_fingerprint,
    )
    memo = memo_of(session)
    for stream_map in stream_maps:
        memo.get(
            ("map_metrics", stream_map.id, stream_map.version),
            functools.partial(_metrics_or_raise, known[stream_map.id][1]),
        )
    return known


async def _summarized(
    session: AsyncSession, stream_maps: Sequence[ValueStreamMap]
) -> dict[uuid.UUID, "Summary"]:
    if not stream_maps:
        return {}
    prints = await _fingerprints(session, [m.id for m in stream_maps])
    keys = {m.id: (m.id, m.version, prints.get(m.id)) for m in stream_maps}
    known = {m.id: summary for m in stream_maps if (summary := _SUMMARIES.get(keys[m.id]))}
    missing = [m for m in stream_maps if m.id not in known]
    if missing:
        missing_ids = [m.id for m in missing]
        steps = await _rows_by_map(session, STEP_COLUMNS, missing_ids)
        links = await _rows_by_map(session, HANDOFF_COLUMNS, missing_ids)
        heads = [_MapHead.of(m) for m in missing]
        computed = await off_loop(_summaries, heads, steps, links)
        for stream_map, summary in zip(missing, computed, strict=True):
            known[stream_map.id] = summary
            _SUMMARIES.put(keys[stream_map.id], summary)
    return known


Fingerprint = tuple[Any, ...]
"""Of a map's steps and handoffs: how many, the sum of their versions (every update adds
one), the newest id and the latest change. A create, an update or a delete changes it."""


async def _fingerprints(
    session: AsyncSession, map_ids: list[uuid.UUID]
) -> dict[uuid.UUID, Fingerprint]:
    prints: dict[uuid.UUID, Fingerprint] = {}
    for model in (MapStep, MapHandoff):
        rows = await session.exec(
            select_columns(
                col(model.map_id),
                func.count(),
                func.sum(model.version),
                func.max(cast(model.id, String)),
                func.max(model.updated_at),
            )
            .where(col(model.map_id).in_(map_ids))
            .group_by(col(model.map_id))
        )
        for map_id, *print_ in rows:
            prints[map_id] = (*prints.get(map_id, ()), model.__name__, *print_)
    return prints


Summary = tuple[MapFact, MapMetrics | ValidationFailed]
"""A map's gate fact, and its metrics or why they cannot be computed (a loop)."""


_SUMMARIES: kept.Recent[Summary] = kept.Recent(4096)
"""Map summaries by map, version and fingerprint, shared by every request of the process."""


STEP_COLUMNS = (
    MapStep.map_id, MapStep.id, MapStep.name, MapStep.position, MapStep.role, MapStep.team,
    MapStep.people, MapStep.process_seconds, MapStep.wait_seconds,
    MapStep.percent_complete_accurate, MapStep.tools, MapStep.artifacts, MapStep.automated,
    MapStep.cicd_stage, MapStep.value_class, MapStep.description, MapStep.queue_size,
    MapStep.cycle_seconds, MapStep.changeover_seconds, MapStep.uptime_percent,
    MapStep.batch_size,
)  # fmt: skip
HANDOFF_COLUMNS = (
    MapHandoff.map_id, MapHandoff.id, MapHandoff.from_step_id, MapHandoff.to_step_id,
    MapHandoff.artifact, MapHandoff.cross_team, MapHandoff.rework, MapHandoff.wait_seconds,
    MapHandoff.rework_percent,
)  # fmt: skip
PARTITION = 250
"""Rows read between two turns of the event loop."""


async def _rows_by_map(
    session: AsyncSession, columns: tuple[Any, ...], map_ids: list[uuid.UUID]
) -> dict[uuid.UUID, list[Any]]:
    """The columns `to_flow_map` reads, as rows (no ORM objects), grouped by map."""
    grouped: dict[uuid.UUID, list[Any]] = defaultdict(list)
    result = await session.stream(sa_select(*columns).where(columns[0].in_(map_ids)))
    async for partition in result.partitions(PARTITION):
        for row in partition:
            grouped[row.map_id].append(row)
    return grouped


@dataclass(frozen=True)
class _MapHead:
    """What a map's picture needs of the map itself, copied off its ORM object."""

    id: uuid.UUID
    kind: str
    chosen: bool
    name: str
    hours_per_working_day: float
    waits_in: WaitsIn
    demand_units: float | None
    demand_working_days: float
    shifts_per_day: int
    shift_hours: float | None
    break_minutes_per_shift: float

    @classmethod
    def of(cls, stream_map: ValueStreamMap) -> "_MapHead":
        return cls(
            stream_map.id,
            str(stream_map.kind),
            stream_map.chosen,
            stream_map.name,
            stream_map.hours_per_working_day,
            stream_map.waits_in,
            stream_map.demand_units,
            stream_map.demand_working_days,
            stream_map.shifts_per_day,
            stream_map.shift_hours,
            stream_map.break_minutes_per_shift,
        )


def _summaries(
    heads: list[_MapHead],
    steps: dict[uuid.UUID, list[Any]],
    links: dict[uuid.UUID, list[Any]],
) -> list[Summary]:
    """Each map's gate fact, and its metrics (or the error computing them) for the memo."""
    summaries = []
    for head in heads:
        picture = to_flow_map(head, steps.get(head.id, []), links.get(head.id, []))
        metrics: MapMetrics | ValidationFailed
        try:
            metrics = compute_map_metrics(picture)
            lead = metrics.lead_time_seconds
        except ValidationFailed as error:
            metrics, lead = error, float("inf")
        fact = MapFact(
            kind=head.kind,
            chosen=head.chosen,
            step_count=len(picture.steps),
            steps_missing_role=sum(1 for x in picture.steps if not (x.role or "").strip()),
            steps_missing_process_time=sum(1 for x in picture.steps if x.process_seconds is None),
            steps_missing_wait_time=sum(1 for x in picture.steps if x.wait_seconds is None),
            handoff_count=len(picture.handoffs),
            lead_time_seconds=lead,
        )
        summaries.append((fact, metrics))
    return summaries


def _metrics_or_raise(metrics: MapMetrics | ValidationFailed) -> MapMetrics:
    """The kept outcome; a kept error is raised afresh, so its traceback does not grow."""
    if isinstance(metrics, ValidationFailed):
        raise metrics.with_traceback(None)
    return metrics


async def comparison(
    session: AsyncSession, actor: Actor, value_stream_id: uuid.UUID, cycle: int | None = None
) -> MapComparison:
    stream = await crud.get(session, actor, ValueStream, value_stream_id)
    current, desired = await cycle_maps(session, actor, stream, cycle)
    if current is None:
        raise NotFound(f"cycle {cycle or stream.cycle} has no current-state map")
    if desired is None:
        raise NotFound(f"cycle {cycle or stream.cycle} has no chosen desired-state map")
    now, then = await _measured(session, current, desired)
    return MapComparison(
        current_map_id=current.id,
        desired_map_id=desired.id,
        current=now,
        desired=then,
        changes=compare(now, then),
    )


async def compare_maps(
    session: AsyncSession, actor: Actor, before_id: uuid.UUID, after_id: uuid.UUID
) -> MapsCompared:
    """How `after` moves each headline metric from `before`; both maps of one stream."""
    before = await maps.get(session, actor, before_id)
    after = await maps.get(session, actor, after_id)
    if before.id == after.id:
        raise ValidationFailed("compare two different maps", field="after")
    if before.value_stream_id != after.value_stream_id:
        raise ValidationFailed("compare two maps of one value stream", field="after")
    then, now = await _measured(session, before, after)
    return MapsCompared(
        before_map_id=before.id,
        after_map_id=after.id,
        before=then,
        after=now,
        changes=changes_between(then, now),
    )


async def _measured(
    session: AsyncSession, first: ValueStreamMap, second: ValueStreamMap
) -> tuple[MapMetrics, MapMetrics]:
    """The metrics of two maps from their summaries: kept, or computed off the event loop."""
    known = await summaries(session, [first, second])
    return _metrics_or_raise(known[first.id][1]), _metrics_or_raise(known[second.id][1])
