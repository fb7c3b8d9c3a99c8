"""Which backlog items a list shows and in what order, for a page and for a batch alike.

REST and GraphQL page one stream's backlog (`list_items`); GraphQL's value streams load
many backlogs at once (`items_of_streams`). Both narrow and order through the same
functions here, so a filter means the same on every path.
"""

import uuid
from collections import defaultdict
from collections.abc import Sequence
from typing import Any, Literal

from pydantic import Field
from sqlmodel import col, or_
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.expression import SelectOfScalar

from core.actor import Actor
from core.backlog.ownership import BacklogStatus
from core.models.backlog import BacklogItem, ItemType
from core.models.value_stream import ValueStream
from core.pagination import Page, PageOrder, paginate
from core.services import crud
from core.services.filters import ListFilter
from core.types import utcnow


class BacklogFilter(ListFilter):
    status: BacklogStatus | None = Field(default=None, description="where the item stands")
    owner_id: uuid.UUID | None = Field(default=None, description="the person accountable for it")
    milestone_id: uuid.UUID | None = Field(
        default=None, description="the milestone it is planned for"
    )
    type: ItemType | None = Field(default=None, description="the kind of change it makes")
    overdue: bool | None = Field(
        default=None, description="true: past its due date and neither done nor dropped"
    )
    q: str | None = Field(default=None, max_length=200, description="text in title or description")
    sort: Literal["rank", "wsjf"] = Field(default="rank", description="rank or wsjf")


def backlog_filter(filters: ListFilter | None) -> BacklogFilter:
    """The backlog's own filter: a transport hands over the model it checked, or none."""
    if filters is None:
        return BacklogFilter()
    if not isinstance(filters, BacklogFilter):
        raise TypeError(f"backlog items take BacklogFilter, not {type(filters).__name__}")
    return filters


async def list_items(
    session: AsyncSession,
    actor: Actor,
    value_stream_id: uuid.UUID,
    filters: BacklogFilter,
    *,
    limit: int,
    cursor: str | None,
) -> Page[BacklogItem]:
    """In rank order, or by WSJF (highest first)."""
    await crud.get(session, actor, ValueStream, value_stream_id)
    ordered = page_order(actor, value_stream_id, filters)
    return await paginate(
        session,
        ordered.statement,
        keys=ordered.keys,
        limit=limit,
        cursor=cursor,
        descending=ordered.descending,
    )


def page_order(
    actor: Actor, value_stream_id: uuid.UUID, filters: BacklogFilter
) -> PageOrder[BacklogItem]:
    """What `list_items` pages, for any path that reads a page of one stream's backlog."""
    statement = crud.scoped(BacklogItem, actor).where(
        BacklogItem.value_stream_id == value_stream_id
    )
    return PageOrder(
        _narrowed(statement, filters), _sort_keys(filters), descending=filters.sort == "wsjf"
    )


async def items_of_streams(
    session: AsyncSession, actor: Actor, stream_ids: Sequence[uuid.UUID], filters: BacklogFilter
) -> dict[uuid.UUID, list[BacklogItem]]:
    """The backlogs of many streams in one query, narrowed and ordered as `list_items` is."""
    grouped: dict[uuid.UUID, list[BacklogItem]] = defaultdict(list)
    if not stream_ids:
        return grouped
    statement = crud.scoped(BacklogItem, actor).where(
        col(BacklogItem.value_stream_id).in_(list(stream_ids))
    )
    keys = _sort_keys(filters)
    if filters.sort == "wsjf":
        ordered = _narrowed(statement, filters).order_by(*(key.desc() for key in keys))
    else:
        ordered = _narrowed(statement, filters).order_by(*keys)
    for row in await session.exec(ordered):
        grouped[row.value_stream_id].append(row)
    return grouped


def _sort_keys(filters: BacklogFilter) -> list[Any]:
    """Rank order, or WSJF; the id breaks ties so pages and batches order alike."""
    if filters.sort == "wsjf":
        return [col(BacklogItem.wsjf_sort), col(BacklogItem.id)]
    return [col(BacklogItem.rank), col(BacklogItem.id)]


def _narrowed(
    statement: SelectOfScalar[BacklogItem], filters: BacklogFilter
) -> SelectOfScalar[BacklogItem]:
    """The items a backlog filter keeps, for a page and for a batch of streams alike."""
    for name in ("status", "owner_id", "milestone_id", "type"):
        value = getattr(filters, name)
        if value is not None:
            statement = statement.where(getattr(BacklogItem, name) == value)
    if filters.q:
        statement = statement.where(
            or_(
                crud.contains(BacklogItem.title, filters.q),
                crud.contains(BacklogItem.description, filters.q),
            )
        )
    if filters.overdue is not None:
        late = (col(BacklogItem.due_date) < utcnow().date()) & col(BacklogItem.status).not_in(
            [BacklogStatus.done.value, BacklogStatus.dropped.value]
        )
        statement = statement.where(
            late if filters.overdue else ~late | col(BacklogItem.due_date).is_(None)
        )
    return statement
