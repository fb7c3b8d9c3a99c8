"""Shared fixtures: a migrated database per test, a running app, and callers with tokens."""

import asyncio
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import httpx
import pytest
from litestar.testing import TestClient
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from api.app import create_app
from core.actor import Actor
from core.config import Settings
from core.db import Database, make_oneshot_engine
from core.foundation import organizations, tokens
from core.models.token import ApiTokenCreate, Role
from core.plugins import build_plugin_manager
from core.unit_of_work import UnitOfWork
from tests import dbs
from tests.api_client import Api
from tests.clock import ManualClock
from tests.factories import Factory
from tests.scratch import make_scratch, remove_scratch


def pytest_configure(config: pytest.Config) -> None:
    """This run's scratch files (its SQLite databases first) go where syncing is cheap.

    Only the controlling process chooses; pytest-xdist gives each worker a folder inside.
    A `--basetemp` given on the command line is kept.
    """
    if config.option.basetemp is None and not hasattr(config, "workerinput"):
        folder = make_scratch("vsm-tests-")
        config.option.basetemp = str(folder)
        config.add_cleanup(lambda: remove_scratch(folder))


@pytest.fixture(scope="session")
def database_template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """Migrations run once per session; each test then starts from that schema."""
    base = dbs.backend_url()
    if dbs.is_postgres():
        assert base is not None
        url = dbs.create_postgres_database(base)
        from core import migrate

        migrate.upgrade(url)
        yield url
        dbs.drop_postgres_database(base, url)
    else:
        yield dbs.migrated_sqlite_template(tmp_path_factory.mktemp("template"))


@pytest.fixture(scope="session")
def worker_database(database_template: Any, tmp_path_factory: pytest.TempPathFactory) -> str:
    """The database this worker's tests share, one after another, emptied between them."""
    if dbs.is_postgres():
        return str(database_template)
    return dbs.fresh_sqlite_copy(database_template, tmp_path_factory.mktemp("worker"))


@pytest.fixture
def database_url(worker_database: str) -> Iterator[str]:
    """Every test starts from the migrated schema with no rows."""
    yield worker_database
    dbs.clear_all(worker_database)


@pytest.fixture
def settings(database_url: str) -> Settings:
    """No job worker runs in the apps of tests: a test runs jobs itself (`tests.jobs`), or
    starts an app with one when the worker is what it tests."""
    return Settings(
        database_url=database_url,
        auth_cache_seconds=0,
        jobs_in_process=False,
        _env_file=None,  # type: ignore[call-arg]
    )


def run_in_db(url: str, work: Any) -> Any:
    """Run a use case directly, outside the app: for arranging what an operator would."""

    async def main() -> Any:
        engine = make_oneshot_engine(url)
        try:
            maker = async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)
            async with UnitOfWork(maker) as session:
                return await work(session)
        finally:
            await engine.dispose()

    return asyncio.run(main())


class Tenant:
    """An organization with one token per role.

    The first tenant of a slug in a test database is made by the services, as an
    operator makes one; later tests, in the emptied database, get the same rows written
    back, which costs a tenth of making them again.
    """

    _made: ClassVar[dict[tuple[str, str], tuple[Any, dict[Role, str], dbs.Rows]]] = {}

    def __init__(self, url: str, slug: str) -> None:
        made = Tenant._made.get((url, slug))
        if made is None:
            organization, secrets = run_in_db(url, self._make(slug))
            made = (organization, secrets, dbs.organization_rows(url, organization.id))
            Tenant._made[(url, slug)] = made
        else:
            dbs.insert_rows(url, made[2])
        self.organization, self.secrets, _rows = made
        self.slug = slug

    @staticmethod
    def _make(slug: str) -> Any:
        async def work(session: AsyncSession) -> tuple[Any, dict[Role, str]]:
            org, _token, admin_secret = await organizations.create_organization(
                session, name=slug.title(), slug=slug
            )
            operator = Actor(organization_id=org.id, role=Role.admin)
            secrets = {Role.admin: admin_secret}
            for role in (Role.editor, Role.viewer):
                _t, secrets[role] = await tokens.issue_token(
                    session, operator, ApiTokenCreate(name=f"{role.value} token", role=role)
                )
            return org, secrets

        return work


@pytest.fixture
def tenant(database_url: str) -> Tenant:
    return Tenant(database_url, "acme")


@pytest.fixture
def other_tenant(database_url: str) -> Tenant:
    return Tenant(database_url, "globex")


@pytest.fixture(scope="session")
def default_plugin_manager() -> Any:
    return build_plugin_manager()


@pytest.fixture
def plugin_manager(default_plugin_manager: Any) -> Any:
    return default_plugin_manager


@pytest.fixture(scope="session")
def app_cache() -> dict[Any, Any]:
    return {}


@pytest.fixture
def app(settings: Settings, plugin_manager: Any, app_cache: dict[Any, Any]) -> Any:
    """Building an app costs about half a second: tests with the same settings and plugins
    share one (each still starts and stops it, so no state but its wiring carries over)."""
    key = (id(plugin_manager), settings.model_dump_json())
    if key not in app_cache:
        app_cache[key] = (create_app(settings, plugins=plugin_manager), plugin_manager)
    return app_cache[key][0]


@pytest.fixture
def client(app: Any, tenant: Tenant) -> Iterator[TestClient[Any]]:
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
def admin(client: TestClient[Any], tenant: Tenant) -> Api:
    return Api(client, tenant.secrets[Role.admin])


@pytest.fixture
def editor(client: TestClient[Any], tenant: Tenant) -> Api:
    return Api(client, tenant.secrets[Role.editor])


@pytest.fixture
def viewer(client: TestClient[Any], tenant: Tenant) -> Api:
    return Api(client, tenant.secrets[Role.viewer])


@pytest.fixture
def outsider(client: TestClient[Any], other_tenant: Tenant) -> Api:
    """The admin of another organization: must never see or touch the tenant's data."""
    return Api(client, other_tenant.secrets[Role.admin])


@pytest.fixture
def anonymous(client: TestClient[Any]) -> Api:
    return Api(client, None)


@pytest.fixture
def factory(editor: Api) -> Factory:
    return Factory(editor)


@pytest.fixture
def admin_factory(admin: Api) -> Factory:
    """Makes what only an admin may (tokens), in the tenant's organization."""
    return Factory(admin)


@pytest.fixture
def outsider_factory(outsider: Api) -> Factory:
    """Makes data in the other organization, which the tenant must never see."""
    return Factory(outsider)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def clocked(
    settings: Settings, plugin_manager: Any, clock: ManualClock, tenant: Tenant
) -> Iterator[Api]:
    """The editor of the tenant, calling an app that runs on `clock`: a test moves time
    forward instead of waiting for it."""
    with TestClient(create_app(settings, plugins=plugin_manager, clock=clock)) as test_client:
        yield Api(test_client, tenant.secrets[Role.editor])


@pytest.fixture
def app_with(settings: Settings, plugin_manager: Any, tenant: Tenant) -> Iterator[Any]:
    """Starts an app with some settings changed; answers an admin `Api` for it."""
    with_clients: list[TestClient[Any]] = []

    def start(**changes: Any) -> Api:
        app = create_app(settings.model_copy(update=changes), plugins=plugin_manager)
        test_client = TestClient(app)
        test_client.__enter__()
        with_clients.append(test_client)
        return Api(test_client, tenant.secrets[Role.admin])

    yield start
    for test_client in with_clients:
        test_client.__exit__(None, None, None)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def running_server(database_url: str, tenant: Tenant) -> Iterator[str]:
    """`vsm serve` in its own process, on a free port of this machine."""
    port = _free_port()
    env = {**os.environ, "VSM_DATABASE_URL": database_url, "VSM_LOG_LEVEL": "warning"}
    vsm = Path(sys.executable).parent / "vsm"
    server = subprocess.Popen(
        [str(vsm), "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "1"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert server.poll() is None, server.stderr.read().decode() if server.stderr else ""
            try:
                if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "the server did not start within 60 s"
                time.sleep(0.1)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=30)


@pytest.fixture
def as_tenant(database_url: str, tenant: Tenant) -> Any:
    """Runs `work(session, actor)` as a viewer of the tenant's organization: service
    answers without HTTP in between."""

    def run(work: Any) -> Any:
        actor = Actor(organization_id=tenant.organization.id, role=Role.viewer)
        return run_in_db(database_url, lambda session: work(session, actor))

    return run


@pytest.fixture
def with_database(settings: Settings) -> Any:
    """Runs `work(database)` on the engines the server would open for this test's database."""

    def run(work: Any) -> Any:
        async def main() -> Any:
            database = Database.from_settings(settings)
            try:
                return await work(database)
            finally:
                await database.dispose()

        return asyncio.run(main())

    return run
