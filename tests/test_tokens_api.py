"""API tokens: the secret is shown once, stored only as a hash, and does what its role allows."""

import hashlib
import re
from typing import Any

import pytest
from litestar.testing import TestClient
from typer.testing import CliRunner, Result

from api.cli import app as cli
from tests.api_client import Api
from tests.conftest import Tenant
from tests.factories import Factory

SECRET = re.compile(r"vsm_[A-Za-z0-9_-]{20,}")


def test_create_returns_the_secret_once_with_the_token(admin: Api) -> None:
    response = admin.post("/api/v1/tokens", {"name": "ci", "role": "editor"})

    created = admin.ok(response, 201)
    assert created["token"].startswith("vsm_")
    assert created["prefix"] == created["token"][: len(created["prefix"])]
    assert created["role"] == "editor"
    assert created["last_used_at"] is None and created["revoked_at"] is None
    assert "token_hash" not in created
    assert response.headers["etag"] == '"1"'
    assert response.headers["location"] == f"/api/v1/tokens/{created['id']}"


@pytest.mark.parametrize(
    ("role", "may_read", "may_write", "may_administer"),
    [("viewer", True, False, False), ("editor", True, True, False), ("admin", True, True, True)],
)
def test_a_new_token_acts_with_the_role_it_was_given(
    admin_factory: Factory,
    client: TestClient[Any],
    role: str,
    may_read: bool,
    may_write: bool,
    may_administer: bool,
) -> None:
    caller = Api(client, admin_factory.token(role=role)["token"])

    read = caller.get("/api/v1/people")
    write = caller.post("/api/v1/people", {"name": "Written"})
    administer = caller.get("/api/v1/tokens")

    assert (read.status_code == 200) is may_read
    assert (write.status_code == 201) is may_write
    assert (administer.status_code == 200) is may_administer
    assert caller.graphql("{ me { role } }")["data"]["me"]["role"] == role


def test_the_secret_and_its_hash_are_never_read_back(admin: Api, admin_factory: Factory) -> None:
    created = admin_factory.token()
    secret = created["token"]
    digest = hashlib.sha256(secret.encode()).hexdigest()

    single = admin.get(f"/api/v1/tokens/{created['id']}")
    listed = admin.get("/api/v1/tokens")
    graphql = admin.client.post(
        "/graphql",
        json={"query": "{ apiTokens { nodes { id name prefix role } } }"},
        headers={"Authorization": f"Bearer {admin.token}"},
    )

    for response in (single, listed, graphql):
        assert response.status_code == 200, response.text
        assert secret not in response.text
        assert digest not in response.text
        assert "token_hash" not in response.text
    assert "token" not in admin.ok(single)


def test_last_used_at_is_set_once_the_token_is_used(
    admin: Api, admin_factory: Factory, client: TestClient[Any]
) -> None:
    created = admin_factory.token()
    assert admin.ok(admin.get(f"/api/v1/tokens/{created['id']}"))["last_used_at"] is None

    caller = Api(client, created["token"])
    caller.ok(caller.get("/api/v1/people"))

    assert admin.ok(admin.get(f"/api/v1/tokens/{created['id']}"))["last_used_at"] is not None


def test_tokens_can_be_listed_by_role_and_by_whether_they_are_active(
    admin: Api, admin_factory: Factory
) -> None:
    editor = admin_factory.token(role="editor")
    revoked = admin_factory.token(role="viewer")
    admin.ok(admin.post(f"/api/v1/tokens/{revoked['id']}/revoke", if_match=1))

    editors = admin.ok(admin.get("/api/v1/tokens", params={"role": "editor"}))["items"]
    inactive = admin.ok(admin.get("/api/v1/tokens", params={"active": "false"}))["items"]
    active = admin.ok(admin.get("/api/v1/tokens", params={"active": "true"}))["items"]

    assert editor["id"] in {t["id"] for t in editors}
    assert {t["role"] for t in editors} == {"editor"}
    assert [t["id"] for t in inactive] == [revoked["id"]]
    assert revoked["id"] not in {t["id"] for t in active}
    assert all(t["revoked_at"] is None for t in active)


def test_revoking_twice_is_a_conflict(admin: Api, admin_factory: Factory) -> None:
    token = admin_factory.token()
    revoked = admin.ok(admin.post(f"/api/v1/tokens/{token['id']}/revoke", if_match=1))

    again = admin.post(f"/api/v1/tokens/{token['id']}/revoke", if_match=revoked["version"])

    assert revoked["revoked_at"] is not None
    assert again.status_code == 409


def test_a_token_for_a_person_of_another_organization_is_refused(
    admin: Api, outsider_factory: Factory
) -> None:
    foreign = outsider_factory.person()

    response = admin.post(
        "/api/v1/tokens", {"name": "x", "role": "viewer", "person_id": foreign["id"]}
    )

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "person_id"


@pytest.fixture
def vsm(database_url: str, client: TestClient[Any]) -> Any:
    """Runs the `vsm` command line against the test database; the app is up beside it."""
    runner = CliRunner()

    def run(*args: str) -> Result:
        return runner.invoke(cli, list(args), env={"VSM_DATABASE_URL": database_url})

    return run


def test_cli_creates_an_organization_with_a_working_admin_token(
    vsm: Any, client: TestClient[Any]
) -> None:
    result = vsm("org", "create", "--slug", "initech")

    assert result.exit_code == 0, result.output
    secret = SECRET.search(result.stdout)
    assert secret is not None, result.stdout
    caller = Api(client, secret.group())
    assert caller.ok(caller.get("/api/v1/organization"))["slug"] == "initech"


def test_cli_token_create_prints_a_working_token_of_that_role(
    vsm: Any, client: TestClient[Any], tenant: Tenant
) -> None:
    result = vsm("token", "create", "--org", tenant.slug, "--role", "editor")

    assert result.exit_code == 0, result.output
    caller = Api(client, result.stdout.strip())
    assert caller.post("/api/v1/people", {"name": "By CLI token"}).status_code == 201
    assert caller.get("/api/v1/tokens").status_code == 403


def test_cli_token_revoke_stops_the_token(
    vsm: Any, client: TestClient[Any], tenant: Tenant, admin: Api
) -> None:
    secret = vsm("token", "create", "--org", tenant.slug, "--role", "viewer").stdout.strip()
    caller = Api(client, secret)
    assert caller.get("/api/v1/people").status_code == 200
    listed = admin.ok(admin.get("/api/v1/tokens", params={"role": "viewer", "limit": 100}))
    token_id = next(t["id"] for t in listed["items"] if secret.startswith(t["prefix"]))

    result = vsm("token", "revoke", "--org", tenant.slug, token_id)

    assert result.exit_code == 0, result.output
    assert caller.get("/api/v1/people").status_code == 401


def test_cli_refuses_an_unknown_role(vsm: Any, tenant: Tenant, admin: Api) -> None:
    before = admin.ok(admin.get("/api/v1/tokens"))["items"]

    result = vsm("token", "create", "--org", tenant.slug, "--role", "superuser")

    assert result.exit_code != 0
    assert not SECRET.search(result.output)
    assert admin.ok(admin.get("/api/v1/tokens"))["items"] == before


def test_cli_names_an_unknown_organization(vsm: Any) -> None:
    result = vsm("token", "create", "--org", "no-such-org", "--role", "viewer")

    assert result.exit_code == 2
    assert "no-such-org" in result.output
    assert "not found" in result.output
    assert not SECRET.search(result.output)


def test_cli_revoke_of_a_token_of_another_organization_is_refused(
    vsm: Any, tenant: Tenant, other_tenant: Tenant, outsider: Api
) -> None:
    foreign = Factory(outsider).token()

    result = vsm("token", "revoke", "--org", tenant.slug, foreign["id"])

    assert result.exit_code == 2
    assert outsider.ok(outsider.get(f"/api/v1/tokens/{foreign['id']}"))["revoked_at"] is None
