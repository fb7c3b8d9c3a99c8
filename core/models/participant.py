import uuid
from datetime import datetime

from pydantic import ValidationInfo, field_validator
from sqlalchemy import Index, String, UniqueConstraint
from sqlmodel import Field, SQLModel

from core.models.base import Entity
from core.workflow.vocabulary import ChampionKind, Function, ParticipantRole


class ParticipantFields(SQLModel):
    person_id: uuid.UUID
    role: ParticipantRole
    champion_kind: ChampionKind | None = None
    function: Function | None = None
    trained: bool = False


class Participant(ParticipantFields, Entity, table=True):
    """A person's part in one value stream's engagement."""

    __table_args__ = (
        UniqueConstraint("value_stream_id", "person_id", "role"),
        Index("ix_participant_value_stream_id", "value_stream_id", "id"),
    )

    value_stream_id: uuid.UUID = Field(foreign_key="value_stream.id", ondelete="CASCADE")
    person_id: uuid.UUID = Field(foreign_key="person.id", ondelete="CASCADE")
    role: ParticipantRole = Field(sa_type=String(30))
    champion_kind: ChampionKind | None = Field(default=None, sa_type=String(30))
    function: Function | None = Field(default=None, sa_type=String(30))


def check_champion(role: ParticipantRole | None, kind: ChampionKind | None) -> None:
    if role == ParticipantRole.champion and kind is None:
        raise ValueError(
            "a champion needs champion_kind: technology_manager or business_stakeholder"
        )
    if role is not None and role != ParticipantRole.champion and kind is not None:
        raise ValueError("champion_kind is only for champions")


class ParticipantCreate(ParticipantFields):
    model_config = {"extra": "forbid", "validate_default": True}

    @field_validator("champion_kind")
    @classmethod
    def _champion_kind(cls, kind: ChampionKind | None, info: ValidationInfo) -> ChampionKind | None:
        """Validated as a field, so the error names champion_kind."""
        check_champion(info.data.get("role"), kind)
        return kind


class ParticipantUpdate(SQLModel):
    model_config = {"extra": "forbid"}

    role: ParticipantRole | None = None
    champion_kind: ChampionKind | None = None
    function: Function | None = None
    trained: bool | None = None


class ParticipantRead(ParticipantFields):
    id: uuid.UUID
    value_stream_id: uuid.UUID
    version: int
    created_at: datetime
    updated_at: datetime
