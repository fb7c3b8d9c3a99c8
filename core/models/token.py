import enum
import uuid
from datetime import datetime

from sqlalchemy import String
from sqlmodel import Field, SQLModel

from core.models.base import Entity
from core.types import UTCDateTime


class Role(enum.StrEnum):
    """What a token may do. Ordered: each role may do what the ones before it may."""

    viewer = "viewer"
    editor = "editor"
    admin = "admin"

    @property
    def rank(self) -> int:
        return list(Role).index(self)


class ApiToken(Entity, table=True):
    """A bearer token. Only its SHA-256 is stored; the secret is shown once, at creation."""

    __tablename__ = "api_token"

    name: str = Field(max_length=200)
    token_hash: str = Field(max_length=64, unique=True)
    prefix: str = Field(max_length=16)
    role: Role = Field(sa_type=String(16))
    person_id: uuid.UUID | None = Field(default=None, foreign_key="person.id", ondelete="SET NULL")
    expires_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class ApiTokenCreate(SQLModel):
    model_config = {"extra": "forbid"}

    name: str = Field(min_length=1, max_length=200)
    role: Role
    person_id: uuid.UUID | None = None
    expires_at: datetime | None = None


class ApiTokenRead(SQLModel):
    id: uuid.UUID
    name: str
    prefix: str
    role: Role
    person_id: uuid.UUID | None
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None
    created_at: datetime
    version: int


class ApiTokenCreated(ApiTokenRead):
    """The one answer that carries the secret (named `secret` in REST, GraphQL and the CLI)."""

    secret: str
