"""Writing a batch's rows: one multi-row upsert, then the replaced children at once.

`INSERT .. ON CONFLICT` is spelled per dialect; the service runs on SQLite and
PostgreSQL, and both spell it alike through SQLAlchemy's dialect constructs.
"""

import uuid
from collections.abc import Mapping
from typing import Any, cast

from sqlalchemy import Result, String, Table, any_, bindparam, delete, insert
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel.ext.asyncio.session import AsyncSession

from core.selects import select_columns

KEPT_ON_UPDATE = frozenset(
    {"id", "organization_id", "value_stream_id", "external_id", "created_at"}
)


def upsert(session: AsyncSession, table: Table) -> Any:
    """`INSERT .. ON CONFLICT (value_stream_id, external_id) DO UPDATE`, returning the ids.

    The ids returned are the stored ones, so a row another writer inserted between our
    read and our write is updated (and its children replaced) rather than duplicated.
    """
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        statement: Any = postgresql.insert(table)
    elif dialect == "sqlite":
        statement = sqlite.insert(table)
    else:  # pragma: no cover - the service runs on SQLite and PostgreSQL only
        raise NotImplementedError(f"bulk upsert is not written for {dialect}")
    changed = {c.name: statement.excluded[c.name] for c in table.c if c.name not in KEPT_ON_UPDATE}
    return statement.on_conflict_do_update(
        index_elements=[table.c.value_stream_id, table.c.external_id], set_=changed
    ).returning(table.c.id, table.c.external_id)


async def existing(
    session: AsyncSession, table: Table, value_stream_id: uuid.UUID, external_ids: list[str]
) -> dict[str, Any]:
    """The stored rows of this batch's external ids, in one query."""
    if not external_ids:
        return {}
    found = await session.exec(
        select_columns(table).where(
            table.c.value_stream_id == value_stream_id, _among(session, table, external_ids)
        )
    )
    # sqlmodel types the answer as plain tuples (TupleResult, a typing-only view); it is
    # the Result itself, whose rows name their columns, which the kinds compare by name.
    rows = cast("Result[*tuple[Any, ...]]", found)
    return {row.external_id: row for row in rows}


def _among(session: AsyncSession, table: Table, external_ids: list[str]) -> Any:
    """`external_id IN (...)`; on PostgreSQL `= ANY(array)`, one parameter.

    asyncpg prepares the statement, and after five runs PostgreSQL may keep a generic
    plan for it. For five thousand `IN` parameters that plan scanned the stream's rows
    by another index and compared each with the whole list: past 130,000 work items one
    lookup ran past the statement timeout. `= ANY($2)` is an index condition on
    `(value_stream_id, external_id)` in every plan.
    """
    if session.get_bind().dialect.name == "postgresql":
        ids = bindparam("external_ids", external_ids, type_=postgresql.ARRAY(String))
        return table.c.external_id == any_(ids)
    return table.c.external_id.in_(external_ids)


async def write(
    session: AsyncSession,
    *,
    parent_table: Table,
    child_table: Table | None,
    child_key: str,
    rows: list[dict[str, Any]],
    children: Mapping[str, list[dict[str, Any]]],
    replace: set[str],
) -> set[str]:
    """Upsert `rows`, then replace the children of the rows in `replace` or that raced in.

    Answers the external ids that turned out to exist already although we read them as
    new (another writer got there first): they count as updated.
    """
    if not rows:
        return set()
    sent = {row["external_id"]: row["id"] for row in rows}
    stored = {
        r.external_id: r.id for r in await session.exec(upsert(session, parent_table), params=rows)
    }
    raced = {ext for ext, ident in stored.items() if ident != sent[ext] and ext not in replace}
    if child_table is None:
        return raced
    stale = [stored[ext] for ext in replace | raced]
    if stale:
        column = child_table.c[child_key]
        await session.exec(delete(child_table).where(column.in_(stale)))
    child_rows = [
        {**child, child_key: stored[ext]} for ext, group in children.items() for child in group
    ]
    if child_rows:
        await session.exec(insert(child_table), params=child_rows)
    return raced
