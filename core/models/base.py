"""Column sets shared by every aggregate: identity, tenancy, version, timestamps."""

import uuid
from datetime import datetime

from sqlalchemy import Table, inspect
from sqlalchemy.orm import declared_attr
from sqlmodel import Field, SQLModel

from core.ids import new_id
from core.types import UTCDateTime, utcnow

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
SQLModel.metadata.naming_convention = NAMING_CONVENTION


class Identified(SQLModel):
    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)


class Timestamped(SQLModel):
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class Versioned(SQLModel):
    """Optimistic concurrency: SQLAlchemy adds `WHERE version = :old` to every UPDATE.

    A concurrent writer that slipped in between read and write makes the UPDATE match
    no row, which surfaces as a stale-version error instead of a lost update.
    """

    version: int = Field(default=1, nullable=False)

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, object]:
        # SQLModel's metaclass has just set the table, without declaring the attribute.
        table: Table = vars(cls)["__table__"]
        return {"version_id_col": table.c.version}


class OrgScoped(SQLModel):
    organization_id: uuid.UUID = Field(foreign_key="organization.id", index=True, nullable=False)


class Entity(Identified, OrgScoped, Versioned, Timestamped):
    """The usual row: an organization's, versioned, with timestamps."""


def table_of(model: type[SQLModel]) -> Table:
    """The Core table of a table model, typed: SQLModel sets `__table__` without declaring it."""
    table = inspect(model).local_table
    if not isinstance(table, Table):
        raise TypeError(f"{model.__name__} is not mapped to a table")
    return table
