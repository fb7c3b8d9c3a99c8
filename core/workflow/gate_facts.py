"""Gathering what the gates look at, for one value stream or a whole portfolio.

The number of queries is fixed, whatever the number of value streams: every query
groups by value stream, and the five counts a gate needs share one statement. Gates
are kept between requests under each stream's stored revision (`core.workflow.kept`,
applied by `phases.gates_of`), so facts are gathered for the streams changed since.
Facts already gathered in the same unit of work (another alias of the same portfolio, a
stream's gate next to its export) come from the session's memo (`core.memo`), as do map
metrics.
"""

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Integer, String, cast, literal, null, union_all
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from core.actor import Actor
from core.maps import measuring
from core.memo import memo_of
from core.models.action_item import ActionItem
from core.models.backlog import BacklogItem, Milestone
from core.models.deliverable import Deliverable
from core.models.participant import Participant
from core.models.risk import Risk
from core.models.signoff import SponsorSignoff
from core.models.target import FlowTarget
from core.models.value_stream import ValueStream
from core.models.value_stream_map import MapKind, ValueStreamMap
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
        return await _gather(session, [by_id[i] for i in ids], playbook)

    return await memo.batch(
        {s.id: ("gate_facts", s.id, s.version) for s in streams}, gather_missing
    )


async def _gather(
    session: AsyncSession, streams: Sequence[ValueStream], playbook: Playbook
) -> dict[uuid.UUID, GateFacts]:
    if not streams:
        return {}
    ids = [s.id for s in streams]
    by_id = {s.id: s for s in streams}
    people = await _participants(session, ids)
    deliverables = await _deliverables(session, by_id, playbook)
    counted = await _counts(session, by_id)
    map_facts, finding_counts = await _maps(session, by_id)
    backlog = await _backlog(session, ids)
    return {
        s.id: GateFacts(
            cycle=s.cycle,
            phase=s.phase,
            participants=tuple(people.get(s.id, ())),
            deliverables=deliverables.get(s.id, {}),
            risks=counted.risks.get(s.id, 0),
            action_items=counted.actions.get(s.id, {}),
            sponsor_signoffs=counted.signoffs.get(s.id, 0),
            has_vsm_owner=s.owner_id is not None,
            maps=tuple(map_facts.get(s.id, ())),
            findings_total=finding_counts.get(s.id, (0, 0))[0],
            findings_untriaged=finding_counts.get(s.id, (0, 0))[1],
            targets=counted.targets.get(s.id, 0),
            milestones=counted.milestones.get(s.id, 0),
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


@dataclass
class _Counted:
    """The records a gate counts, per stream: risks, targets and milestones; action items
    of the current cycle by phase; sponsor sign-offs of the phase the stream is in."""

    risks: dict[uuid.UUID, int] = field(default_factory=dict)
    targets: dict[uuid.UUID, int] = field(default_factory=dict)
    milestones: dict[uuid.UUID, int] = field(default_factory=dict)
    actions: dict[uuid.UUID, dict[str, int]] = field(default_factory=lambda: defaultdict(dict))
    signoffs: dict[uuid.UUID, int] = field(default_factory=dict)


async def _counts(session: AsyncSession, streams: dict[uuid.UUID, ValueStream]) -> _Counted:
    """Five counts in one statement (UNION ALL), each grouped by stream (and by cycle and
    phase where the gate asks for one of them): one round trip instead of five."""
    ids = list(streams)
    no_cycle = cast(null(), Integer)
    no_phase = cast(null(), String)
    parts = [
        select_columns(
            literal(name, String).label("kind"),
            col(model.value_stream_id).label("stream_id"),
            no_cycle.label("cycle"),
            no_phase.label("phase"),
            func.count().label("n"),
        )
        .where(col(model.value_stream_id).in_(ids))
        .group_by(col(model.value_stream_id))
        for name, model in (("risks", Risk), ("targets", FlowTarget), ("milestones", Milestone))
    ]
    parts.append(
        select_columns(
            literal("actions", String),
            col(ActionItem.value_stream_id),
            col(ActionItem.cycle),
            col(ActionItem.phase),
            func.count(),
        )
        .where(col(ActionItem.value_stream_id).in_(ids))
        .where(col(ActionItem.kind) == ActionKind.action.value)
        .group_by(col(ActionItem.value_stream_id), col(ActionItem.cycle), col(ActionItem.phase))
    )
    parts.append(
        select_columns(
            literal("signoffs", String),
            col(SponsorSignoff.value_stream_id),
            col(SponsorSignoff.cycle),
            col(SponsorSignoff.phase),
            func.count(),
        )
        .where(col(SponsorSignoff.value_stream_id).in_(ids))
        .group_by(
            col(SponsorSignoff.value_stream_id),
            col(SponsorSignoff.cycle),
            col(SponsorSignoff.phase),
        )
    )
    counted = _Counted()
    statement: Any = union_all(*parts)
    for kind, stream_id, cycle, phase, n in await session.exec(statement):
        stream = streams[stream_id]
        if kind == "actions":
            if cycle == stream.cycle:
                counted.actions[stream_id][phase] = n
        elif kind == "signoffs":
            if cycle == stream.cycle and phase == stream.phase:
                counted.signoffs[stream_id] = n
        else:
            getattr(counted, kind)[stream_id] = n
    return counted


async def _maps(
    session: AsyncSession, streams: dict[uuid.UUID, ValueStream]
) -> tuple[dict[uuid.UUID, list[MapFact]], dict[uuid.UUID, tuple[int, int]]]:
    """This cycle's maps, summarized (`core.maps.measuring`), and the findings on its
    current-state map."""
    rows = (
        await session.exec(
            select(ValueStreamMap).where(col(ValueStreamMap.value_stream_id).in_(list(streams)))
        )
    ).all()
    in_cycle = [m for m in rows if m.cycle == streams[m.value_stream_id].cycle]
    if not in_cycle:
        return {}, {}
    known = await measuring.summaries(session, in_cycle)
    facts: dict[uuid.UUID, list[MapFact]] = defaultdict(list)
    current_ids: dict[uuid.UUID, uuid.UUID] = {}
    for stream_map in in_cycle:
        fact, _ = known[stream_map.id]
        facts[stream_map.value_stream_id].append(fact)
        if stream_map.kind == MapKind.current:
            current_ids[stream_map.id] = stream_map.value_stream_id
    counts = await untriaged_counts(session, list(current_ids))
    return facts, {current_ids[map_id]: n for map_id, n in counts.items()}


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
