"""The value stream engagement and the history of its phase transitions."""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from core.models.base import Entity, Identified, OrgScoped
from core.types import JSONType, UTCDateTime, utcnow


class ValueStreamFields(SQLModel):
    name: str = Field(min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=10_000)
    owner_id: uuid.UUID | None = Field(
        default=None, description="The VSM owner: accountable for the stream's transformation."
    )


class ValueStream(ValueStreamFields, Entity, table=True):
    __tablename__ = "value_stream"
    __table_args__ = (
        UniqueConstraint("organization_id", "name"),
        Index("ix_value_stream_org_phase", "organization_id", "phase"),
        Index("ix_value_stream_org_id", "organization_id", "id"),
    )

    owner_id: uuid.UUID | None = Field(default=None, foreign_key="person.id", ondelete="SET NULL")
    phase: str = Field(max_length=60)
    cycle: int = Field(default=1)
    phase_entered_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class ValueStreamCreate(ValueStreamFields):
    model_config = {"extra": "forbid"}


class ValueStreamUpdate(SQLModel):
    model_config = {"extra": "forbid"}

    name: str | None = Field(default=None, min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=10_000)
    owner_id: uuid.UUID | None = None


class ValueStreamRead(ValueStreamFields):
    id: uuid.UUID
    phase: str
    cycle: int
    phase_entered_at: datetime
    version: int
    created_at: datetime
    updated_at: datetime


class PhaseTransition(Identified, OrgScoped, table=True):
    """One move of a value stream between phases, kept forever as its history.

    A move copied in from an export (`imported_at` set) is the document's word, not a
    move made here: its actor columns stay empty, since an id from a document names
    no one of this organization, and `imported_by_*` name who imported it.
    """

    __tablename__ = "phase_transition"
    __table_args__ = (Index("ix_phase_transition_stream", "value_stream_id", "at"),)

    value_stream_id: uuid.UUID = Field(foreign_key="value_stream.id", ondelete="CASCADE")
    kind: str = Field(max_length=20)
    from_phase: str = Field(max_length=60)
    to_phase: str = Field(max_length=60)
    from_cycle: int
    to_cycle: int
    actor_token_id: uuid.UUID | None = None
    actor_person_id: uuid.UUID | None = None
    reason: str | None = Field(default=None, max_length=4000)
    forced: bool = False
    justification: str | None = Field(default=None, max_length=4000)
    gate: dict[str, Any] = Field(default_factory=dict, sa_type=JSONType)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    imported_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    imported_by_token_id: uuid.UUID | None = None
    imported_by_person_id: uuid.UUID | None = None

    @property
    def imported(self) -> bool:
        return self.imported_at is not None


class TransitionCreate(SQLModel):
    model_config = {"extra": "forbid"}

    to: str = Field(min_length=1, max_length=60, description="a phase key, or 'iterate'")
    reason: str | None = Field(default=None, max_length=4000)
    force: bool = False
    justification: str | None = Field(default=None, max_length=4000)


class PhaseTransitionRead(SQLModel):
    id: uuid.UUID
    kind: str
    from_phase: str
    to_phase: str
    from_cycle: int
    to_cycle: int
    actor_token_id: uuid.UUID | None = Field(
        description="the token that made the move here; empty for an imported move"
    )
    actor_person_id: uuid.UUID | None = Field(
        description="the person who made the move here; empty for an imported move"
    )
    reason: str | None
    forced: bool
    justification: str | None
    gate: dict[str, Any]
    at: datetime
    imported: bool = Field(
        default=False,
        description="copied from an exported document: what it says was not recorded here",
    )
    imported_at: datetime | None = Field(default=None, description="when it was imported")
    imported_by_token_id: uuid.UUID | None = Field(
        default=None, description="the token that imported it"
    )
    imported_by_person_id: uuid.UUID | None = Field(
        default=None, description="the person who imported it"
    )
