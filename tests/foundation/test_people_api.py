"""People over REST: the pattern every aggregate follows (scoped, versioned, audited)."""

import pytest

from tests.api_client import Api
from tests.factories import Factory
from tests.problems import problem_fault


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


DIRECTORY_EMAILS = ["ada@corp.local", "grace.hopper@navy.test", "linus@build.lab.local"]


@pytest.mark.parametrize("email", DIRECTORY_EMAILS)
def test_directory_addresses_on_local_and_test_domains_are_accepted(
    editor: Api, factory: Factory, email: str
) -> None:
    created = factory.person(email=email)
    changed = editor.patch(f"/api/v1/people/{created['id']}", {"email": f"x.{email}"}, if_match=1)

    assert created["email"] == email
    assert editor.ok(changed)["email"] == f"x.{email}"


def test_a_local_address_is_accepted_over_graphql_too(editor: Api) -> None:
    answer = editor.graphql(
        'mutation { createPerson(input: {name: "Ada", email: "ada@corp.local"}) { email } }'
    )

    assert answer.get("errors") is None, answer
    assert answer["data"]["createPerson"]["email"] == "ada@corp.local"


@pytest.mark.parametrize(
    "email",
    [
        "not-an-email",
        "ada@",
        "@corp.local",
        "ada@@corp.local",
        "ada lovelace@corp.local",
        "ada@corp..local",
        "ada@localhost",
        "ada@host.invalid",
        "ada@service.onion",
    ],
)
def test_malformed_or_undeliverable_addresses_are_still_refused(editor: Api, email: str) -> None:
    response = editor.post("/api/v1/people", {"name": "Ada", "email": email})

    assert problem_fault(response, field="email") is None
