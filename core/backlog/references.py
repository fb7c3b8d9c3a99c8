"""What a backlog item may point at: rows of its own value stream, and nothing else.

An item's anchor, dependency, findings and steps all name other rows by id; an id of
another stream (or organization) is refused with the field it came in, so a client
learns which reference was wrong.
"""

import uuid
from collections.abc import Sequence
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from core.actor import Actor
from core.errors import ValidationFailed
from core.models.backlog import BacklogItem
from core.models.value_stream_map import MapStep, ValueStreamMap
from core.services import crud


async def item_of_stream(
    session: AsyncSession, actor: Actor, item_id: uuid.UUID, stream_id: uuid.UUID, field: str
) -> BacklogItem:
    item = (await crud.get_many(session, actor, BacklogItem, [item_id])).get(item_id)
    if item is None or item.value_stream_id != stream_id:
        raise ValidationFailed(f"{field} names no item of this backlog", field=field)
    return item


async def same_stream_ids(
    session: AsyncSession,
    actor: Actor,
    model: Any,
    ids: Sequence[uuid.UUID],
    stream_id: uuid.UUID,
    field: str,
) -> list[str]:
    found = await crud.get_many(session, actor, model, list(ids))
    for ident in ids:
        row = found.get(ident)
        if row is None or row.value_stream_id != stream_id:
            raise ValidationFailed(f"{field}: {ident} is not in this value stream", field=field)
    return [str(i) for i in dict.fromkeys(ids)]


async def stream_step_ids(
    session: AsyncSession, actor: Actor, ids: Sequence[uuid.UUID], stream_id: uuid.UUID
) -> list[str]:
    """Steps belong to a map, not to the stream itself: the map says whose they are."""
    steps = await crud.get_many(session, actor, MapStep, list(ids))
    maps = await crud.get_many(
        session, actor, ValueStreamMap, list({s.map_id for s in steps.values()})
    )
    for ident in ids:
        step = steps.get(ident)
        if step is None or maps[step.map_id].value_stream_id != stream_id:
            raise ValidationFailed(
                f"step_ids: {ident} is not in this value stream", field="step_ids"
            )
    return [str(i) for i in dict.fromkeys(ids)]
