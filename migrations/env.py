"""Alembic environment: async engine, naming convention, batch mode on SQLite."""

import asyncio
from typing import Any

from alembic import context
from sqlalchemy import JSON
from sqlalchemy.engine import Connection
from sqlmodel import SQLModel

import core.models  # noqa: F401  (registers every table on the metadata)
from core.config import Settings
from core.db import make_oneshot_engine, sqlite_foreign_key_violations, sqlite_foreign_keys
from core.types import UTCDateTime

config = context.config
target_metadata = SQLModel.metadata


def _database_url() -> str:
    return config.get_main_option("sqlalchemy.url") or Settings().database_url


def _render_item(type_: str, obj: Any, autogen_context: Any) -> str | bool:
    """Write our portable column types as plain SQLAlchemy types into migrations."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    if type_ == "type" and isinstance(obj, JSON):
        autogen_context.imports.add("from sqlalchemy.dialects import postgresql")
        return "sa.JSON().with_variant(postgresql.JSONB(), 'postgresql')"
    return False


def _configure(connection: Connection | None = None, url: str | None = None) -> None:
    is_sqlite = (url or _database_url()).startswith("sqlite")
    context.configure(
        connection=connection,
        url=url,
        target_metadata=target_metadata,
        render_as_batch=is_sqlite,
        render_item=_render_item,
        compare_type=True,
        literal_binds=connection is None,
    )


def run_migrations_offline() -> None:
    _configure(url=_database_url())
    with context.begin_transaction():
        context.run_migrations()


def _run_sync(connection: Connection) -> None:
    """Run the migrations with SQLite's foreign keys off (see `sqlite_foreign_keys`).

    A caller that passes its own connection has turned them off before its transaction.
    The references are checked before the transaction commits: a migration that left a
    dangling one fails and changes nothing.
    """
    owned = config.attributes.get("connection") is None
    if owned:
        sqlite_foreign_keys(connection, enabled=False)
    try:
        _configure(connection=connection)
        with context.begin_transaction():
            context.run_migrations()
            dangling = sqlite_foreign_key_violations(connection)
            if dangling:
                raise RuntimeError(
                    f"the migration left rows with dangling references: {dangling[:5]}"
                )
    finally:
        if owned:
            sqlite_foreign_keys(connection, enabled=True)


async def run_migrations_online() -> None:
    engine = make_oneshot_engine(_database_url())
    try:
        async with engine.connect() as connection:
            await connection.run_sync(_run_sync)
            await connection.commit()
    finally:
        await engine.dispose()


# A caller that passes its own connection (`core.migrate.downgrade`, from inside its event
# loop, in its own transaction) gets the migrations run on it; otherwise they get a loop
# and a connection of their own.
if context.is_offline_mode():
    run_migrations_offline()
elif config.attributes.get("connection") is not None:
    _run_sync(config.attributes["connection"])
else:
    asyncio.run(run_migrations_online())
