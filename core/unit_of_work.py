"""One transaction, opened, ended and followed up in one place.

REST requests, GraphQL operations, CLI commands and authentication all open their
sessions here: which engine serves them (SQLite's shared read path or its BEGIN
IMMEDIATE write path, PostgreSQL's pool), when a transaction commits, and what runs
just before and just after the commit are decided once, not by each transport.
"""

from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlalchemy.orm import ORMExecuteState, Session
from sqlmodel.ext.asyncio.session import AsyncSession

from core.db import Database

READ_ONLY = "valuestream.read_only"
UNIT = "valuestream.unit_of_work"

BeforeCommit = Callable[[], Awaitable[None]]
AfterCommit = Callable[[], None]


class WriteInReadOnlyUnit(RuntimeError):
    """A read unit was asked to write: a bug, refused before it reaches the database.

    On SQLite a read session runs without BEGIN, so a write slipped into it would
    commit statement by statement, outside any transaction and past the write lock.
    """


class UnitOfWork:
    """Commit when the block ends normally, roll back on any exception.

    Services never commit; this is the one place a transaction ends. A read-only
    unit has nothing to commit and just ends, and refuses to write. `before_commit`
    callbacks run inside the transaction once the work is done (a transport keeping
    the answer of an idempotent request); `after_commit` callbacks run only once the
    commit succeeded (caches and health flags that must not believe a rolled-back
    change).

    A class rather than an `@asynccontextmanager` generator: REST opens it inside a
    generator dependency, and when Litestar abandons such a dependency (a sibling
    dependency failed) the garbage collector finalizes every async generator on its
    own, closing the inner one while the outer one is still closing it
    ("aclose(): asynchronous generator is already running").
    """

    __slots__ = ("_after", "_before", "_session", "maker", "write")

    def __init__(self, maker: async_sessionmaker[AsyncSession], *, write: bool = True) -> None:
        self.maker = maker
        self.write = write
        self._session: AsyncSession | None = None
        self._before: list[BeforeCommit] = []
        self._after: list[AfterCommit] = []

    @classmethod
    def on(cls, database: Database, *, write: bool, serialized: bool = False) -> "UnitOfWork":
        """A unit on the engine that fits: writes on the write path, reads on the read path."""
        return cls(database.sessionmaker(write=write, serialized=serialized), write=write)

    @property
    def is_open(self) -> bool:
        return self._session is not None

    @property
    def session(self) -> AsyncSession:
        if self._session is None:
            raise RuntimeError("the unit of work is not open: enter it before using its session")
        return self._session

    def before_commit(self, callback: BeforeCommit) -> None:
        self._before.append(callback)

    def after_commit(self, callback: AfterCommit) -> None:
        self._after.append(callback)

    @classmethod
    def of(cls, session: AsyncSession) -> "UnitOfWork":
        """The unit that opened `session` and will end it.

        Use cases take `(session, actor)`; one whose effect outside the database must
        wait for the commit (a cache to forget) registers it with this unit's
        `after_commit`. A session no unit opened, or one whose unit has ended, answers
        an error rather than a callback that would never run.
        """
        unit = session.sync_session.info.get(UNIT)
        if not isinstance(unit, cls):
            raise RuntimeError("this session belongs to no open unit of work")
        return unit

    async def __aenter__(self) -> AsyncSession:
        if self._session is not None:
            raise RuntimeError("a unit of work is one transaction: it opens once")
        session = self._session = self.maker()
        session.sync_session.info[UNIT] = self
        if not self.write:
            session.sync_session.info[READ_ONLY] = True
        return session

    async def __aexit__(self, kind: type[BaseException] | None, *_: object) -> None:
        session = self._session
        if session is None:
            return
        try:
            if kind is not None:
                await session.rollback()
                return
            if not self.write:
                return
            try:
                for prepare in self._before:
                    await prepare()
                await session.commit()
            except BaseException:
                await session.rollback()
                raise
            # As soon as the commit returns, not after the close, which awaits: other
            # requests get no turn meanwhile to be answered from a cache now stale.
            for callback in self._after:
                callback()
        finally:
            session.sync_session.info.pop(UNIT, None)
            await session.close()


def _refuse_flush(session: Session, *_args: Any) -> None:
    if session.info.get(READ_ONLY) and (session.new or session.dirty or session.deleted):
        raise WriteInReadOnlyUnit("a read-only unit of work cannot store changes")


def _refuse_statement(state: ORMExecuteState) -> None:
    writes = state.is_insert or state.is_update or state.is_delete
    if writes and state.session.info.get(READ_ONLY):
        raise WriteInReadOnlyUnit("a read-only unit of work cannot run INSERT, UPDATE or DELETE")


event.listen(Session, "before_flush", _refuse_flush)
event.listen(Session, "do_orm_execute", _refuse_statement)
