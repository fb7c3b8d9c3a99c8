"""Which database failures are outages, and how a client should hear of them.

A stopped or frozen PostgreSQL, a SQLite file that is locked, read-only or on a full
disk, an exhausted connection pool: none is the client's mistake nor a bug of ours,
and "an unexpected error occurred" reads like both. Such failures become
`DatabaseUnavailable` (503, retry later) or `StorageFull` (507). Everything else —
a constraint we forgot to check, SQL we got wrong — stays an internal error.
"""

import asyncio
import errno
import socket
import sqlite3
from collections.abc import Iterator

from sqlalchemy import exc as sa_exc

from core.errors import DatabaseReadOnly, DatabaseUnavailable, StorageFull, Unavailable

RETRY_AFTER_SECONDS = 2

_SQLITE_BUSY = {sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED}
_SQLITE_DOWN = {sqlite3.SQLITE_IOERR, sqlite3.SQLITE_CANTOPEN}

_PG_FULL = {"53100"}  # disk_full
_PG_DOWN_CLASSES = ("08", "57", "53", "58")  # connection, operator intervention, resources, system
_PG_DOWN = {
    "40001",  # serialization_failure: transient, safe to retry
    "40P01",  # deadlock_detected: transient, safe to retry
    "55P03",  # lock_not_available: lock_timeout expired
}


_NETWORK_ERRNOS = {
    errno.ECONNREFUSED,
    errno.ECONNRESET,
    errno.EHOSTUNREACH,
    errno.ENETUNREACH,
    errno.ETIMEDOUT,
}


_NETWORK_ERRORS = (TimeoutError, asyncio.TimeoutError, ConnectionError, socket.gaierror)


def _chain(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        orig = getattr(current, "orig", None)
        current = (
            orig if isinstance(orig, BaseException) else current.__cause__ or current.__context__
        )


def _sqlite(error: sqlite3.Error) -> Unavailable | None:
    code = getattr(error, "sqlite_errorcode", None)
    primary = code & 0xFF if isinstance(code, int) else None
    text = str(error).lower()
    if primary == sqlite3.SQLITE_FULL or "disk is full" in text:
        return StorageFull(
            "the database has no room left on its disk; nothing was stored",
            retry_after=60,
        )
    if primary in _SQLITE_BUSY or "database is locked" in text:
        return DatabaseUnavailable(
            "the database is busy with other writes; nothing was stored, try again",
            retry_after=RETRY_AFTER_SECONDS,
        )
    if primary == sqlite3.SQLITE_READONLY or "readonly" in text:
        return DatabaseReadOnly(
            "the database file cannot be written now; nothing was stored", retry_after=30
        )
    if primary in _SQLITE_DOWN or "disk i/o" in text:
        return DatabaseUnavailable(
            f"the database cannot be written now ({text}); nothing was stored",
            retry_after=30,
        )
    return None


def _postgres(sqlstate: str) -> Unavailable | None:
    if sqlstate in _PG_FULL:
        return StorageFull(
            "the database has no room left on its disk; nothing was stored", retry_after=60
        )
    if sqlstate == "25006":  # read_only_sql_transaction: a standby, or set read-only
        return DatabaseReadOnly(
            "the database accepts only reads now; nothing was stored", retry_after=30
        )
    if sqlstate in _PG_DOWN or sqlstate.startswith(_PG_DOWN_CLASSES):
        return DatabaseUnavailable(
            f"the database cannot complete the request now (SQLSTATE {sqlstate}); try again",
            retry_after=RETRY_AFTER_SECONDS,
        )
    return None


def as_outage(exc: BaseException) -> Unavailable | None:
    """The outage `exc` stands for, or None when it is not one."""
    for error in _chain(exc):
        if isinstance(error, Unavailable):
            return error
        if isinstance(error, sa_exc.TimeoutError):
            return DatabaseUnavailable(
                "every database connection is busy; try again shortly",
                retry_after=RETRY_AFTER_SECONDS,
            )
        if isinstance(error, sqlite3.Error):
            found = _sqlite(error)
            if found is not None:
                return found
        sqlstate = getattr(error, "sqlstate", None)
        if isinstance(sqlstate, str) and len(sqlstate) == 5:
            found = _postgres(sqlstate)
            if found is not None:
                return found
        if isinstance(error, sa_exc.DBAPIError) and error.connection_invalidated:
            return _lost()
        if isinstance(error, OSError) and error.errno == errno.ENOSPC:
            return StorageFull("the server's disk is full; nothing was stored", retry_after=60)
        if isinstance(
            error, TimeoutError | asyncio.TimeoutError | ConnectionError | socket.gaierror
        ):
            return _lost()
        if isinstance(error, OSError) and error.errno in _NETWORK_ERRNOS:
            return _lost()
        if type(error).__name__ in ("ConnectionDoesNotExistError", "InterfaceError") and (
            "closed" in str(error) or "connection" in str(error).lower()
        ):
            return _lost()
    return None


def _lost() -> DatabaseUnavailable:
    """The connection failed; a change in flight may or may not have been committed."""
    return DatabaseUnavailable(
        "the database did not answer; a change sent now may or may not have been stored: "
        "read it back, or send it again with the same Idempotency-Key",
        retry_after=RETRY_AFTER_SECONDS,
    )
