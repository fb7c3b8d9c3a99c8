"""The caller's own organization: readable by every role, renamed by an admin with If-Match."""

from tests.api_client import Api
from tests.conftest import Tenant
from tests.problems import assert_problem


def test_every_role_reads_its_own_organization_with_an_etag(
    admin: Api, viewer: Api, outsider: Api, tenant: Tenant, other_tenant: Tenant
) -> None:
    as_admin = admin.get("/api/v1/organization")
    as_viewer = viewer.get("/api/v1/organization")
    as_outsider = outsider.get("/api/v1/organization")

    assert as_admin.headers["etag"] == '"1"'
    assert admin.ok(as_admin) == {
        "id": str(tenant.organization.id),
        "name": "Acme",
        "slug": "acme",
        "version": 1,
    }
    assert viewer.ok(as_viewer) == admin.ok(as_admin)
    assert outsider.ok(as_outsider)["id"] == str(other_tenant.organization.id)


def test_an_admin_renames_the_organization_with_if_match(admin: Api) -> None:
    response = admin.patch("/api/v1/organization", {"name": "Acme Corporation"}, if_match=1)

    renamed = admin.ok(response)
    assert renamed["name"] == "Acme Corporation"
    assert renamed["slug"] == "acme"
    assert renamed["version"] == 2
    assert response.headers["etag"] == '"2"'
    assert admin.ok(admin.get("/api/v1/organization"))["name"] == "Acme Corporation"


def test_a_rename_from_a_stale_read_is_refused(admin: Api) -> None:
    admin.ok(admin.patch("/api/v1/organization", {"name": "First"}, if_match=1))

    response = admin.patch("/api/v1/organization", {"name": "Second"}, if_match=1)

    body = assert_problem(response, 412, code="STALE_VERSION")
    assert body["current_version"] == 2
    assert admin.ok(admin.get("/api/v1/organization"))["name"] == "First"


def test_a_rename_needs_if_match(admin: Api) -> None:
    response = admin.patch("/api/v1/organization", {"name": "Blind"})

    assert_problem(response, 428, code="PRECONDITION_REQUIRED")
    assert admin.ok(admin.get("/api/v1/organization"))["name"] == "Acme"


def test_the_slug_cannot_be_changed(admin: Api) -> None:
    response = admin.patch("/api/v1/organization", {"slug": "other"}, if_match=1)

    assert_problem(response, 422, field="slug")
    assert admin.ok(admin.get("/api/v1/organization"))["slug"] == "acme"


def test_an_empty_name_is_refused(admin: Api) -> None:
    response = admin.patch("/api/v1/organization", {"name": ""}, if_match=1)

    assert_problem(response, 422, field="name")


def test_a_rename_in_one_organization_leaves_the_other_alone(admin: Api, outsider: Api) -> None:
    admin.ok(admin.patch("/api/v1/organization", {"name": "Renamed"}, if_match=1))

    other = outsider.ok(outsider.get("/api/v1/organization"))

    assert other["name"] == "Globex"
    assert other["version"] == 1
