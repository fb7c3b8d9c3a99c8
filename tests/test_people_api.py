"""People over REST: the pattern every aggregate follows (scoped, versioned, audited)."""

from tests.api_client import Api
from tests.factories import Factory


def test_a_created_person_can_be_read_back_with_its_etag(editor: Api, factory: Factory) -> None:
    created = factory.person(name="Grace Hopper", title="Rear Admiral")

    response = editor.get(f"/api/v1/people/{created['id']}")

    assert response.status_code == 200
    assert response.headers["etag"] == '"1"'
    assert response.json()["name"] == "Grace Hopper"
    assert response.json()["title"] == "Rear Admiral"


def test_update_requires_if_match(editor: Api, factory: Factory) -> None:
    person = factory.person()

    response = editor.patch(f"/api/v1/people/{person['id']}", {"name": "New"})

    assert response.status_code == 428
    assert response.headers["content-type"].startswith("application/problem+json")


def test_stale_if_match_is_refused_and_changes_nothing(editor: Api, factory: Factory) -> None:
    person = factory.person(name="Before")
    editor.ok(editor.patch(f"/api/v1/people/{person['id']}", {"name": "First"}, if_match=1))

    response = editor.patch(f"/api/v1/people/{person['id']}", {"name": "Second"}, if_match=1)

    assert response.status_code == 412
    assert response.json()["current_version"] == 2
    assert editor.get(f"/api/v1/people/{person['id']}").json()["name"] == "First"


def test_update_bumps_version_and_etag(editor: Api, factory: Factory) -> None:
    person = factory.person()

    response = editor.patch(f"/api/v1/people/{person['id']}", {"title": "Coach"}, if_match=1)

    assert response.status_code == 200
    assert response.headers["etag"] == '"2"'
    assert response.json()["version"] == 2


def test_delete_needs_the_current_version(editor: Api, factory: Factory) -> None:
    person = factory.person()

    assert editor.delete(f"/api/v1/people/{person['id']}", if_match=7).status_code == 412
    assert editor.delete(f"/api/v1/people/{person['id']}", if_match=1).status_code == 204
    assert editor.get(f"/api/v1/people/{person['id']}").status_code == 404


def test_list_pages_with_cursor_and_filters(editor: Api, factory: Factory) -> None:
    names = [factory.person(name=f"Ada {i}")["name"] for i in range(5)]
    factory.person(name="Linus", active=False)

    first = editor.ok(editor.get("/api/v1/people", params={"limit": 2, "q": "ada"}))
    second = editor.ok(
        editor.get(
            "/api/v1/people", params={"limit": 2, "q": "ada", "cursor": first["next_cursor"]}
        )
    )
    third = editor.ok(
        editor.get(
            "/api/v1/people", params={"limit": 2, "q": "ada", "cursor": second["next_cursor"]}
        )
    )
    inactive = editor.ok(editor.get("/api/v1/people", params={"active": "false"}))

    seen = [p["name"] for p in first["items"] + second["items"] + third["items"]]
    assert seen == names
    assert third["next_cursor"] is None
    assert [p["name"] for p in inactive["items"]] == ["Linus"]


def test_duplicate_email_is_a_conflict(editor: Api, factory: Factory) -> None:
    factory.person(email="same@example.com")

    response = editor.post("/api/v1/people", {"name": "Twin", "email": "same@example.com"})

    assert response.status_code == 409
    assert response.json()["code"] == "CONFLICT"
