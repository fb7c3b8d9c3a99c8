"""Migrations: a brand new database goes up, down and up again, and matches the models."""

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Column, Integer, MetaData, Table, inspect
from sqlalchemy.engine import Connection
from sqlmodel import SQLModel

import core.models  # noqa: F401  (every table on the metadata)
from core import migrate
from core.db import make_oneshot_engine
from tests import dbs

MODEL_TABLES = {table.name for table in SQLModel.metadata.sorted_tables}


@contextmanager
def brand_new_database(directory: Path) -> Iterator[str]:
    """A database no one has touched: a temp SQLite file, or a private PostgreSQL database."""
    if dbs.is_postgres():
        base = dbs.backend_url()
        assert base is not None
        url = dbs.create_postgres_database(base)
        try:
            yield url
        finally:
            dbs.drop_postgres_database(base, url)
    else:
        yield dbs.sqlite_url(directory / "blank.db")


@pytest.fixture
def blank_database(tmp_path: Path) -> Iterator[str]:
    with brand_new_database(tmp_path) as url:
        yield url


@pytest.fixture(scope="module")
def migrated_database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Migrated to head once for the checks that only read the schema."""
    with brand_new_database(tmp_path_factory.mktemp("migrated")) as url:
        migrate.upgrade(url, "head")
        yield url


def on_connection(url: str, work: Any) -> Any:
    """Run `work(sync_connection)` on a fresh connection to `url`."""

    async def main() -> Any:
        engine = make_oneshot_engine(url)
        try:
            async with engine.connect() as connection:
                return await connection.run_sync(work)
        finally:
            await engine.dispose()

    return asyncio.run(main())


def table_names(url: str) -> set[str]:
    return set(on_connection(url, lambda connection: inspect(connection).get_table_names()))


def schema_differences(url: str, metadata: MetaData) -> list[Any]:
    """What autogenerate would write to make the database at `url` match `metadata`."""

    def compare(connection: Connection) -> list[Any]:
        context = MigrationContext.configure(
            connection,
            opts={
                "compare_type": True,
                "render_as_batch": connection.dialect.name == "sqlite",
            },
        )
        return list(compare_metadata(context, metadata))

    return on_connection(url, compare)


def test_migrations_go_up_down_and_up_again(blank_database: str) -> None:
    assert table_names(blank_database) == set()

    migrate.upgrade(blank_database, "head")
    after_upgrade = table_names(blank_database)
    migrate.downgrade(blank_database, "base")
    after_downgrade = table_names(blank_database)
    migrate.upgrade(blank_database, "head")

    assert after_upgrade == MODEL_TABLES | {"alembic_version"}
    assert after_downgrade == {"alembic_version"}
    assert table_names(blank_database) == MODEL_TABLES | {"alembic_version"}


def test_the_migrated_schema_matches_the_models(migrated_database: str) -> None:
    differences = schema_differences(migrated_database, SQLModel.metadata)

    assert differences == []


def test_the_comparison_notices_a_model_the_migrations_lack(migrated_database: str) -> None:
    extended = MetaData(naming_convention=SQLModel.metadata.naming_convention)
    for table in SQLModel.metadata.sorted_tables:
        table.to_metadata(extended)
    Table("not_migrated", extended, Column("id", Integer, primary_key=True))

    differences = schema_differences(migrated_database, extended)

    assert [d[0] for d in differences] == ["add_table"]
    assert differences[0][1].name == "not_migrated"
