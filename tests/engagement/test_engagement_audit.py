"""The engagement's audit trail: every change says who made it, and what was before and after."""

from typing import Any

import pytest

from tests.api_client import Api
from tests.factories import Factory

ENTITY_TYPES = {
    "participants": "participant",
    "deliverables": "deliverable",
    "risks": "risk",
    "action-items": "action_item",
    "signoffs": "sponsor_signoff",
}

PATCHES = {
    "participants": ("trained", True),
    "deliverables": ("status", "draft"),
    "risks": ("status", "mitigating"),
    "action-items": ("status", "done"),
    "signoffs": ("statement", "Aligned, with conditions."),
}

THREE_OPEN_PHASES = {
    "iterate_to": "map",
    "phases": [
        {"key": "prepare", "name": "Prepare", "timebox_days": 10},
        {"key": "map", "name": "Map", "timebox_days": 2},
        {"key": "improve", "name": "Improve"},
    ],
}


def token_id_of(api: Api) -> str:
    return api.graphql("{ me { tokenId } }")["data"]["me"]["tokenId"]


def events(api: Api, **filters: Any) -> list[dict[str, Any]]:
    """Audit events, newest first."""
    return api.ok(api.get("/api/v1/audit", params={"limit": 100, **filters}))["items"]


def the_event(api: Api, entity_id: str, action: str) -> dict[str, Any]:
    found = events(api, entity_id=entity_id, action=action)
    assert len(found) == 1, found
    return found[0]


def move(api: Api, stream_id: str, **body: Any) -> dict[str, Any]:
    current = api.get(f"/api/v1/value-streams/{stream_id}")
    response = api.post(
        f"/api/v1/value-streams/{stream_id}/transitions", body, if_match=current.headers["etag"]
    )
    return api.ok(response, 201)


# --- create, update, delete ---------------------------------------------------------------


def test_a_value_streams_create_update_and_delete_each_leave_an_event(
    editor: Api, factory: Factory
) -> None:
    me = token_id_of(editor)
    stream = factory.value_stream(name="Order to cash")
    url = f"/api/v1/value-streams/{stream['id']}"

    editor.ok(editor.patch(url, {"name": "Quote to cash"}, if_match=1))
    editor.delete(url, if_match=2)

    create, update, delete = (
        the_event(editor, stream["id"], action) for action in ("create", "update", "delete")
    )
    for event in (create, update, delete):
        assert event["entity_type"] == "value_stream"
        assert event["actor_token_id"] == me
    assert create["before"] is None
    assert (create["after"]["name"], create["after"]["phase"]) == ("Order to cash", "pre_planning")
    assert (update["before"]["name"], update["after"]["name"]) == ("Order to cash", "Quote to cash")
    assert (update["before"]["version"], update["after"]["version"]) == (1, 2)
    assert delete["before"]["name"] == "Quote to cash"
    assert delete["after"] is None


@pytest.mark.parametrize("segment", list(ENTITY_TYPES))
def test_a_records_create_update_and_delete_each_leave_an_event(
    editor: Api, factory: Factory, segment: str
) -> None:
    me = token_id_of(editor)
    record = factory.records(factory.value_stream())[segment]
    field, value = PATCHES[segment]
    url = f"/api/v1/{segment}/{record['id']}"

    editor.ok(editor.patch(url, {field: value}, if_match=1))
    assert editor.delete(url, if_match=2).status_code == 204

    create, update, delete = (
        the_event(editor, record["id"], action) for action in ("create", "update", "delete")
    )
    for event in (create, update, delete):
        assert event["entity_type"] == ENTITY_TYPES[segment]
        assert event["actor_token_id"] == me
    assert create["before"] is None
    assert create["after"]["id"] == record["id"]
    assert create["after"]["value_stream_id"] == record["value_stream_id"]
    assert update["before"][field] == record[field]
    assert update["after"][field] == value
    assert delete["before"][field] == value
    assert delete["after"] is None


def test_a_graphql_change_leaves_an_event_of_its_caller(editor: Api, factory: Factory) -> None:
    me = token_id_of(editor)
    risk = factory.risk(factory.value_stream(), title="Silo culture")

    result = editor.graphql(
        "mutation($id: ID!) { updateRisk(id: $id, expectedVersion: 1, input: {likelihood: 5})"
        " { version } }",
        {"id": risk["id"]},
    )

    assert "errors" not in result, result
    event = the_event(editor, risk["id"], "update")
    assert event["actor_token_id"] == me
    assert (event["before"]["likelihood"], event["after"]["likelihood"]) == (3, 5)


# --- transitions --------------------------------------------------------------------------


def test_every_kind_of_move_leaves_a_transition_event(
    editor: Api, admin_factory: Factory, factory: Factory
) -> None:
    admin_factory.api.ok(admin_factory.playbook(THREE_OPEN_PHASES))
    me = token_id_of(editor)
    stream = factory.value_stream()

    move(editor, stream["id"], to="map")
    move(editor, stream["id"], to="improve")
    move(editor, stream["id"], to="iterate")
    move(editor, stream["id"], to="prepare", reason="The sponsor changed.")

    found = events(editor, entity_id=stream["id"], action="transition")
    moves = [
        ((e["before"]["phase"], e["before"]["cycle"]), (e["after"]["phase"], e["after"]["cycle"]))
        for e in reversed(found)
    ]
    assert moves == [
        (("prepare", 1), ("map", 1)),
        (("map", 1), ("improve", 1)),
        (("improve", 1), ("map", 2)),
        (("map", 2), ("prepare", 2)),
    ]
    assert {e["entity_type"] for e in found} == {"value_stream"}
    assert {e["actor_token_id"] for e in found} == {me}
    assert [e["after"]["version"] for e in reversed(found)] == [2, 3, 4, 5]


def test_a_forced_move_is_audited_as_forced_with_its_justification_in_history(
    admin: Api, factory: Factory
) -> None:
    me = token_id_of(admin)
    stream = factory.value_stream()

    moved = move(
        admin, stream["id"], to="planning", force=True, justification="Board decision of 3 March."
    )

    event = the_event(admin, stream["id"], "forced_transition")
    assert event["actor_token_id"] == me
    assert (event["before"]["phase"], event["after"]["phase"]) == ("pre_planning", "planning")
    assert events(admin, entity_id=stream["id"], action="transition") == []
    history = admin.ok(admin.get(f"/api/v1/value-streams/{stream['id']}/history"))["items"]
    assert len(history) == 1
    entry = history[0]
    assert entry["id"] == moved["transition"]["id"]
    assert entry["forced"] is True
    assert entry["justification"] == "Board decision of 3 March."
    assert entry["actor_token_id"] == me
    assert entry["gate"]["passed"] is False


def test_a_forced_skip_is_audited_as_forced(admin: Api, factory: Factory) -> None:
    stream = factory.value_stream()

    move(admin, stream["id"], to="current_state", force=True, justification="Pilot team.")

    event = the_event(admin, stream["id"], "forced_transition")
    assert (event["before"]["phase"], event["after"]["phase"]) == ("pre_planning", "current_state")
    history = admin.ok(admin.get(f"/api/v1/value-streams/{stream['id']}/history"))["items"]
    assert [(h["to_phase"], h["forced"]) for h in history] == [("current_state", True)]


def test_force_on_an_open_gate_is_an_ordinary_move(
    admin: Api, admin_factory: Factory, factory: Factory
) -> None:
    admin.ok(admin_factory.playbook(THREE_OPEN_PHASES))
    stream = factory.value_stream()

    move(admin, stream["id"], to="map", force=True, justification="Not needed.")

    assert the_event(admin, stream["id"], "transition")["after"]["phase"] == "map"
    assert events(admin, entity_id=stream["id"], action="forced_transition") == []
    history = admin.ok(admin.get(f"/api/v1/value-streams/{stream['id']}/history"))["items"]
    assert history[0]["forced"] is False


def test_a_forced_move_over_graphql_is_audited_as_forced(admin: Api, factory: Factory) -> None:
    stream = factory.value_stream()

    result = admin.graphql(
        """mutation($id: ID!) { transitionValueStream(id: $id, expectedVersion: 1,
             to: "planning", force: true, justification: "Board.")
             { transition { forced justification } } }""",
        {"id": stream["id"]},
    )

    assert result["data"]["transitionValueStream"]["transition"] == {
        "forced": True,
        "justification": "Board.",
    }
    assert the_event(admin, stream["id"], "forced_transition")["after"]["phase"] == "planning"


# --- the playbook -------------------------------------------------------------------------


def test_replacing_the_playbook_leaves_an_event_with_before_and_after(
    admin: Api, admin_factory: Factory
) -> None:
    me = token_id_of(admin)
    default = admin.ok(admin.get("/api/v1/playbook"))
    first = admin.ok(admin_factory.playbook(THREE_OPEN_PHASES))
    second_data = {**THREE_OPEN_PHASES, "iterate_to": "prepare"}

    second = admin.ok(admin_factory.playbook(second_data))

    found = events(admin, entity_type="playbook")
    assert len(found) == 2, found
    latest, earliest = found
    assert {latest["actor_token_id"], earliest["actor_token_id"]} == {me}
    assert earliest["after"] == first
    assert latest["before"] == first
    assert latest["after"] == second
    assert earliest["before"] == default, "the rules in force before the first replacement"


# --- refusals change nothing, so they leave no event --------------------------------------


def test_refused_changes_leave_no_event(editor: Api, viewer: Api, factory: Factory) -> None:
    stream = factory.value_stream()
    url = f"/api/v1/value-streams/{stream['id']}"
    before = events(editor)

    editor.patch(url, {"name": "Lost update"}, if_match=7)
    editor.post(f"{url}/transitions", {"to": "planning"}, if_match=1)
    editor.post(
        f"{url}/transitions", {"to": "planning", "force": True, "justification": "X"}, if_match=1
    )
    viewer.patch(url, {"name": "Viewer's name"}, if_match=1)
    editor.graphql(
        'mutation($id: ID!) { updateValueStream(id: $id, expectedVersion: 9, input: {name: "X"})'
        " { id } }",
        {"id": stream["id"]},
    )

    assert events(editor) == before
