"""Engines and sessions for SQLite (embedded) and PostgreSQL (production).

SQLite needs care to be trustworthy under concurrent writers: pysqlite's own
transaction handling loses read-modify-write updates and plain BEGIN answers
"database is locked". We take over BEGIN ourselves: write sessions open with
BEGIN IMMEDIATE (writers queue on the busy timeout instead of racing), read
sessions with a deferred BEGIN so readers never wait on each other.
"""

import asyncio
import sqlite3
import weakref
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlalchemy.pool import NullPool
from sqlalchemy.util import await_
from sqlalchemy.util.concurrency import in_greenlet
from sqlmodel.ext.asyncio.session import AsyncSession

from core.config import Settings
from core.point_reads import PointReader, point_reader_for

SQLITE_BUSY_TIMEOUT_MS = 30_000
"""How long a CLI command or migration waits for SQLite's write lock; the server waits
`Timeouts.sqlite_busy_ms`, much less, and answers 503 when it runs out."""


@dataclass(frozen=True)
class Timeouts:
    """How long the server waits on its database before answering 503 instead.

    A frozen PostgreSQL, a pool whose connections are all busy, a SQLite write lock
    held by someone else: each wait is bounded, so no request hangs for minutes.
    """

    connect_seconds: float = 5.0
    statement_seconds: float = 15.0
    pool_seconds: float = 5.0
    sqlite_busy_ms: int = SQLITE_BUSY_TIMEOUT_MS

    @classmethod
    def from_settings(cls, settings: Settings) -> "Timeouts":
        return cls(
            connect_seconds=settings.db_connect_timeout_seconds,
            statement_seconds=settings.db_statement_timeout_seconds,
            pool_seconds=settings.db_pool_timeout_seconds,
            sqlite_busy_ms=int(settings.sqlite_busy_timeout_seconds * 1000),
        )


_writer_queues: "weakref.WeakKeyDictionary[Any, WriterQueue]" = weakref.WeakKeyDictionary()


def _install_sqlite_pragmas(
    engine: AsyncEngine, begin_statement: str | None, busy_timeout_ms: int
) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    if begin_statement is None:
        return
    queue = _writer_queues[engine.sync_engine] = WriterQueue(busy_timeout_ms)

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        queue.enter(connection.info)
        try:
            connection.exec_driver_sql(begin_statement)
        except BaseException:
            queue.leave(connection.info)
            raise

    @event.listens_for(engine.sync_engine, "checkin")
    @event.listens_for(engine.sync_engine, "invalidate")
    @event.listens_for(engine.sync_engine, "detach")
    def _on_return(_dbapi_connection: Any, record: Any, *_args: Any) -> None:
        queue.leave(record.info)


def writer_queue(engine: AsyncEngine) -> "WriterQueue | None":
    """The queue of a SQLite write engine's writers; None for any other engine."""
    return _writer_queues.get(engine.sync_engine)


class WriterQueue:
    """The writers of one process take SQLite's write lock in turn, in arrival order.

    A writer that finds the lock taken waits in SQLite's busy handler, which sleeps in
    steps growing to 100 ms and does not wake when the lock is freed: with a few dozen
    writes a second the lock stood free most of the time while writers slept, and a
    worker answered 100 requests a second at a p99 of seconds. Here a writer waits for
    the one before it in the same process on an asyncio lock, which hands over at once;
    only writers of other processes still meet in the busy handler. A wait as long as
    the busy timeout gives up with SQLite's own "database is locked".

    The turn is taken when a connection's transaction begins and given back when the
    connection goes back to the pool, after its COMMIT or ROLLBACK has finished (a
    session hands its connection back when its transaction ends); a connection that
    begins again before then keeps its turn. A connection the pool loses instead (it is
    invalidated, or detached: a connection dropped unclosed is detached when the garbage
    collector finds it) gives its turn back too, from whatever thread that happens on,
    through its event loop: a turn never given back would have made every later write of
    the worker wait out the busy timeout. Outside an event loop's greenlet (a synchronous
    engine) there is nobody to queue.
    """

    HELD = "valuestream.writer_turn"

    def __init__(self, busy_timeout_ms: int) -> None:
        self._timeout = busy_timeout_ms / 1000
        self._locks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = (
            weakref.WeakKeyDictionary()
        )
        self.waiting = 0

    def enter(self, info: dict[str, Any]) -> None:
        if self.HELD in info or not in_greenlet():
            return
        loop = asyncio.get_running_loop()
        lock = self._locks.get(loop)
        if lock is None:
            lock = self._locks[loop] = asyncio.Lock()
        self.waiting += 1
        try:
            await_(asyncio.wait_for(lock.acquire(), self._timeout))
        except TimeoutError:
            raise sqlite3.OperationalError("database is locked") from None
        finally:
            self.waiting -= 1
        info[self.HELD] = (lock, loop)

    def leave(self, info: dict[str, Any]) -> None:
        held = info.pop(self.HELD, None)
        if held is None:
            return
        lock, loop = held
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            lock.release()
        elif not loop.is_closed():
            loop.call_soon_threadsafe(lock.release)


def make_engine(
    url: str,
    *,
    write: bool = True,
    pool_size: int = 10,
    echo: bool = False,
    timeouts: Timeouts | None = None,
) -> AsyncEngine:
    """Build one engine. On SQLite, a write engine opens BEGIN IMMEDIATE transactions.

    A read engine on SQLite opens none: each statement then reads its own consistent
    snapshot, as under PostgreSQL's default READ COMMITTED, and a read request saves
    the round trips of BEGIN and of resetting the connection (each one a hop to the
    driver's thread).
    """
    limits = timeouts or Timeouts()
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if database in ("", ":memory:"):
            raise ValueError(
                "an in-memory SQLite database is one connection per engine; use a file path"
            )
        engine = create_async_engine(
            url,
            echo=echo,
            connect_args={"timeout": limits.sqlite_busy_ms / 1000},
            pool_size=pool_size,
            max_overflow=pool_size,
            pool_timeout=limits.pool_seconds,
            pool_reset_on_return="rollback" if write else None,
        )
        _install_sqlite_pragmas(engine, "BEGIN IMMEDIATE" if write else None, limits.sqlite_busy_ms)
        return engine
    # No overflow: overflow connections are closed when returned, so a busy server would
    # open and close a PostgreSQL connection per request; requests wait for one instead.
    # `command_timeout` is the driver's own clock: it fires even when the server is
    # frozen and could never enforce its own statement_timeout.
    return create_async_engine(
        url,
        echo=echo,
        pool_size=pool_size,
        max_overflow=0,
        pool_pre_ping=False,
        pool_timeout=limits.pool_seconds,
        connect_args=_postgres_connect_args(parsed.get_driver_name(), limits),
    )


def _postgres_connect_args(driver: str, limits: Timeouts) -> dict[str, Any]:
    if driver != "asyncpg":
        return {}
    statement_ms = int(limits.statement_seconds * 1000)
    return {
        "timeout": limits.connect_seconds,
        "command_timeout": limits.statement_seconds,
        "server_settings": {
            "statement_timeout": str(statement_ms),
            "idle_in_transaction_session_timeout": str(statement_ms * 4),
        },
    }


def sqlite_foreign_keys(connection: Connection, *, enabled: bool) -> None:
    """Turn SQLite's foreign-key enforcement on or off for one connection.

    Migrations need it off: SQLite cannot alter a constraint in place, so Alembic's batch
    mode copies a table and drops the old one, and with enforcement on the drop deletes
    every row that refers to it through ON DELETE CASCADE (upgrading to 0005 emptied the
    RACI assignments that way). The pragma is ignored inside a transaction, so it goes to
    the driver directly, before SQLAlchemy begins one. No-op on other databases.
    """
    if connection.dialect.name != "sqlite":
        return
    driver = connection.connection.dbapi_connection
    if driver is None:
        raise RuntimeError("the connection was closed before its pragmas were set")
    cursor = driver.cursor()
    try:
        cursor.execute(f"PRAGMA foreign_keys={'ON' if enabled else 'OFF'}")
    finally:
        cursor.close()


def sqlite_foreign_key_violations(connection: Connection) -> list[Any]:
    """Rows whose references point nowhere, as `PRAGMA foreign_key_check` lists them."""
    if connection.dialect.name != "sqlite":
        return []
    return list(connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall())


def make_oneshot_engine(url: str) -> AsyncEngine:
    """An engine for a CLI command or a migration: no pool left behind when it ends."""
    engine = create_async_engine(url, poolclass=NullPool)
    if make_url(url).get_backend_name() == "sqlite":
        _install_sqlite_pragmas(engine, "BEGIN IMMEDIATE", SQLITE_BUSY_TIMEOUT_MS)
    return engine


class SerializedSession(AsyncSession):
    """An AsyncSession whose operations queue instead of overlapping, and finish once begun.

    GraphQL resolves sibling fields and DataLoader batches concurrently; one
    AsyncSession must not run two statements at once ("concurrent operations are
    not permitted"), so every call that reaches the database takes a turn.

    When a field fails, graphql-core cancels its siblings. A statement cancelled
    halfway leaves the driver's connection unusable (asyncpg closes it, aiosqlite
    answers "Cannot operate on a closed database"), and the rollback that follows
    fails, turning one field's error into an INTERNAL answer for all. So a statement,
    once it has its turn, is shielded: a cancelled caller stops waiting, the statement
    completes, and the turn passes on only then. Ending the session (commit, rollback,
    close) takes a turn too, so it waits for such a statement instead of racing it.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._turn = asyncio.Lock()

    async def _in_turn(self, operation: Callable[[], Awaitable[Any]]) -> Any:
        await self._turn.acquire()
        try:
            task = asyncio.ensure_future(operation())
        except BaseException:
            self._turn.release()
            raise
        task.add_done_callback(self._end_turn)
        return await asyncio.shield(task)

    def _end_turn(self, task: "asyncio.Future[Any]") -> None:
        self._turn.release()
        if not task.cancelled():
            task.exception()  # retrieved: a caller that stopped waiting cannot see it

    async def exec(self, *args: Any, **kwargs: Any) -> Any:
        return await self._in_turn(lambda: super(SerializedSession, self).exec(*args, **kwargs))

    async def execute(self, *args: Any, **kwargs: Any) -> Any:
        return await self._in_turn(lambda: super(SerializedSession, self).execute(*args, **kwargs))

    async def get(self, *args: Any, **kwargs: Any) -> Any:
        return await self._in_turn(lambda: super(SerializedSession, self).get(*args, **kwargs))

    async def flush(self, *args: Any, **kwargs: Any) -> None:
        await self._in_turn(lambda: super(SerializedSession, self).flush(*args, **kwargs))

    async def delete(self, *args: Any, **kwargs: Any) -> None:
        await self._in_turn(lambda: super(SerializedSession, self).delete(*args, **kwargs))

    async def commit(self) -> None:
        await self._in_turn(super().commit)

    async def rollback(self) -> None:
        await self._in_turn(super().rollback)

    async def close(self) -> None:
        await self._in_turn(super().close)


def _sessionmaker(
    engine: AsyncEngine, class_: type[AsyncSession] = AsyncSession
) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, class_=class_, expire_on_commit=False)


@dataclass
class Database:
    """The engines of one app. A read-only request never takes SQLite's write lock.

    `point_reader` fetches single committed rows by id from the read side without
    the ORM, for the detail GETs that need nothing else.
    """

    write_engine: AsyncEngine
    read_engine: AsyncEngine
    timeouts: Timeouts = field(default_factory=Timeouts)
    point_reader: PointReader = field(init=False)

    @classmethod
    def from_settings(cls, settings: Settings) -> "Database":
        timeouts = Timeouts.from_settings(settings)
        write = make_engine(
            settings.database_url,
            write=True,
            pool_size=settings.db_pool_size,
            echo=settings.db_echo,
            timeouts=timeouts,
        )
        if settings.is_sqlite:
            read = make_engine(
                settings.database_url,
                write=False,
                pool_size=settings.db_pool_size,
                echo=settings.db_echo,
                timeouts=timeouts,
            )
        else:
            read = write
        return cls(write_engine=write, read_engine=read, timeouts=timeouts)

    @classmethod
    def for_command(cls, settings: Settings) -> "Database":
        """The engine of one CLI command: no pool outlives it, it waits for SQLite's write
        lock as long as an operator would (`SQLITE_BUSY_TIMEOUT_MS`), and its reads run
        in transactions too, so an export reads one consistent state."""
        engine = make_oneshot_engine(settings.database_url)
        return cls(write_engine=engine, read_engine=engine)

    def __post_init__(self) -> None:
        self.point_reader = point_reader_for(
            self.read_engine, sqlite_busy_timeout_ms=self.timeouts.sqlite_busy_ms
        )
        self._makers = {
            (write, serialized): _sessionmaker(
                self.write_engine if write else self.read_engine,
                SerializedSession if serialized else AsyncSession,
            )
            for write in (True, False)
            for serialized in (True, False)
        }

    def sessionmaker(
        self, *, write: bool, serialized: bool = False
    ) -> async_sessionmaker[AsyncSession]:
        """`serialized` sessions are for callers that may use one session concurrently."""
        return self._makers[(write, serialized)]

    async def dispose(self) -> None:
        self.point_reader.close()
        await self.write_engine.dispose()
        if self.read_engine is not self.write_engine:
            await self.read_engine.dispose()
