"""The phase workflow as use cases: gate status, transitions, history, the portfolio view."""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from pydantic import Field
from sqlmodel import and_, col, false, or_
from sqlmodel.ext.asyncio.session import AsyncSession

from core.actor import Actor
from core.backlog.milestones import backlog_progress
from core.engagement.value_streams import (
    StreamOwner,
    StreamPhase,
    StreamText,
    ValueStreamFilter,
    filtered,
    get_value_stream,
)
from core.models.backlog import MilestoneProgress
from core.models.portfolio import PortfolioRow, TargetStatusCounts
from core.models.value_stream import PhaseTransition, TransitionCreate, ValueStream
from core.pagination import Page, page_window, paginate
from core.services import crud
from core.services.filters import ListFilter
from core.targets import service as targets
from core.types import utcnow
from core.webhooks import events
from core.workflow import gate_facts, kept
from core.workflow import organization_playbook as playbooks
from core.workflow.gates import (
    GateResult,
    TransitionRequest,
    days_between,
    evaluate_gate,
    is_overdue,
    plan_transition,
)
from core.workflow.playbook import Playbook


async def gate(session: AsyncSession, actor: Actor, value_stream_id: uuid.UUID) -> GateResult:
    stream = await get_value_stream(session, actor, value_stream_id)
    playbook, _ = await playbooks.get_playbook(session, actor)
    return (await gates_of(session, actor, [stream], playbook))[stream.id]


async def gates_batch(
    session: AsyncSession, actor: Actor, value_stream_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, GateResult]:
    """The gates of many of the caller's value streams; others' ids get no answer."""
    streams = await crud.get_many(session, actor, ValueStream, value_stream_ids)
    playbook, _ = await playbooks.get_playbook(session, actor)
    return await gates_of(session, actor, list(streams.values()), playbook)


async def gates_of(
    session: AsyncSession, actor: Actor, streams: Sequence[ValueStream], playbook: Playbook
) -> dict[uuid.UUID, GateResult]:
    """Each stream's gate; a gate kept for the stream's revision and this playbook is reused."""

    async def not_kept(missing: list[ValueStream]) -> dict[uuid.UUID, GateResult]:
        facts = await gate_facts.gather(session, actor, missing, playbook)
        return {
            s.id: evaluate_gate(playbook, s.phase, facts[s.id]) for s in missing if s.id in facts
        }

    own = [s for s in streams if s.organization_id == actor.organization_id]
    return await kept.per_stream(session, ("gate", playbook.fingerprint), own, not_kept)


async def transition(
    session: AsyncSession,
    actor: Actor,
    value_stream_id: uuid.UUID,
    data: TransitionCreate,
    *,
    expected_version: crud.ExpectedVersion,
) -> tuple[ValueStream, PhaseTransition]:
    """Move a value stream, recording the gate as it stood at that moment."""
    actor.require_write()
    stream = await get_value_stream(session, actor, value_stream_id)
    crud.check_version(stream, expected_version)
    playbook, _ = await playbooks.get_playbook(session, actor)
    result = (await gates_of(session, actor, [stream], playbook))[stream.id]
    plan = plan_transition(
        playbook,
        phase=stream.phase,
        cycle=stream.cycle,
        request=TransitionRequest(data.to, data.reason, data.force, data.justification),
        gate=result,
        actor_is_admin=actor.is_admin,
    )
    record = PhaseTransition(
        organization_id=actor.organization_id,
        value_stream_id=stream.id,
        kind=plan.kind.value,
        from_phase=stream.phase,
        to_phase=plan.to_phase,
        from_cycle=stream.cycle,
        to_cycle=plan.to_cycle,
        actor_token_id=actor.token_id,
        actor_person_id=actor.person_id,
        reason=data.reason,
        forced=plan.forced,
        justification=data.justification,
        gate=result.as_dict(),
    )
    session.add(record)
    stream = await crud.update(
        session,
        actor,
        stream,
        {"phase": plan.to_phase, "cycle": plan.to_cycle, "phase_entered_at": utcnow()},
        expected_version=expected_version,
        action="forced_transition" if plan.forced else "transition",
    )
    await events.emit(
        session,
        actor,
        "value_stream.phase_changed",
        {
            "value_stream_id": str(stream.id),
            "transition_id": str(record.id),
            "kind": record.kind,
            "from_phase": record.from_phase,
            "to_phase": record.to_phase,
            "from_cycle": record.from_cycle,
            "to_cycle": record.to_cycle,
            "forced": record.forced,
            "justification": record.justification,
        },
    )
    return stream, record


async def history(
    session: AsyncSession,
    actor: Actor,
    value_stream_id: uuid.UUID,
    *,
    limit: int,
    cursor: str | None,
) -> Page[PhaseTransition]:
    await get_value_stream(session, actor, value_stream_id)
    statement = crud.scoped(PhaseTransition, actor).where(
        PhaseTransition.value_stream_id == value_stream_id
    )
    return await paginate(
        session, statement, keys=[col(PhaseTransition.id)], limit=limit, cursor=cursor
    )


async def histories(
    session: AsyncSession, actor: Actor, value_stream_ids: list[uuid.UUID]
) -> dict[uuid.UUID, list[PhaseTransition]]:
    grouped: dict[uuid.UUID, list[PhaseTransition]] = {i: [] for i in value_stream_ids}
    rows = await session.exec(
        crud.scoped(PhaseTransition, actor)
        .where(col(PhaseTransition.value_stream_id).in_(value_stream_ids))
        .order_by(col(PhaseTransition.id))
    )
    for row in rows:
        grouped[row.value_stream_id].append(row)
    return grouped


@dataclass(frozen=True)
class Timebox:
    days_in_phase: float
    timebox_days: float | None
    overdue: bool


def timebox(playbook: Playbook, stream: ValueStream, now: datetime | None = None) -> Timebox:
    now = now or utcnow()
    spec = playbook.find(stream.phase)
    return Timebox(
        days_in_phase=round(days_between(stream.phase_entered_at, now), 3),
        timebox_days=spec.timebox_days if spec else None,
        overdue=is_overdue(playbook, stream.phase, stream.phase_entered_at, now),
    )


class PortfolioExportFilter(ListFilter):
    """An export holds every stream the portfolio shows; it is narrowed by status alone."""

    phase: StreamPhase = None
    overdue: bool | None = Field(
        default=None, description="true: longer in its phase than the playbook's timebox"
    )


class PortfolioFilter(PortfolioExportFilter):
    owner_id: StreamOwner = None
    q: StreamText = None


@dataclass(frozen=True)
class PortfolioEntry:
    """A portfolio row with the stream and gate it was made from, for clients that show them."""

    stream: ValueStream
    gate: GateResult
    backlog: MilestoneProgress
    row: PortfolioRow


def portfolio_row(
    playbook: Playbook,
    stream: ValueStream,
    box: Timebox,
    gate: GateResult,
    backlog: MilestoneProgress,
    targets: TargetStatusCounts,
) -> PortfolioRow:
    """The row, its phase named by the organization's playbook (None for a phase it lacks)."""
    spec = playbook.find(stream.phase)
    return PortfolioRow(
        id=stream.id,
        name=stream.name,
        owner_id=stream.owner_id,
        phase=stream.phase,
        phase_name=spec.name if spec else None,
        cycle=stream.cycle,
        phase_entered_at=stream.phase_entered_at,
        days_in_phase=box.days_in_phase,
        timebox_days=box.timebox_days,
        overdue=box.overdue,
        gate_passed=gate.passed,
        blocking_criteria=len(gate.blocking),
        backlog_items=backlog.items,
        backlog_done=backlog.done,
        backlog_percent=backlog.percent,
        targets=targets,
        version=stream.version,
    )


def _overdue_condition(playbook: Playbook, now: datetime) -> Any:
    """Overdue in SQL: entered its phase longer ago than that phase's timebox."""
    clauses = [
        and_(
            ValueStream.phase == spec.key,
            col(ValueStream.phase_entered_at) < now - timedelta(days=spec.timebox_days),
        )
        for spec in playbook.phases
        if spec.timebox_days is not None
    ]
    return or_(*clauses) if clauses else false()


_Counted = tuple[MilestoneProgress, tuple[targets.TargetCourse, ...]]
"""A stream's backlog progress and its targets' courses: what its row counts, kept
between requests; the targets' statuses are judged at each read, as time moves them."""


async def portfolio(
    session: AsyncSession,
    actor: Actor,
    filters: PortfolioFilter,
    *,
    limit: int,
    cursor: str | None,
) -> Page[PortfolioEntry]:
    """Every value stream with phase, cycle, timebox and what blocks its gate."""
    playbook, _ = await playbooks.get_playbook(session, actor)
    now = utcnow()
    statement = filtered(
        actor, ValueStreamFilter(phase=filters.phase, owner_id=filters.owner_id, q=filters.q)
    )
    if filters.overdue is not None:
        condition = _overdue_condition(playbook, now)
        statement = statement.where(condition if filters.overdue else ~condition)
    window = page_window(
        kept.with_revisions(statement.whereclause),
        keys=[col(ValueStream.id)],
        limit=limit,
        cursor=cursor,
    )
    rows = (await session.exec(window.statement)).all()
    page = window.page(kept.read_with_streams(session, rows), getattr)
    results = await gates_of(session, actor, page.items, playbook)

    async def not_kept(missing: list[ValueStream]) -> dict[uuid.UUID, _Counted]:
        ids = [s.id for s in missing]
        progress = await backlog_progress(session, actor, ids)
        courses = await targets.courses(session, actor, ids)
        return {i: (progress[i], courses[i]) for i in ids}

    counted = await kept.per_stream(session, "portfolio", page.items, not_kept)
    entries = []
    for s in page.items:
        progress, courses = counted[s.id]
        target_counts = TargetStatusCounts(**targets.status_counts(courses, now))
        row = portfolio_row(
            playbook, s, timebox(playbook, s, now), results[s.id], progress, target_counts
        )
        entries.append(PortfolioEntry(s, results[s.id], progress, row))
    return page.with_items(entries)


async def portfolio_rows(
    session: AsyncSession,
    actor: Actor,
    filters: PortfolioFilter,
    *,
    limit: int,
    cursor: str | None,
) -> Page[PortfolioRow]:
    """The portfolio as rows alone, as REST lists it and exports read it."""
    page = await portfolio(session, actor, filters, limit=limit, cursor=cursor)
    return page.with_items([e.row for e in page.items])
