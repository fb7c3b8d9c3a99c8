"""Test databases: a migrated SQLite template copied per test, or a private PostgreSQL database.

Which one is chosen by `VSM_TEST_DATABASE_URL`: unset means SQLite; a PostgreSQL URL
names the server and base database, inside which every test session (and every xdist
worker) creates a database of its own, so parallel runs never see each other's rows.
"""

import asyncio
import atexit
import os
import shutil
import sqlite3
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import asyncpg
import sqlalchemy as sa
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool
from sqlmodel import SQLModel

import core.models  # noqa: F401
from core import migrate
from core.db import make_oneshot_engine

T = TypeVar("T")


def backend_url() -> str | None:
    return os.environ.get("VSM_TEST_DATABASE_URL") or None


def is_postgres() -> bool:
    url = backend_url()
    return bool(url) and make_url(url).get_backend_name() == "postgresql"


async def _admin_execute(base_url: str, statement: str) -> None:
    engine = make_oneshot_engine(base_url)
    try:
        async with engine.connect() as connection:
            connection = await connection.execution_options(isolation_level="AUTOCOMMIT")
            await connection.execute(text(statement))
    finally:
        await engine.dispose()


def create_postgres_database(base_url: str) -> str:
    """A database of this run's own, whose commits do not wait for the disk.

    With `synchronous_commit` off a commit returns before its WAL reaches the disk: a
    crash of the server could lose the last few, which a test database can afford, and
    every commit of the suite stops paying a sync. Everything else PostgreSQL does,
    locks and constraints included, is unchanged.
    """
    name = f"vsm_test_{uuid.uuid4().hex[:12]}"
    asyncio.run(_admin_execute(base_url, f'CREATE DATABASE "{name}"'))
    asyncio.run(_admin_execute(base_url, f'ALTER DATABASE "{name}" SET synchronous_commit = off'))
    return make_url(base_url).set(database=name).render_as_string(hide_password=False)


def drop_postgres_database(base_url: str, url: str) -> None:
    name = make_url(url).database
    asyncio.run(_admin_execute(base_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def clear_all(url: str) -> None:
    """Remove every row, children first; the schema stays.

    It runs after every test, so it is the suite's commonest statement: SQLite's own
    module on the file, or one kept PostgreSQL connection sending every DELETE in one
    round trip. DELETE, not TRUNCATE: on a test's few rows it is about fifteen times
    faster on PostgreSQL, where TRUNCATE pays for new files and locks on every table.
    """
    script = "".join(f'DELETE FROM "{name}";' for name in _children_first())
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        connection = sqlite3.connect(str(parsed.database), isolation_level=None)
        try:
            connection.executescript(f"PRAGMA synchronous=OFF;BEGIN IMMEDIATE;{script}COMMIT;")
        finally:
            connection.close()
    else:
        _postgres.execute(url, f"BEGIN;{script}COMMIT;")


Rows = list[tuple[str, list[Any]]]
"""Rows of tables, parents first: what `organization_rows` copies and `insert_rows` writes."""


def organization_rows(url: str, organization_id: uuid.UUID) -> Rows:
    """Every row of one organization, as stored, to write back into an emptied database."""
    parsed = make_url(url)
    # The triggers write the change log again as the rows go back in.
    tables = [t for t in SQLModel.metadata.sorted_tables if t.name not in migrate.DERIVED_TABLES]
    if parsed.get_backend_name() == "sqlite":
        with _sqlite_engine(url).connect() as connection:
            return [
                (table.name, [dict(row._mapping) for row in connection.execute(
                    sa.select(table).where(_owned_by(table, organization_id))
                )])
                for table in tables
            ]  # fmt: skip
    return _postgres.rows(url, [(table.name, _owner_column(table)) for table in tables],
                          organization_id)  # fmt: skip


def insert_rows(url: str, rows: Rows) -> None:
    if make_url(url).get_backend_name() == "sqlite":
        with _sqlite_engine(url).begin() as connection:
            for name, table_rows in rows:
                if table_rows:
                    connection.execute(SQLModel.metadata.tables[name].insert(), table_rows)
    else:
        _postgres.insert(url, rows)


def _owner_column(table: sa.Table) -> str:
    return "id" if table.name == "organization" else "organization_id"


def _owned_by(table: sa.Table, organization_id: uuid.UUID) -> Any:
    return table.c[_owner_column(table)] == organization_id


_sqlite_engines: dict[str, sa.Engine] = {}


def _sqlite_engine(url: str) -> sa.Engine:
    """SQLAlchemy's own SQLite driver on the test's file: the column types, no event loop."""
    if url not in _sqlite_engines:
        path = make_url(url).database
        _sqlite_engines[url] = sa.create_engine(f"sqlite:///{path}", poolclass=NullPool)
    return _sqlite_engines[url]


def _children_first() -> list[str]:
    return [t.name for t in reversed(SQLModel.metadata.sorted_tables)]


class _KeptPostgresConnections:
    """One asyncpg connection per test database, on one event loop kept for the process.

    Opening a connection per test cost more than the DELETEs it sent. A connection
    that died (its database dropped, the server restarted) is replaced once.
    """

    def __init__(self) -> None:
        self._runner: asyncio.Runner | None = None
        self._connections: dict[str, asyncpg.Connection] = {}

    def execute(self, url: str, script: str) -> None:
        async def send(connection: asyncpg.Connection) -> None:
            await connection.execute(script)

        self._run(url, send)

    def _run(self, url: str, work: Callable[[asyncpg.Connection], Awaitable[T]]) -> T:
        if self._runner is None:
            self._runner = asyncio.Runner()
            atexit.register(self.close)
        return self._runner.run(self._with_connection(url, work))

    async def _with_connection(
        self, url: str, work: Callable[[asyncpg.Connection], Awaitable[T]]
    ) -> T:
        for attempt in (1, 2):
            connection = self._connections.get(url)
            if connection is None or connection.is_closed():
                connection = await asyncpg.connect(_asyncpg_dsn(url))
                self._connections[url] = connection
            try:
                return await work(connection)
            except (asyncpg.PostgresConnectionError, ConnectionError, OSError):
                self._connections.pop(url, None)
                connection.terminate()
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def rows(self, url: str, tables: list[tuple[str, str]], owner: uuid.UUID) -> Rows:
        async def fetch(connection: asyncpg.Connection) -> Rows:
            query = 'SELECT * FROM "{}" WHERE "{}" = $1'
            return [
                (name, await connection.fetch(query.format(name, column), owner))
                for name, column in tables
            ]

        return self._run(url, fetch)

    def insert(self, url: str, rows: Rows) -> None:
        async def copy(connection: asyncpg.Connection) -> None:
            async with connection.transaction():
                for name, records in rows:
                    if records:
                        await connection.copy_records_to_table(
                            name,
                            records=[tuple(r) for r in records],
                            columns=list(records[0].keys()),
                        )

        self._run(url, copy)

    def close(self) -> None:
        if self._runner is None:
            return
        for connection in self._connections.values():
            connection.terminate()
        self._connections.clear()
        self._runner.close()
        self._runner = None


def _asyncpg_dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


_postgres = _KeptPostgresConnections()


def sqlite_url(path: Path) -> str:
    return f"sqlite+aiosqlite:///{path}"


def migrated_sqlite_template(directory: Path) -> Path:
    path = directory / "template.db"
    migrate.upgrade(sqlite_url(path))
    return path


def fresh_sqlite_copy(template: Path, directory: Path) -> str:
    target = directory / "vsm.db"
    shutil.copyfile(template, target)
    return sqlite_url(target)
