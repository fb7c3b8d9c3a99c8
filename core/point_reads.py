"""One row by id, straight from the driver: the hot path of a detail GET.

Through the ORM, one row costs about 250 µs of CPU in SQLAlchemy (session, identity
map, execution context, result objects; measured on the 2-core development machine)
around a lookup that SQLite answers in under 10 µs, and aiosqlite adds a hop to its
thread for every driver call on top. A point read compiles its statement once per
table and dialect, runs it on the driver directly, and turns the row into Python
values with the same column type processors the ORM uses, so a read model validated
from it sees what the ORM would have handed back.

Point reads see committed data only: they serve requests that read and change
nothing. A write transaction must see its own changes and reads through its session.
"""

import asyncio
import sqlite3
import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol
from urllib.request import pathname2url

from sqlalchemy import BindParameter, Select, Table, bindparam, select
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.pool import PoolProxiedConnection, QueuePool
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.util import greenlet_spawn

from core.tenancy import of_organization

if TYPE_CHECKING:
    import asyncpg

Row = dict[str, Any]
Processor = Callable[[Any], Any] | None


@dataclass(frozen=True)
class PointQuery:
    """`SELECT * FROM table WHERE organization_id = ? AND id = ?`, compiled for one dialect."""

    sql: str
    columns: tuple[str, ...]
    result_processors: tuple[Processor, ...]
    parameter_order: tuple[str, ...]
    bind_processors: dict[str, Processor]

    def parameters(self, organization_id: uuid.UUID, ident: uuid.UUID) -> list[Any]:
        given = {"organization_id": organization_id, "id": ident}
        values = []
        for name in self.parameter_order:
            process = self.bind_processors[name]
            value = given[name]
            values.append(process(value) if process else value)
        return values

    def to_row(self, values: Sequence[Any]) -> Row:
        return {
            column: process(value) if process else value
            for column, process, value in zip(
                self.columns, self.result_processors, values, strict=True
            )
        }


def point_sql(table: Table, dialect: Dialect) -> str:
    return _compiled_statement(table, dialect).string


def _compiled_statement(table: Table, dialect: Dialect) -> SQLCompiler:
    """Compiled with bound parameters, whose names and order the driver call follows."""
    compiled = _statement(table, bindparam("organization_id"), bindparam("id")).compile(
        dialect=dialect
    )
    if not isinstance(compiled, SQLCompiler):
        raise TypeError(f"{dialect.name} compiled a SELECT without an SQL compiler")
    return compiled


def _statement(
    table: Table,
    organization: uuid.UUID | BindParameter[Any],
    ident: uuid.UUID | BindParameter[Any],
) -> Select[*tuple[Any, ...]]:
    return select(table).where(of_organization(table, organization), table.c.id == ident)


def compile_point_query(
    table: Table, dialect: Dialect, column_types: Sequence[Any] | None = None
) -> PointQuery:
    """`column_types` are the driver's type codes of the result columns, in order.

    Some drivers' converters depend on them (asyncpg's numbers: float or Decimal by
    the column's type OID), as they do when SQLAlchemy reads a cursor's description.
    """
    compiled = _compiled_statement(table, dialect)
    types = column_types if column_types is not None else [None] * len(table.columns)
    return PointQuery(
        sql=compiled.string,
        columns=tuple(column.name for column in table.columns),
        result_processors=tuple(
            column.type.dialect_impl(dialect).result_processor(dialect, type_code)
            for column, type_code in zip(table.columns, types, strict=True)
        ),
        parameter_order=tuple(compiled.positiontup or ()),
        bind_processors={
            name: table.c[name].type.dialect_impl(dialect).bind_processor(dialect)
            for name in ("organization_id", "id")
        },
    )


class PointReader(Protocol):
    async def fetch(self, table: Table, organization_id: uuid.UUID, ident: uuid.UUID) -> Row | None:
        """The row of `table` with this id in this organization, or None.

        Returns column name to Python value, converted as the ORM converts it.
        """
        ...

    def close(self) -> None:
        """Let go of any connection the reader holds of its own."""
        ...


class SQLitePointReader:
    """Runs the lookup on the event loop's own thread, on a connection of its own.

    A primary-key lookup in a WAL database takes microseconds and does not wait for
    writers, so handing it to a thread would cost far more than it saves. The inline
    connection waits for no lock (busy_timeout 0), may only read (query_only), and
    never creates the database file. In the rare cases SQLite is busy for a reader
    (another connection recovering the log, or holding the file exclusively), the
    lookup runs again in a worker thread that may wait like every other reader. Those
    threads are the reader's own, so lookups waiting for a lock cannot take the
    threads other work of the app runs on.
    """

    WAITING_THREADS = 2

    def __init__(self, database_path: str, dialect: Dialect, *, busy_timeout_ms: int) -> None:
        self._path = database_path
        self._busy_timeout_ms = busy_timeout_ms
        self._dialect = dialect
        self._queries: dict[Table, PointQuery] = {}
        self._inline: sqlite3.Connection | None = None
        self._waiting: ThreadPoolExecutor | None = None

    def _connect(self, busy_timeout_ms: int) -> sqlite3.Connection:
        # The inline connection is only ever used by whichever thread runs the event
        # loop, one call at a time (each runs to its end without awaiting); that thread
        # may differ over the app's life (a test client starts one per client).
        connection = sqlite3.connect(
            f"file:{pathname2url(self._path)}?mode=rw",
            uri=True,
            isolation_level=None,
            check_same_thread=False,
        )
        connection.execute("PRAGMA query_only=ON")
        connection.execute(f"PRAGMA busy_timeout={busy_timeout_ms}")
        return connection

    async def fetch(self, table: Table, organization_id: uuid.UUID, ident: uuid.UUID) -> Row | None:
        query = self._queries.get(table)
        if query is None:
            query = self._queries[table] = compile_point_query(table, self._dialect)
        parameters = query.parameters(organization_id, ident)
        if self._inline is None:
            self._inline = self._connect(0)
        try:
            values = self._inline.execute(query.sql, parameters).fetchone()
        except sqlite3.OperationalError as error:
            if error.sqlite_errorcode & 0xFF != sqlite3.SQLITE_BUSY:  # any extended BUSY_*
                raise
            if self._waiting is None:
                self._waiting = ThreadPoolExecutor(
                    self.WAITING_THREADS, thread_name_prefix="vsm-point-read"
                )
            loop = asyncio.get_running_loop()
            values = await loop.run_in_executor(
                self._waiting, self._fetch_waiting, query.sql, parameters
            )
        return None if values is None else query.to_row(values)

    def _fetch_waiting(self, sql: str, parameters: list[Any]) -> Any:
        connection = self._connect(self._busy_timeout_ms)
        try:
            return connection.execute(sql, parameters).fetchone()
        finally:
            connection.close()

    def close(self) -> None:
        if self._inline is not None:
            self._inline.close()
            self._inline = None
        if self._waiting is not None:
            self._waiting.shutdown(wait=False, cancel_futures=True)
            self._waiting = None


class CorePointReader:
    """Any other driver: the same statement through SQLAlchemy Core, without the ORM."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def fetch(self, table: Table, organization_id: uuid.UUID, ident: uuid.UUID) -> Row | None:
        statement = _statement(table, organization_id, ident)
        async with self._engine.connect() as connection:
            row = (await connection.execute(statement)).first()
        return None if row is None else dict(row._mapping)

    def close(self) -> None:
        """The pool is the engine's; disposing of the engine closes it."""


class AsyncpgPointReader:
    """Runs the lookup on a pooled asyncpg connection, without a transaction around it.

    The connection comes from the engine's pool, so it carries the codecs SQLAlchemy
    set up for it (JSON, for one) and counts against the same pool size. The first
    lookup of a table prepares its statement to learn the result's type OIDs, which
    SQLAlchemy's asyncpg converters need, as they get them from a cursor.
    """

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._queries: dict[Table, PointQuery] = {}

    async def fetch(self, table: Table, organization_id: uuid.UUID, ident: uuid.UUID) -> Row | None:
        # The pool's own connection, not an AsyncConnection around it: that wrapper's
        # greenlet switches cost more than the lookup itself under load.
        connection = await self._engine.raw_connection()
        try:
            driver = connection.driver_connection
            if driver is None:
                raise RuntimeError("the pool handed out a connection it had closed")
            query = self._queries.get(table) or await self._prepare(driver, table)
            values = await driver.fetchrow(query.sql, *query.parameters(organization_id, ident))
        except BaseException:
            # A lookup cut short (an error, a client that went away) may leave the
            # driver connection mid-protocol: never hand it to another request. Outside
            # a greenlet, SQLAlchemy closes an asyncio driver connection without I/O.
            connection.invalidate()
            raise
        finally:
            await self._give_back(connection)
        return None if values is None else query.to_row(tuple(values))

    async def _give_back(self, connection: PoolProxiedConnection) -> None:
        """Return the connection to the pool, in a greenlet only when that may do I/O.

        No transaction was begun, so the reset on return does nothing; the pool keeps
        the connection unless it is beyond the pool's size (overflow), when it closes it,
        which awaits the driver and so needs a greenlet (costly: a greenlet switch per
        request cost a fifth of a detail GET's throughput on PostgreSQL).
        """
        pool = self._engine.pool
        if isinstance(pool, QueuePool) and pool.overflow() <= 0:
            connection.close()
        else:
            await greenlet_spawn(connection.close)

    async def _prepare(self, driver: "asyncpg.Connection", table: Table) -> PointQuery:
        dialect = self._engine.dialect
        prepared = await driver.prepare(point_sql(table, dialect))
        type_oids = [attribute.type.oid for attribute in prepared.get_attributes()]
        query = self._queries[table] = compile_point_query(table, dialect, type_oids)
        return query

    def close(self) -> None:
        """The pool is the engine's; disposing of the engine closes it."""


def point_reader_for(engine: AsyncEngine, *, sqlite_busy_timeout_ms: int) -> PointReader:
    """The fastest reader the engine's driver allows."""
    url = engine.url
    if url.get_backend_name() == "sqlite" and url.database:
        return SQLitePointReader(
            url.database, engine.dialect, busy_timeout_ms=sqlite_busy_timeout_ms
        )
    if url.get_driver_name() == "asyncpg":
        return AsyncpgPointReader(engine)
    return CorePointReader(engine)
