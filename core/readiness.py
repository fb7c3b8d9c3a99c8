"""Whether this server can do its work now: read, and write, its database.

A load balancer stops sending traffic to a node whose `/ready` fails, so the check
must answer quickly when the database hangs (a frozen server would otherwise hold
the probe as long as it holds requests) and must notice a database that still
reads but cannot write (a full disk, a read-only file, a standby).
"""

import asyncio
import os
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from core.db import Database
from core.db_errors import as_outage


@dataclass
class WriteHealth:
    """The outcome of the latest write, as seen by the requests that made it.

    A write refused for want of room (or because the file turned read-only) marks
    the database unable to write until a later write commits.
    """

    problem: str | None = None
    since: float | None = None

    def failed(self, reason: str) -> None:
        if self.problem is None:
            self.since = time.monotonic()
        self.problem = reason

    def succeeded(self) -> None:
        self.problem = None
        self.since = None


@dataclass
class Readiness:
    ready: bool
    checks: dict[str, str] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        return {"status": "ready" if self.ready else "unavailable", "checks": self.checks}


async def check(
    database: Database, health: WriteHealth, *, within_seconds: float, min_free_bytes: int
) -> Readiness:
    """Read and writability checks of the database, all answered within `within_seconds`."""
    checks: dict[str, str] = {}
    try:
        async with asyncio.timeout(within_seconds):
            async with database.read_engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
                checks["read"] = "ok"
                checks["write"] = await _write_problem(connection, database, min_free_bytes) or (
                    health.problem or "ok"
                )
    except TimeoutError:
        checks["read"] = f"the database did not answer within {within_seconds:g} s"
    except Exception as exc:  # any failure is a reason not to be ready, reported as such
        outage = as_outage(exc)
        checks["read"] = outage.detail if outage else f"the database check failed: {exc}"
    ready = all(value == "ok" for value in checks.values()) and "write" in checks
    return Readiness(ready=ready, checks=checks)


async def _write_problem(
    connection: AsyncConnection, database: Database, min_free_bytes: int
) -> str | None:
    url = database.write_engine.url
    if url.get_backend_name() == "sqlite":
        return _sqlite_write_problem(url.database or "", min_free_bytes)
    result = await connection.execute(text("SHOW transaction_read_only"))
    if str(result.scalar()).lower() == "on":
        return "the database accepts only reads (a standby, or set read-only)"
    return None


def _sqlite_write_problem(path: str, min_free_bytes: int) -> str | None:
    file = Path(path)
    folder = file.parent if str(file.parent) else Path(".")
    if file.exists() and not os.access(file, os.W_OK):
        return "the database file is read-only"
    if not os.access(folder, os.W_OK):
        return "the database's folder is read-only (SQLite writes its journal there)"
    free = shutil.disk_usage(folder).free
    if free < min_free_bytes:
        return f"only {free // 1024} KiB free on the database's disk"
    return None
