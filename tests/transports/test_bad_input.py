"""Bad input is the client's mistake: a 4xx problem that names what is wrong, never a 500."""

import base64
import json
from typing import Any

import pytest

from tests.api_client import Api
from tests.factories import Factory
from tests.problems import assert_problem, problem_fault

# Fixed, so parametrized test ids are the same in every xdist worker.
FOREIGN_ID = "0b7e4c2a-6a1f-4d3c-9e8b-2f5a1c7d9e01"


@pytest.fixture
def rows(factory: Factory, admin_factory: Factory) -> dict[str, Any]:
    return {"person": factory.person(), "team": factory.team(), "token": admin_factory.token()}


def url_of(template: str, rows: dict[str, Any]) -> str:
    return template.format(**{kind: row["id"] for kind, row in rows.items()})


CREATES = {
    "people": "/api/v1/people",
    "teams": "/api/v1/teams",
    "tokens": "/api/v1/tokens",
}
PATCHES = {
    "person": "/api/v1/people/{person}",
    "team": "/api/v1/teams/{team}",
    "organization": "/api/v1/organization",
}
VALID_CREATE = {
    "people": {"name": "Valid"},
    "teams": {"name": "Valid"},
    "tokens": {"name": "Valid", "role": "viewer"},
}


@pytest.mark.parametrize(
    ("target", "body", "field"),
    [
        ("people", {"name": 123}, "name"),
        ("people", {"name": "A", "active": "maybe"}, "active"),
        ("people", {"name": "A", "email": "not-an-email"}, "email"),
        ("people", {"name": "A", "title": ["list"]}, "title"),
        ("people", {"name": None}, "name"),
        ("people", {}, "name"),
        ("teams", {"name": "T", "member_ids": "abc"}, "member_ids"),
        ("teams", {"name": "T", "member_ids": ["not-a-uuid"]}, "member_ids"),
        ("teams", {"name": "T", "description": 5}, "description"),
        ("tokens", {"name": "t", "role": "superuser"}, "role"),
        ("tokens", {"name": "t", "role": "viewer", "expires_at": "tomorrow"}, "expires_at"),
        ("tokens", {"name": "t", "role": "viewer", "person_id": "nobody"}, "person_id"),
    ],
)
def test_a_create_with_a_wrong_type_names_the_field(
    admin: Api, target: str, body: dict[str, Any], field: str
) -> None:
    response = admin.post(CREATES[target], body)

    assert_problem(response, 422, field=field)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("id", FOREIGN_ID),
        ("version", 7),
        ("organization_id", FOREIGN_ID),
        ("created_at", "2024-01-01T00:00:00Z"),
        ("colour", "blue"),
    ],
)
def test_a_create_with_an_unknown_field_is_refused_naming_it(
    admin: Api, field: str, value: Any
) -> None:
    answers = {
        target: admin.post(url, {**VALID_CREATE[target], field: value})
        for target, url in CREATES.items()
    }

    faults = {target: problem_fault(answer, 422, field=field) for target, answer in answers.items()}
    assert faults == dict.fromkeys(CREATES)


@pytest.mark.parametrize(
    ("field", "value"),
    [("id", FOREIGN_ID), ("version", 9), ("organization_id", FOREIGN_ID)],
)
def test_a_patch_with_an_unknown_field_is_refused_naming_it(
    admin: Api, rows: dict[str, Any], field: str, value: Any
) -> None:
    urls = {target: url_of(template, rows) for target, template in PATCHES.items()}

    answers = {target: admin.patch(url, {field: value}, if_match=1) for target, url in urls.items()}

    faults = {target: problem_fault(answer, 422, field=field) for target, answer in answers.items()}
    assert faults == dict.fromkeys(PATCHES)
    assert {target: admin.ok(admin.get(url))["version"] for target, url in urls.items()} == (
        dict.fromkeys(PATCHES, 1)
    )


@pytest.mark.parametrize(
    ("url", "body", "field"),
    [
        ("/api/v1/people", {"name": "x" * 201}, "name"),
        ("/api/v1/people", {"name": "A", "title": "x" * 201}, "title"),
        ("/api/v1/people", {"name": ""}, "name"),
        ("/api/v1/teams", {"name": "x" * 201}, "name"),
        ("/api/v1/teams", {"name": "T", "description": "x" * 4001}, "description"),
        ("/api/v1/tokens", {"name": "x" * 201, "role": "viewer"}, "name"),
    ],
)
def test_an_oversized_or_empty_string_is_refused_naming_the_field(
    admin: Api, url: str, body: dict[str, Any], field: str
) -> None:
    response = admin.post(url, body)

    assert_problem(response, 422, field=field)


def test_a_string_at_its_limit_is_accepted(editor: Api) -> None:
    response = editor.post("/api/v1/people", {"name": "x" * 200})

    assert editor.ok(response, 201)["name"] == "x" * 200


def test_an_oversized_patch_changes_nothing(editor: Api, rows: dict[str, Any]) -> None:
    url = url_of(PATCHES["person"], rows)

    response = editor.patch(url, {"name": "x" * 201}, if_match=1)

    assert_problem(response, 422, field="name")
    assert editor.ok(editor.get(url))["name"] == rows["person"]["name"]


@pytest.mark.parametrize(
    ("content", "content_type", "status"),
    [
        (b'{"name": ', "application/json", 400),
        (b'{"name": "A",}', "application/json", 400),
        (b"{'name': 'A'}", "application/json", 400),
        (b"\xff\xfe\x00", "application/json", 400),
        (b"", "application/json", 422),
        (b'["name"]', "application/json", 422),
        (b'"just a string"', "application/json", 422),
        (b"null", "application/json", 422),
        (b"name=A", "application/x-www-form-urlencoded", 400),
        (b"name: A", "text/plain", 400),
        (b"<person><name>A</name></person>", "application/xml", 400),
    ],
    ids=[
        "truncated",
        "trailing-comma",
        "single-quotes",
        "binary",
        "empty",
        "list",
        "string",
        "null",
        "form",
        "text",
        "xml",
    ],
)
def test_a_body_that_is_not_a_json_object_is_refused(
    editor: Api, content: bytes, content_type: str, status: int
) -> None:
    """A body that cannot be read as JSON is 400; JSON of the wrong shape is 422."""
    response = editor.post(
        "/api/v1/people", content=content, headers={"Content-Type": content_type}
    )

    assert_problem(response, status)
    assert editor.ok(editor.get("/api/v1/people"))["items"] == []


def b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


BAD_CURSORS = {
    "text": "this is not a cursor",
    "symbols": "!!!",
    "b64-junk": b64(b"\xff\xfe\xfd\x00junk"),
    "b64-text": b64(b"hello world"),
    "b64-object": b64(json.dumps({"id": FOREIGN_ID}).encode()),
    "b64-empty-list": b64(b"[]"),
    "b64-wrong-arity": b64(json.dumps([FOREIGN_ID, 1]).encode()),
    "b64-not-a-uuid": b64(json.dumps(["not-a-uuid"]).encode()),
    "b64-number": b64(json.dumps([12]).encode()),
    "b64-null": b64(json.dumps([None]).encode()),
    "too-long": "A" * 600,
}


LISTS = ["/api/v1/people", "/api/v1/teams", "/api/v1/tokens", "/api/v1/audit"]


@pytest.mark.parametrize("cursor", list(BAD_CURSORS.values()), ids=list(BAD_CURSORS))
def test_a_cursor_we_did_not_issue_is_refused(admin: Api, cursor: str) -> None:
    answers = {url: admin.get(url, params={"cursor": cursor}) for url in LISTS}

    faults = {url: problem_fault(answer, field="cursor") for url, answer in answers.items()}
    assert faults == dict.fromkeys(LISTS)


@pytest.mark.parametrize("limit", ["0", "101", "-1", "abc", "1.5", ""])
def test_a_limit_outside_1_to_100_is_refused(admin: Api, limit: str) -> None:
    answers = {url: admin.get(url, params={"limit": limit}) for url in LISTS}

    faults = {url: problem_fault(answer, 422, field="limit") for url, answer in answers.items()}
    assert faults == dict.fromkeys(LISTS)


def test_limits_of_1_and_100_are_accepted(admin: Api) -> None:
    statuses = {
        (url, limit): admin.get(url, params={"limit": limit}).status_code
        for url in LISTS
        for limit in (1, 100)
    }

    assert set(statuses.values()) == {200}


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"active": "perhaps"}, "active"),
        ({"q": "x" * 201}, "q"),
    ],
)
def test_a_bad_people_filter_names_the_parameter(
    editor: Api, query: dict[str, str], field: str
) -> None:
    response = editor.get("/api/v1/people", params=query)

    assert_problem(response, 422, field=field)


@pytest.mark.parametrize(
    ("url", "query", "field"),
    [
        ("/api/v1/teams", {"member_id": "nobody"}, "member_id"),
        ("/api/v1/tokens", {"role": "owner"}, "role"),
        ("/api/v1/audit", {"entity_id": "nothing"}, "entity_id"),
        ("/api/v1/audit", {"actor_token_id": "42"}, "actor_token_id"),
        ("/api/v1/audit", {"entity_type": "x" * 61}, "entity_type"),
    ],
)
def test_a_bad_filter_names_the_parameter(
    admin: Api, url: str, query: dict[str, str], field: str
) -> None:
    response = admin.get(url, params=query)

    assert_problem(response, 422, field=field)


@pytest.mark.parametrize(
    ("records", "query", "field"),
    [
        ("work-items", {"type": "chore"}, "type"),
        ("work-items", {"finished_since": "2026-01-01T00:00:00"}, "finished_since"),
        ("deployments", {"succeeded": "mostly"}, "succeeded"),
        ("deployments", {"deployed_until": "yesterday"}, "deployed_until"),
        ("incidents", {"resolved_since": "2026-01-01T00:00:00"}, "resolved_since"),
    ],
)
def test_a_bad_delivery_filter_names_the_parameter(
    editor: Api, factory: Factory, records: str, query: dict[str, str], field: str
) -> None:
    """An instant without a zone is no instant (GraphQL's refusals are parity cases)."""
    stream = factory.value_stream()

    response = editor.get(f"/api/v1/value-streams/{stream['id']}/{records}", params=query)

    assert_problem(response, 422, code="VALIDATION_FAILED", field=field)


@pytest.mark.parametrize("kind", ["people", "teams", "tokens"])
@pytest.mark.parametrize("ident", ["not-a-uuid", "00000000-0000-0000-0000-00000000000g", "..%2F.."])
def test_an_id_that_is_no_uuid_is_never_a_server_error(admin: Api, kind: str, ident: str) -> None:
    answers = {
        method: admin.client.request(
            method,
            f"/api/v1/{kind}/{ident}",
            json={"name": "x"} if method == "PATCH" else None,
            headers={"Authorization": f"Bearer {admin.token}", "If-Match": '"1"'},
        )
        for method in ("GET", "PATCH", "DELETE")
    }

    statuses = {method: answer.status_code for method, answer in answers.items()}
    assert set(statuses.values()) <= {400, 404, 405}, statuses
    assert {method: problem_fault(answer) for method, answer in answers.items()} == (
        dict.fromkeys(answers)
    )


@pytest.mark.parametrize(
    "if_match",
    [
        "abc",
        '"x"',
        'W/"1',
        "1.0",
        '"-1"',
        '"99999999999999999999"',
        'W/"1"',
        '"2", "3"',
        'W/"1", "2"',
    ],
)
def test_an_if_match_naming_no_current_version_strongly_fails_the_precondition(
    editor: Api, rows: dict[str, Any], if_match: str
) -> None:
    url = url_of(PATCHES["person"], rows)

    response = editor.patch(url, {"name": "Changed"}, if_match=if_match)

    assert_problem(response, 412)
    assert editor.ok(editor.get(url))["name"] == rows["person"]["name"]


@pytest.mark.parametrize("if_match", ['"1"', ' "1" ', '"1", "2"', '"3", "1"', '"2","1"', "*"])
def test_an_if_match_naming_the_current_version_or_any_is_accepted(
    editor: Api, rows: dict[str, Any], if_match: str
) -> None:
    url = url_of(PATCHES["person"], rows)

    response = editor.patch(url, {"title": "Changed"}, if_match=if_match)

    assert editor.ok(response)["version"] == 2


@pytest.mark.parametrize("if_match", ['"1"', '"x"', "junk"])
def test_a_precondition_does_not_hide_that_the_object_is_missing(
    editor: Api, if_match: str
) -> None:
    """RFC 9110 13.2.1: preconditions are evaluated only where the answer would be 2xx."""
    response = editor.delete(f"/api/v1/people/{FOREIGN_ID}", if_match=if_match)

    assert_problem(response, 404, code="NOT_FOUND")
