import uuid
from datetime import datetime

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from core.models.base import Entity
from core.types import UTCDateTime, utcnow


class SignoffFields(SQLModel):
    sponsor_id: uuid.UUID
    statement: str | None = Field(default=None, max_length=4000)


class SponsorSignoff(SignoffFields, Entity, table=True):
    """A sponsor's alignment and buy-in, given for one phase of one cycle."""

    __tablename__ = "sponsor_signoff"
    __table_args__ = (
        UniqueConstraint("value_stream_id", "cycle", "phase", "sponsor_id"),
        Index("ix_sponsor_signoff_value_stream_id", "value_stream_id", "id"),
    )

    value_stream_id: uuid.UUID = Field(foreign_key="value_stream.id", ondelete="CASCADE")
    sponsor_id: uuid.UUID = Field(foreign_key="person.id", ondelete="CASCADE")
    cycle: int
    phase: str = Field(max_length=60)
    signed_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class SignoffCreate(SignoffFields):
    model_config = {"extra": "forbid"}


class SignoffUpdate(SQLModel):
    """A sign-off is a statement made at a moment; only its wording can be corrected."""

    model_config = {"extra": "forbid"}

    statement: str | None = Field(default=None, max_length=4000)


class SignoffRead(SignoffFields):
    id: uuid.UUID
    value_stream_id: uuid.UUID
    cycle: int
    phase: str
    signed_at: datetime
    version: int
