"""Keyset (cursor) pagination: stable under inserts, cheap at any depth.

A cursor is opaque to clients: base64 of the sort values of the last row returned.
"""

import base64
import binascii
import enum
import json
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, func, literal, tuple_
from sqlalchemy.orm import InstrumentedAttribute, Mapped
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.expression import SelectOfScalar

from core.errors import ValidationFailed
from core.ranges import number_problem

T = TypeVar("T")
U = TypeVar("U")
S = TypeVar("S", bound=Select[*tuple[Any, ...]])
MAX_LIMIT = 100
DEFAULT_LIMIT = 50


def _no_cursor(position: int) -> str:
    raise IndexError(f"this page has no cursor for item {position}")


@dataclass
class Page(Generic[T]):
    """One page of rows. Per-row cursors (GraphQL edges) are made only when asked for."""

    items: list[T]
    next_cursor: str | None
    cursor_at: Callable[[int], str] = _no_cursor

    @property
    def cursors(self) -> list[str]:
        return [self.cursor_at(position) for position in range(len(self.items))]

    def with_items(self, items: list[U]) -> "Page[U]":
        """The same page with every row shaped anew, in the same order, keeping its cursors."""
        return Page(items=items, next_cursor=self.next_cursor, cursor_at=self.cursor_at)


def encode_cursor(values: Sequence[Any]) -> str:
    raw = json.dumps([_plain(v) for v in values])
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _plain(value: Any) -> Any:
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    return value


def decode_cursor(cursor: str, arity: int) -> list[Any]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (binascii.Error, ValueError, UnicodeDecodeError) as exc:
        raise ValidationFailed("cursor is not one this service issued", field="cursor") from exc
    if not isinstance(values, list) or len(values) != arity:
        raise ValidationFailed("cursor is not one this service issued", field="cursor")
    return values


def check_limit(limit: int) -> int:
    """A page holds 1 to `MAX_LIMIT` rows; the error names the page size, not a parameter."""
    if not 1 <= limit <= MAX_LIMIT:
        raise ValidationFailed(
            f"the page size must be between 1 and {MAX_LIMIT}", field="page_size"
        )
    return limit


async def paginate(
    session: AsyncSession,
    statement: SelectOfScalar[T],
    *,
    keys: Sequence[Mapped[Any]],
    limit: int,
    cursor: str | None,
    descending: bool = False,
) -> Page[T]:
    """Run `statement` ordered by `keys` (the last must be unique) from `cursor` on.

    Reads one row more than asked to know whether a next page exists.
    """
    window = page_window(statement, keys=keys, limit=limit, cursor=cursor, descending=descending)
    rows = list((await session.exec(window.statement)).all())
    return window.page(rows, getattr)


@dataclass(frozen=True)
class PageOrder(Generic[T]):
    """A list before it is paged: its statement, and the keys that order and page it."""

    statement: SelectOfScalar[T]
    keys: list[Any]
    descending: bool = False


@dataclass(frozen=True)
class Window(Generic[S]):
    """A list's statement narrowed to one page (after the cursor, in order, one row more).

    The statement may read more than the listed model (a row with what else it needs).
    """

    statement: S
    columns: list[InstrumentedAttribute[Any]]
    limit: int

    def page(self, rows: list[U], value: Callable[[U, str], Any]) -> Page[U]:
        """The page of the rows the statement returned; `value` reads a key from a row."""
        items = rows[: self.limit]

        def cursor_at(position: int) -> str:
            """Made of the keys' Python values, whatever form a row holds them in."""
            row = items[position]
            return encode_cursor(
                [
                    _coerce(column, _or_last(column, value(row, column.key)))
                    for column in self.columns
                ]
            )

        next_cursor = cursor_at(len(items) - 1) if len(rows) > self.limit else None
        return Page(items=items, next_cursor=next_cursor, cursor_at=cursor_at)


def page_window(
    statement: S,
    *,
    keys: Sequence[Mapped[Any]],
    limit: int,
    cursor: str | None,
    descending: bool = False,
) -> Window[S]:
    """The one definition of a page, whichever path then reads its rows."""
    check_limit(limit)
    columns = [_attribute(key) for key in keys]
    sorted_by = [sort_key(column) for column in columns]
    if cursor:
        values = decode_cursor(cursor, len(columns))
        try:
            values = [_coerce(column, value) for column, value in zip(columns, values, strict=True)]
        except (TypeError, ValueError) as exc:
            raise ValidationFailed("cursor is not one this service issued", field="cursor") from exc
        row = tuple_(*sorted_by)
        bound = tuple_(
            *(literal(v, column.type) for column, v in zip(columns, values, strict=True))
        )
        statement = statement.where(row < bound if descending else row > bound)
    order = [c.desc() if descending else c.asc() for c in sorted_by]
    return Window(statement.order_by(*order).limit(limit + 1), columns, limit)


LAST: dict[type, Any] = {date: date.max, datetime: datetime.max.replace(tzinfo=UTC)}
"""What an empty date or instant sorts as: after every real one, on both databases."""


def sort_key(key: Mapped[Any]) -> Any:
    """What a list sorts by for `column`: the column, or for one that may be empty (a
    milestone's due date) the column with its empty values as `LAST`, for pages and
    batches alike: a row comparison with NULL is unknown, so a page after a
    row without a due date lost every row after it, and the databases sort NULL apart."""
    column = _attribute(key)
    last = _last(column)
    if last is None:
        return column
    return func.coalesce(column, literal(last, column.type))


def _last(column: InstrumentedAttribute[Any]) -> Any:
    """What the column's empty values sort as, or None for a column that cannot be empty
    or whose empty values are left as they are."""
    return LAST.get(column.type.python_type) if column.expression.nullable else None


def _or_last(column: InstrumentedAttribute[Any], value: Any) -> Any:
    return _last(column) if value is None else value


def _attribute(key: Mapped[Any]) -> InstrumentedAttribute[Any]:
    """A key is a model's column attribute (`col(Model.field)`): its name and type make cursors."""
    if not isinstance(key, InstrumentedAttribute):
        raise TypeError(f"pagination keys are mapped column attributes, not {key!r}")
    return key


def _coerce(column: InstrumentedAttribute[Any], value: Any) -> Any:
    python_type = column.type.python_type
    if python_type is uuid.UUID:
        return uuid.UUID(str(value))
    if python_type is datetime and isinstance(value, str):
        return datetime.fromisoformat(value)
    if python_type is date and isinstance(value, str):
        return date.fromisoformat(value)
    if python_type in (int, float) and number_problem(value) is not None:
        raise ValueError(f"{column.key} of the cursor is out of range")
    if value is None or isinstance(value, python_type):
        return value
    if python_type in (int, float, str):
        return python_type(value)
    raise TypeError(f"cannot use {value!r} for {column.key}")
