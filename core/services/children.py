"""The records that belong to one value stream (participants, risks, ...), handled alike.

Each kind is a `ChildService` with its own checks; scoping, versions and audit come
from `crud`, so every kind gets them the same way.
"""

import uuid
from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any, Generic, TypeVar

from pydantic import BaseModel
from sqlmodel import SQLModel, col
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.expression import SelectOfScalar

from core.actor import Actor
from core.models.base import Entity
from core.models.person import Person
from core.models.value_stream import ValueStream
from core.pagination import Page, PageOrder, paginate, sort_key
from core.services import crud, reads
from core.services.context import Work
from core.services.filters import ListFilter, NoFilter

C = TypeVar("C", bound=Entity)
R = TypeVar("R", bound=BaseModel)


class ChildService(Generic[C]):
    """Create, read, list, change and delete one kind of record that belongs to a parent.

    The parent is a value stream unless said otherwise (a map's steps belong to the
    map). `person_fields` name the fields that must refer to a person of the caller's
    organization; `filters` is the kind's list filter, each of its fields a column a
    list keeps the records equal to, so both transports take it as they document it.
    Lists go by the columns of `order` (the last unique), highest first when `descending`.
    `derived` works out the fields a read model shows beyond the columns, so that pages
    of it can be read without ORM objects (see `reads.read_page`).
    """

    def __init__(
        self,
        model: type[C],
        *,
        parent: type[Entity] = ValueStream,
        parent_field: str = "value_stream_id",
        person_fields: Sequence[str] = (),
        filters: type[ListFilter] = NoFilter,
        order: Sequence[str] = ("id",),
        descending: bool = False,
        derived: reads.Derived | None = None,
    ) -> None:
        self.model = model
        self.parent = parent
        self.parent_field = parent_field
        self.person_fields = tuple(person_fields)
        self.filters = filters
        self.order = tuple(order)
        self.descending = descending
        self.derived = derived

    async def prepare(
        self, session: AsyncSession, actor: Actor, parent: Any, values: dict[str, Any]
    ) -> dict[str, Any]:
        """Fill or check values that depend on the parent (cycle, phase); override per kind."""
        return values

    async def revise(
        self, session: AsyncSession, actor: Actor, obj: C, changes: dict[str, Any]
    ) -> dict[str, Any]:
        """Turn a patch into the values to store (units, say); override per kind."""
        return changes

    async def check_change(
        self, session: AsyncSession, actor: Actor, obj: C, changes: dict[str, Any]
    ) -> None:
        """Refuse a change that would break a rule of the kind; override per kind."""

    async def created(self, session: AsyncSession, actor: Actor, obj: C) -> None:
        """What follows a new record in its transaction (an event to subscribers)."""

    async def changed(
        self, session: AsyncSession, actor: Actor, obj: C, before: dict[str, Any]
    ) -> None:
        """What follows a change in its transaction; `before` holds the changed fields'
        earlier values."""

    async def _check_people(
        self, session: AsyncSession, actor: Actor, values: Mapping[str, Any]
    ) -> None:
        for name in self.person_fields:
            if values.get(name) is not None:
                await crud.require_reference(session, actor, Person, values[name], field=name)

    async def create(
        self, session: AsyncSession, actor: Actor, parent_id: uuid.UUID, data: SQLModel
    ) -> C:
        actor.require_write()
        parent = await crud.get(session, actor, self.parent, parent_id)
        values = data.model_dump()
        await self._check_people(session, actor, values)
        values = await self.prepare(session, actor, parent, values)
        obj = await crud.create(
            session, actor, self.model, values, **{self.parent_field: parent.id}
        )
        await self.created(session, actor, obj)
        return obj

    async def get(self, session: AsyncSession, actor: Actor, ident: uuid.UUID) -> C:
        return await crud.get(session, actor, self.model, ident)

    async def list_page(
        self,
        session: AsyncSession,
        actor: Actor,
        parent_id: uuid.UUID,
        *,
        filters: ListFilter | None = None,
        limit: int,
        cursor: str | None,
    ) -> Page[C]:
        await crud.get(session, actor, self.parent, parent_id)
        ordered = self.page_order(actor, parent_id, filters)
        return await paginate(
            session,
            ordered.statement,
            keys=ordered.keys,
            limit=limit,
            cursor=cursor,
            descending=ordered.descending,
        )

    async def read_page(
        self,
        work: Work,
        parent_id: uuid.UUID,
        *,
        filters: ListFilter | None = None,
        limit: int,
        cursor: str | None,
        into: type[R],
    ) -> Page[R]:
        """`list_page` as read models, through the point reader when the work only reads."""
        await reads.require(work, self.parent, parent_id)
        ordered = self.page_order(work.actor, parent_id, filters)
        return await reads.read_page(
            work,
            self.model,
            ordered.statement,
            keys=ordered.keys,
            limit=limit,
            cursor=cursor,
            descending=ordered.descending,
            into=into,
            derived=self.derived,
        )

    def page_order(
        self, actor: Actor, parent_id: uuid.UUID, filters: ListFilter | None
    ) -> PageOrder[C]:
        """What a page of one parent's records holds and how it is ordered; a kind with
        its own order or filters (the backlog's rank or WSJF) overrides it."""
        return PageOrder(
            self._of_parent(actor, parent_id, filters), self._keys(), descending=self.descending
        )

    def _of_parent(
        self, actor: Actor, parent_id: uuid.UUID, filters: ListFilter | None
    ) -> SelectOfScalar[C]:
        statement = crud.scoped(self.model, actor).where(
            getattr(self.model, self.parent_field) == parent_id
        )
        return self._filtered(statement, filters)

    def _keys(self) -> list[Any]:
        return [getattr(self.model, name) for name in self.order]

    def _filtered(
        self, statement: SelectOfScalar[C], filters: ListFilter | None
    ) -> SelectOfScalar[C]:
        """Equality on each filter given a value, so a page and a batch filter alike.

        Another kind's filter is a mistake of the caller's code, not of its client: its
        fields may name columns this kind lacks, or mean something else here.
        """
        if filters is None:
            return statement
        if not isinstance(filters, self.filters):
            raise TypeError(f"{self.model.__name__} lists take {self.filters.__name__}")
        for name, value in filters.given().items():
            statement = statement.where(getattr(self.model, name) == value)
        return statement

    async def for_parents(
        self,
        session: AsyncSession,
        actor: Actor,
        parent_ids: Sequence[uuid.UUID],
        filters: ListFilter | None = None,
    ) -> dict[uuid.UUID, list[C]]:
        """All records of many parents in one query, for DataLoaders and exports.

        `filters` are those of `list_page`, so a list reached through its parent (a
        GraphQL field) keeps the records a page of the collection would.
        """
        grouped: dict[uuid.UUID, list[C]] = defaultdict(list)
        if not parent_ids:
            return grouped
        column = col(getattr(self.model, self.parent_field))
        statement = crud.scoped(self.model, actor).where(column.in_(list(parent_ids)))
        rows = await session.exec(
            self._filtered(statement, filters).order_by(
                *(
                    sort_key(col(getattr(self.model, name))).desc()
                    if self.descending
                    else sort_key(col(getattr(self.model, name)))
                    for name in self.order
                )
            )
        )
        for row in rows:
            grouped[getattr(row, self.parent_field)].append(row)
        return grouped

    async def update(
        self,
        session: AsyncSession,
        actor: Actor,
        ident: uuid.UUID,
        patch: SQLModel,
        *,
        expected_version: crud.ExpectedVersion,
    ) -> C:
        actor.require_write()
        obj = await self.get(session, actor, ident)
        crud.check_version(obj, expected_version)
        changes = patch.model_dump(exclude_unset=True)
        crud.refuse_nulls(obj, changes)
        await self._check_people(session, actor, changes)
        changes = await self.revise(session, actor, obj, changes)
        await self.check_change(session, actor, obj, changes)
        before = {name: getattr(obj, name) for name in changes}
        obj = await crud.update(session, actor, obj, changes, expected_version=expected_version)
        await self.changed(session, actor, obj, before)
        return obj

    async def delete(
        self,
        session: AsyncSession,
        actor: Actor,
        ident: uuid.UUID,
        *,
        expected_version: crud.ExpectedVersion,
    ) -> None:
        actor.require_write()
        obj = await self.get(session, actor, ident)
        await crud.delete(session, actor, obj, expected_version=expected_version)
