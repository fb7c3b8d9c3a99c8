"""When the database fails, clients hear an outage (503 or 507, Retry-After), never a bug.

A frozen or stopped PostgreSQL, a SQLite write lock held elsewhere, a full disk:
each answers quickly with a stable code, `/ready` says why it is not ready, and
the service recovers by itself with nothing lost once the database is back.
"""

import sqlite3
from collections.abc import Iterator
from typing import Any

import pytest
from litestar.testing import TestClient
from sqlalchemy import Engine, event
from sqlalchemy.engine import make_url

from api.app import create_app
from core.config import Settings
from core.models.token import Role
from tests import dbs
from tests.api_client import Api
from tests.conftest import Tenant
from tests.faults import DatabaseProxy, proxied
from tests.problems import assert_problem

FAST = {
    "db_connect_timeout_seconds": 1.0,
    "db_statement_timeout_seconds": 1.0,
    "db_pool_timeout_seconds": 1.0,
    "sqlite_busy_timeout_seconds": 0.2,
    "ready_timeout_seconds": 0.5,
}


def outage_settings(url: str, **overrides: Any) -> Settings:
    return Settings(
        database_url=url,
        auth_cache_seconds=0,
        jobs_in_process=False,
        **FAST,
        **overrides,
        _env_file=None,  # type: ignore[call-arg]
    )


def assert_outage(response: Any, status: int, code: str) -> dict[str, Any]:
    body = assert_problem(response, status, code=code)
    assert int(response.headers["retry-after"]) >= 1
    return body


@pytest.fixture
def proxy(database_url: str) -> Iterator[DatabaseProxy]:
    if not dbs.is_postgres():
        pytest.skip("the network between the service and PostgreSQL is what fails here")
    with proxied(database_url) as running:
        yield running


@pytest.fixture
def behind_proxy(proxy: DatabaseProxy, database_url: str, tenant: Tenant) -> Iterator[Api]:
    app = create_app(outage_settings(proxy.url_for(database_url)))
    with TestClient(app, timeout=30) as client:
        yield Api(client, tenant.secrets[Role.editor])


@pytest.mark.postgres_only
def test_a_frozen_database_answers_503_quickly_and_recovers(
    behind_proxy: Api, proxy: DatabaseProxy
) -> None:
    api = behind_proxy
    before = api.ok(api.post("/api/v1/people", {"name": "Before the freeze"}), 201)

    proxy.freeze()
    frozen_read = api.get("/api/v1/people")
    frozen_write = api.post("/api/v1/people", {"name": "During the freeze"})
    ready = api.client.get("/ready")
    proxy.thaw()

    assert_outage(frozen_read, 503, "DATABASE_UNAVAILABLE")
    assert_outage(frozen_write, 503, "DATABASE_UNAVAILABLE")
    assert ready.status_code == 503
    assert "did not answer" in ready.json()["checks"]["read"]
    names = _names_after_recovery(api)
    assert before["name"] in names


@pytest.mark.postgres_only
def test_a_stopped_database_answers_503_and_recovers_when_it_returns(
    behind_proxy: Api, proxy: DatabaseProxy
) -> None:
    api = behind_proxy
    api.ok(api.post("/api/v1/people", {"name": "Before the stop"}), 201)

    proxy.down()
    stopped = api.post("/api/v1/people", {"name": "While stopped"})
    ready = api.client.get("/ready")
    proxy.start()

    assert_outage(stopped, 503, "DATABASE_UNAVAILABLE")
    assert ready.status_code == 503
    assert "Before the stop" in _names_after_recovery(api)


def _names_after_recovery(api: Api) -> set[str]:
    """The first request after an outage may still meet a dead pooled connection."""
    for _ in range(5):
        answer = api.get("/api/v1/people")
        if answer.status_code == 200:
            assert api.client.get("/ready").status_code == 200
            return {person["name"] for person in answer.json()["items"]}
        assert_outage(answer, 503, "DATABASE_UNAVAILABLE")
    raise AssertionError("the service did not recover after the database came back")


@pytest.fixture
def sqlite_file(database_url: str) -> str:
    if dbs.is_postgres():
        pytest.skip("SQLite's write lock and page limit are what fail here")
    return str(make_url(database_url).database)


@pytest.fixture
def fast_api(database_url: str, tenant: Tenant) -> Iterator[Api]:
    app = create_app(outage_settings(database_url))
    with TestClient(app, timeout=30) as client:
        yield Api(client, tenant.secrets[Role.editor])


def test_a_write_lock_held_elsewhere_is_a_503_not_a_wait(fast_api: Api, sqlite_file: str) -> None:
    blocker = sqlite3.connect(sqlite_file, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")
    try:
        blocked = fast_api.post("/api/v1/people", {"name": "Blocked"})
        reading = fast_api.get("/api/v1/people")
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    after = fast_api.post("/api/v1/people", {"name": "After"})

    assert_outage(blocked, 503, "DATABASE_UNAVAILABLE")
    assert reading.status_code == 200
    assert fast_api.ok(after, 201)["name"] == "After"


@pytest.fixture
def full_disk(sqlite_file: str) -> Iterator[None]:
    """Every new connection may not grow the database file: SQLite answers SQLITE_FULL.

    Earlier tests' deleted rows left free pages that new rows would fill first; a
    VACUUM gives them back, so the first page a write needs is one too many.
    """
    compact = sqlite3.connect(sqlite_file, isolation_level=None)
    compact.execute("VACUUM")
    compact.close()

    def limit(dbapi_connection: Any, _record: Any) -> None:
        driver = getattr(dbapi_connection, "driver_connection", dbapi_connection)
        raw = getattr(driver, "_conn", driver)
        pages = raw.execute("PRAGMA page_count").fetchone()[0]
        raw.execute(f"PRAGMA max_page_count = {pages}")

    event.listen(Engine, "connect", limit)
    try:
        yield
    finally:
        event.remove(Engine, "connect", limit)


def test_a_full_disk_answers_507_and_ready_says_it_cannot_write(
    fast_api: Api, full_disk: None
) -> None:
    answers = [
        fast_api.post("/api/v1/people", {"name": f"Person {n}", "title": "x" * 200})
        for n in range(60)
    ]
    statuses = {answer.status_code for answer in answers}
    refused = next(answer for answer in answers if answer.status_code != 201)
    ready = fast_api.client.get("/ready")

    assert statuses <= {201, 507}, statuses
    assert_outage(refused, 507, "STORAGE_FULL")
    assert ready.status_code == 503
    assert "room" in ready.json()["checks"]["write"]


def test_graphql_tells_an_outage_with_its_code_and_a_503(fast_api: Api, sqlite_file: str) -> None:
    blocker = sqlite3.connect(sqlite_file, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")
    try:
        answer = fast_api.client.post(
            "/graphql",
            json={"query": 'mutation { createPerson(input: {name: "Blocked"}) { id } }'},
            headers={"Authorization": f"Bearer {fast_api.token}"},
        )
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()

    assert answer.status_code == 503
    assert int(answer.headers["retry-after"]) >= 1
    body = answer.json()
    assert body["data"] == {"createPerson": None}
    assert body["errors"][0]["extensions"]["code"] == "DATABASE_UNAVAILABLE"
    assert "SQL" not in body["errors"][0]["message"]
