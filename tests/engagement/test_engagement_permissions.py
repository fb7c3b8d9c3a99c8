"""Roles in the engagement: viewers read, editors run it, only admins force or change the rules."""

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

TWO_PHASES = {
    "iterate_to": "discover",
    "phases": [
        {"key": "discover", "name": "Discover", "criteria": []},
        {"key": "deliver", "name": "Deliver", "criteria": []},
    ],
}


def create_body(segment: str, factory: Factory, stream: dict[str, Any]) -> dict[str, Any]:
    if segment == "participants":
        return {"person_id": factory.person()["id"], "role": "coach"}
    if segment == "deliverables":
        return {"kind": "roadmap"}
    if segment == "signoffs":
        return {"sponsor_id": factory.sponsor(stream)["person_id"]}
    return {"title": "A viewer's idea"}


@pytest.fixture
def stream(factory: Factory) -> dict[str, Any]:
    made = factory.value_stream()
    return {**made, "records": factory.records(made)}


def url_of(stream: dict[str, Any]) -> str:
    return f"/api/v1/value-streams/{stream['id']}"


# --- viewers read everything and change nothing -------------------------------------------


def test_a_viewer_cannot_start_a_value_stream(viewer: Api) -> None:
    response = viewer.post("/api/v1/value-streams", {"name": "Viewer's stream"})

    assert_problem(response, 403, code="FORBIDDEN")
    assert viewer.ok(viewer.get("/api/v1/value-streams"))["items"] == []


def test_a_viewer_cannot_change_or_delete_a_value_stream(
    viewer: Api, editor: Api, stream: dict[str, Any]
) -> None:
    patched = viewer.patch(url_of(stream), {"name": "Renamed"}, if_match=stream["version"])
    deleted = viewer.delete(url_of(stream), if_match=stream["version"])

    assert_problem(patched, 403, code="FORBIDDEN")
    assert_problem(deleted, 403, code="FORBIDDEN")
    after = editor.ok(editor.get(url_of(stream)))
    assert (after["name"], after["version"]) == (stream["name"], stream["version"])


@pytest.mark.parametrize(
    ("to", "extra"),
    [
        ("planning", {}),
        ("planning", {"force": True, "justification": "The viewer insists."}),
    ],
    ids=["plain", "forced"],
)
def test_a_viewer_cannot_move_a_value_stream(
    viewer: Api, editor: Api, stream: dict[str, Any], to: str, extra: dict[str, Any]
) -> None:
    response = viewer.post(
        f"{url_of(stream)}/transitions", {"to": to, **extra}, if_match=stream["version"]
    )

    assert_problem(response, 403, code="FORBIDDEN")
    after = editor.ok(editor.get(url_of(stream)))
    assert (after["phase"], after["version"]) == ("pre_planning", stream["version"])


@pytest.mark.parametrize("segment", SEGMENTS)
def test_a_viewer_cannot_add_change_or_delete_a_record(
    viewer: Api, editor: Api, factory: Factory, stream: dict[str, Any], segment: str
) -> None:
    record = stream["records"][segment]
    body = create_body(segment, factory, stream)

    created = viewer.post(f"{url_of(stream)}/{segment}", body)
    patched = viewer.patch(f"/api/v1/{segment}/{record['id']}", PATCH_BODIES[segment], if_match=1)
    deleted = viewer.delete(f"/api/v1/{segment}/{record['id']}", if_match=1)

    for response in (created, patched, deleted):
        assert_problem(response, 403, code="FORBIDDEN")
    listed = editor.ok(editor.get(f"{url_of(stream)}/{segment}"))["items"]
    assert [(r["id"], r["version"]) for r in listed if r["id"] == record["id"]] == [
        (record["id"], 1)
    ]
    assert len(listed) == 1


def test_a_viewer_is_refused_before_its_input_is_judged(
    viewer: Api, outsider_factory: Factory, stream: dict[str, Any]
) -> None:
    """A read-only token learns nothing from a write: not which people exist, not the rules."""
    foreign_person = outsider_factory.person()["id"]
    participant = stream["records"]["participants"]

    owner_patch = viewer.patch(url_of(stream), {"owner_id": foreign_person}, if_match=1)
    champion_patch = viewer.patch(
        f"/api/v1/participants/{participant['id']}", {"role": "champion"}, if_match=1
    )

    assert_problem(owner_patch, 403, code="FORBIDDEN")
    assert_problem(champion_patch, 403, code="FORBIDDEN")


def test_a_viewer_cannot_replace_the_playbook(viewer: Api) -> None:
    response = viewer.put("/api/v1/playbook", TWO_PHASES, if_match=0)

    assert_problem(response, 403, code="FORBIDDEN")
    assert viewer.get("/api/v1/playbook").headers["etag"] == '"0"'


def test_a_viewer_reads_everything(viewer: Api, stream: dict[str, Any]) -> None:
    urls = [
        "/api/v1/value-streams",
        "/api/v1/portfolio",
        "/api/v1/playbook",
        url_of(stream),
        f"{url_of(stream)}/gate",
        f"{url_of(stream)}/history",
        *[f"{url_of(stream)}/{segment}" for segment in SEGMENTS],
        *[f"/api/v1/{segment}/{r['id']}" for segment, r in stream["records"].items()],
    ]

    answers = {url: viewer.get(url) for url in urls}

    assert {url: r.status_code for url, r in answers.items()} == {url: 200 for url in urls}
    assert answers[url_of(stream)].json()["id"] == stream["id"]
    assert [s["id"] for s in answers["/api/v1/value-streams"].json()["items"]] == [stream["id"]]
    assert answers[f"{url_of(stream)}/gate"].json()["phase"] == "pre_planning"


def test_a_viewer_reads_the_whole_engagement_over_graphql(
    viewer: Api, stream: dict[str, Any]
) -> None:
    result = viewer.graphql(
        """query($id: ID!) {
          valueStream(id: $id) {
            name gate { passed } participants { id } deliverables { id } risks { id }
            actionItems { id } signoffs { id } history { id }
          }
          portfolio { edges { node { blockingCriteria } } }
          playbook { version }
        }""",
        {"id": stream["id"]},
    )

    assert "errors" not in result, result
    data = result["data"]["valueStream"]
    assert data["name"] == stream["name"]
    for field in ("participants", "deliverables", "risks", "actionItems", "signoffs"):
        assert len(data[field]) == 1, field


VIEWER_MUTATIONS = {
    "createValueStream": 'mutation { createValueStream(input: {name: "V"}) { id } }',
    "updateValueStream": "mutation($id: ID!) { updateValueStream(id: $id, expectedVersion: 1,"
    ' input: {name: "V"}) { id } }',
    "deleteValueStream": "mutation($id: ID!) { deleteValueStream(id: $id, expectedVersion: 1) }",
    "transitionValueStream": "mutation($id: ID!) { transitionValueStream(id: $id,"
    ' expectedVersion: 1, to: "planning") { valueStream { phase } } }',
    "createRisk": 'mutation($id: ID!) { createRisk(valueStreamId: $id, input: {title: "V"})'
    " { id } }",
    "updateRisk": "mutation($risk: ID!) { updateRisk(id: $risk, expectedVersion: 1,"
    " input: {status: closed}) { id } }",
    "deleteRisk": "mutation($risk: ID!) { deleteRisk(id: $risk, expectedVersion: 1) }",
    "replacePlaybook": "mutation($p: JSON!) { replacePlaybook(expectedVersion: 0, playbook: $p)"
    " { version } }",
}


@pytest.mark.parametrize("name", list(VIEWER_MUTATIONS))
def test_a_viewer_cannot_mutate_over_graphql(
    viewer: Api, editor: Api, stream: dict[str, Any], name: str
) -> None:
    variables = {"id": stream["id"], "risk": stream["records"]["risks"]["id"], "p": TWO_PHASES}

    result = viewer.graphql(VIEWER_MUTATIONS[name], variables)

    assert result["errors"][0]["extensions"]["code"] == "FORBIDDEN", result
    after = editor.ok(editor.get(url_of(stream)))
    assert after["version"] == stream["version"]
    risk = editor.ok(editor.get(f"/api/v1/risks/{stream['records']['risks']['id']}"))
    assert risk["version"] == 1


# --- editors run the engagement but cannot force a move or change the rules ---------------


@pytest.mark.parametrize("to", ["planning", "current_state"], ids=["blocked", "skipping"])
def test_an_editor_cannot_force_a_move(editor: Api, stream: dict[str, Any], to: str) -> None:
    response = editor.post(
        f"{url_of(stream)}/transitions",
        {"to": to, "force": True, "justification": "Deadline from the board."},
        if_match=stream["version"],
    )

    assert_problem(response, 403, code="FORBIDDEN")
    after = editor.ok(editor.get(url_of(stream)))
    assert (after["phase"], after["version"]) == ("pre_planning", stream["version"])
    assert editor.ok(editor.get(f"{url_of(stream)}/history"))["items"] == []


def test_an_editor_cannot_force_a_move_over_graphql(editor: Api, stream: dict[str, Any]) -> None:
    result = editor.graphql(
        """mutation($id: ID!) { transitionValueStream(id: $id, expectedVersion: 1,
             to: "planning", force: true, justification: "Deadline.")
             { valueStream { phase } } }""",
        {"id": stream["id"]},
    )

    assert result["errors"][0]["extensions"]["code"] == "FORBIDDEN", result
    assert editor.ok(editor.get(url_of(stream)))["phase"] == "pre_planning"


def test_an_editor_moves_back_with_a_reason(
    admin: Api, editor: Api, factory: Factory, stream: dict[str, Any]
) -> None:
    Factory(admin).transition(stream["id"], "planning", force=True, justification="Pilot.")

    response = factory.transition(stream["id"], "pre_planning", reason="The sponsor left.")

    assert response.status_code == 201, response.text
    assert response.json()["value_stream"]["phase"] == "pre_planning"


def test_an_editor_cannot_replace_the_playbook(editor: Api) -> None:
    response = editor.put("/api/v1/playbook", TWO_PHASES, if_match=0)

    assert_problem(response, 403, code="FORBIDDEN")
    assert editor.get("/api/v1/playbook").headers["etag"] == '"0"'


def test_an_editor_cannot_replace_the_playbook_over_graphql(editor: Api) -> None:
    result = editor.graphql(
        "mutation($p: JSON!) { replacePlaybook(expectedVersion: 0, playbook: $p) { version } }",
        {"p": TWO_PHASES},
    )

    assert result["errors"][0]["extensions"]["code"] == "FORBIDDEN", result
    assert editor.graphql("{ playbook { version } }")["data"]["playbook"]["version"] == 0


# --- only an admin forces a move (with a justification) or replaces the playbook ----------


@pytest.mark.parametrize("to", ["planning", "current_state"], ids=["blocked", "skipping"])
def test_an_admin_forces_a_move_with_a_justification(
    admin: Api, stream: dict[str, Any], to: str
) -> None:
    response = admin.post(
        f"{url_of(stream)}/transitions",
        {"to": to, "force": True, "justification": "Board decision of 3 March."},
        if_match=stream["version"],
    )

    body = admin.ok(response, 201)
    assert body["value_stream"]["phase"] == to
    assert body["transition"]["forced"] is True
    assert body["transition"]["justification"] == "Board decision of 3 March."


def test_an_admin_cannot_force_without_a_justification(admin: Api, stream: dict[str, Any]) -> None:
    response = admin.post(
        f"{url_of(stream)}/transitions",
        {"to": "planning", "force": True, "justification": "  "},
        if_match=stream["version"],
    )

    assert_problem(response, 422, field="justification")
    assert admin.ok(admin.get(url_of(stream)))["phase"] == "pre_planning"


def test_an_admin_replaces_the_playbook(admin: Api) -> None:
    response = admin.put("/api/v1/playbook", TWO_PHASES, if_match=0)

    body = admin.ok(response)
    assert [p["key"] for p in body["phases"]] == ["discover", "deliver"]
    assert response.headers["etag"] == '"1"'
