"""`vsm db downgrade` never drops stored data unasked, and takes relative revisions.

A downgrade runs in one transaction; when it would drop tables or columns that hold
data it is rolled back and refused, listing what would go, unless `--yes` is given.
"""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection

from core import migrate
from tests.cli import one_line_error, run_vsm
from tests.conftest import Tenant
from tests.factories import Factory
from tests.runtime.test_migrations import brand_new_database, on_connection, table_names

HEAD = migrate.head_revisions()[0]
SCRIPT = ScriptDirectory.from_config(migrate.alembic_config(""))
REVISIONS = [rev.revision for rev in SCRIPT.walk_revisions()]  # newest first
BELOW_HEAD = [*REVISIONS[1:], "base"]


@pytest.fixture
def database_url(tmp_path: Path) -> Iterator[str]:
    """A database of this test's own, migrated to the newest revision (it gets downgraded)."""
    with brand_new_database(tmp_path) as url:
        migrate.upgrade(url)
        yield url


def revision_of(url: str) -> str:
    return ", ".join(migrate.current_revisions(url)) or "base"


# --- the command


def test_a_downgrade_that_would_drop_data_is_refused_with_the_list_and_changes_nothing(
    database_url: str, tmp_path: Path
) -> None:
    Tenant(database_url, "acme")
    tables = table_names(database_url)

    result = run_vsm("db", "downgrade", "base", cwd=tmp_path, database_url=database_url)

    assert result.returncode == 2
    assert "--yes" in result.stderr and "nothing was changed" in result.stderr
    assert "  table organization: 1 row" in result.stderr.splitlines()
    assert "  table api_token: 3 rows" in result.stderr.splitlines()
    assert revision_of(database_url) == HEAD
    assert table_names(database_url) == tables


def test_with_yes_the_downgrade_drops_them_and_says_what_it_dropped(
    database_url: str, tmp_path: Path
) -> None:
    Tenant(database_url, "acme")

    result = run_vsm("db", "downgrade", "base", "--yes", cwd=tmp_path, database_url=database_url)

    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert "dropped table organization: 1 row" in result.stdout
    assert revision_of(database_url) == "base"
    assert table_names(database_url) == {"alembic_version"}


@pytest.mark.parametrize("steps", [1, 2])
def test_a_relative_revision_goes_down_that_many_steps(
    database_url: str, tmp_path: Path, steps: int
) -> None:
    result = run_vsm("db", "downgrade", f"-{steps}", cwd=tmp_path, database_url=database_url)

    assert result.returncode == 0, result.stderr
    assert revision_of(database_url) == REVISIONS[steps]
    assert result.stdout.startswith(f"downgraded to {REVISIONS[steps]}")


def test_a_revision_that_does_not_exist_is_one_line(database_url: str, tmp_path: Path) -> None:
    result = run_vsm("db", "downgrade", "9999", cwd=tmp_path, database_url=database_url)

    assert result.returncode == 2
    message = one_line_error(result)
    assert "9999" in message and "unexpected" not in message
    assert revision_of(database_url) == HEAD


# --- what it finds, for every revision


def schema_at_each_revision(directory: Path) -> dict[str, dict[str, set[str]]]:
    """Tables and their columns at each revision, from a blank database migrated step by step."""
    schemas: dict[str, dict[str, set[str]]] = {}

    def read(connection: Connection) -> dict[str, set[str]]:
        inspector = inspect(connection)
        return {
            t: {c["name"] for c in inspector.get_columns(t)} for t in inspector.get_table_names()
        }

    directory.mkdir()
    with brand_new_database(directory) as url:
        schemas["base"] = {}
        for revision in reversed(REVISIONS):
            migrate.upgrade(url, revision)
            schemas[revision] = on_connection(url, read)
    return schemas


def stored(url: str) -> dict[tuple[str, str | None], int]:
    """Rows per table, and values per column, of every table that holds data."""

    def count(connection: Connection) -> dict[tuple[str, str | None], int]:
        found: dict[tuple[str, str | None], int] = {}
        inspector = inspect(connection)
        for name in set(inspector.get_table_names()) - {"alembic_version"}:
            rows = connection.execute(text(f'SELECT count(*) FROM "{name}"')).scalar_one()
            if rows:
                found[(name, None)] = rows
                for col in inspector.get_columns(name):
                    sql = f'SELECT count("{col["name"]}") FROM "{name}"'
                    found[(name, col["name"])] = connection.execute(text(sql)).scalar_one()
        return found

    return on_connection(url, count)


def test_each_target_revision_names_exactly_the_data_it_would_drop(
    database_url: str, factory: Factory, admin_factory: Factory, tmp_path: Path
) -> None:
    factory.exportable_stream()
    admin_factory.token()
    schemas = schema_at_each_revision(tmp_path / "steps")
    seen: dict[str, Any] = {}

    for target in BELOW_HEAD:
        data = stored(database_url)  # upgrading again may add rows (a migration's audit events)
        kept = schemas[target]
        expected = {
            (table, column): count
            for (table, column), count in data.items()
            if count
            and table not in migrate.DERIVED_TABLES
            and (
                table not in kept if column is None else table in kept and column not in kept[table]
            )
        }
        try:
            migrate.downgrade(database_url, target)
        except migrate.DowngradeLosesData as refused:
            seen[target] = {(loss.table, loss.column): loss.count for loss in refused.losses}
        else:
            seen[target] = {}
            migrate.upgrade(database_url)

        assert seen[target] == expected, target
        assert revision_of(database_url) == HEAD
    assert seen["base"], "the data made above is all dropped by a downgrade to base"
