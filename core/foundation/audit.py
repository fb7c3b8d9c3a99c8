"""The audit trail: every change leaves an event in the same transaction as the change."""

import uuid
from typing import Any

from pydantic import AwareDatetime, Field
from sqlmodel import SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.expression import SelectOfScalar

from core.actor import Actor
from core.models.audit import AuditEvent, AuditEventRead
from core.pagination import Page, paginate
from core.services import reads
from core.services.context import Work
from core.services.filters import ListFilter

SECRET_FIELDS = frozenset({"token_hash", "secret", "previous_secret"})


def snapshot(obj: SQLModel | None) -> dict[str, Any] | None:
    """A JSON-ready picture of a row, secrets left out, for before/after."""
    if obj is None:
        return None
    return obj.model_dump(mode="json", exclude=set(SECRET_FIELDS), warnings=False)


def record(
    session: AsyncSession,
    actor: Actor,
    *,
    action: str,
    entity_type: str,
    entity_id: uuid.UUID,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEvent:
    event = AuditEvent(
        organization_id=actor.organization_id,
        actor_token_id=actor.token_id,
        actor_person_id=actor.person_id,
        action=action,
        entity_type=entity_type,
        entity_id=entity_id,
        before=before,
        after=after,
        request_id=actor.request_id,
    )
    session.add(event)
    return event


class AuditFilter(ListFilter):
    entity_type: str | None = Field(
        default=None, max_length=60, description="the kind of record changed, by its table"
    )
    entity_id: uuid.UUID | None = Field(default=None, description="the record changed")
    actor_token_id: uuid.UUID | None = Field(
        default=None, description="the token the change was made with"
    )
    actor_person_id: uuid.UUID | None = Field(
        default=None, description="the person the token acted for"
    )
    action: str | None = Field(
        default=None, max_length=40, description="what was done: create, update, delete..."
    )
    since: AwareDatetime | None = Field(default=None, description="inclusive, ISO 8601 with zone")
    until: AwareDatetime | None = Field(default=None, description="exclusive, ISO 8601 with zone")


async def list_events(
    session: AsyncSession, actor: Actor, filters: AuditFilter, *, limit: int, cursor: str | None
) -> Page[AuditEvent]:
    """Newest first; the trail is readable by every role of the organization."""
    return await paginate(
        session,
        _filtered(actor, filters),
        keys=[col(AuditEvent.id)],
        limit=limit,
        cursor=cursor,
        descending=True,
    )


async def read_events(
    work: Work, filters: AuditFilter, *, limit: int, cursor: str | None
) -> Page[AuditEventRead]:
    """`list_events` as read models, through the point reader when the work only reads."""
    return await reads.read_page(
        work,
        AuditEvent,
        _filtered(work.actor, filters),
        keys=[col(AuditEvent.id)],
        limit=limit,
        cursor=cursor,
        into=AuditEventRead,
        descending=True,
    )


def _filtered(actor: Actor, filters: AuditFilter) -> SelectOfScalar[AuditEvent]:
    statement = select(AuditEvent).where(AuditEvent.organization_id == actor.organization_id)
    for name in ("entity_type", "entity_id", "actor_token_id", "actor_person_id", "action"):
        value = getattr(filters, name)
        if value is not None:
            statement = statement.where(getattr(AuditEvent, name) == value)
    if filters.since is not None:
        statement = statement.where(AuditEvent.at >= filters.since)
    if filters.until is not None:
        statement = statement.where(AuditEvent.at < filters.until)
    return statement
