import uuid

from sqlmodel import Field, SQLModel

from core.models.base import Identified, Timestamped, Versioned

SLUG_PATTERN = r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$"


class Organization(Identified, Versioned, Timestamped, table=True):
    name: str = Field(max_length=200)
    slug: str = Field(max_length=64, unique=True)


class OrganizationUpdate(SQLModel):
    model_config = {"extra": "forbid"}

    name: str | None = Field(default=None, min_length=1, max_length=200)


class OrganizationRead(SQLModel):
    id: uuid.UUID
    name: str
    slug: str
    version: int
