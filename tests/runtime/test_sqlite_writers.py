"""Writers of one process take SQLite's write lock in turn, in the order they came.

SQLite's own busy handler lets a waiting writer sleep in growing steps, so a lock
freed at once still waited for whoever slept longest; the process's own queue hands
it over to the next writer in line as soon as the one before has committed.
"""

import asyncio
import gc
import warnings
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from core.db import Timeouts, make_engine, writer_queue
from tests import dbs

pytestmark = pytest.mark.skipif(dbs.is_postgres(), reason="SQLite's write lock")

YIELDS = 100_000
"""How many turns of the event loop a writer may take to reach the queue."""


async def _until(condition: object, what: str) -> None:
    for _ in range(YIELDS):
        if condition():  # type: ignore[operator]
            return
        await asyncio.sleep(0)
    raise AssertionError(f"never {what}")


async def _write(
    engine: AsyncEngine,
    name: str,
    *,
    written: asyncio.Event | None = None,
    then: asyncio.Event | None = None,
) -> None:
    async with engine.begin() as connection:
        await connection.execute(text("INSERT INTO log (name) VALUES (:name)"), {"name": name})
        if written is not None and then is not None:
            written.set()
            await then.wait()


def test_writers_of_one_process_take_the_write_lock_in_the_order_they_came(
    tmp_path: Path,
) -> None:
    async def scenario() -> list[str]:
        engine = make_engine(
            f"sqlite+aiosqlite:///{tmp_path / 'writers.db'}",
            timeouts=Timeouts(sqlite_busy_ms=60_000),
        )
        queue = writer_queue(engine)
        assert queue is not None
        try:
            async with engine.begin() as connection:
                await connection.execute(text("CREATE TABLE log (name TEXT)"))
            first_wrote, first_may_commit = asyncio.Event(), asyncio.Event()
            first = asyncio.create_task(
                _write(engine, "first", written=first_wrote, then=first_may_commit)
            )
            await first_wrote.wait()
            later = []
            for name in ("second", "third", "fourth"):
                waiting = queue.waiting
                later.append(asyncio.create_task(_write(engine, name)))
                await _until(lambda w=waiting: queue.waiting == w + 1, f"queued {name}")

            first_may_commit.set()
            await asyncio.gather(first, *later)

            async with engine.connect() as connection:
                rows = await connection.execute(text("SELECT name FROM log ORDER BY rowid"))
                return [name for (name,) in rows]
        finally:
            await engine.dispose()

    assert asyncio.run(scenario()) == ["first", "second", "third", "fourth"]


def test_a_write_connection_dropped_unclosed_gives_its_turn_back(tmp_path: Path) -> None:
    """The garbage collector detaches such a connection; a turn kept would block every write."""

    async def scenario() -> list[str]:
        engine = make_engine(
            f"sqlite+aiosqlite:///{tmp_path / 'dropped.db'}",
            timeouts=Timeouts(sqlite_busy_ms=2_000),
        )
        try:
            async with engine.begin() as connection:
                await connection.execute(text("CREATE TABLE log (name TEXT)"))
            dropped = await engine.connect()
            await dropped.begin()
            await dropped.execute(text("INSERT INTO log (name) VALUES ('lost')"))
            del dropped
            gc.collect()
            await asyncio.sleep(0)

            await _write(engine, "after")

            async with engine.connect() as connection:
                rows = await connection.execute(text("SELECT name FROM log ORDER BY rowid"))
                return [name for (name,) in rows]
        finally:
            await engine.dispose()

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert asyncio.run(scenario()) == ["after"]
