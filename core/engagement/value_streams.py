"""Value streams: each one engagement moving through the playbook's phases, cycle after cycle."""

import uuid
from typing import Annotated

from pydantic import Field
from sqlmodel import col, or_
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.expression import SelectOfScalar

from core.actor import Actor
from core.models.person import Person
from core.models.value_stream import (
    ValueStream,
    ValueStreamCreate,
    ValueStreamRead,
    ValueStreamUpdate,
)
from core.pagination import Page, paginate
from core.services import crud
from core.services.context import Work
from core.services.filters import ListFilter
from core.services.reads import get_one, read_page
from core.webhooks import events
from core.workflow import organization_playbook as playbooks

StreamPhase = Annotated[
    str | None, Field(max_length=60, description="the phase it is in, by the playbook's key")
]
StreamOwner = Annotated[uuid.UUID | None, Field(description="the person who owns it")]
StreamText = Annotated[str | None, Field(max_length=200, description="text in name or description")]


class ValueStreamFilter(ListFilter):
    phase: StreamPhase = None
    owner_id: StreamOwner = None
    q: StreamText = None


async def create_value_stream(
    session: AsyncSession, actor: Actor, data: ValueStreamCreate
) -> ValueStream:
    """A new engagement starts in the playbook's first phase, cycle 1."""
    actor.require_write()
    await crud.require_reference(session, actor, Person, data.owner_id, field="owner_id")
    playbook, _ = await playbooks.get_playbook(session, actor)
    stream = await crud.create(session, actor, ValueStream, data, phase=playbook.keys[0], cycle=1)
    await events.emit(
        session,
        actor,
        "value_stream.created",
        {"value_stream_id": str(stream.id), "name": stream.name, "phase": stream.phase},
    )
    return stream


async def get_value_stream(
    session: AsyncSession, actor: Actor, value_stream_id: uuid.UUID
) -> ValueStream:
    return await crud.get(session, actor, ValueStream, value_stream_id)


async def read_value_stream(work: Work, value_stream_id: uuid.UUID) -> ValueStreamRead:
    return await get_one(work, ValueStream, value_stream_id, ValueStreamRead)


def filtered(actor: Actor, filters: ValueStreamFilter) -> SelectOfScalar[ValueStream]:
    """Narrowed by WHERE alone: the portfolio reads its streams with their revisions by
    taking this select's WHERE clause (`kept.with_revisions`), and would lose a join."""
    statement = crud.scoped(ValueStream, actor)
    if filters.phase is not None:
        statement = statement.where(ValueStream.phase == filters.phase)
    if filters.owner_id is not None:
        statement = statement.where(ValueStream.owner_id == filters.owner_id)
    if filters.q:
        statement = statement.where(
            or_(
                crud.contains(ValueStream.name, filters.q),
                crud.contains(ValueStream.description, filters.q),
            )
        )
    return statement


async def list_value_streams(
    session: AsyncSession,
    actor: Actor,
    filters: ValueStreamFilter,
    *,
    limit: int,
    cursor: str | None,
) -> Page[ValueStream]:
    statement = filtered(actor, filters)
    return await paginate(
        session, statement, keys=[col(ValueStream.id)], limit=limit, cursor=cursor
    )


async def read_value_streams(
    work: Work, filters: ValueStreamFilter, *, limit: int, cursor: str | None
) -> Page[ValueStreamRead]:
    return await read_page(
        work,
        ValueStream,
        filtered(work.actor, filters),
        keys=[col(ValueStream.id)],
        limit=limit,
        cursor=cursor,
        into=ValueStreamRead,
    )


async def update_value_stream(
    session: AsyncSession,
    actor: Actor,
    value_stream_id: uuid.UUID,
    patch: ValueStreamUpdate,
    *,
    expected_version: crud.ExpectedVersion,
) -> ValueStream:
    """Phase and cycle change only through transitions, never through a patch."""
    actor.require_write()
    stream = await get_value_stream(session, actor, value_stream_id)
    if "owner_id" in patch.model_fields_set:
        await crud.require_reference(session, actor, Person, patch.owner_id, field="owner_id")
    return await crud.update(session, actor, stream, patch, expected_version=expected_version)


async def delete_value_stream(
    session: AsyncSession,
    actor: Actor,
    value_stream_id: uuid.UUID,
    *,
    expected_version: crud.ExpectedVersion,
) -> None:
    stream = await get_value_stream(session, actor, value_stream_id)
    await crud.delete(session, actor, stream, expected_version=expected_version)
