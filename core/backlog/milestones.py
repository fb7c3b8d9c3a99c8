"""Roadmap milestones and how far the items planned for them have come.

A whole backlog is counted the same way, as if it were one milestone.
"""

import uuid
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from core.actor import Actor
from core.backlog.ownership import BacklogStatus
from core.models.backlog import BacklogItem, Milestone, MilestoneProgress, MilestoneRead
from core.services.children import ChildService

milestones = ChildService(Milestone, order=("due_date", "id"))


async def milestone_progress(
    session: AsyncSession, actor: Actor, milestone_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, MilestoneProgress]:
    """Done items over live (not dropped) items, per milestone of the caller's organization."""
    return await _progress(session, actor, BacklogItem.milestone_id, milestone_ids)


async def milestone_reads(
    session: AsyncSession, actor: Actor, rows: Sequence[Milestone]
) -> list[MilestoneRead]:
    """Milestones as clients read them, each with its progress."""
    progress = await milestone_progress(session, actor, [m.id for m in rows])
    return [
        MilestoneRead.model_validate({**m.model_dump(warnings=False), "progress": progress[m.id]})
        for m in rows
    ]


async def backlog_progress(
    session: AsyncSession, actor: Actor, stream_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, MilestoneProgress]:
    """The same count per value stream: the whole backlog is one milestone."""
    return await _progress(session, actor, BacklogItem.value_stream_id, stream_ids)


async def _progress(
    session: AsyncSession, actor: Actor, column: Any, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, MilestoneProgress]:
    """Every id asked for gets an answer, zeros when nothing of the caller's counts for it.

    The ids come from the caller, so the count is scoped to the caller's organization
    here rather than trusting that they were checked before.
    """
    if not ids:
        return {}
    rows = await session.exec(
        select(column, BacklogItem.status, func.count())
        .where(col(column).in_(list(ids)))
        .where(BacklogItem.organization_id == actor.organization_id)
        .group_by(column, BacklogItem.status)
    )
    counts: dict[uuid.UUID, dict[str, int]] = defaultdict(dict)
    for ident, status, n in rows:
        counts[ident][status] = n
    return {ident: _counted(counts.get(ident, {})) for ident in ids}


def _counted(by_status: dict[str, int]) -> MilestoneProgress:
    live = sum(n for s, n in by_status.items() if s != BacklogStatus.dropped)
    done = by_status.get(BacklogStatus.done.value, 0)
    return MilestoneProgress(
        items=live, done=done, percent=round(100 * done / live, 1) if live else None
    )
