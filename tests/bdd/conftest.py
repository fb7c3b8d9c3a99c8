"""The workflow rules in the practice's words: features/*.feature, run against the real API.

The shared step definitions live in `steps`; importing them here makes them visible to
every feature's test module.

One running service per test session (per xdist worker): building the app and starting
its client cost about a second, which a hundred and more scenarios cannot pay each.
Scenarios stay apart because each one gets an organization of its own (with its own
admin, editor and viewer tokens, playbook and portfolio), exactly as two customers of
one deployment do. The service has a database of its own, so no other test's rows
meet the scenarios'.
"""

import asyncio
import itertools
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from litestar.testing import TestClient
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from api.app import create_app
from core import migrate
from core.actor import Actor
from core.config import Settings
from core.db import make_oneshot_engine
from core.foundation import organizations, tokens
from core.models.token import ApiTokenCreate, Role
from core.plugins import build_plugin_manager
from core.unit_of_work import UnitOfWork
from tests import dbs
from tests.api_client import Api
from tests.bdd.map_steps import *  # noqa: F403
from tests.bdd.steps import *  # noqa: F403
from tests.clock import ManualClock
from tests.factories import Factory

TENANT_BATCH = 16


def _postgres_database(template_url: str) -> str:
    """A database of the service's own: a copy of the worker's migrated template, or, when
    the template is busy (someone else is connected to it), a freshly migrated one."""
    base = dbs.backend_url()
    assert base is not None
    name = f"vsm_bdd_{uuid.uuid4().hex[:12]}"
    template = make_url(template_url).database
    url = make_url(base).set(database=name).render_as_string(hide_password=False)
    try:
        asyncio.run(dbs._admin_execute(base, f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
    except DBAPIError:
        asyncio.run(dbs._admin_execute(base, f'CREATE DATABASE "{name}"'))
        migrate.upgrade(url)
    return url


@pytest.fixture(scope="session")
def service_database(
    database_template: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    if dbs.is_postgres():
        url = _postgres_database(database_template)
        yield url
        base = dbs.backend_url()
        assert base is not None
        dbs.drop_postgres_database(base, url)
    else:
        yield dbs.fresh_sqlite_copy(database_template, tmp_path_factory.mktemp("bdd"))


@pytest.fixture(scope="session")
def service_settings(service_database: str) -> Settings:
    return Settings(
        database_url=service_database,
        auth_cache_seconds=0,
        graphql_introspection=True,
        _env_file=None,  # type: ignore[call-arg]
    )


@pytest.fixture(scope="session")
def service_plugins() -> Any:
    return build_plugin_manager()


@pytest.fixture(scope="session")
def service_clock() -> ManualClock:
    """The service's clock: scenarios say how much time passes instead of waiting for it."""
    return ManualClock()


@pytest.fixture(autouse=True)
def clock(service_clock: ManualClock) -> Iterator[ManualClock]:
    """Each scenario starts at the real time; what it moved on is undone after it."""
    service_clock.reset()
    yield service_clock
    service_clock.reset()


@pytest.fixture(scope="session")
def service_client(
    service_settings: Settings, service_plugins: Any, service_clock: ManualClock
) -> Iterator[TestClient[Any]]:
    app = create_app(service_settings, plugins=service_plugins, clock=service_clock)
    with TestClient(app) as test_client:
        yield test_client


class TenantPool:
    """Organizations with one token per role, made in batches: one connection per batch."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.ready: list[dict[Role, str]] = []
        self.numbers = itertools.count(1)
        self.run = uuid.uuid4().hex[:8]

    def take(self) -> dict[Role, str]:
        if not self.ready:
            self.ready = asyncio.run(self._make(TENANT_BATCH))
        return self.ready.pop()

    async def _make(self, n: int) -> list[dict[Role, str]]:
        engine = make_oneshot_engine(self.url)
        try:
            maker = async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)
            async with UnitOfWork(maker) as session:
                return [await self._tenant(session) for _ in range(n)]
        finally:
            await engine.dispose()

    async def _tenant(self, session: AsyncSession) -> dict[Role, str]:
        slug = f"bdd-{self.run}-{next(self.numbers)}"
        org, _token, admin_secret = await organizations.create_organization(
            session, name=slug.title(), slug=slug
        )
        operator = Actor(organization_id=org.id, role=Role.admin)
        secrets = {Role.admin: admin_secret}
        for role in (Role.editor, Role.viewer):
            _t, secrets[role] = await tokens.issue_token(
                session, operator, ApiTokenCreate(name=f"{role.value} token", role=role)
            )
        return secrets


@pytest.fixture(scope="session")
def tenant_pool(service_database: str) -> TenantPool:
    return TenantPool(service_database)


# -- the shared fixtures of tests/conftest.py, bound to the running service --------------


@pytest.fixture
def settings(service_settings: Settings) -> Settings:
    return service_settings


@pytest.fixture
def plugin_manager(service_plugins: Any) -> Any:
    return service_plugins


@pytest.fixture
def client(service_client: TestClient[Any]) -> TestClient[Any]:
    return service_client


@pytest.fixture
def secrets(tenant_pool: TenantPool) -> dict[Role, str]:
    """The tokens of this scenario's own organization."""
    return tenant_pool.take()


@pytest.fixture
def admin(client: TestClient[Any], secrets: dict[Role, str]) -> Api:
    return Api(client, secrets[Role.admin])


@pytest.fixture
def editor(client: TestClient[Any], secrets: dict[Role, str]) -> Api:
    return Api(client, secrets[Role.editor])


@pytest.fixture
def viewer(client: TestClient[Any], secrets: dict[Role, str]) -> Api:
    return Api(client, secrets[Role.viewer])


@pytest.fixture(autouse=True)
def _running_service(factory: Factory, admin: Api, viewer: Api) -> None:
    """Start the service and the organization's callers before the first step, as setup."""
