"""Migrations: a brand new database goes up, down and up again, and matches the models."""

import asyncio
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Column, Integer, MetaData, Table, inspect
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError
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


def test_the_readiness_check_knows_the_revisions_alembic_knows(migrated_database: str) -> None:
    """`vsm serve` checks the schema without Alembic; it must agree with Alembic."""
    script = ScriptDirectory.from_config(migrate.alembic_config(migrated_database))
    alembic_heads = set(script.get_heads())

    assert set(migrate.head_revisions()) == alembic_heads
    assert set(migrate.current_revisions(migrated_database)) == alembic_heads
    assert {rev.revision for rev in script.walk_revisions()} == set(migrate.revision_graph())
    migrate.require_current(migrated_database)


def test_every_change_of_a_stream_is_still_watched_at_head(migrated_database: str) -> None:
    """A later migration that rebuilds a table (SQLite's batch mode) would drop the
    triggers that log a stream's changes, and kept gate facts would go stale."""
    script = ScriptDirectory.from_config(migrate.alembic_config(migrated_database))
    watched = {name for name, _ in script.get_revision("0009e_stream_changes").module._triggers()}
    listing = (
        "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal"
        if dbs.is_postgres()
        else "SELECT name FROM sqlite_master WHERE type = 'trigger'"
    )

    present = on_connection(
        migrated_database, lambda c: {row[0] for row in c.execute(sa.text(listing))}
    )

    assert watched - present == set()


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


NOW = datetime(2026, 12, 1, tzinfo=UTC)


COLUMN_TYPES: dict[str, Any] = {
    "version": sa.Integer(),
    "cycle": sa.Integer(),
    "from_cycle": sa.Integer(),
    "to_cycle": sa.Integer(),
    "wsjf_sort": sa.Float(),
    "forced": sa.Boolean(),
    "active": sa.Boolean(),
    **dict.fromkeys(("finding_ids", "step_ids", "expected_effects", "gate"), sa.JSON()),
}


def _type(column: str) -> Any:
    if column in COLUMN_TYPES:
        return COLUMN_TYPES[column]
    if column == "id" or column.endswith("_id"):
        return sa.Uuid()
    if column == "at" or column.endswith("_at"):
        return sa.DateTime(timezone=True)
    return sa.String()


def _table(name: str, columns: str) -> Any:
    """Some columns of a table as revision 0004 has them, for rows written before 0005."""
    return sa.table(name, *(sa.column(column, _type(column)) for column in columns.split()))


ROW = "id version created_at updated_at organization_id"
ORGANIZATION = _table("organization", "id version created_at updated_at name slug")
VALUE_STREAM = _table("value_stream", f"{ROW} name phase cycle phase_entered_at")
BACKLOG_ITEM = _table(
    "backlog_item",
    f"{ROW} value_stream_id title type status rank wsjf_sort finding_ids step_ids expected_effects",
)
AUDIT_EVENT = _table(
    "audit_event", "id organization_id actor_token_id action entity_type entity_id at"
)
PHASE_TRANSITION = _table(
    "phase_transition",
    "id organization_id value_stream_id kind from_phase to_phase from_cycle to_cycle "
    "actor_token_id forced gate at",
)


def _row(**values: Any) -> dict[str, Any]:
    return {"version": 1, "created_at": NOW, "updated_at": NOW, **values}


def _stream(org: uuid.UUID, name: str) -> dict[str, Any]:
    return _row(
        id=uuid.uuid4(),
        organization_id=org,
        name=name,
        phase="pre_planning",
        cycle=1,
        phase_entered_at=NOW,
    )


def _item(stream: dict[str, Any], number: int, rank: str) -> dict[str, Any]:
    """A backlog row as revision 0004 stored it; its number orders it among equal ranks."""
    return _row(
        id=uuid.UUID(int=number),
        organization_id=stream["organization_id"],
        value_stream_id=stream["id"],
        title=f"Item {number}",
        type="process",
        status="proposed",
        rank=rank,
        wsjf_sort=0.0,
        finding_ids=[],
        step_ids=[],
        expected_effects=[],
    )


def _backlogs(url: str) -> dict[uuid.UUID, list[tuple[str, str]]]:
    """(title, rank) per stream, in the order the API lists them: by rank, then id."""

    def read(connection: Connection) -> dict[uuid.UUID, list[tuple[str, str]]]:
        rows = connection.execute(
            sa.select(
                BACKLOG_ITEM.c.value_stream_id, BACKLOG_ITEM.c.title, BACKLOG_ITEM.c.rank
            ).order_by(BACKLOG_ITEM.c.rank, BACKLOG_ITEM.c.id)
        ).all()
        grouped: dict[uuid.UUID, list[tuple[str, str]]] = {}
        for stream_id, title, rank in rows:
            grouped.setdefault(stream_id, []).append((title, rank))
        return grouped

    return on_connection(url, read)


def test_migrating_repairs_shared_backlog_ranks_in_their_order(blank_database: str) -> None:
    migrate.upgrade(blank_database, "0004")
    org = _row(id=uuid.uuid4(), name="Acme", slug="acme")
    raced = _stream(org["id"], "Raced")
    calm = _stream(org["id"], "Calm")
    items = [
        _item(raced, 1, "a0"),
        _item(raced, 30, "a1"),
        _item(raced, 10, "a1"),
        _item(raced, 20, "a1"),
        _item(raced, 5, "a2"),
        _item(raced, 7, "a2"),
        _item(calm, 40, "a0"),
        _item(calm, 41, "a1"),
    ]

    def arrange(connection: Connection) -> None:
        connection.execute(ORGANIZATION.insert(), [org])
        connection.execute(VALUE_STREAM.insert(), [raced, calm])
        connection.execute(BACKLOG_ITEM.insert(), items)
        connection.commit()

    on_connection(blank_database, arrange)
    before = _backlogs(blank_database)

    migrate.upgrade(blank_database, "head")
    after = _backlogs(blank_database)

    raced_after = after[raced["id"]]
    ranks = [rank for _title, rank in raced_after]
    assert [title for title, _rank in raced_after] == [t for t, _r in before[raced["id"]]]
    assert [title for title, _rank in raced_after] == [
        "Item 1", "Item 10", "Item 20", "Item 30", "Item 5", "Item 7"
    ]  # fmt: skip
    assert len(set(ranks)) == len(ranks)
    assert dict(raced_after)["Item 1"] == "a0"
    assert dict(raced_after)["Item 10"] == "a1"
    assert dict(raced_after)["Item 5"] == "a2"
    assert after[calm["id"]] == before[calm["id"]]


def test_the_schema_refuses_a_shared_rank_and_downgrades_cleanly(blank_database: str) -> None:
    migrate.upgrade(blank_database, "head")
    org = _row(id=uuid.uuid4(), name="Acme", slug="acme")
    stream = _stream(org["id"], "Raced")

    def share_a_rank(connection: Connection) -> None:
        connection.execute(ORGANIZATION.insert(), [org])
        connection.execute(VALUE_STREAM.insert(), [stream])
        connection.execute(BACKLOG_ITEM.insert(), [_item(stream, 1, "a0")])
        connection.commit()
        with pytest.raises(IntegrityError):
            connection.execute(BACKLOG_ITEM.insert(), [_item(stream, 2, "a0")])
        connection.rollback()

    on_connection(blank_database, share_a_rank)
    migrate.downgrade(blank_database, "0004")
    downgraded = schema_differences(blank_database, SQLModel.metadata)
    migrate.upgrade(blank_database, "head")

    assert _backlogs(blank_database) == {stream["id"]: [("Item 1", "a0")]}
    assert "add_constraint" in {d[0] for d in downgraded if isinstance(d, tuple)}
    assert schema_differences(blank_database, SQLModel.metadata) == []


def _transition(stream: dict[str, Any], number: int, actor: uuid.UUID) -> dict[str, Any]:
    """A forced move as revision 0004 stored it; its number orders it by creation."""
    return {
        "id": uuid.UUID(int=number),
        "organization_id": stream["organization_id"],
        "value_stream_id": stream["id"],
        "kind": "forward",
        "from_phase": "pre_planning",
        "to_phase": "planning",
        "from_cycle": 1,
        "to_cycle": 1,
        "actor_token_id": actor,
        "forced": True,
        "gate": {},
        "at": datetime(2020, 3, 1, tzinfo=UTC),
    }


def test_migrating_marks_the_history_earlier_imports_copied(blank_database: str) -> None:
    migrate.upgrade(blank_database, "0004")
    org = _row(id=uuid.uuid4(), name="Acme", slug="acme")
    imported, native = _stream(org["id"], "Imported"), _stream(org["id"], "Native")
    importer, claimed = uuid.uuid4(), uuid.uuid4()
    imported_at = datetime(2026, 11, 30, 12, tzinfo=UTC)

    def arrange(connection: Connection) -> None:
        connection.execute(ORGANIZATION.insert(), [org])
        connection.execute(VALUE_STREAM.insert(), [imported, native])
        connection.execute(
            PHASE_TRANSITION.insert(),
            [
                _transition(imported, 100, claimed),
                _transition(imported, 300, importer),
                _transition(native, 101, claimed),
            ],
        )
        connection.execute(
            AUDIT_EVENT.insert(),
            [
                {
                    "id": uuid.UUID(int=200),
                    "organization_id": org["id"],
                    "actor_token_id": importer,
                    "action": "import",
                    "entity_type": "value_stream",
                    "entity_id": imported["id"],
                    "at": imported_at,
                }
            ],
        )
        connection.commit()

    on_connection(blank_database, arrange)

    migrate.upgrade(blank_database, "head")

    def read(connection: Connection) -> dict[int, tuple[Any, ...]]:
        table = SQLModel.metadata.tables["phase_transition"]
        rows = connection.execute(
            sa.select(
                table.c.id,
                table.c.imported_at,
                table.c.imported_by_token_id,
                table.c.actor_token_id,
            )
        ).all()
        return {row.id.int: tuple(row[1:]) for row in rows}

    marks = on_connection(blank_database, read)
    assert marks[100] == (imported_at, importer, claimed)
    assert marks[300] == (None, None, importer)
    assert marks[101] == (None, None, claimed)


PERSON = _table("person", f"{ROW} name active")
RACI = _table("raci_assignment", f"{ROW} item_id person_id role")
DEPENDENCY = _table("backlog_dependency", f"{ROW} item_id depends_on_id")


def _row_counts(url: str) -> dict[str, int]:
    def count(connection: Connection) -> dict[str, int]:
        names = [t for t in inspect(connection).get_table_names() if t != "alembic_version"]
        return {
            name: connection.execute(
                sa.select(sa.func.count()).select_from(sa.table(name))
            ).scalar_one()
            for name in names
        }

    return on_connection(url, count)


def test_migrations_keep_the_rows_that_refer_to_a_rebuilt_table(blank_database: str) -> None:
    """SQLite rebuilds a table to change its constraints; the rows pointing at it stay.

    With foreign keys enforced, dropping the old copy deleted every row that cascades
    from it: upgrading to 0005 emptied the RACI assignments and backlog dependencies.
    """
    migrate.upgrade(blank_database, "0004")
    org = _row(id=uuid.uuid4(), name="Acme", slug="acme")
    stream = _stream(org["id"], "Order to cash")
    first, second = _item(stream, 1, "a0"), _item(stream, 2, "a1")
    person = _row(id=uuid.uuid4(), organization_id=org["id"], name="Ada", active=True)
    raci = _row(id=uuid.uuid4(), organization_id=org["id"], item_id=first["id"],
                person_id=person["id"], role="A")  # fmt: skip
    dependency = _row(id=uuid.uuid4(), organization_id=org["id"], item_id=second["id"],
                      depends_on_id=first["id"])  # fmt: skip

    def arrange(connection: Connection) -> None:
        connection.execute(ORGANIZATION.insert(), [org])
        connection.execute(VALUE_STREAM.insert(), [stream])
        connection.execute(BACKLOG_ITEM.insert(), [first, second])
        connection.execute(PERSON.insert(), [person])
        connection.execute(RACI.insert(), [raci])
        connection.execute(DEPENDENCY.insert(), [dependency])
        connection.commit()

    on_connection(blank_database, arrange)
    before = _row_counts(blank_database)

    migrate.upgrade(blank_database, "head")
    upgraded = _row_counts(blank_database)
    migrate.downgrade(blank_database, "0004", confirm=True)
    downgraded = _row_counts(blank_database)

    assert before["raci_assignment"] == before["backlog_dependency"] == 1
    assert {t: upgraded[t] for t in before} == before
    assert downgraded == before
