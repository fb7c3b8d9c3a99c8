import uuid
from datetime import datetime

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from core.emails import Email
from core.models.base import Entity


class PersonFields(SQLModel):
    name: str = Field(min_length=1, max_length=200)
    email: str | None = Field(default=None, max_length=320)
    title: str | None = Field(default=None, max_length=200)
    active: bool = True


class Person(PersonFields, Entity, table=True):
    __table_args__ = (
        UniqueConstraint("organization_id", "email"),
        Index("ix_person_org_id", "organization_id", "id"),
    )


class PersonCreate(PersonFields):
    model_config = {"extra": "forbid"}

    email: Email | None = Field(default=None, max_length=320)


class PersonUpdate(SQLModel):
    model_config = {"extra": "forbid"}

    name: str | None = Field(default=None, min_length=1, max_length=200)
    email: Email | None = Field(default=None, max_length=320)
    title: str | None = Field(default=None, max_length=200)
    active: bool | None = None


class PersonRead(PersonFields):
    id: uuid.UUID
    version: int
    created_at: datetime
    updated_at: datetime
