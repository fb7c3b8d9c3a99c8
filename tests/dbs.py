"""Test databases: a migrated SQLite template copied per test, or a private PostgreSQL database.

Which one is chosen by `VSM_TEST_DATABASE_URL`: unset means SQLite; a PostgreSQL URL
names the server and base database, inside which every test session (and every xdist
worker) creates a database of its own, so parallel runs never see each other's rows.
"""

import asyncio
import os
import shutil
import uuid
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlmodel import SQLModel

import core.models  # noqa: F401
from core import migrate
from core.db import make_oneshot_engine


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
    name = f"vsm_test_{uuid.uuid4().hex[:12]}"
    asyncio.run(_admin_execute(base_url, f'CREATE DATABASE "{name}"'))
    return make_url(base_url).set(database=name).render_as_string(hide_password=False)


def drop_postgres_database(base_url: str, url: str) -> None:
    name = make_url(url).database
    asyncio.run(_admin_execute(base_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def clear_all(url: str) -> None:
    """Remove every row, children first; the schema stays.

    DELETE, not TRUNCATE: on a test's few rows it is about fifteen times faster on
    PostgreSQL, where TRUNCATE pays for new files and locks on every table.
    """
    tables = [t.name for t in reversed(SQLModel.metadata.sorted_tables)]

    async def run() -> None:
        engine = make_oneshot_engine(url)
        try:
            async with engine.begin() as connection:
                for name in tables:
                    await connection.execute(text(f'DELETE FROM "{name}"'))
        finally:
            await engine.dispose()

    asyncio.run(run())


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
