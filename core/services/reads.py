"""Reads that need no unit of work: one committed row of the caller's organization.

A detail GET that only shows a row has nothing to commit and nothing to keep
consistent with other statements, so it skips the session and its ORM machinery
and asks the database's point reader (see `core.point_reads`). Everything that
changes data, or must read what it is about to change, goes through the session.
"""

import uuid
from dataclasses import dataclass
from functools import cache
from typing import Any, TypeVar

from pydantic import BaseModel, TypeAdapter

from core.actor import Actor
from core.models.base import Entity
from core.point_reads import PointReader
from core.services.crud import missing

R = TypeVar("R", bound=BaseModel)


@dataclass(frozen=True, slots=True)
class Reads:
    actor: Actor
    reader: PointReader

    async def one(self, model: type[Entity], ident: uuid.UUID, into: type[R]) -> R:
        """The row as its read model; another organization's row is as missing as none."""
        row = await self.reader.fetch(
            model.__table__,  # type: ignore[attr-defined]
            self.actor.organization_id,
            ident,
        )
        if row is None:
            raise missing(model, ident)
        return _adapter(into).validate_python(row)  # type: ignore[no-any-return]


@cache
def _adapter(into: type[BaseModel]) -> TypeAdapter[Any]:
    """pydantic's validator as is: SQLModel's `model_validate` wraps it in table-model checks
    that cost more than the validation of a read model itself."""
    return TypeAdapter(into)
