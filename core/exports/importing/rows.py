"""Rows made from an exported document, and the order they are written in.

An export carries the read models the API answers with. A stored row takes their columns
but not their bookkeeping (id, version, times, organization), which start afresh here, and
every reference is remapped to the new ids, since the old ones name rows of another database
or organization.
"""

import uuid
from collections import defaultdict
from typing import Any, TypeVar

from pydantic import BaseModel
from sqlmodel import SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession

from core.actor import Actor
from core.errors import Conflict
from core.ids import new_id
from core.services import crud

ROW_BOOKKEEPING = {"id", "version", "created_at", "updated_at", "organization_id"}

Row = TypeVar("Row", bound=SQLModel)


class IdMap:
    """Old id -> new id, per kind; an unknown old id maps to None (dropped reference)."""

    def __init__(self) -> None:
        self._maps: dict[str, dict[uuid.UUID, uuid.UUID]] = {}

    def new(self, kind: str, old: uuid.UUID) -> uuid.UUID:
        fresh = new_id()
        self._maps.setdefault(kind, {})[old] = fresh
        return fresh

    def set(self, kind: str, old: uuid.UUID, new: uuid.UUID) -> None:
        self._maps.setdefault(kind, {})[old] = new

    def get(self, kind: str, old: uuid.UUID | str | None) -> uuid.UUID | None:
        if old is None:
            return None
        return self._maps.get(kind, {}).get(uuid.UUID(str(old)))

    def required(self, kind: str, old: uuid.UUID, field: str) -> uuid.UUID:
        """A reference its row cannot do without: the row conflicts with a document without it."""
        new = self.get(kind, old)
        if new is None:
            raise Conflict(f"{field} names no {kind} of the document", field=field)
        return new


def row(model: type[Row], read: BaseModel, actor: Actor, **overrides: Any) -> Row:
    """A row of `model` in the caller's organization with the stored columns that the
    exported `read` carries; `overrides` hold the new ids and whatever is converted."""
    columns = set(model.model_fields) - ROW_BOOKKEEPING
    values = {k: v for k, v in read.model_dump().items() if k in columns}
    values.update(overrides)
    return model(**values, organization_id=actor.organization_id)


async def insert_in_dependency_order(session: AsyncSession, rows: list[SQLModel]) -> None:
    """One flush per table, parents first, so no row is written before what it refers to."""
    by_table: dict[str, list[SQLModel]] = defaultdict(list)
    for stored in rows:
        by_table[crud.entity_type(stored)].append(stored)
    for table in SQLModel.metadata.sorted_tables:
        if table.name in by_table:
            session.add_all(by_table[table.name])
            await crud.flush(session)
