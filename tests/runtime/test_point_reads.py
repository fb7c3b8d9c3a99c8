"""Point reads: one committed row by id, from the driver, exactly as the ORM would read it."""

import asyncio
import logging
import sqlite3
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel, TypeAdapter
from sqlalchemy import Column, MetaData, Table, Uuid
from sqlalchemy.dialects.sqlite import aiosqlite
from sqlmodel import SQLModel, select
from sqlmodel.ext.asyncio.session import AsyncSession

from core.config import Settings
from core.db import Database, make_oneshot_engine
from core.migrate import DERIVED_TABLES
from core.models.backlog import BacklogItem
from core.models.person import Person
from core.models.target import FlowTarget
from core.models.value_stream import ValueStream
from core.models.value_stream_map import MapStep
from core.point_reads import (
    AsyncpgPointReader,
    CorePointReader,
    PointReader,
    SQLitePointReader,
)
from core.services import reads
from core.unit_of_work import UnitOfWork
from tests import dbs
from tests.api_client import Api
from tests.conftest import Tenant, run_in_db
from tests.core_models import core_read_models
from tests.factories import Factory

sqlite_only = pytest.mark.skipif(dbs.is_postgres(), reason="the inline reader is SQLite's")
postgres_only = pytest.mark.skipif(not dbs.is_postgres(), reason="asyncpg's reader")

ORG_SCOPED_TABLES = [
    table
    for table in SQLModel.metadata.sorted_tables
    if "organization_id" in table.c and "id" in table.c and table.name not in DERIVED_TABLES
]


def with_database(settings: Settings, work: Callable[[Database], Awaitable[Any]]) -> Any:
    async def main() -> Any:
        database = Database.from_settings(settings)
        try:
            return await work(database)
        finally:
            await database.dispose()

    return asyncio.run(main())


async def orm_row(database: Database, model: type[SQLModel], ident: uuid.UUID) -> dict[str, Any]:
    async with UnitOfWork.on(database, write=False) as session:
        obj = await session.get(model, ident)
        assert obj is not None
        return {column.name: getattr(obj, column.name) for column in model.__table__.columns}  # type: ignore[attr-defined]


async def store_person(session: AsyncSession, tenant: Tenant, name: str) -> Person:
    person = Person(organization_id=tenant.organization.id, name=name)
    session.add(person)
    await session.flush()
    return person


def types_of(row: dict[str, Any]) -> dict[str, type]:
    return {column: type(value) for column, value in row.items()}


def stored(factory: Factory, kind: str) -> tuple[type[SQLModel], uuid.UUID]:
    """A row of each shape that matters: booleans, JSON, floats, dates, enums, nulls."""
    if kind == "person":
        return Person, uuid.UUID(factory.person(title=None, active=False)["id"])
    stream = factory.value_stream()
    if kind == "value_stream":
        return ValueStream, uuid.UUID(stream["id"])
    if kind == "backlog_item":
        item = factory.backlog_item(
            stream,
            business_value=8,
            job_size=3,
            due_date="2027-03-31",
            expected_effects=[{"metric": "lead_time", "change": -2.5, "unit": "days"}],
        )
        return BacklogItem, uuid.UUID(item["id"])
    if kind == "flow_target":
        return FlowTarget, uuid.UUID(factory.target(stream, baseline=20.25)["id"])
    step = factory.step(
        factory.map(stream), process_time="90 min", percent_complete_accurate=62.5, tools=["Jira"]
    )
    return MapStep, uuid.UUID(step["id"])


@pytest.mark.parametrize(
    "kind", ["person", "value_stream", "backlog_item", "flow_target", "map_step"]
)
def test_a_point_read_hands_back_what_the_orm_reads(
    settings: Settings, factory: Factory, tenant: Tenant, kind: str
) -> None:
    model, ident = stored(factory, kind)
    table = model.__table__  # type: ignore[attr-defined]

    async def work(database: Database) -> tuple[Any, Any]:
        fast = await database.point_reader.fetch(table, tenant.organization.id, ident)
        return fast, await orm_row(database, model, ident)

    fast, orm = with_database(settings, work)

    assert fast == orm
    assert types_of(fast) == types_of(orm)  # 2.5 == Decimal("2.5") and 1 == True, too
    assert fast["created_at"].tzinfo is UTC


@pytest.mark.parametrize(
    "kind", ["person", "value_stream", "backlog_item", "flow_target", "map_step"]
)
def test_a_page_read_hands_back_what_the_orm_reads(
    settings: Settings, factory: Factory, tenant: Tenant, kind: str
) -> None:
    model, ident = stored(factory, kind)
    table = model.__table__  # type: ignore[attr-defined]
    statement = scoped_to(model, tenant).order_by(table.c.id)

    async def work(database: Database) -> tuple[Any, list[Any]]:
        fast = await database.point_reader.fetch_all(statement, table)
        async with UnitOfWork.on(database, write=False) as session:
            objs = (await session.exec(statement)).all()
        columns = [column.name for column in table.columns]
        return fast, [{name: getattr(obj, name) for name in columns} for obj in objs]

    fast, orm = with_database(settings, work)

    assert fast == orm
    assert [types_of(row) for row in fast] == [types_of(row) for row in orm]
    assert ident in {row["id"] for row in fast}


def test_pages_of_one_shape_read_each_their_own_values(
    settings: Settings, factory: Factory, tenant: Tenant, other_tenant: Tenant
) -> None:
    """A list's statement is compiled once per shape; each call still binds its own values."""
    ada, grace = factory.person(name="Ada"), factory.person(name="Grace")
    table = Person.__table__  # type: ignore[attr-defined]

    def named(who: Tenant, name: str) -> Any:
        return scoped_to(Person, who).where(table.c.name == name).order_by(table.c.id)

    async def work(database: Database) -> list[list[str]]:
        reader = database.point_reader
        pages = [
            await reader.fetch_all(named(tenant, "Ada"), table),
            await reader.fetch_all(named(tenant, "Grace"), table),
            await reader.fetch_all(named(other_tenant, "Ada"), table),
        ]
        return [[str(row["id"]) for row in page or []] for page in pages]

    assert with_database(settings, work) == [[ada["id"]], [grace["id"]], []]


def test_a_page_the_driver_cannot_run_as_is_is_left_to_the_session(
    settings: Settings, factory: Factory, tenant: Tenant
) -> None:
    """An IN list is expanded at execution, which only SQLAlchemy's execution does."""
    people = [uuid.UUID(factory.person()["id"]) for _ in range(2)]
    table = Person.__table__  # type: ignore[attr-defined]
    statement = scoped_to(Person, tenant).where(table.c.id.in_(people))

    async def work(database: Database) -> Any:
        return await database.point_reader.fetch_all(statement, table)

    assert with_database(settings, work) is None


def scoped_to(model: type[SQLModel], tenant: Tenant) -> Any:
    return select(model).where(model.__table__.c.organization_id == tenant.organization.id)  # type: ignore[attr-defined]


def test_every_organization_table_can_be_point_read(settings: Settings, tenant: Tenant) -> None:
    async def work(database: Database) -> list[Any]:
        return [
            await database.point_reader.fetch(table, tenant.organization.id, uuid.uuid4())
            for table in ORG_SCOPED_TABLES
        ]

    assert with_database(settings, work) == [None] * len(ORG_SCOPED_TABLES)


def test_another_organizations_row_reads_as_missing(
    settings: Settings, factory: Factory, other_tenant: Tenant
) -> None:
    person = factory.person()

    async def work(database: Database) -> Any:
        table = Person.__table__  # type: ignore[attr-defined]
        return await database.point_reader.fetch(
            table, other_tenant.organization.id, uuid.UUID(person["id"])
        )

    assert with_database(settings, work) is None


def test_the_generic_reader_agrees_with_the_drivers_own(
    settings: Settings, factory: Factory, tenant: Tenant
) -> None:
    model, ident = stored(factory, "backlog_item")
    table = model.__table__  # type: ignore[attr-defined]

    async def work(database: Database) -> tuple[Any, Any]:
        generic: PointReader = CorePointReader(database.read_engine)
        return (
            await generic.fetch(table, tenant.organization.id, ident),
            await database.point_reader.fetch(table, tenant.organization.id, ident),
        )

    generic, fast = with_database(settings, work)
    assert generic == fast
    assert types_of(generic) == types_of(fast)


NOWHERE = Table(
    "nowhere", MetaData(), Column("id", Uuid, primary_key=True), Column("organization_id", Uuid)
)


def test_a_failed_point_read_leaves_the_reader_usable(
    settings: Settings, factory: Factory, tenant: Tenant
) -> None:
    person = factory.person(name="Ada")

    async def work(database: Database) -> Any:
        with pytest.raises(Exception, match="nowhere"):
            await database.point_reader.fetch(NOWHERE, tenant.organization.id, uuid.uuid4())
        table = Person.__table__  # type: ignore[attr-defined]
        return await database.point_reader.fetch(
            table, tenant.organization.id, uuid.UUID(person["id"])
        )

    assert with_database(settings, work)["name"] == "Ada"


@postgres_only
def test_a_failed_point_read_gives_its_connection_back(settings: Settings, tenant: Tenant) -> None:
    async def work(database: Database) -> int:
        with pytest.raises(Exception, match="nowhere"):
            await database.point_reader.fetch(NOWHERE, tenant.organization.id, uuid.uuid4())
        return int(database.read_engine.pool.checkedout())  # type: ignore[attr-defined]

    assert with_database(settings, work) == 0


@sqlite_only
def test_a_database_held_exclusively_is_read_once_it_is_free(
    database_template: Path, tmp_path: Path
) -> None:
    """The inline read finds the file locked and hands the lookup to a waiting thread,
    whose connection waits out the busy timeout; the holder lets go as that connection
    opens, so the order is fixed by the reader's own steps, not by a timer."""
    url = dbs.fresh_sqlite_copy(database_template, tmp_path)
    tenant = Tenant(url, "solo")
    person = run_in_db(url, lambda session: store_person(session, tenant, "Ada"))
    settings = Settings(database_url=url, _env_file=None)  # type: ignore[call-arg]
    holder = sqlite3.connect(tmp_path / "vsm.db", isolation_level=None, check_same_thread=False)
    holder.execute("PRAGMA locking_mode=EXCLUSIVE")
    holder.execute("UPDATE organization SET name = name")
    waits: list[int] = []

    async def work(database: Database) -> Any:
        reader = database.point_reader
        assert isinstance(reader, SQLitePointReader)
        connect = reader._connect

        def connect_then_let_go(busy_timeout_ms: int) -> sqlite3.Connection:
            connection = connect(busy_timeout_ms)
            if busy_timeout_ms:  # the waiting thread's connection, not the inline one
                waits.append(connection.execute("PRAGMA busy_timeout").fetchone()[0])
                holder.close()
            return connection

        reader._connect = connect_then_let_go  # type: ignore[method-assign]
        table = Person.__table__  # type: ignore[attr-defined]
        return await reader.fetch(table, tenant.organization.id, person.id)

    try:
        row = with_database(settings, work)
    finally:
        holder.close()

    assert row["name"] == "Ada"
    busy_ms = int(settings.sqlite_busy_timeout_seconds * 1000)
    assert waits == [busy_ms], "one lookup went to the thread that waits the server's busy timeout"


@sqlite_only
def test_the_inline_connection_can_only_read(settings: Settings) -> None:
    async def work(database: Database) -> None:
        reader = database.point_reader
        assert isinstance(reader, SQLitePointReader)
        connection = reader._connect(0)
        try:
            with pytest.raises(sqlite3.OperationalError, match="readonly"):
                connection.execute("DELETE FROM person")
        finally:
            connection.close()

    with_database(settings, work)


@sqlite_only
def test_a_missing_database_file_is_not_created_by_a_read(tmp_path: Path) -> None:
    missing = tmp_path / "gone.db"
    reader = SQLitePointReader(str(missing), aiosqlite.dialect(), busy_timeout_ms=0)
    table = Person.__table__  # type: ignore[attr-defined]

    with pytest.raises(sqlite3.OperationalError, match="unable to open"):
        asyncio.run(reader.fetch(table, uuid.uuid4(), uuid.uuid4()))

    assert not missing.exists()


def test_a_persons_page_shows_what_its_list_and_its_last_change_showed(editor: Api) -> None:
    created = editor.ok(editor.post("/api/v1/people", {"name": "Ada", "title": "Champion"}), 201)
    url = f"/api/v1/people/{created['id']}"
    changed = editor.ok(editor.patch(url, {"active": False}, if_match=created["version"]))

    detail = editor.get(url)

    listed = editor.ok(editor.get("/api/v1/people", params={"q": "Ada"}))["items"]
    assert editor.ok(detail) == changed == listed[0]
    assert detail.headers["etag"] == f'"{changed["version"]}"'


def test_a_value_streams_page_shows_what_its_list_and_its_last_change_showed(
    editor: Api, factory: Factory
) -> None:
    owner = factory.person()
    created = factory.value_stream(name="Order to cash")
    url = f"/api/v1/value-streams/{created['id']}"
    change = {"owner_id": owner["id"], "description": "From order to payment"}
    changed = editor.ok(editor.patch(url, change, if_match=created["version"]))

    detail = editor.ok(editor.get(url))

    listed = editor.ok(editor.get("/api/v1/value-streams"))["items"]
    assert detail == changed == listed[0]


def test_a_tokens_page_shows_what_its_list_and_its_revocation_showed(admin: Api) -> None:
    created = admin.ok(admin.post("/api/v1/tokens", {"name": "CI", "role": "viewer"}), 201)
    url = f"/api/v1/tokens/{created['id']}"
    revoked = admin.ok(admin.post(f"{url}/revoke", if_match=created["version"]))

    detail = admin.ok(admin.get(url))

    listed = admin.ok(admin.get("/api/v1/tokens", params={"active": False}))["items"]
    assert detail == revoked == listed[0]
    assert detail["revoked_at"] is not None


@postgres_only
def test_a_pool_that_closes_returned_connections_closes_them_cleanly(
    database_url: str, factory: Factory, tenant: Tenant, caplog: pytest.LogCaptureFixture
) -> None:
    person = factory.person(name="Ada")
    table = Person.__table__  # type: ignore[attr-defined]

    async def twice() -> list[Any]:
        engine = make_oneshot_engine(database_url)  # NullPool: every return closes
        reader = AsyncpgPointReader(engine)
        try:
            ident = uuid.UUID(person["id"])
            return [await reader.fetch(table, tenant.organization.id, ident) for _ in range(2)]
        finally:
            await engine.dispose()

    with caplog.at_level(logging.ERROR, logger="sqlalchemy.pool"):
        rows = asyncio.run(twice())

    assert [row["name"] for row in rows] == ["Ada", "Ada"]
    failed_closes = [r for r in caplog.records if r.name.startswith("sqlalchemy.pool")]
    assert not failed_closes  # SQLAlchemy logs, and swallows, a close it could not do


@pytest.mark.parametrize("read_model", core_read_models(), ids=lambda m: m.__name__)
def test_a_page_s_plain_twin_serializes_as_its_read_model(read_model: type[BaseModel]) -> None:
    """Pages validate rows into a plain pydantic twin of the read model; a client must
    not tell the difference, so both have one serialization schema."""
    twin = reads._plain_twin(read_model)

    def schema(model: type[BaseModel]) -> dict[str, Any]:
        return TypeAdapter(model).json_schema(mode="serialization")

    assert schema(twin) == schema(read_model)


def test_a_backlog_page_shows_what_its_items_and_their_last_change_showed(
    editor: Api, factory: Factory
) -> None:
    """The page works WSJF and lateness out of each row, as an item's answer does."""
    stream = factory.value_stream()
    late = factory.backlog_item(stream, title="Cut handoffs", due_date="2020-01-31")
    url = f"/api/v1/backlog-items/{late['id']}"
    scores = {"business_value": 8, "time_criticality": 5, "risk_reduction": 3, "job_size": 4}
    changed = editor.ok(editor.patch(url, scores, if_match=late["version"]))
    unscored = factory.backlog_item(stream, title="Map the approvals")

    detail = editor.ok(editor.get(url))

    listed = editor.ok(editor.get(f"/api/v1/value-streams/{stream['id']}/backlog-items"))["items"]
    assert detail == changed == listed[0]
    assert (listed[0]["wsjf"], listed[0]["overdue"]) == (4.0, True)
    assert listed[1] == editor.ok(editor.get(f"/api/v1/backlog-items/{unscored['id']}"))
    assert (listed[1]["wsjf"], listed[1]["overdue"]) == (None, False)
