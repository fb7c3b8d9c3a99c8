"""Rows of the caller's organization as read models, by the cheapest safe path.

A read that only shows rows has nothing to commit and nothing to keep consistent with
other statements, so when the work is read-only it skips the session and its ORM
machinery and asks the database's point reader (see `core.point_reads`): one row for a
detail read, a page of rows for a list. The rows are validated into the read model in
one call of pydantic's validator, instead of an ORM object per row and a model built
from its attributes. Work that writes must see its own changes, so it reads through its
session. The service decides which, never the route.
"""

import uuid
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, Optional, TypeVar, cast

from pydantic import BaseModel, ConfigDict, TypeAdapter, create_model
from sqlalchemy import Table, Uuid
from sqlalchemy.orm import Mapped
from sqlmodel import SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.expression import SelectOfScalar

from core.models.base import Entity, OrgScoped, table_of
from core.pagination import Page, page_window
from core.point_reads import Row
from core.services import crud
from core.services.context import Work

R = TypeVar("R", bound=BaseModel)
M = TypeVar("M", bound=OrgScoped)


async def get_one(work: Work, model: type[Entity], ident: uuid.UUID, into: type[R]) -> R:
    """The row as its read model; another organization's row is as missing as none."""
    if not work.may_point_read:
        found = await crud.get(work.session, work.actor, model, ident)
        return into.model_validate(found, from_attributes=True)
    row = await work.reader.fetch(table_of(model), work.actor.organization_id, ident)
    if row is None:
        raise crud.missing(model, ident)
    return _adapter(into).validate_python(row)


async def require(work: Work, model: type[Entity], ident: uuid.UUID) -> None:
    """Answer as missing unless the row is there and the caller's organization's."""
    if work.may_point_read:
        row = await work.reader.fetch(table_of(model), work.actor.organization_id, ident)
        if row is None:
            raise crud.missing(model, ident)
        return
    async with _session(work) as session:
        await crud.get(session, work.actor, model, ident)


@dataclass(frozen=True)
class Derived:
    """Fields of a read model that are worked out from a row's columns (a backlog item's
    WSJF), so a page of such rows can still be read without an ORM object per row.

    `values` gets a row's columns, those the read model shows as their Python values, and
    answers the `names` fields.
    """

    names: frozenset[str]
    values: Callable[[Row], Mapping[str, Any]]


async def read_page(
    work: Work,
    model: type[M],
    statement: SelectOfScalar[M],
    *,
    keys: Sequence[Mapped[Any]],
    limit: int,
    cursor: str | None,
    into: type[R],
    descending: bool = False,
    derived: Derived | None = None,
) -> Page[R]:
    """A page of `statement` (a `crud.scoped` select of `model`) as read models.

    The page is the one `core.pagination.paginate` reads, from the same statement, so
    filters, tenancy and cursors are those of every other path. Without a point reader
    the ORM objects are validated with their attributes, so `derived` fields must be
    attributes of `model` too (properties, say).
    """
    window = page_window(statement, keys=keys, limit=limit, cursor=cursor, descending=descending)
    table = table_of(model)
    if work.may_point_read and _columns_make(into, table, derived):
        rows = await work.reader.fetch_all(
            window.statement, table, unconverted=_validated_from_text(into, table)
        )
        if rows is not None:
            page = window.page(rows, _row_value)
            if derived is not None:
                for row in page.items:
                    row.update(derived.values(row))
            return page.with_items(_list_adapter(into).validate_python(page.items))
    async with _session(work) as session:
        objs = list((await session.exec(window.statement)).all())
    page_of_objs = window.page(objs, getattr)
    return page_of_objs.with_items(
        [into.model_validate(obj, from_attributes=True) for obj in page_of_objs.items]
    )


_made_from_columns: dict[tuple[type[BaseModel], Table, frozenset[str]], bool] = {}


def _columns_make(into: type[BaseModel], table: Table, derived: Derived | None) -> bool:
    """Whether every field of the read model is a column of the table or derived from them.

    A read model may show what the row's model computes (a risk's exposure, from its
    likelihood and impact); unless that is `derived` from the row, such a model is built
    from the ORM objects, which compute it.
    """
    names = derived.names if derived is not None else frozenset()
    key = (into, table, names)
    made = _made_from_columns.get(key)
    if made is None:
        made = _made_from_columns[key] = set(into.model_fields) <= set(table.columns.keys()) | names
    return made


_from_text: dict[tuple[type[BaseModel], Table], frozenset[str]] = {}


def _validated_from_text(into: type[BaseModel], table: Table) -> frozenset[str]:
    """Columns the read model does not show, and UUID columns pydantic reads from text too.

    Converting two UUIDs a row in Python cost a fifth of a page of people on SQLite;
    pydantic makes the same UUID of SQLite's text. A read model that validates strictly
    takes Python values only.
    """
    key = (into, table)
    names = _from_text.get(key)
    if names is None:
        uuids = (uuid.UUID, uuid.UUID | None, Optional[uuid.UUID])  # noqa: UP045
        fields = into.model_fields
        lax = not into.model_config.get("strict")
        names = _from_text[key] = frozenset(
            column.name
            for column in table.columns
            if column.name not in fields
            or (
                lax
                and isinstance(column.type, Uuid)
                and not fields[column.name].metadata
                and fields[column.name].annotation in uuids
            )
        )
    return names


def _row_value(row: Row, name: str) -> Any:
    return row[name]


@asynccontextmanager
async def _session(work: Work) -> AsyncIterator[AsyncSession]:
    """The work's session; a route that took none opens its unit here, for this read."""
    if work.unit.is_open:
        yield work.session
        return
    async with work.unit as session:
        yield session


_adapters: dict[Any, TypeAdapter[Any]] = {}


def _adapter(into: type[R]) -> TypeAdapter[R]:
    """pydantic's validator as is: SQLModel's `model_validate` wraps it in table-model checks
    that cost more than the validation of a read model itself. Made once per read model."""
    adapter = _adapters.get(into)
    if adapter is None:
        adapter = _adapters[into] = TypeAdapter(_validated_alone(into))
    return adapter


def _list_adapter(into: type[R]) -> TypeAdapter[list[R]]:
    """A page's rows in one call of the validator, not one call per row."""
    key = ("list", into)
    adapter = _adapters.get(key)
    if adapter is None:
        rows: Any = list[_plain_twin(into)]  # type: ignore[misc]
        adapter = _adapters[key] = TypeAdapter(rows)
    return adapter


def _plain_twin(into: type[R]) -> type[R]:
    """A pydantic model with the read model's fields, config and name, but none of
    SQLModel's machinery: validating a page of a hundred rows into it took half the time.

    Its instances serialize exactly as the read model's, which is all a page's rows are
    used for. A read model with validators, serializers, computed fields or methods of
    its own keeps its own class (`_validated_alone`), so nothing it does is lost.
    """
    decorators = into.__pydantic_decorators__
    own = {
        name
        for klass in into.__mro__
        if klass not in (SQLModel, BaseModel, object)
        for name, value in vars(klass).items()
        if not name.startswith("__")
        and (callable(value) or isinstance(value, property | classmethod | staticmethod))
    }
    if own or any(
        (
            decorators.validators,
            decorators.field_validators,
            decorators.root_validators,
            decorators.field_serializers,
            decorators.model_serializers,
            decorators.model_validators,
            decorators.computed_fields,
        )
    ):
        return _validated_alone(into)
    config = {k: v for k, v in into.model_config.items() if k in ConfigDict.__annotations__}
    fields: Any = {name: (field.annotation, field) for name, field in into.model_fields.items()}
    twin = create_model(
        into.__name__,
        __config__=ConfigDict(**config),  # type: ignore[typeddict-item]
        __doc__=into.__doc__,
        __module__=into.__module__,
        **fields,
    )
    return cast(type[R], twin)


def _validated_alone(into: type[R]) -> type[R]:
    """The read model, or a subclass of it that pydantic's validator builds by itself.

    SQLModel gives every model an `__init__` of its own, and pydantic hands each
    instance of a model with its own `__init__` to it, which validates the values a
    second time in Python: half of a page's validation. The subclass adds nothing and
    keeps pydantic's own `__init__`, so its instances are the read model's, validated
    once. A read model with an `__init__` of its own keeps it.
    """
    if getattr(into, "__init__", None) is not SQLModel.__init__:
        return into
    metaclass: Any = type(into)
    alone: type[R] = metaclass(
        into.__name__,
        (into,),
        {"__init__": BaseModel.__init__, "__module__": into.__module__, "__doc__": into.__doc__},
    )
    return alone
