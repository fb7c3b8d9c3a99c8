"""Versions of the engagement: no write lands on a state its writer has not seen."""

from typing import Any

import pytest

from tests.api_client import Api
from tests.factories import Factory
from tests.problems import assert_problem

SEGMENTS = ["participants", "deliverables", "risks", "action-items", "signoffs"]

PATCH_BODIES = {
    "participants": {"trained": True},
    "deliverables": {"status": "draft"},
    "risks": {"status": "mitigating"},
    "action-items": {"status": "done"},
    "signoffs": {"statement": "Changed my mind."},
}

GRAPHQL_NAMES = {
    "participants": ("Participant", "{trained: true}"),
    "deliverables": ("Deliverable", "{status: draft}"),
    "risks": ("Risk", "{status: mitigating}"),
    "action-items": ("ActionItem", "{status: done}"),
    "signoffs": ("Signoff", '{statement: "Changed my mind."}'),
}


@pytest.fixture
def stream(factory: Factory) -> dict[str, Any]:
    made = factory.value_stream(name="Order to cash")
    return {**made, "records": factory.records(made)}


def url_of(stream: dict[str, Any]) -> str:
    return f"/api/v1/value-streams/{stream['id']}"


def renamed(editor: Api, stream: dict[str, Any]) -> dict[str, Any]:
    """Someone else's change: the stream moves on to version 2."""
    return editor.ok(editor.patch(url_of(stream), {"name": "Quote to cash"}, if_match=1))


def edited(editor: Api, segment: str, record: dict[str, Any]) -> dict[str, Any]:
    """Someone else's change: the record moves on to version 2."""
    url = f"/api/v1/{segment}/{record['id']}"
    return editor.ok(editor.patch(url, PATCH_BODIES[segment], if_match=1))


# --- stale If-Match: 412, nothing changes -------------------------------------------------


def test_a_stale_patch_of_a_value_stream_is_412_and_changes_nothing(
    editor: Api, stream: dict[str, Any]
) -> None:
    current = renamed(editor, stream)

    response = editor.patch(url_of(stream), {"description": "Lost update"}, if_match=1)

    body = assert_problem(response, 412, code="STALE_VERSION")
    assert body["current_version"] == 2
    assert editor.ok(editor.get(url_of(stream))) == current


def test_a_stale_delete_of_a_value_stream_is_412_and_deletes_nothing(
    editor: Api, stream: dict[str, Any]
) -> None:
    current = renamed(editor, stream)

    response = editor.delete(url_of(stream), if_match=1)

    assert_problem(response, 412, code="STALE_VERSION")
    assert editor.ok(editor.get(url_of(stream))) == current


def test_a_stale_transition_is_412_and_moves_nothing(
    admin: Api, editor: Api, stream: dict[str, Any]
) -> None:
    current = renamed(editor, stream)

    response = admin.post(
        f"{url_of(stream)}/transitions",
        {"to": "planning", "force": True, "justification": "Board decision."},
        if_match=1,
    )

    assert_problem(response, 412, code="STALE_VERSION")
    assert editor.ok(editor.get(url_of(stream))) == current
    assert editor.ok(editor.get(f"{url_of(stream)}/history"))["items"] == []


@pytest.mark.parametrize("segment", SEGMENTS)
def test_a_stale_patch_of_a_record_is_412_and_changes_nothing(
    editor: Api, stream: dict[str, Any], segment: str
) -> None:
    record = stream["records"][segment]
    current = edited(editor, segment, record)

    response = editor.patch(f"/api/v1/{segment}/{record['id']}", PATCH_BODIES[segment], if_match=1)

    assert_problem(response, 412, code="STALE_VERSION")
    assert editor.ok(editor.get(f"/api/v1/{segment}/{record['id']}")) == current


@pytest.mark.parametrize("segment", SEGMENTS)
def test_a_stale_delete_of_a_record_is_412_and_deletes_nothing(
    editor: Api, stream: dict[str, Any], segment: str
) -> None:
    record = stream["records"][segment]
    current = edited(editor, segment, record)

    response = editor.delete(f"/api/v1/{segment}/{record['id']}", if_match=1)

    assert_problem(response, 412, code="STALE_VERSION")
    assert editor.ok(editor.get(f"/api/v1/{segment}/{record['id']}")) == current


def test_an_if_match_that_is_no_etag_is_412(editor: Api, stream: dict[str, Any]) -> None:
    response = editor.patch(url_of(stream), {"name": "Renamed"}, if_match="version one")

    assert_problem(response, 412, code="STALE_VERSION")
    assert editor.ok(editor.get(url_of(stream)))["name"] == "Order to cash"


def test_a_weak_etag_never_matches_because_if_match_compares_strongly(
    editor: Api, stream: dict[str, Any]
) -> None:
    """RFC 9110 13.1.1: If-Match uses the strong comparison; a weak tag never matches."""
    response = editor.patch(url_of(stream), {"name": "Renamed"}, if_match='W/"1"')

    assert_problem(response, 412, code="STALE_VERSION")
    assert editor.ok(editor.get(url_of(stream)))["name"] == stream["name"]


# --- missing If-Match: 428 ----------------------------------------------------------------


def write_without_if_match(api: Api, route: str, stream: dict[str, Any]) -> Any:
    if route == "patch stream":
        return api.patch(url_of(stream), {"name": "Blind write"})
    if route == "delete stream":
        return api.delete(url_of(stream))
    if route == "transition":
        return api.post(
            f"{url_of(stream)}/transitions",
            {"to": "planning", "force": True, "justification": "Board decision."},
        )
    if route == "replace playbook":
        return api.put("/api/v1/playbook", {"iterate_to": "a", "phases": []})
    method, segment = route.split(" ")
    url = f"/api/v1/{segment}/{stream['records'][segment]['id']}"
    if method == "patch":
        return api.patch(url, PATCH_BODIES[segment])
    return api.delete(url)


ROUTES_NEEDING_IF_MATCH = [
    "patch stream",
    "delete stream",
    "transition",
    "replace playbook",
    *[f"{method} {segment}" for segment in SEGMENTS for method in ("patch", "delete")],
]


@pytest.mark.parametrize("route", ROUTES_NEEDING_IF_MATCH)
def test_a_write_without_if_match_is_428_and_changes_nothing(
    admin: Api, stream: dict[str, Any], route: str
) -> None:
    response = write_without_if_match(admin, route, stream)

    assert_problem(response, 428, code="PRECONDITION_REQUIRED")
    assert admin.ok(admin.get(url_of(stream)))["version"] == stream["version"]
    for segment, record in stream["records"].items():
        assert admin.ok(admin.get(f"/api/v1/{segment}/{record['id']}"))["version"] == 1


# --- versions move forward and the ETag follows -------------------------------------------


def test_a_transition_bumps_the_version_and_answers_the_new_etag(
    admin: Api, stream: dict[str, Any]
) -> None:
    response = admin.post(
        f"{url_of(stream)}/transitions",
        {"to": "planning", "force": True, "justification": "Board decision."},
        if_match=stream["version"],
    )

    body = admin.ok(response, 201)
    assert body["value_stream"]["version"] == stream["version"] + 1
    assert response.headers["etag"] == f'"{stream["version"] + 1}"'
    read = admin.get(url_of(stream))
    assert read.headers["etag"] == response.headers["etag"]
    assert read.json()["phase"] == "planning"


def test_the_etag_of_a_transition_is_good_for_the_next_write(
    admin: Api, stream: dict[str, Any]
) -> None:
    moved = admin.post(
        f"{url_of(stream)}/transitions",
        {"to": "planning", "force": True, "justification": "Board decision."},
        if_match=stream["version"],
    )

    back = admin.post(
        f"{url_of(stream)}/transitions",
        {"to": "pre_planning", "reason": "The sponsor left."},
        if_match=moved.headers["etag"],
    )

    assert admin.ok(back, 201)["value_stream"]["phase"] == "pre_planning"
    assert back.headers["etag"] == f'"{stream["version"] + 2}"'


def test_a_patch_answers_the_new_etag(editor: Api, stream: dict[str, Any]) -> None:
    response = editor.patch(url_of(stream), {"description": "Quote to cash."}, if_match=1)

    assert editor.ok(response)["version"] == 2
    assert response.headers["etag"] == '"2"'


@pytest.mark.parametrize("segment", SEGMENTS)
def test_a_record_patch_answers_the_new_etag(
    editor: Api, stream: dict[str, Any], segment: str
) -> None:
    record = stream["records"][segment]

    response = editor.patch(f"/api/v1/{segment}/{record['id']}", PATCH_BODIES[segment], if_match=1)

    assert editor.ok(response)["version"] == 2
    assert response.headers["etag"] == '"2"'
    assert editor.get(f"/api/v1/{segment}/{record['id']}").headers["etag"] == '"2"'


# --- GraphQL: the expected version, STALE_VERSION when it is not the stored one -----------


def stale_value_stream_mutation(name: str) -> str:
    return {
        "update": 'updateValueStream(id: $id, expectedVersion: 1, input: {name: "Lost"}) { id }',
        "delete": "deleteValueStream(id: $id, expectedVersion: 1)",
        "transition": 'transitionValueStream(id: $id, expectedVersion: 1, to: "planning",'
        ' force: true, justification: "Board.") { valueStream { phase } }',
    }[name]


@pytest.mark.parametrize("name", ["update", "delete", "transition"])
def test_a_graphql_stream_mutation_with_a_stale_version_is_stale_version(
    admin: Api, editor: Api, stream: dict[str, Any], name: str
) -> None:
    current = renamed(editor, stream)

    result = admin.graphql(
        f"mutation($id: ID!) {{ {stale_value_stream_mutation(name)} }}", {"id": stream["id"]}
    )

    error = result["errors"][0]
    assert error["extensions"]["code"] == "STALE_VERSION", result
    assert error["extensions"]["current_version"] == 2
    assert editor.ok(editor.get(url_of(stream))) == current


@pytest.mark.parametrize("segment", SEGMENTS)
@pytest.mark.parametrize("verb", ["update", "delete"])
def test_a_graphql_record_mutation_with_a_stale_version_is_stale_version(
    editor: Api, stream: dict[str, Any], segment: str, verb: str
) -> None:
    record = stream["records"][segment]
    current = edited(editor, segment, record)
    noun, patch = GRAPHQL_NAMES[segment]
    mutation = (
        f"update{noun}(id: $id, expectedVersion: 1, input: {patch}) {{ id }}"
        if verb == "update"
        else f"delete{noun}(id: $id, expectedVersion: 1)"
    )

    result = editor.graphql(f"mutation($id: ID!) {{ {mutation} }}", {"id": record["id"]})

    assert result["errors"][0]["extensions"]["code"] == "STALE_VERSION", result
    assert editor.ok(editor.get(f"/api/v1/{segment}/{record['id']}")) == current


def test_a_graphql_playbook_replacement_with_a_stale_version_is_stale_version(
    admin: Api, admin_factory: Factory
) -> None:
    playbook = {
        "iterate_to": "discover",
        "phases": [{"key": "discover", "name": "Discover"}, {"key": "deliver", "name": "Deliver"}],
    }
    admin.ok(admin_factory.playbook(playbook))

    result = admin.graphql(
        "mutation($p: JSON!) { replacePlaybook(expectedVersion: 0, playbook: $p) { version } }",
        {"p": {**playbook, "phases": [*playbook["phases"], {"key": "learn", "name": "Learn"}]}},
    )

    assert result["errors"][0]["extensions"]["code"] == "STALE_VERSION", result
    assert admin.get("/api/v1/playbook").headers["etag"] == '"1"'


def test_a_graphql_transition_answers_the_new_version(admin: Api, stream: dict[str, Any]) -> None:
    result = admin.graphql(
        """mutation($id: ID!) { transitionValueStream(id: $id, expectedVersion: 1,
             to: "planning", force: true, justification: "Board.")
             { valueStream { phase version } transition { forced } } }""",
        {"id": stream["id"]},
    )

    assert "errors" not in result, result
    payload = result["data"]["transitionValueStream"]
    assert payload["valueStream"] == {"phase": "planning", "version": 2}
    assert admin.get(url_of(stream)).headers["etag"] == '"2"'
