"""Which backlog items wait for which others, within one backlog."""

import uuid
from collections import defaultdict
from collections.abc import Sequence

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from core.actor import Actor
from core.backlog.ownership import has_cycle
from core.backlog.references import item_of_stream
from core.errors import Conflict, ValidationFailed, not_found
from core.models.backlog import BacklogDependency, BacklogItem
from core.services import crud


async def dependencies_of(
    session: AsyncSession, actor: Actor, item_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[uuid.UUID]]:
    grouped: dict[uuid.UUID, list[uuid.UUID]] = defaultdict(list)
    if item_ids:
        rows = await session.exec(
            crud.scoped(BacklogDependency, actor).where(
                col(BacklogDependency.item_id).in_(list(item_ids))
            )
        )
        for row in rows:
            grouped[row.item_id].append(row.depends_on_id)
    return grouped


async def add_dependency(
    session: AsyncSession, actor: Actor, item_id: uuid.UUID, depends_on_id: uuid.UUID
) -> BacklogDependency:
    """Dependencies stay a DAG: an edge that would close a loop is refused."""
    actor.require_write()
    item = await crud.get(session, actor, BacklogItem, item_id)
    await item_of_stream(session, actor, depends_on_id, item.value_stream_id, "depends_on_id")
    rows = await session.exec(
        select(BacklogDependency.item_id, BacklogDependency.depends_on_id)
        .join(BacklogItem, col(BacklogItem.id) == col(BacklogDependency.item_id))
        .where(BacklogItem.value_stream_id == item.value_stream_id)
    )
    edges = [(str(a), str(b)) for a, b in rows]
    if (str(item_id), str(depends_on_id)) in edges:
        raise Conflict("this dependency already exists", field="depends_on_id")
    if has_cycle(edges, (str(item_id), str(depends_on_id))):
        raise ValidationFailed("this dependency would make a cycle", field="depends_on_id")
    return await crud.create(
        session, actor, BacklogDependency, {"item_id": item_id, "depends_on_id": depends_on_id}
    )


async def remove_dependency(
    session: AsyncSession, actor: Actor, item_id: uuid.UUID, depends_on_id: uuid.UUID
) -> None:
    actor.require_write()
    await crud.get(session, actor, BacklogItem, item_id)
    row = (
        await session.exec(
            crud.scoped(BacklogDependency, actor)
            .where(BacklogDependency.item_id == item_id)
            .where(BacklogDependency.depends_on_id == depends_on_id)
        )
    ).first()
    if row is None:
        raise not_found("dependency", depends_on_id)
    await crud.delete(session, actor, row, expected_version=None)
