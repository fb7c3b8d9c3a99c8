"""Authentication and authorization: who may call what, and how a refusal looks."""

import asyncio
import uuid
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from litestar.testing import TestClient
from sqlalchemy import update
from sqlmodel.ext.asyncio.session import AsyncSession

from api.app import create_app
from api.state import TokenCache
from core.actor import Actor
from core.config import Settings
from core.db import Database
from core.foundation import tokens
from core.models.token import ApiToken, ApiTokenCreate, Role
from core.types import utcnow
from core.unit_of_work import UnitOfWork
from tests.api_client import Api
from tests.conftest import Tenant, run_in_db
from tests.factories import Factory
from tests.problems import assert_problem


def assert_unauthenticated(response: Any) -> None:
    assert_problem(response, 401, code="UNAUTHENTICATED")
    assert response.headers["www-authenticate"].startswith("Bearer")


def expire_now(database_url: str, token_id: str) -> None:
    """What the clock does to a token: its expiry lies in the past."""

    async def work(session: AsyncSession) -> None:
        await session.exec(
            update(ApiToken)
            .where(ApiToken.id == uuid.UUID(token_id))  # type: ignore[arg-type]
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )

    run_in_db(database_url, work)


@pytest.mark.parametrize(
    "authorization",
    [
        None,
        "",
        "Bearer",
        "Bearer    ",
        "Basic dXNlcjpwYXNz",
        "Token vsm_abc",
        "vsm_abc",
        "Bearer vsm_this-token-was-never-issued",
    ],
    ids=["none", "empty", "no-secret", "blank-secret", "basic", "other-scheme", "bare", "unknown"],
)
def test_a_call_without_a_valid_token_is_unauthenticated(
    anonymous: Api, authorization: str | None
) -> None:
    headers = {} if authorization is None else {"Authorization": authorization}

    response = anonymous.get("/api/v1/people", headers=headers)

    assert_unauthenticated(response)


def test_a_token_works_until_it_expires(
    admin_factory: Factory, client: TestClient[Any], database_url: str
) -> None:
    expiry = (utcnow() + timedelta(hours=1)).isoformat()
    token = admin_factory.token(role="viewer", expires_at=expiry)
    caller = Api(client, token["secret"])
    assert caller.get("/api/v1/people").status_code == 200

    expire_now(database_url, token["id"])

    assert_unauthenticated(caller.get("/api/v1/people"))


def test_a_token_cannot_be_issued_already_expired(admin: Api) -> None:
    expiry = (utcnow() - timedelta(minutes=1)).isoformat()

    response = admin.post(
        "/api/v1/tokens", {"name": "late", "role": "viewer", "expires_at": expiry}
    )

    assert_problem(response, 422, code="VALIDATION_FAILED", field="expires_at")


def test_a_revoked_token_stops_working_at_once(
    admin: Api, admin_factory: Factory, client: TestClient[Any]
) -> None:
    token = admin_factory.token(role="editor")
    caller = Api(client, token["secret"])
    assert caller.get("/api/v1/people").status_code == 200

    admin.ok(admin.post(f"/api/v1/tokens/{token['id']}/revoke", if_match=token["version"]))

    assert_unauthenticated(caller.get("/api/v1/people"))


@pytest.fixture
def caching_client(settings: Settings, plugin_manager: Any, tenant: Tenant) -> Iterator[Any]:
    """An app that trusts a verified token for a minute, as production does."""
    cached = settings.model_copy(update={"auth_cache_seconds": 60.0})
    with TestClient(create_app(cached, plugins=plugin_manager)) as test_client:
        yield test_client


def test_revocation_evicts_the_token_from_the_auth_cache(
    caching_client: TestClient[Any], tenant: Tenant
) -> None:
    admin = Api(caching_client, tenant.secrets[Role.admin])
    token = Factory(admin).token(role="viewer")
    caller = Api(caching_client, token["secret"])
    assert caller.get("/api/v1/people").status_code == 200

    admin.ok(admin.post(f"/api/v1/tokens/{token['id']}/revoke", if_match=token["version"]))

    assert_unauthenticated(caller.get("/api/v1/people"))


@pytest.fixture
def rows(factory: Factory, admin_factory: Factory) -> dict[str, Any]:
    """One of each thing a write route can touch, in the tenant's organization."""
    member = factory.person()
    team = factory.team(member_ids=[member["id"]])
    return {
        "person": factory.person(),
        "member": member,
        "team": team,
        "token": admin_factory.token(),
    }


def write_routes(rows: dict[str, Any]) -> dict[str, tuple[str, str, Any, int | None]]:
    """Each write route with a body and If-Match that would succeed for a permitted caller."""
    person, member, team, token = rows["person"], rows["member"], rows["team"], rows["token"]
    return {
        "create person": ("POST", "/api/v1/people", {"name": "New"}, None),
        "update person": ("PATCH", f"/api/v1/people/{person['id']}", {"name": "X"}, 1),
        "delete person": ("DELETE", f"/api/v1/people/{person['id']}", None, 1),
        "create team": ("POST", "/api/v1/teams", {"name": "New team"}, None),
        "update team": ("PATCH", f"/api/v1/teams/{team['id']}", {"name": "X"}, 1),
        "delete team": ("DELETE", f"/api/v1/teams/{team['id']}", None, 1),
        "add member": (
            "POST",
            f"/api/v1/teams/{team['id']}/members",
            {"person_id": person["id"]},
            1,
        ),
        "remove member": (
            "DELETE",
            f"/api/v1/teams/{team['id']}/members/{member['id']}",
            None,
            1,
        ),
        "rename organization": ("PATCH", "/api/v1/organization", {"name": "X"}, 1),
        "create token": ("POST", "/api/v1/tokens", {"name": "t", "role": "viewer"}, None),
        "revoke token": ("POST", f"/api/v1/tokens/{token['id']}/revoke", None, 1),
    }


ADMIN_ONLY = ["rename organization", "create token", "revoke token"]
WRITES = list(write_routes({k: {"id": "x"} for k in ("person", "member", "team", "token")}))
EVERYDAY = [route for route in WRITES if route not in ADMIN_ONLY]


def send(api: Api, method: str, url: str, body: Any, if_match: int | None) -> Any:
    if method == "POST":
        return api.post(url, body, if_match=if_match)
    if method == "PATCH":
        return api.patch(url, body, if_match=if_match)
    return api.delete(url, if_match=if_match)


@pytest.mark.parametrize("route", WRITES)
def test_a_viewer_may_not_write(viewer: Api, admin: Api, rows: dict[str, Any], route: str) -> None:
    trail_before = admin.ok(admin.get("/api/v1/audit", params={"limit": 100}))["items"]

    response = send(viewer, *write_routes(rows)[route])

    assert_problem(response, 403, code="FORBIDDEN")
    assert admin.ok(admin.get("/api/v1/audit", params={"limit": 100}))["items"] == trail_before


@pytest.mark.parametrize("route", ADMIN_ONLY)
def test_an_editor_may_not_manage_tokens_or_the_organization(
    editor: Api, rows: dict[str, Any], route: str
) -> None:
    response = send(editor, *write_routes(rows)[route])

    assert_problem(response, 403, code="FORBIDDEN")


@pytest.mark.parametrize("role", ["viewer", "editor"])
def test_only_an_admin_may_read_tokens(
    client: TestClient[Any], tenant: Tenant, rows: dict[str, Any], role: str
) -> None:
    caller = Api(client, tenant.secrets[Role(role)])

    listed = caller.get("/api/v1/tokens")
    single = caller.get(f"/api/v1/tokens/{rows['token']['id']}")

    assert_problem(listed, 403, code="FORBIDDEN")
    assert_problem(single, 403, code="FORBIDDEN")


@pytest.mark.parametrize("route", EVERYDAY)
def test_an_editor_may_do_the_everyday_writes(
    editor: Api, rows: dict[str, Any], route: str
) -> None:
    response = send(editor, *write_routes(rows)[route])

    assert response.status_code < 300, f"{response.status_code}: {response.text}"


@pytest.mark.parametrize("route", ADMIN_ONLY)
def test_an_admin_may_manage_tokens_and_the_organization(
    admin: Api, rows: dict[str, Any], route: str
) -> None:
    response = send(admin, *write_routes(rows)[route])

    assert response.status_code < 300, f"{response.status_code}: {response.text}"


@pytest.mark.parametrize("path", ["/health", "/ready", "/schema/openapi.json"])
def test_public_routes_need_no_token(anonymous: Api, path: str) -> None:
    response = anonymous.get(path)

    assert response.status_code == 200, response.text


def test_graphql_without_a_token_is_unauthenticated(anonymous: Api) -> None:
    response = anonymous.post("/graphql", {"query": "{ me { role } }"})

    assert_unauthenticated(response)


def test_the_graphiql_page_needs_no_token(anonymous: Api) -> None:
    response = anonymous.get("/graphql", headers={"Accept": "text/html"})

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "graphiql" in response.text.lower()


def test_a_graphql_query_over_get_still_needs_a_token(anonymous: Api) -> None:
    response = anonymous.get(
        "/graphql", params={"query": "{ me { role } }"}, headers={"Accept": "text/html"}
    )

    assert_unauthenticated(response)


class Boom(Exception):
    pass


async def issued(database: Database, admin: Actor) -> ApiToken:
    async with UnitOfWork.on(database, write=True) as session:
        token, _secret = await tokens.issue_token(
            session, admin, ApiTokenCreate(name="board", role=Role.viewer)
        )
    return token


def test_a_revocation_evicts_the_token_once_it_commits_and_not_before(
    settings: Settings, tenant: Tenant
) -> None:
    cache = TokenCache(ttl=60)
    admin = Actor(organization_id=tenant.organization.id, role=Role.admin)

    async def scenario() -> dict[str, Actor | None]:
        database = Database.from_settings(settings)
        try:
            token = await issued(database, admin)
            viewer = tokens.actor_for(token)
            cache.put("kept", viewer)
            read, finish = asyncio.Event(), asyncio.Event()

            async def check_reading_before_the_commit() -> tuple[Actor, float | None]:
                read.set()
                await finish.wait()
                return viewer, None

            in_flight = asyncio.ensure_future(
                cache.verify_once("in flight", check_reading_before_the_commit)
            )
            await read.wait()
            async with UnitOfWork.on(database, write=True) as session:
                await tokens.revoke_token(
                    session, admin, token.id, expected_version=token.version, trusted=cache
                )
                before_commit = cache.get("kept")
            after_commit = cache.get("kept")
            finish.set()
            await in_flight
            return {
                "viewer": viewer,
                "before commit": before_commit,
                "after commit": after_commit,
                "check in flight": cache.get("in flight"),
            }
        finally:
            await database.dispose()

    seen = asyncio.run(scenario())

    assert seen["before commit"] == seen["viewer"]
    assert seen["after commit"] is None
    assert seen["check in flight"] is None


def test_a_rolled_back_revocation_evicts_nothing(settings: Settings, tenant: Tenant) -> None:
    cache = TokenCache(ttl=60)
    admin = Actor(organization_id=tenant.organization.id, role=Role.admin)

    async def scenario() -> tuple[Actor, Actor | None, ApiToken | None]:
        database = Database.from_settings(settings)
        try:
            token = await issued(database, admin)
            viewer = tokens.actor_for(token)
            cache.put("kept", viewer)
            with pytest.raises(Boom):
                async with UnitOfWork.on(database, write=True) as session:
                    await tokens.revoke_token(
                        session, admin, token.id, expected_version=token.version, trusted=cache
                    )
                    raise Boom
            async with UnitOfWork.on(database, write=False) as session:
                stored = await session.get(ApiToken, token.id)
            return viewer, cache.get("kept"), stored
        finally:
            await database.dispose()

    viewer, kept, stored = asyncio.run(scenario())

    assert stored is not None and stored.revoked_at is None
    assert kept == viewer
