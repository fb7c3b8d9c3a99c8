"""Events no single write names: a gate that starts or stops passing, a phase that runs
past its timebox, a milestone missed, a target whose status moved.

Workers sweep for them between jobs, each at most every `WATCH_EVERY`: a stream is looked at
again when its revision moved (`core.models.stream_change`: any write its gate or
targets read) or when it was last looked at `RECHECK` ago (time alone makes phases
overdue, milestones missed and targets late). Its state is compared with what the
watcher saw before (`core.models.stream_watch`); each difference is an event. A stream
seen for the first time is only recorded, so an upgrade or a new stream sends nothing
stale. One sweep runs at a time: SQLite's write transactions take turns, and on
PostgreSQL a sweep that finds another one's advisory lock held leaves it the work.
"""

import uuid
from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from core.actor import Actor
from core.backlog.milestones import milestone_progress
from core.db import Database
from core.jobs.kinds import sweep
from core.models.backlog import Milestone
from core.models.stream_change import StreamChange
from core.models.stream_watch import StreamWatch
from core.models.token import Role
from core.models.value_stream import ValueStream
from core.targets import service as targets
from core.unit_of_work import UnitOfWork
from core.webhooks import events
from core.workflow import organization_playbook as playbooks
from core.workflow import phases

WATCH_EVERY = timedelta(seconds=10)
RECHECK = timedelta(minutes=15)
BATCH = 100
LOCK_KEY = 0x7673_6D77
"""The advisory lock one PostgreSQL sweep holds ('vsmw')."""
NEVER = datetime(1970, 1, 1, tzinfo=UTC)


@sweep(every=WATCH_EVERY)
async def watch_streams(database: Database, now: datetime) -> int:
    """Emit the events of what changed; how many events."""
    async with UnitOfWork.on(database, write=True) as session:
        if not await _sole_sweep(session):
            return 0
        revision = (
            select(func.coalesce(func.sum(StreamChange.weight), 0))
            .where(col(StreamChange.value_stream_id) == ValueStream.id)
            .scalar_subquery()
        )
        rows = (
            await session.exec(
                select(ValueStream, revision, StreamWatch)
                .outerjoin(StreamWatch, col(StreamWatch.value_stream_id) == ValueStream.id)
                .where(
                    or_(
                        col(StreamWatch.value_stream_id).is_(None),
                        col(StreamWatch.revision) != revision,
                        col(StreamWatch.checked_at) < now - RECHECK,
                    )
                )
                .order_by(func.coalesce(col(StreamWatch.checked_at), NEVER), col(ValueStream.id))
                .limit(BATCH)
            )
        ).all()
        by_organization: dict[uuid.UUID, list[tuple[ValueStream, int, StreamWatch | None]]]
        by_organization = defaultdict(list)
        for stream, seen_revision, watched in rows:
            by_organization[stream.organization_id].append((stream, int(seen_revision), watched))
        emitted = 0
        for organization, streams in by_organization.items():
            actor = Actor(organization_id=organization, role=Role.admin)
            emitted += await _watch(session, actor, streams, now)
        return emitted


async def _sole_sweep(session: AsyncSession) -> bool:
    """On PostgreSQL, whether this transaction got the sweep's lock; SQLite's write
    transactions take turns already."""
    if session.sync_session.get_bind().dialect.name != "postgresql":
        return True
    statement = select(func.pg_try_advisory_xact_lock(LOCK_KEY))
    return bool((await session.exec(statement)).first())


async def _watch(
    session: AsyncSession,
    actor: Actor,
    rows: Sequence[tuple[ValueStream, int, StreamWatch | None]],
    now: datetime,
) -> int:
    playbook, _ = await playbooks.get_playbook(session, actor)
    streams = [stream for stream, _, _ in rows]
    ids = [s.id for s in streams]
    gates = await phases.gates_of(session, actor, streams, playbook)
    statuses = await _target_statuses(session, actor, ids)
    missed = await _missed_milestones(session, actor, ids, now)
    emitted = 0
    for stream, revision, watched in rows:
        gate = gates[stream.id]
        overdue = phases.timebox(playbook, stream, now).overdue
        state = StreamWatch(
            organization_id=stream.organization_id,
            value_stream_id=stream.id,
            revision=revision,
            gate_passed=gate.passed,
            overdue=overdue,
            target_statuses={str(k): v for k, (v, _) in statuses.get(stream.id, {}).items()},
            missed_milestones=sorted(str(m) for m in missed.get(stream.id, {})),
            checked_at=now,
        )
        if watched is not None:
            for event_type, data in _differences(stream, watched, state, gate, statuses, missed):
                await events.emit(session, actor, event_type, data)
                emitted += 1
            for name in ("revision", "gate_passed", "overdue", "target_statuses",
                         "missed_milestones", "checked_at"):  # fmt: skip
                setattr(watched, name, getattr(state, name))
        else:
            session.add(state)
    await session.flush()
    return emitted


def _differences(
    stream: ValueStream,
    before: StreamWatch,
    now_state: StreamWatch,
    gate: Any,
    statuses: dict[uuid.UUID, dict[uuid.UUID, tuple[str, dict[str, Any]]]],
    missed: dict[uuid.UUID, dict[uuid.UUID, dict[str, Any]]],
) -> list[tuple[str, dict[str, Any]]]:
    """Each event between what the watcher saw before and now; pure."""
    found: list[tuple[str, dict[str, Any]]] = []
    where = {"value_stream_id": str(stream.id), "phase": stream.phase, "cycle": stream.cycle}
    if before.gate_passed != now_state.gate_passed:
        blocking = [c.key for c in gate.blocking]
        kind = "gate.passing" if now_state.gate_passed else "gate.blocked"
        found.append((kind, {**where, "blocking_criteria": blocking}))
    if now_state.overdue and not before.overdue:
        found.append(("value_stream.timebox_overdue", where))
    for milestone_id in sorted(set(now_state.missed_milestones) - set(before.missed_milestones)):
        found.append(("milestone.missed", missed[stream.id][uuid.UUID(milestone_id)]))
    for target_id, status in sorted(now_state.target_statuses.items()):
        was = before.target_statuses.get(target_id)
        if was is not None and was != status:
            _, data = statuses[stream.id][uuid.UUID(target_id)]
            found.append(("target.status_changed", {**data, "from_status": was}))
    return found


async def _target_statuses(
    session: AsyncSession, actor: Actor, ids: list[uuid.UUID]
) -> dict[uuid.UUID, dict[uuid.UUID, tuple[str, dict[str, Any]]]]:
    """Each target's status now (the worker's clock, which sweeps run on), and what its
    event would say, per stream."""
    by_stream = await targets.targets_of_streams(session, actor, ids)
    progress_of = await targets.progress_of(
        session, actor, [t for ts in by_stream.values() for t in ts]
    )
    found: dict[uuid.UUID, dict[uuid.UUID, tuple[str, dict[str, Any]]]] = defaultdict(dict)
    for stream_id, stream_targets in by_stream.items():
        for target in stream_targets:
            progress = progress_of[target.id]
            status = progress.status.value
            found[stream_id][target.id] = (
                status,
                {
                    "target_id": str(target.id),
                    "value_stream_id": str(stream_id),
                    "metric": target.metric,
                    "to_status": status,
                    "reason": progress.reason,
                },
            )
    return found


async def _missed_milestones(
    session: AsyncSession, actor: Actor, ids: list[uuid.UUID], now: datetime
) -> dict[uuid.UUID, dict[uuid.UUID, dict[str, Any]]]:
    """Milestones whose due date has passed with live items not done, per stream."""
    due = (
        await session.exec(
            select(Milestone).where(
                col(Milestone.value_stream_id).in_(ids),
                col(Milestone.organization_id) == actor.organization_id,
                col(Milestone.due_date) < now.date(),
            )
        )
    ).all()
    progress = await milestone_progress(session, actor, [m.id for m in due])
    found: dict[uuid.UUID, dict[uuid.UUID, dict[str, Any]]] = defaultdict(dict)
    for milestone in due:
        done = progress[milestone.id]
        if done.percent is not None and done.percent >= 100:
            continue
        assert milestone.due_date is not None
        found[milestone.value_stream_id][milestone.id] = {
            "milestone_id": str(milestone.id),
            "value_stream_id": str(milestone.value_stream_id),
            "name": milestone.name,
            "due_date": milestone.due_date.isoformat(),
            "items": done.items,
            "done": done.done,
        }
    return found
