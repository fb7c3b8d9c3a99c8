"""One row of the caller's organization as its read model, by the cheapest safe path.

A detail read that only shows a row has nothing to commit and nothing to keep
consistent with other statements, so when the work is read-only it skips the session
and its ORM machinery and asks the database's point reader (see `core.point_reads`).
Work that writes must see its own changes, so it reads through its session. The
service decides which, never the route.
"""

import uuid
from typing import Any, TypeVar

from pydantic import BaseModel, TypeAdapter

from core.models.base import Entity, table_of
from core.services import crud
from core.services.context import Work

R = TypeVar("R", bound=BaseModel)


async def get_one(work: Work, model: type[Entity], ident: uuid.UUID, into: type[R]) -> R:
    """The row as its read model; another organization's row is as missing as none."""
    if not work.may_point_read:
        found = await crud.get(work.session, work.actor, model, ident)
        return into.model_validate(found, from_attributes=True)
    row = await work.reader.fetch(table_of(model), work.actor.organization_id, ident)
    if row is None:
        raise crud.missing(model, ident)
    return _adapter(into).validate_python(row)


_adapters: dict[type[BaseModel], TypeAdapter[Any]] = {}


def _adapter(into: type[R]) -> TypeAdapter[R]:
    """pydantic's validator as is: SQLModel's `model_validate` wraps it in table-model checks
    that cost more than the validation of a read model itself. Made once per read model."""
    adapter = _adapters.get(into)
    if adapter is None:
        adapter = _adapters[into] = TypeAdapter(into)
    return adapter
