"""One unit of work per request or command: what it commits, what it refuses, what it reads."""

import uuid
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest
from litestar.testing import TestClient
from sqlalchemy import event, update

from core.actor import Actor
from core.config import Settings
from core.db import Database
from core.errors import NotFound
from core.foundation import people
from core.models.person import Person, PersonCreate, PersonRead
from core.models.token import Role
from core.point_reads import Row
from core.services.context import Work
from core.unit_of_work import UnitOfWork, WriteInReadOnlyUnit
from tests.api_client import Api
from tests.conftest import Tenant
from tests.factories import Factory
from tests.problems import assert_problem

Run = Callable[[Callable[[Database], Any]], Any]


@pytest.fixture
def editor_actor(tenant: Tenant) -> Actor:
    return Actor(organization_id=tenant.organization.id, role=Role.editor)


async def names_stored(database: Database, actor: Actor) -> list[str]:
    async with UnitOfWork.on(database, write=False) as session:
        page = await people.list_people(
            session, actor, people.PersonFilter(), limit=100, cursor=None
        )
    return [person.name for person in page.items]


class Boom(Exception):
    pass


# --- commit, rollback, callbacks ---------------------------------------------------------


def test_a_unit_that_ends_normally_commits(with_database: Run, editor_actor: Actor) -> None:
    async def scenario(database: Database) -> list[str]:
        async with UnitOfWork.on(database, write=True) as session:
            await people.create_person(session, editor_actor, PersonCreate(name="Ada"))
        return await names_stored(database, editor_actor)

    assert with_database(scenario) == ["Ada"]


def test_a_unit_that_raises_stores_nothing_and_runs_no_after_commit_callback(
    with_database: Run, editor_actor: Actor
) -> None:
    called: list[str] = []

    async def scenario(database: Database) -> list[str]:
        unit = UnitOfWork.on(database, write=True)
        unit.after_commit(lambda: called.append("after"))
        with pytest.raises(Boom):
            async with unit as session:
                await people.create_person(session, editor_actor, PersonCreate(name="Ada"))
                raise Boom
        return await names_stored(database, editor_actor)

    assert with_database(scenario) == []
    assert called == []


def test_before_commit_writes_in_the_transaction_and_after_commit_follows_the_commit(
    with_database: Run, editor_actor: Actor
) -> None:
    called: list[str] = []

    async def scenario(database: Database) -> list[str]:
        unit = UnitOfWork.on(database, write=True)

        async def add_grace() -> None:
            await people.create_person(unit.session, editor_actor, PersonCreate(name="Grace"))

        unit.before_commit(add_grace)
        unit.after_commit(lambda: called.append("after"))
        async with unit as session:
            await people.create_person(session, editor_actor, PersonCreate(name="Ada"))
            assert called == []
        return await names_stored(database, editor_actor)

    assert sorted(with_database(scenario)) == ["Ada", "Grace"]
    assert called == ["after"]


def test_a_failing_before_commit_callback_rolls_the_whole_unit_back(
    with_database: Run, editor_actor: Actor
) -> None:
    called: list[str] = []

    async def scenario(database: Database) -> list[str]:
        unit = UnitOfWork.on(database, write=True)

        async def refuse() -> None:
            raise Boom

        unit.before_commit(refuse)
        unit.after_commit(lambda: called.append("after"))
        with pytest.raises(Boom):
            async with unit as session:
                await people.create_person(session, editor_actor, PersonCreate(name="Ada"))
        return await names_stored(database, editor_actor)

    assert with_database(scenario) == []
    assert called == []


def test_a_use_case_handed_the_session_reaches_its_open_unit_and_no_other(
    with_database: Run,
) -> None:
    async def scenario(database: Database) -> None:
        unit = UnitOfWork.on(database, write=True)
        async with unit as session:
            assert UnitOfWork.of(session) is unit
        with pytest.raises(RuntimeError, match="no open unit"):
            UnitOfWork.of(session)
        async with database.sessionmaker(write=False)() as loose:
            with pytest.raises(RuntimeError, match="no open unit"):
                UnitOfWork.of(loose)

    with_database(scenario)


# --- read-only units ---------------------------------------------------------------------


def test_a_read_only_unit_refuses_to_store_a_new_row(
    with_database: Run, editor_actor: Actor
) -> None:
    async def scenario(database: Database) -> list[str]:
        with pytest.raises(WriteInReadOnlyUnit):
            async with UnitOfWork.on(database, write=False) as session:
                await people.create_person(session, editor_actor, PersonCreate(name="Ada"))
        return await names_stored(database, editor_actor)

    assert with_database(scenario) == []


def test_a_read_only_unit_refuses_an_update_statement(
    with_database: Run, editor_actor: Actor, factory: Factory
) -> None:
    person = factory.person(name="Ada")

    async def scenario(database: Database) -> list[str]:
        with pytest.raises(WriteInReadOnlyUnit):
            async with UnitOfWork.on(database, write=False) as session:
                await session.exec(update(Person).values(name="Changed"))  # type: ignore[call-overload]
        return await names_stored(database, editor_actor)

    assert with_database(scenario) == [person["name"]]


# --- which path reads one row ------------------------------------------------------------


class CountingReader:
    """The database's point reader, counting the rows and the pages it was asked for."""

    def __init__(self, reader: Any) -> None:
        self.reader = reader
        self.asked = 0
        self.pages = 0

    async def fetch(self, table: Any, organization_id: uuid.UUID, ident: uuid.UUID) -> Row | None:
        self.asked += 1
        row: Row | None = await self.reader.fetch(table, organization_id, ident)
        return row

    async def fetch_all(
        self, statement: Any, table: Any, *, unconverted: frozenset[str] = frozenset()
    ) -> list[Row] | None:
        self.pages += 1
        rows: list[Row] | None = await self.reader.fetch_all(
            statement, table, unconverted=unconverted
        )
        return rows

    def close(self) -> None:
        self.reader.close()


def test_a_read_only_request_reads_one_row_through_the_point_reader(
    with_database: Run, settings: Settings, editor_actor: Actor, factory: Factory
) -> None:
    person = factory.person(name="Ada")

    async def scenario(database: Database) -> tuple[PersonRead, int]:
        reader = CountingReader(database.point_reader)
        work = replace(Work.open(database, settings, editor_actor, write=False), reader=reader)
        read = await people.read_person(work, uuid.UUID(person["id"]))
        return read, reader.asked

    read, asked = with_database(scenario)

    assert (read.name, asked) == ("Ada", 1)


def test_a_writing_request_reads_its_own_uncommitted_row_through_its_session(
    with_database: Run, settings: Settings, editor_actor: Actor
) -> None:
    async def scenario(database: Database) -> tuple[PersonRead, int]:
        reader = CountingReader(database.point_reader)
        work = replace(Work.open(database, settings, editor_actor, write=True), reader=reader)
        async with work.unit as session:
            made = await people.create_person(session, editor_actor, PersonCreate(name="Ada"))
            read = await people.read_person(work, made.id)
        return read, reader.asked

    read, asked = with_database(scenario)

    assert (read.name, asked) == ("Ada", 0)


def test_a_read_only_request_reads_its_pages_through_the_point_reader(
    with_database: Run, settings: Settings, editor_actor: Actor, factory: Factory
) -> None:
    for name in ("Ada", "Grace", "Edsger"):
        factory.person(name=name)

    async def scenario(database: Database) -> tuple[list[str], int, bool]:
        reader = CountingReader(database.point_reader)
        work = replace(Work.open(database, settings, editor_actor, write=False), reader=reader)
        first = await people.read_people(work, people.PersonFilter(), limit=2, cursor=None)
        second = await people.read_people(
            work, people.PersonFilter(), limit=2, cursor=first.next_cursor
        )
        names = [person.name for person in first.items + second.items]
        return names, reader.pages, work.unit.is_open

    names, pages, session_opened = with_database(scenario)

    assert (sorted(names), pages, session_opened) == (["Ada", "Edsger", "Grace"], 2, False)


def test_a_writing_request_lists_its_own_uncommitted_rows_through_its_session(
    with_database: Run, settings: Settings, editor_actor: Actor
) -> None:
    async def scenario(database: Database) -> tuple[list[str], int]:
        reader = CountingReader(database.point_reader)
        work = replace(Work.open(database, settings, editor_actor, write=True), reader=reader)
        async with work.unit as session:
            await people.create_person(session, editor_actor, PersonCreate(name="Ada"))
            page = await people.read_people(work, people.PersonFilter(), limit=10, cursor=None)
        return [person.name for person in page.items], reader.pages

    assert with_database(scenario) == (["Ada"], 0)


def test_another_organizations_row_is_missing_on_either_path(
    with_database: Run, settings: Settings, other_tenant: Tenant, factory: Factory
) -> None:
    person = uuid.UUID(factory.person()["id"])
    outsider = Actor(organization_id=other_tenant.organization.id, role=Role.admin)

    async def scenario(database: Database) -> list[str]:
        answers = []
        for write in (False, True):
            work = Work.open(database, settings, outsider, write=write)
            async with work.unit:
                try:
                    await people.read_person(work, person)
                except NotFound:
                    answers.append("missing")
        return answers

    assert with_database(scenario) == ["missing", "missing"]


# --- a refused precondition opens no transaction -----------------------------------------


def transactions_begun(client: TestClient[Any], write: Callable[[], Any]) -> tuple[Any, int]:
    """The answer to `write`, and how many transactions the app's write engine began for it."""
    engine = client.app.state.vsm.database.write_engine.sync_engine
    begun: list[object] = []

    def on_begin(_connection: Any) -> None:
        begun.append(_connection)

    event.listen(engine, "begin", on_begin)
    try:
        response = write()
    finally:
        event.remove(engine, "begin", on_begin)
    return response, len(begun)


@pytest.fixture
def cached_admin(app_with: Callable[..., Api]) -> Api:
    """An admin whose token is verified once and then trusted from the cache, so the
    requests measured open no unit of work for authentication."""
    return app_with(auth_cache_seconds=600)


def test_a_write_refused_for_want_of_if_match_opens_no_transaction(
    cached_admin: Api, factory: Factory
) -> None:
    person = factory.person()
    cached_admin.get(f"/api/v1/people/{person['id']}")  # verifies and caches the token

    response, begun = transactions_begun(
        cached_admin.client,
        lambda: cached_admin.patch(f"/api/v1/people/{person['id']}", {"name": "Blind"}),
    )

    assert_problem(response, 428, code="PRECONDITION_REQUIRED")
    assert begun == 0


def test_a_write_with_if_match_runs_in_one_transaction(cached_admin: Api, factory: Factory) -> None:
    person = factory.person()
    cached_admin.get(f"/api/v1/people/{person['id']}")

    response, begun = transactions_begun(
        cached_admin.client,
        lambda: cached_admin.patch(
            f"/api/v1/people/{person['id']}", {"name": "Seen"}, if_match=person["version"]
        ),
    )

    assert cached_admin.ok(response)["name"] == "Seen"
    assert begun == 1
