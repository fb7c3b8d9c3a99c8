"""Copies of value streams made in SQL, for data sets too large to make through the API.

Ten thousand value streams made request by request take most of an hour; a benchmark
makes a few through the API, as a client would, and this module copies them with every
record that hangs off them (participants, maps with their steps and handoffs, findings,
backlog items, targets with measurements, ...) under new ids, in multi-row INSERTs. The
copies are the API-made streams' rows exactly, but for ids, the references between them
and the stream's name (unique in an organization). People and the organization are
shared, not copied. The database's own triggers write the change log as they would for
any insert.
"""

import uuid
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlmodel import SQLModel

import core.models  # noqa: F401  (every table in the metadata)
from core.db import make_oneshot_engine
from core.ids import new_id
from core.migrate import DERIVED_TABLES

CHUNK = 500
"""Rows per INSERT: far below either database's limit on bound parameters."""

SHARED = frozenset({"organization", "person", "api_token", "team", "team_member"})
"""Tables whose rows a copied stream refers to without owning them."""


Rows = dict[str, list[dict[str, Any]]]


async def _stream_rows(
    connection: sa.ext.asyncio.AsyncConnection, ids: Sequence[uuid.UUID]
) -> Rows:
    """The streams' rows and every row that refers to one of them, parents first."""
    taken: Rows = {}
    owned: dict[str, set[Any]] = {}
    for table in SQLModel.metadata.sorted_tables:
        if table.name in DERIVED_TABLES or table.name in SHARED:
            continue
        if table.name == "value_stream":
            condition: Any = table.c.id.in_(list(ids))
        else:
            links = [
                fk.parent.in_(list(owned[fk.column.table.name]))
                for fk in table.foreign_keys
                if owned.get(fk.column.table.name)
            ]
            if not links:
                continue
            condition = sa.or_(*links)
        rows = [
            dict(r._mapping) for r in await connection.execute(sa.select(table).where(condition))
        ]
        if rows:
            taken[table.name] = rows
            if "id" in table.c:
                owned[table.name] = {row["id"] for row in rows}
    return taken


def _copy(rows: Rows, number: int) -> Rows:
    """One copy of `rows`: new ids, references among them moved along, names told apart."""
    renamed: dict[Any, uuid.UUID] = {}
    for table_rows in rows.values():
        for row in table_rows:
            if isinstance(row.get("id"), uuid.UUID):
                renamed[row["id"]] = new_id()
    copied: Rows = {}
    for name, table_rows in rows.items():
        table = SQLModel.metadata.tables[name]
        references = [fk.parent.name for fk in table.foreign_keys]
        out = []
        for row in table_rows:
            new = dict(row)
            if isinstance(row.get("id"), uuid.UUID):
                new["id"] = renamed[row["id"]]
            elif "id" in new and not isinstance(new["id"], uuid.UUID):
                new.pop("id")
            for column in references:
                if new.get(column) in renamed:
                    new[column] = renamed[new[column]]
            if name == "value_stream":
                new["name"] = f"{row['name']} / copy {number}"
            out.append(new)
        copied[name] = out
    return copied


async def copy_streams(database_url: str, ids: Sequence[uuid.UUID], copies: int) -> int:
    """Makes `copies` copies of each of the streams; answers how many rows were written."""
    engine = make_oneshot_engine(database_url)
    written = 0
    try:
        async with engine.connect() as connection:
            rows = await _stream_rows(connection, ids)
        for number in range(1, copies + 1):
            async with engine.begin() as connection:
                for name, table_rows in _copy(rows, number).items():
                    table = SQLModel.metadata.tables[name]
                    for start in range(0, len(table_rows), CHUNK):
                        chunk = table_rows[start : start + CHUNK]
                        await connection.execute(table.insert().values(chunk))
                        written += len(chunk)
    finally:
        await engine.dispose()
    return written
