import uuid
from datetime import datetime

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from core.models.base import Entity, Identified, OrgScoped, Timestamped


class TeamFields(SQLModel):
    name: str = Field(min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=4000)


class Team(TeamFields, Entity, table=True):
    __table_args__ = (
        UniqueConstraint("organization_id", "name"),
        Index("ix_team_org_id", "organization_id", "id"),
    )


class TeamMember(Identified, OrgScoped, Timestamped, table=True):
    """A person's membership of a team; the pair is unique."""

    __tablename__ = "team_member"
    __table_args__ = (UniqueConstraint("team_id", "person_id"),)

    team_id: uuid.UUID = Field(foreign_key="team.id", index=True, ondelete="CASCADE")
    person_id: uuid.UUID = Field(foreign_key="person.id", index=True, ondelete="CASCADE")
    role: str | None = Field(default=None, max_length=100)


class TeamCreate(TeamFields):
    model_config = {"extra": "forbid"}

    member_ids: list[uuid.UUID] = Field(default_factory=list, max_length=500)


class TeamUpdate(SQLModel):
    model_config = {"extra": "forbid"}

    name: str | None = Field(default=None, min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=4000)


class TeamMemberAdd(SQLModel):
    model_config = {"extra": "forbid"}

    person_id: uuid.UUID
    role: str | None = Field(default=None, max_length=100)


class TeamMemberRead(SQLModel):
    person_id: uuid.UUID
    role: str | None


class TeamRead(TeamFields):
    id: uuid.UUID
    version: int
    created_at: datetime
    updated_at: datetime
    members: list[TeamMemberRead] = Field(default_factory=list)
