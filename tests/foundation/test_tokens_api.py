"""API tokens: the secret is shown once, stored only as a hash, and does what its role allows."""

import hashlib
import json
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient

from tests.api_client import Api
from tests.cli import one_line_error, run_vsm
from tests.conftest import Tenant
from tests.factories import Factory
from tests.foundation.test_auth import expire_now

SECRET = re.compile(r"vsm_[A-Za-z0-9_-]{20,}")


def test_create_returns_the_secret_once_with_the_token(admin: Api) -> None:
    response = admin.post("/api/v1/tokens", {"name": "ci", "role": "editor"})

    created = admin.ok(response, 201)
    assert "token" not in created, "the secret has one name: `secret`, as in GraphQL"
    assert created["secret"].startswith("vsm_")
    assert created["prefix"] == created["secret"][: len(created["prefix"])]
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
    caller = Api(client, admin_factory.token(role=role)["secret"])

    read = caller.get("/api/v1/people")
    write = caller.post("/api/v1/people", {"name": "Written"})
    administer = caller.get("/api/v1/tokens")

    assert (read.status_code == 200) is may_read
    assert (write.status_code == 201) is may_write
    assert (administer.status_code == 200) is may_administer
    assert caller.graphql("{ me { role } }")["data"]["me"]["role"] == role


def test_the_secret_and_its_hash_are_never_read_back(admin: Api, admin_factory: Factory) -> None:
    created = admin_factory.token()
    secret = created["secret"]
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
    assert "secret" not in admin.ok(single)


def test_last_used_at_is_set_once_the_token_is_used(
    admin: Api, admin_factory: Factory, client: TestClient[Any]
) -> None:
    created = admin_factory.token()
    assert admin.ok(admin.get(f"/api/v1/tokens/{created['id']}"))["last_used_at"] is None

    caller = Api(client, created["secret"])
    caller.ok(caller.get("/api/v1/people"))

    assert admin.ok(admin.get(f"/api/v1/tokens/{created['id']}"))["last_used_at"] is not None


def test_tokens_can_be_listed_by_role_and_by_whether_they_are_active(
    admin: Api, admin_factory: Factory, database_url: str
) -> None:
    editor = admin_factory.token(role="editor")
    revoked = admin_factory.token(role="viewer")
    admin.ok(admin.post(f"/api/v1/tokens/{revoked['id']}/revoke", if_match=1))
    expired = admin_factory.token(role="viewer", expires_at="2099-01-01T00:00:00Z")
    expire_now(database_url, expired["id"])

    editors = admin.ok(admin.get("/api/v1/tokens", params={"role": "editor"}))["items"]
    inactive = admin.ok(admin.get("/api/v1/tokens", params={"active": "false"}))["items"]
    active = admin.ok(admin.get("/api/v1/tokens", params={"active": "true"}))["items"]

    assert editor["id"] in {t["id"] for t in editors}
    assert {t["role"] for t in editors} == {"editor"}
    assert [t["id"] for t in inactive] == [revoked["id"], expired["id"]]
    assert {revoked["id"], expired["id"]}.isdisjoint(t["id"] for t in active)
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
def vsm(database_url: str, client: TestClient[Any], tmp_path: Path) -> Any:
    """Runs the real `vsm` from another folder against the test database; the app is up."""

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return run_vsm(*args, cwd=tmp_path, database_url=database_url)

    return run


def printed(stdout: str) -> dict[str, str]:
    """The `key: value` lines a command printed."""
    pairs = (line.split(":", 1) for line in stdout.splitlines() if ":" in line)
    return {key.strip(): value.strip() for key, value in pairs}


def test_cli_creates_an_organization_with_a_working_admin_token(
    vsm: Any, client: TestClient[Any]
) -> None:
    result = vsm("org", "create", "--slug", "initech")

    assert result.returncode == 0, result.stderr
    secret = SECRET.search(result.stdout)
    assert secret is not None, result.stdout
    caller = Api(client, secret.group())
    assert caller.ok(caller.get("/api/v1/organization"))["slug"] == "initech"
    token_id = caller.ok(caller.get("/api/v1/tokens"))["items"][0]["id"]
    assert token_id in result.stdout


def test_cli_token_create_prints_its_id_name_role_and_a_working_secret(
    vsm: Any, client: TestClient[Any], tenant: Tenant, admin: Api
) -> None:
    result = vsm("token", "create", "--org", tenant.slug, "--role", "editor", "--name", "board")

    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    shown = printed(result.stdout)
    stored = admin.ok(admin.get(f"/api/v1/tokens/{shown['id']}"))
    assert (stored["name"], stored["role"]) == ("board", "editor")
    assert (shown["name"], shown["role"], shown["expires"]) == ("board", "editor", "never")
    caller = Api(client, shown["secret"])
    assert caller.post("/api/v1/people", {"name": "By CLI token"}).status_code == 201
    assert caller.get("/api/v1/tokens").status_code == 403


def test_cli_token_create_answers_json_with_the_secret_named_as_in_the_api(
    vsm: Any, tenant: Tenant, admin: Api
) -> None:
    result = vsm(
        "token", "create", "--org", tenant.slug, "--role", "viewer", "--expires",
        "2099-01-01T00:00:00+00:00", "--json",
    )  # fmt: skip

    assert result.returncode == 0, result.stderr
    created = json.loads(result.stdout)
    api_created = admin.ok(admin.post("/api/v1/tokens", {"name": "api", "role": "viewer"}), 201)
    assert set(created) == set(api_created)
    assert created["secret"].startswith(created["prefix"])
    assert created["expires_at"].startswith("2099-01-01T00:00:00")


def test_cli_token_list_shows_each_token_without_its_secret(
    vsm: Any, tenant: Tenant, admin: Api, admin_factory: Factory, database_url: str
) -> None:
    revoked = admin_factory.token(name="old board")
    admin.ok(admin.post(f"/api/v1/tokens/{revoked['id']}/revoke", if_match=1))
    expired = admin_factory.token(name="last year", expires_at="2099-01-01T00:00:00Z")
    expire_now(database_url, expired["id"])
    working = admin_factory.token(name="team board", role="editor")
    admin.ok(Api(admin.client, working["secret"]).get("/api/v1/people"))

    everything = vsm("token", "list", "--org", tenant.slug)
    active = vsm("token", "list", "--org", tenant.slug, "--active")

    assert everything.returncode == 0, everything.stderr
    header, *rows = everything.stdout.splitlines()
    assert header.split() == [
        "id", "name", "role", "prefix", "created", "last", "used", "expires", "revoked",
    ]  # fmt: skip
    by_id = {row.split()[0]: row for row in rows}
    assert set(by_id) == {t["id"] for t in admin.ok(admin.get("/api/v1/tokens"))["items"]}
    assert by_id[working["id"]].split()[1:4] == ["team", "board", "editor"]
    assert working["prefix"] in by_id[working["id"]]
    assert "never" not in by_id[working["id"]].split()[-4:-2], "last used is shown"
    assert by_id[revoked["id"]].split()[-1] != "-", "the time it was revoked"
    for secret in tenant.secrets.values():
        assert secret not in everything.stdout
    listed_active = {row.split()[0] for row in active.stdout.splitlines()[1:]}
    assert working["id"] in listed_active
    assert revoked["id"] not in listed_active and expired["id"] not in listed_active


def test_cli_token_revoke_stops_the_token(
    vsm: Any, client: TestClient[Any], tenant: Tenant
) -> None:
    shown = printed(vsm("token", "create", "--org", tenant.slug, "--role", "viewer").stdout)
    caller = Api(client, shown["secret"])
    assert caller.get("/api/v1/people").status_code == 200

    result = vsm("token", "revoke", "--org", tenant.slug, shown["id"])

    assert result.returncode == 0, result.stderr
    assert caller.get("/api/v1/people").status_code == 401


def test_cli_refuses_an_unknown_role_in_one_line(vsm: Any, tenant: Tenant, admin: Api) -> None:
    before = admin.ok(admin.get("/api/v1/tokens"))["items"]

    result = vsm("token", "create", "--org", tenant.slug, "--role", "superuser")

    assert "superuser" in one_line_error(result)
    assert not SECRET.search(result.stdout + result.stderr)
    assert admin.ok(admin.get("/api/v1/tokens"))["items"] == before


def test_cli_names_an_unknown_organization(vsm: Any) -> None:
    result = vsm("token", "create", "--org", "no-such-org", "--role", "viewer")

    assert result.returncode == 2
    message = one_line_error(result)
    assert "no-such-org" in message and "not found" in message
    assert not SECRET.search(result.stdout)


def test_cli_revoke_of_a_token_of_another_organization_is_refused(
    vsm: Any, tenant: Tenant, other_tenant: Tenant, outsider: Api
) -> None:
    foreign = Factory(outsider).token()

    result = vsm("token", "revoke", "--org", tenant.slug, foreign["id"])

    assert result.returncode == 2
    assert "not found" in one_line_error(result)
    assert outsider.ok(outsider.get(f"/api/v1/tokens/{foreign['id']}"))["revoked_at"] is None
