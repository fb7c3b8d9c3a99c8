"""Where an item sits in its backlog: the rank a new item gets, and moves.

A rank is chosen from the ranks of the item's new neighbours (`ranking.key_between`), so
nothing else is renumbered. Two writers that read the same neighbours would choose the
same rank, so both paths lock the stream first (`crud.lock`) and take turns; the schema
refuses a shared rank besides.
"""

import uuid

from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from core.actor import Actor
from core.backlog.ranking import key_between
from core.backlog.references import item_of_stream
from core.errors import ValidationFailed
from core.models.backlog import BacklogItem, BacklogMove
from core.models.value_stream import ValueStream
from core.services import crud


async def rank_for_new_item(
    session: AsyncSession, actor: Actor, stream_id: uuid.UUID, after_id: uuid.UUID | None
) -> str:
    """Right after `after_id`, or at the end of the backlog; the caller holds the lock."""
    if after_id is None:
        last = await _neighbour_rank(session, stream_id, None, above=False)
        return key_between(last, None)
    anchor = await item_of_stream(session, actor, after_id, stream_id, "after_id")
    upper = await _neighbour_rank(session, stream_id, anchor.rank, above=True)
    return key_between(anchor.rank, upper)


async def move(
    session: AsyncSession,
    actor: Actor,
    item_id: uuid.UUID,
    where: BacklogMove,
    *,
    expected_version: crud.ExpectedVersion,
) -> BacklogItem:
    """Give the item a rank between its new neighbours; nothing else is renumbered.

    After `after_id`, before `before_id`, or to the top when neither is given.
    """
    item = await crud.get(session, actor, BacklogItem, item_id)
    crud.check_version(item, expected_version)
    if where.after_id is not None and where.before_id is not None:
        raise ValidationFailed("give after_id or before_id, not both", field="after_id")
    if item.id in (where.after_id, where.before_id):
        raise ValidationFailed("an item cannot move next to itself", field="after_id")
    stream_id = item.value_stream_id
    await crud.lock(session, await crud.get(session, actor, ValueStream, stream_id))
    if where.after_id is not None:
        anchor = await item_of_stream(session, actor, where.after_id, stream_id, "after_id")
        lower: str | None = anchor.rank
        upper = await _neighbour_rank(session, stream_id, lower, above=True, exclude=item.id)
    else:
        upper = None
        if where.before_id is not None:
            anchor = await item_of_stream(session, actor, where.before_id, stream_id, "before_id")
            upper = anchor.rank
        else:
            upper = await _neighbour_rank(session, stream_id, None, above=True, exclude=item.id)
        lower = (
            await _neighbour_rank(session, stream_id, upper, above=False, exclude=item.id)
            if upper is not None
            else None
        )
    rank = key_between(lower, upper)
    return await crud.update(
        session, actor, item, {"rank": rank}, expected_version=expected_version, action="move"
    )


async def _neighbour_rank(
    session: AsyncSession,
    stream_id: uuid.UUID,
    rank: str | None,
    *,
    above: bool,
    exclude: uuid.UUID | None = None,
) -> str | None:
    """The nearest rank above (or below) `rank` in the stream; None is the open end."""
    column = col(BacklogItem.rank)
    statement = select(func.min(column) if above else func.max(column)).where(
        BacklogItem.value_stream_id == stream_id
    )
    if rank is not None:
        statement = statement.where(column > rank if above else column < rank)
    if exclude is not None:
        statement = statement.where(BacklogItem.id != exclude)
    return (await session.exec(statement)).one()
