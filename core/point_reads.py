"""Committed rows straight from the driver: the hot path of detail GETs and list pages.

Through the ORM, one row costs about 250 µs of CPU in SQLAlchemy (session, identity
map, execution context, result objects; measured on the 2-core development machine)
around a lookup that SQLite answers in under 10 µs, and aiosqlite adds a hop to its
thread for every driver call on top. A point read compiles its statement once per
table and dialect, runs it on the driver directly, and turns the row into Python
values with the same column type processors the ORM uses, so a read model validated
from it sees what the ORM would have handed back.

A page of a list reads the same way (`fetch_all`): the list's statement, built with
its filters as SQLAlchemy statements always are, is compiled once per shape (SQLAlchemy's
own cache key tells shapes apart and carries each call's values), and its rows become
dicts without ORM objects, which cost a third of a page's CPU when they were built for
every row.

Point reads see committed data only: they serve requests that read and change
nothing. A write transaction must see its own changes and reads through its session.
"""

import asyncio
import functools
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
from sqlalchemy.sql.selectable import TypedReturnsRows
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

    def to_rows(
        self, rows: Sequence[Sequence[Any]], unconverted: frozenset[str] = frozenset()
    ) -> list[Row]:
        """Like `to_row` for each row, leaving the `unconverted` columns as the driver gave them."""
        converting = [
            (column, process)
            for column, process in zip(self.columns, self.result_processors, strict=True)
            if process is not None and column not in unconverted
        ]
        columns = self.columns
        converted = []
        for values in rows:
            row = dict(zip(columns, values, strict=True))
            for column, process in converting:
                row[column] = process(row[column])
            converted.append(row)
        return converted


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


Statement = TypedReturnsRows[Any]
"""A SELECT whose result columns are one table's, in the table's order (`select(Model)`)."""


@dataclass(frozen=True)
class RowsQuery:
    """A list's statement compiled for one dialect, with its parameters' converters in order."""

    sql: str
    compiled: SQLCompiler
    bind_processors: tuple[Processor, ...]

    def parameters(self, extracted: Sequence[BindParameter[Any]]) -> list[Any]:
        """The driver's positional values for one call, from that call's cache key."""
        values = self.compiled.construct_params(extracted_parameters=extracted)
        return [
            process(values[name]) if process else values[name]
            for name, process in zip(
                self.compiled.positiontup or (), self.bind_processors, strict=True
            )
        ]


class RowsQueries:
    """Compiled list statements by SQLAlchemy cache key, for one dialect.

    Compiling a list's statement costs over a millisecond; its cache key, which
    SQLAlchemy's own execution uses for the same purpose, a few microseconds. Keys
    differ by shape (which filters, a cursor or none), not by values, so the cache
    stays small; it is emptied should many shapes ever fill it.
    """

    LIMIT = 1000

    def __init__(self, dialect: Dialect) -> None:
        self._dialect = dialect
        self._compiled: dict[Any, RowsQuery | None] = {}

    def prepare(self, statement: Statement, table: Table) -> tuple[str, list[Any]] | None:
        """SQL and positional values, or None for a statement the driver cannot run as is.

        That is one with parameters expanded at execution (`IN` lists), or one whose
        columns are not exactly the table's in order.
        """
        key = statement._generate_cache_key()
        if key is None:
            return None
        if key.key in self._compiled:
            query = self._compiled[key.key]
        else:
            if len(self._compiled) >= self.LIMIT:
                self._compiled.clear()
            query = self._compiled[key.key] = self._compile(statement, key, table)
        if query is None:
            return None
        return query.sql, query.parameters(key.bindparams)

    def _compile(self, statement: Statement, key: Any, table: Table) -> RowsQuery | None:
        dialect = self._dialect
        compiled = dialect.statement_compiler(dialect, statement, cache_key=key)
        if not isinstance(compiled, SQLCompiler) or not isinstance(statement, Select):
            return None
        if compiled.post_compile_params or compiled.literal_execute_params:
            return None
        columns = statement.with_only_columns(*table.columns).compile(dialect=dialect)
        if columns.string != compiled.string:
            return None
        return RowsQuery(
            sql=compiled.string,
            compiled=compiled,
            bind_processors=tuple(
                compiled.binds[name].type.dialect_impl(dialect).bind_processor(dialect)
                for name in compiled.positiontup or ()
            ),
        )


class PointReader(Protocol):
    async def fetch(self, table: Table, organization_id: uuid.UUID, ident: uuid.UUID) -> Row | None:
        """The row of `table` with this id in this organization, or None.

        Returns column name to Python value, converted as the ORM converts it.
        """
        ...

    async def fetch_all(
        self, statement: Statement, table: Table, *, unconverted: frozenset[str] = frozenset()
    ) -> list[Row] | None:
        """The rows `statement` selects from `table`, converted as by `fetch`.

        The `unconverted` columns may be left as the driver returns them: the caller
        validates those itself (pydantic reads a UUID from SQLite's text as well as
        SQLAlchemy does, in a fraction of the time). None when this reader cannot run
        the statement without the ORM (see `RowsQueries.prepare`); the caller reads
        through its session then.
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
        self._lists = RowsQueries(dialect)
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

    def _point_query(self, table: Table) -> PointQuery:
        query = self._queries.get(table)
        if query is None:
            query = self._queries[table] = compile_point_query(table, self._dialect)
        return query

    async def fetch(self, table: Table, organization_id: uuid.UUID, ident: uuid.UUID) -> Row | None:
        query = self._point_query(table)
        rows = await self._run(query.sql, query.parameters(organization_id, ident), many=False)
        return query.to_row(rows[0]) if rows else None

    async def fetch_all(
        self, statement: Statement, table: Table, *, unconverted: frozenset[str] = frozenset()
    ) -> list[Row] | None:
        prepared = self._lists.prepare(statement, table)
        if prepared is None:
            return None
        query = self._point_query(table)
        return query.to_rows(await self._run(*prepared, many=True), unconverted)

    async def _run(self, sql: str, parameters: list[Any], *, many: bool) -> list[Any]:
        """The first row, or all of them; inline unless SQLite is busy (see the class)."""
        if self._inline is None:
            self._inline = self._connect(0)
        try:
            return self._execute(self._inline, sql, parameters, many=many)
        except sqlite3.OperationalError as error:
            if error.sqlite_errorcode & 0xFF != sqlite3.SQLITE_BUSY:  # any extended BUSY_*
                raise
            if self._waiting is None:
                self._waiting = ThreadPoolExecutor(
                    self.WAITING_THREADS, thread_name_prefix="vsm-point-read"
                )
            loop = asyncio.get_running_loop()
            return await loop.run_in_executor(
                self._waiting, functools.partial(self._run_waiting, sql, parameters, many=many)
            )

    @staticmethod
    def _execute(
        connection: sqlite3.Connection, sql: str, parameters: list[Any], *, many: bool
    ) -> list[Any]:
        cursor = connection.execute(sql, parameters)
        if many:
            return cursor.fetchall()
        first = cursor.fetchone()
        return [] if first is None else [first]

    def _run_waiting(self, sql: str, parameters: list[Any], *, many: bool) -> list[Any]:
        connection = self._connect(self._busy_timeout_ms)
        try:
            return self._execute(connection, sql, parameters, many=many)
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

    async def fetch_all(
        self, statement: Statement, table: Table, *, unconverted: frozenset[str] = frozenset()
    ) -> list[Row] | None:
        if not isinstance(statement, Select):
            return None
        async with self._engine.connect() as connection:
            result = await connection.execute(statement.with_only_columns(*table.columns))
            return [dict(row._mapping) for row in result]

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
        self._lists = RowsQueries(engine.dialect)

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

    async def fetch_all(
        self, statement: Statement, table: Table, *, unconverted: frozenset[str] = frozenset()
    ) -> list[Row] | None:
        """Converted with the table's point query, whose result columns are the same."""
        prepared = self._lists.prepare(statement, table)
        if prepared is None:
            return None
        sql, parameters = prepared
        connection = await self._engine.raw_connection()
        try:
            driver = connection.driver_connection
            if driver is None:
                raise RuntimeError("the pool handed out a connection it had closed")
            query = self._queries.get(table) or await self._prepare(driver, table)
            records = await driver.fetch(sql, *parameters)
        except BaseException:
            # A lookup cut short (an error, a client that went away) may leave the
            # driver connection mid-protocol: never hand it to another request. Outside
            # a greenlet, SQLAlchemy closes an asyncio driver connection without I/O.
            connection.invalidate()
            raise
        finally:
            await self._give_back(connection)
        return query.to_rows(records, unconverted)

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
