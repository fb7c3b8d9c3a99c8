import re
import uuid
from datetime import datetime
from typing import Annotated

from pydantic import AnyHttpUrl, UrlConstraints, field_validator
from sqlalchemy import Index, String, UniqueConstraint
from sqlmodel import Field, SQLModel

from core.models.base import Entity
from core.workflow.vocabulary import DeliverableKind, DeliverableStatus

KIND_PATTERN = r"^[a-z][a-z0-9_]{0,59}$"


class DeliverableContent(SQLModel):
    """What a client writes, except the link, which is stored as text but sent as a URL."""

    kind: str = Field(
        max_length=60,
        description="a kind of the practice (" + ", ".join(DeliverableKind) + ") or your own, "
        "such as one a custom playbook asks for",
    )
    title: str | None = Field(default=None, max_length=200)
    status: DeliverableStatus = DeliverableStatus.draft
    text: str | None = Field(default=None, max_length=100_000)

    @field_validator("kind")
    @classmethod
    def _kind_is_a_key(cls, value: str) -> str:
        if not re.fullmatch(KIND_PATTERN, value):
            raise ValueError("a kind is a lowercase key: letters, digits and underscores")
        return value


class DeliverableFields(DeliverableContent):
    link: str | None = Field(default=None, max_length=2000)


class Deliverable(DeliverableFields, Entity, table=True):
    """A phase's written output (business case, agenda, readout...), one per kind and cycle."""

    __table_args__ = (
        UniqueConstraint("value_stream_id", "cycle", "kind"),
        Index("ix_deliverable_value_stream_id", "value_stream_id", "id"),
    )

    value_stream_id: uuid.UUID = Field(foreign_key="value_stream.id", ondelete="CASCADE")
    cycle: int
    phase: str = Field(max_length=60)
    kind: str = Field(sa_type=String(60))
    status: DeliverableStatus = Field(default=DeliverableStatus.draft, sa_type=String(20))


class DeliverableCreate(DeliverableContent):
    model_config = {"extra": "forbid"}

    link: Annotated[AnyHttpUrl, UrlConstraints(max_length=2000)] | None = None


class DeliverableUpdate(SQLModel):
    model_config = {"extra": "forbid"}

    title: str | None = Field(default=None, max_length=200)
    status: DeliverableStatus | None = None
    text: str | None = Field(default=None, max_length=100_000)
    link: Annotated[AnyHttpUrl, UrlConstraints(max_length=2000)] | None = None


class DeliverableRead(DeliverableFields):
    id: uuid.UUID
    value_stream_id: uuid.UUID
    cycle: int
    phase: str
    version: int
    created_at: datetime
    updated_at: datetime
