import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from core.models.base import Identified, OrgScoped
from core.types import JSONType, UTCDateTime, utcnow


class AuditEvent(Identified, OrgScoped, table=True):
    """Append-only: who changed what, when, and the state before and after."""

    __tablename__ = "audit_event"
    __table_args__ = (
        Index("ix_audit_event_entity", "organization_id", "entity_type", "entity_id"),
        Index("ix_audit_event_at", "organization_id", "at"),
        Index("ix_audit_event_org_id", "organization_id", "id"),
    )

    actor_token_id: uuid.UUID | None = Field(default=None)
    actor_person_id: uuid.UUID | None = Field(default=None)
    action: str = Field(max_length=40)
    entity_type: str = Field(max_length=60)
    entity_id: uuid.UUID
    before: dict[str, Any] | None = Field(default=None, sa_type=JSONType)
    after: dict[str, Any] | None = Field(default=None, sa_type=JSONType)
    request_id: str | None = Field(default=None, max_length=64)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class AuditEventRead(SQLModel):
    id: uuid.UUID
    actor_token_id: uuid.UUID | None
    actor_person_id: uuid.UUID | None
    action: str
    entity_type: str
    entity_id: uuid.UUID
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    request_id: str | None
    at: datetime
