"""Gathering what the gates look at, for one value stream or a whole portfolio.

The number of queries is fixed, whatever the number of value streams: every query
groups by value stream. Gates are kept between requests under each stream's stored
revision (`core.workflow.kept`, applied by `phases.gates_of`), so facts are gathered
for the streams changed since. Facts already gathered in the same unit of work (another
alias of the same portfolio, a stream's gate next to its export) come from the
session's memo (`core.memo`), as do map metrics.
"""

import functools
import threading
import uuid
from collections import OrderedDict, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import String, cast
from sqlalchemy import select as sa_select
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from core.actor import Actor
from core.errors import ValidationFailed
from core.maps.service import to_flow_map
from core.memo import Memo, memo_of
from core.metrics.map_metrics import MapMetrics, compute_map_metrics
from core.models.action_item import ActionItem
from core.models.backlog import BacklogItem, Milestone
from core.models.deliverable import Deliverable
from core.models.participant import Participant
from core.models.risk import Risk
from core.models.signoff import SponsorSignoff
from core.models.target import FlowTarget
from core.models.value_stream import ValueStream
from core.models.value_stream_map import MapHandoff, MapKind, MapStep, ValueStreamMap, WaitsIn
from core.offload import off_loop
from core.selects import select_columns
from core.waste.findings import untriaged_counts
from core.workflow.facts import BacklogFact, GateFacts, MapFact, ParticipantFact
from core.workflow.playbook import Playbook
from core.workflow.vocabulary import ActionKind


async def gather(
    session: AsyncSession, actor: Actor, streams: Sequence[ValueStream], playbook: Playbook
) -> dict[uuid.UUID, GateFacts]:
    """Facts of the caller's streams only; another organization's stream gets none.

    Every query below selects by value stream id, and whatever belongs to a stream
    belongs to its organization, so keeping the streams to the caller's keeps the facts.
    """
    memo = memo_of(session)
    streams = [s for s in streams if s.organization_id == actor.organization_id]
    by_id = {s.id: s for s in streams}

    async def gather_missing(ids: list[uuid.UUID]) -> dict[uuid.UUID, GateFacts]:
        return await _gather(session, [by_id[i] for i in ids], playbook, memo)

    return await memo.batch(
        {s.id: ("gate_facts", s.id, s.version) for s in streams}, gather_missing
    )


async def _gather(
    session: AsyncSession, streams: Sequence[ValueStream], playbook: Playbook, memo: Memo
) -> dict[uuid.UUID, GateFacts]:
    if not streams:
        return {}
    ids = [s.id for s in streams]
    by_id = {s.id: s for s in streams}
    people = await _participants(session, ids)
    deliverables = await _deliverables(session, by_id, playbook)
    risks = await _counts(session, Risk, ids)
    actions = await _action_items(session, by_id)
    signoffs = await _signoffs(session, by_id)
    map_facts, finding_counts = await _maps(session, by_id, memo)
    targets = await _counts(session, FlowTarget, ids)
    milestones = await _counts(session, Milestone, ids)
    backlog = await _backlog(session, ids)
    return {
        s.id: GateFacts(
            cycle=s.cycle,
            phase=s.phase,
            participants=tuple(people.get(s.id, ())),
            deliverables=deliverables.get(s.id, {}),
            risks=risks.get(s.id, 0),
            action_items=actions.get(s.id, {}),
            sponsor_signoffs=signoffs.get(s.id, 0),
            has_vsm_owner=s.owner_id is not None,
            maps=tuple(map_facts.get(s.id, ())),
            findings_total=finding_counts.get(s.id, (0, 0))[0],
            findings_untriaged=finding_counts.get(s.id, (0, 0))[1],
            targets=targets.get(s.id, 0),
            milestones=milestones.get(s.id, 0),
            backlog=tuple(backlog.get(s.id, ())),
        )
        for s in streams
    }


async def _participants(
    session: AsyncSession, ids: list[uuid.UUID]
) -> dict[uuid.UUID, list[ParticipantFact]]:
    rows = await session.exec(
        select_columns(
            col(Participant.value_stream_id),
            col(Participant.role),
            col(Participant.champion_kind),
            col(Participant.function),
            col(Participant.trained),
        ).where(col(Participant.value_stream_id).in_(ids))
    )
    result: dict[uuid.UUID, list[ParticipantFact]] = defaultdict(list)
    for stream_id, role, kind, function, trained in rows:
        result[stream_id].append(ParticipantFact(role, kind, function, bool(trained)))
    return result


async def _deliverables(
    session: AsyncSession, streams: dict[uuid.UUID, ValueStream], playbook: Playbook
) -> dict[uuid.UUID, dict[str, str]]:
    """Per kind, the status that counts now.

    Deliverables of phases done once (pre-planning, planning) carry over into later
    cycles; those of phases repeated every cycle (from `iterate_to` on) must be
    made again, so only the current cycle's count.
    """
    rows = await session.exec(
        select_columns(
            col(Deliverable.value_stream_id),
            col(Deliverable.kind),
            col(Deliverable.status),
            col(Deliverable.cycle),
            col(Deliverable.phase),
        )
        .where(col(Deliverable.value_stream_id).in_(list(streams)))
        .order_by(col(Deliverable.cycle))
    )
    result: dict[uuid.UUID, dict[str, str]] = defaultdict(dict)
    for stream_id, kind, status, cycle, phase in rows:
        current_cycle = streams[stream_id].cycle
        repeats = phase in playbook.keys and playbook.repeats_each_cycle(phase)
        if cycle > current_cycle or (repeats and cycle != current_cycle):
            continue
        result[stream_id][kind] = status
    return result


async def _counts(
    session: AsyncSession, model: type[Risk | FlowTarget | Milestone], ids: list[uuid.UUID]
) -> dict[uuid.UUID, int]:
    rows = await session.exec(
        select(model.value_stream_id, func.count())
        .where(col(model.value_stream_id).in_(ids))
        .group_by(col(model.value_stream_id))
    )
    return dict(rows.all())


async def _action_items(
    session: AsyncSession, streams: dict[uuid.UUID, ValueStream]
) -> dict[uuid.UUID, dict[str, int]]:
    """Action items (not parking-lot entries) of the current cycle, per phase."""
    rows = await session.exec(
        select(ActionItem.value_stream_id, ActionItem.cycle, ActionItem.phase, func.count())
        .where(col(ActionItem.value_stream_id).in_(list(streams)))
        .where(ActionItem.kind == ActionKind.action.value)
        .group_by(col(ActionItem.value_stream_id), col(ActionItem.cycle), col(ActionItem.phase))
    )
    result: dict[uuid.UUID, dict[str, int]] = defaultdict(dict)
    for stream_id, cycle, phase, n in rows:
        if streams[stream_id].cycle == cycle:
            result[stream_id][phase] = n
    return result


async def _signoffs(
    session: AsyncSession, streams: dict[uuid.UUID, ValueStream]
) -> dict[uuid.UUID, int]:
    """Sign-offs given in the phase the stream is in now, in its current cycle."""
    rows = await session.exec(
        select(
            SponsorSignoff.value_stream_id, SponsorSignoff.cycle, SponsorSignoff.phase, func.count()
        )
        .where(col(SponsorSignoff.value_stream_id).in_(list(streams)))
        .group_by(
            col(SponsorSignoff.value_stream_id),
            col(SponsorSignoff.cycle),
            col(SponsorSignoff.phase),
        )
    )
    result: dict[uuid.UUID, int] = {}
    for stream_id, cycle, phase, n in rows:
        stream = streams[stream_id]
        if cycle == stream.cycle and phase == stream.phase:
            result[stream_id] = n
    return result


async def _maps(
    session: AsyncSession, streams: dict[uuid.UUID, ValueStream], memo: Memo
) -> tuple[dict[uuid.UUID, list[MapFact]], dict[uuid.UUID, tuple[int, int]]]:
    """This cycle's maps, summarized, and the findings on its current-state map.

    A portfolio's maps may hold tens of thousands of steps, and every portfolio request
    needs each map's summary. A summary is kept between requests under the map's
    version and a fingerprint of its steps and handoffs, which any change of either
    alters. The steps of maps not summarized yet are read as plain rows in partitions,
    so other requests get turns of the event loop in between, and are pictured and
    measured in a worker thread (`core.offload`), never on the loop.
    """
    rows = (
        await session.exec(
            select(ValueStreamMap).where(col(ValueStreamMap.value_stream_id).in_(list(streams)))
        )
    ).all()
    in_cycle = [m for m in rows if m.cycle == streams[m.value_stream_id].cycle]
    if not in_cycle:
        return {}, {}
    prints = await _fingerprints(session, [m.id for m in in_cycle])
    keys = {m.id: (m.id, m.version, prints.get(m.id)) for m in in_cycle}
    known = {m.id: summary for m in in_cycle if (summary := _SUMMARIES.get(keys[m.id]))}
    missing = [m for m in in_cycle if m.id not in known]
    if missing:
        missing_ids = [m.id for m in missing]
        steps = await _rows_by_map(session, STEP_COLUMNS, missing_ids)
        links = await _rows_by_map(session, HANDOFF_COLUMNS, missing_ids)
        heads = [_MapHead.of(m) for m in missing]
        computed = await off_loop(_summaries, heads, steps, links)
        for stream_map, summary in zip(missing, computed, strict=True):
            known[stream_map.id] = summary
            _SUMMARIES.put(keys[stream_map.id], summary)
    facts: dict[uuid.UUID, list[MapFact]] = defaultdict(list)
    current_ids: dict[uuid.UUID, uuid.UUID] = {}
    for stream_map in in_cycle:
        fact, metrics = known[stream_map.id]
        memo.get(
            ("map_metrics", stream_map.id, stream_map.version),
            functools.partial(_metrics_or_raise, metrics),
        )
        facts[stream_map.value_stream_id].append(fact)
        if stream_map.kind == MapKind.current:
            current_ids[stream_map.id] = stream_map.value_stream_id
    counts = await untriaged_counts(session, list(current_ids))
    return facts, {current_ids[map_id]: n for map_id, n in counts.items()}


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


class _Summaries:
    """The most recently used map summaries of this process, at most `size` of them."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._items: OrderedDict[Any, Summary] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Any) -> Summary | None:
        with self._lock:
            summary = self._items.get(key)
            if summary is not None:
                self._items.move_to_end(key)
            return summary

    def put(self, key: Any, summary: Summary) -> None:
        with self._lock:
            self._items[key] = summary
            self._items.move_to_end(key)
            while len(self._items) > self._size:
                self._items.popitem(last=False)


_SUMMARIES = _Summaries(4096)


STEP_COLUMNS = (
    MapStep.map_id, MapStep.id, MapStep.name, MapStep.position, MapStep.role, MapStep.team,
    MapStep.people, MapStep.process_seconds, MapStep.wait_seconds,
    MapStep.percent_complete_accurate, MapStep.tools, MapStep.artifacts, MapStep.automated,
    MapStep.cicd_stage, MapStep.value_class, MapStep.description, MapStep.queue_size,
)  # fmt: skip
HANDOFF_COLUMNS = (
    MapHandoff.map_id, MapHandoff.id, MapHandoff.from_step_id, MapHandoff.to_step_id,
    MapHandoff.artifact, MapHandoff.cross_team,
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

    @classmethod
    def of(cls, stream_map: ValueStreamMap) -> "_MapHead":
        return cls(
            stream_map.id,
            str(stream_map.kind),
            stream_map.chosen,
            stream_map.name,
            stream_map.hours_per_working_day,
            stream_map.waits_in,
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


async def _backlog(
    session: AsyncSession, ids: list[uuid.UUID]
) -> dict[uuid.UUID, list[BacklogFact]]:
    rows = await session.exec(
        select(
            BacklogItem.value_stream_id, BacklogItem.status, BacklogItem.owner_id, BacklogItem.title
        ).where(col(BacklogItem.value_stream_id).in_(ids))
    )
    result: dict[uuid.UUID, list[BacklogFact]] = defaultdict(list)
    for stream_id, status, owner_id, title in rows:
        result[stream_id].append(BacklogFact(status, owner_id is not None, title))
    return result
