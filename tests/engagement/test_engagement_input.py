"""Bad input to the engagement is a 4xx problem naming the field, never a 500."""

import base64
import json
import uuid
from collections.abc import Callable
from functools import cached_property
from typing import Any

import pytest

from tests.api_client import Api
from tests.factories import Factory
from tests.problems import PROBLEM_JSON, named_fields

SEGMENTS = ["participants", "deliverables", "risks", "action-items", "signoffs"]


class World:
    """A value stream in pre-planning; its records and the people a case needs, made on demand.

    Only what a case touches is made, so each case stays fast.
    """

    def __init__(self, factory: Factory, request: pytest.FixtureRequest) -> None:
        self.factory = factory
        self.request = request
        self.stream = factory.value_stream(name="Order to cash")
        self.missing_person = str(uuid.uuid4())

    @property
    def url(self) -> str:
        return f"/api/v1/value-streams/{self.stream['id']}"

    @cached_property
    def records(self) -> dict[str, dict[str, Any]]:
        """One record of each kind; the participant is a sponsor."""
        return self.factory.records(self.stream)

    @cached_property
    def coach(self) -> dict[str, Any]:
        return self.factory.participant(self.stream, role="coach")

    @cached_property
    def own_person(self) -> str:
        """A person of the organization who takes no part in the engagement."""
        return str(self.factory.person()["id"])

    @cached_property
    def foreign_person(self) -> str:
        outsider_factory: Factory = self.request.getfixturevalue("outsider_factory")
        return str(outsider_factory.person()["id"])

    def item(self, segment: str) -> str:
        return f"/api/v1/{segment}/{self.records[segment]['id']}"


@pytest.fixture
def world(factory: Factory, request: pytest.FixtureRequest) -> World:
    return World(factory, request)


def assert_bad_input(response: Any, field: str, status: int | None = None) -> dict[str, Any]:
    """A 4xx problem whose `errors` blame `field`, so a client can point at its input."""
    assert 400 <= response.status_code < 500, f"{response.status_code}: {response.text}"
    if status is not None:
        assert response.status_code == status, f"{response.status_code}: {response.text}"
    assert response.headers["content-type"].startswith(PROBLEM_JSON), response.headers
    body = response.json()
    assert body["status"] == response.status_code
    assert body["detail"], body
    assert field in named_fields(body), body
    return body


Send = Callable[[Api, World], Any]

LONG = "x" * 201


def post(path: str, body: Callable[[World], dict[str, Any]]) -> Send:
    return lambda api, w: api.post(w.url + path, body(w))


def patch_item(segment: str, body: Callable[[World], dict[str, Any]]) -> Send:
    return lambda api, w: api.patch(w.item(segment), body(w), if_match=1)


REST_CASES: dict[str, tuple[Send, str, int | None]] = {
    # value streams
    "stream unknown field": (
        lambda api, w: api.post("/api/v1/value-streams", {"name": "A", "color": "red"}),
        "color",
        None,
    ),
    "stream oversized name": (
        lambda api, w: api.post("/api/v1/value-streams", {"name": LONG}),
        "name",
        None,
    ),
    "stream empty name": (
        lambda api, w: api.post("/api/v1/value-streams", {"name": ""}),
        "name",
        None,
    ),
    "stream malformed owner id": (
        lambda api, w: api.post("/api/v1/value-streams", {"name": "A", "owner_id": "Olivia"}),
        "owner_id",
        None,
    ),
    "stream owner of another organization": (
        lambda api, w: api.post(
            "/api/v1/value-streams", {"name": "A", "owner_id": w.foreign_person}
        ),
        "owner_id",
        422,
    ),
    "stream nonexistent owner": (
        lambda api, w: api.post(
            "/api/v1/value-streams", {"name": "A", "owner_id": w.missing_person}
        ),
        "owner_id",
        422,
    ),
    "stream patch owner of another organization": (
        lambda api, w: api.patch(w.url, {"owner_id": w.foreign_person}, if_match=1),
        "owner_id",
        422,
    ),
    "stream patch nonexistent owner": (
        lambda api, w: api.patch(w.url, {"owner_id": w.missing_person}, if_match=1),
        "owner_id",
        422,
    ),
    "stream patch of the phase": (
        lambda api, w: api.patch(w.url, {"phase": "execution"}, if_match=1),
        "phase",
        None,
    ),
    "stream patch name to null": (
        lambda api, w: api.patch(w.url, {"name": None}, if_match=1),
        "name",
        None,
    ),
    # participants
    "participant unknown field": (
        post("/participants", lambda w: {"person_id": w.own_person, "role": "coach", "x": 1}),
        "x",
        None,
    ),
    "participant role king": (
        post("/participants", lambda w: {"person_id": w.own_person, "role": "king"}),
        "role",
        None,
    ),
    "participant unknown function": (
        post(
            "/participants",
            lambda w: {"person_id": w.own_person, "role": "coach", "function": "wizard"},
        ),
        "function",
        None,
    ),
    "champion without champion kind": (
        post("/participants", lambda w: {"person_id": w.own_person, "role": "champion"}),
        "champion_kind",
        None,
    ),
    "champion kind on a sponsor": (
        post(
            "/participants",
            lambda w: {
                "person_id": w.own_person,
                "role": "sponsor",
                "champion_kind": "technology_manager",
            },
        ),
        "champion_kind",
        None,
    ),
    "participant of another organization": (
        post("/participants", lambda w: {"person_id": w.foreign_person, "role": "coach"}),
        "person_id",
        422,
    ),
    "participant nonexistent person": (
        post("/participants", lambda w: {"person_id": w.missing_person, "role": "coach"}),
        "person_id",
        422,
    ),
    "patch a coach into a champion without kind": (
        lambda api, w: api.patch(
            f"/api/v1/participants/{w.coach['id']}", {"role": "champion"}, if_match=1
        ),
        "champion_kind",
        422,
    ),
    "patch champion kind onto a sponsor": (
        patch_item("participants", lambda w: {"champion_kind": "business_stakeholder"}),
        "champion_kind",
        422,
    ),
    "patch participant role to null": (
        patch_item("participants", lambda w: {"role": None}),
        "role",
        None,
    ),
    # deliverables
    "deliverable kind that is no key": (
        post("/deliverables", lambda w: {"kind": "Business Case!"}),
        "kind",
        None,
    ),
    "deliverable oversized kind": (
        post("/deliverables", lambda w: {"kind": "k" * 61}),
        "kind",
        None,
    ),
    "second deliverable of a kind in a cycle": (
        post("/deliverables", lambda w: {"kind": w.records["deliverables"]["kind"]}),
        "kind",
        409,
    ),
    "deliverable unknown status": (
        post("/deliverables", lambda w: {"kind": "roadmap", "status": "perfect"}),
        "status",
        None,
    ),
    "deliverable oversized title": (
        post("/deliverables", lambda w: {"kind": "roadmap", "title": LONG}),
        "title",
        None,
    ),
    "deliverable malformed link": (
        post("/deliverables", lambda w: {"kind": "roadmap", "link": "see the wiki"}),
        "link",
        None,
    ),
    "deliverable non-http link": (
        post("/deliverables", lambda w: {"kind": "roadmap", "link": "ftp://example.com/plan"}),
        "link",
        None,
    ),
    "deliverable oversized link": (
        post(
            "/deliverables",
            lambda w: {"kind": "roadmap", "link": "https://example.com/" + "a" * 2000},
        ),
        "link",
        None,
    ),
    "deliverable with a phase of its own": (
        post("/deliverables", lambda w: {"kind": "roadmap", "phase": "brainstorming"}),
        "phase",
        None,
    ),
    "patch deliverable malformed link": (
        patch_item("deliverables", lambda w: {"link": "not a url"}),
        "link",
        None,
    ),
    "patch deliverable oversized title": (
        patch_item("deliverables", lambda w: {"title": LONG}),
        "title",
        None,
    ),
    "patch deliverable status to null": (
        patch_item("deliverables", lambda w: {"status": None}),
        "status",
        None,
    ),
    # risks
    "risk likelihood 0": (
        post("/risks", lambda w: {"title": "R", "likelihood": 0}),
        "likelihood",
        None,
    ),
    "risk likelihood 6": (
        post("/risks", lambda w: {"title": "R", "likelihood": 6}),
        "likelihood",
        None,
    ),
    "risk impact 0": (post("/risks", lambda w: {"title": "R", "impact": 0}), "impact", None),
    "risk unknown category": (
        post("/risks", lambda w: {"title": "R", "category": "legal"}),
        "category",
        None,
    ),
    "risk oversized title": (post("/risks", lambda w: {"title": LONG}), "title", None),
    "risk owner of another organization": (
        post("/risks", lambda w: {"title": "R", "owner_id": w.foreign_person}),
        "owner_id",
        422,
    ),
    "risk nonexistent owner": (
        post("/risks", lambda w: {"title": "R", "owner_id": w.missing_person}),
        "owner_id",
        422,
    ),
    "patch risk likelihood 6": (
        patch_item("risks", lambda w: {"likelihood": 6}),
        "likelihood",
        None,
    ),
    "patch risk owner of another organization": (
        patch_item("risks", lambda w: {"owner_id": w.foreign_person}),
        "owner_id",
        422,
    ),
    "patch risk likelihood to null": (
        patch_item("risks", lambda w: {"likelihood": None}),
        "likelihood",
        None,
    ),
    # action items
    "action item unknown kind": (
        post("/action-items", lambda w: {"title": "A", "kind": "wish"}),
        "kind",
        None,
    ),
    "action item malformed due date": (
        post("/action-items", lambda w: {"title": "A", "due_date": "next week"}),
        "due_date",
        None,
    ),
    "action item oversized title": (
        post("/action-items", lambda w: {"title": LONG}),
        "title",
        None,
    ),
    "action item owner of another organization": (
        post("/action-items", lambda w: {"title": "A", "owner_id": w.foreign_person}),
        "owner_id",
        422,
    ),
    "action item nonexistent owner": (
        post("/action-items", lambda w: {"title": "A", "owner_id": w.missing_person}),
        "owner_id",
        422,
    ),
    "patch action item title to null": (
        patch_item("action-items", lambda w: {"title": None}),
        "title",
        None,
    ),
    # sign-offs
    "sign-off by a coach": (
        post("/signoffs", lambda w: {"sponsor_id": w.coach["person_id"]}),
        "sponsor_id",
        422,
    ),
    "sign-off by someone outside the engagement": (
        post("/signoffs", lambda w: {"sponsor_id": w.own_person}),
        "sponsor_id",
        422,
    ),
    "sign-off by a person of another organization": (
        post("/signoffs", lambda w: {"sponsor_id": w.foreign_person}),
        "sponsor_id",
        422,
    ),
    "sign-off by nobody": (
        post("/signoffs", lambda w: {"sponsor_id": w.missing_person}),
        "sponsor_id",
        422,
    ),
    "patch of a sign-off's sponsor": (
        patch_item("signoffs", lambda w: {"sponsor_id": w.own_person}),
        "sponsor_id",
        None,
    ),
}


@pytest.mark.parametrize("case", list(REST_CASES))
def test_bad_input_is_a_4xx_problem_naming_the_field(editor: Api, world: World, case: str) -> None:
    send, field, status = REST_CASES[case]

    response = send(editor, world)

    assert_bad_input(response, field, status)


def test_refused_records_are_not_stored(editor: Api, world: World) -> None:
    assert world.records and world.coach
    for case in ("participant role king", "risk likelihood 6", "sign-off by a coach"):
        REST_CASES[case][0](editor, world)

    for segment in SEGMENTS:
        listed = editor.ok(editor.get(f"{world.url}/{segment}"))["items"]
        assert len(listed) == (2 if segment == "participants" else 1), segment


# --- transitions --------------------------------------------------------------------------


def transition(api: Api, world: World, if_match: int = 1, **body: Any) -> Any:
    return api.post(f"{world.url}/transitions", body, if_match=if_match)


def test_a_move_to_an_unknown_phase_is_422_naming_to(editor: Api, world: World) -> None:
    body = assert_bad_input(transition(editor, world, to="brainstorming"), "to", 422)

    assert "brainstorming" in body["detail"]


def test_a_move_to_the_current_phase_is_409(editor: Api, world: World) -> None:
    assert_bad_input(transition(editor, world, to="pre_planning"), "to", 409)


def test_skipping_a_phase_without_force_is_409(editor: Api, world: World) -> None:
    body = assert_bad_input(transition(editor, world, to="current_state"), "to", 409)

    assert "planning" in body["detail"]


def test_iterating_before_the_last_phase_is_409(editor: Api, world: World) -> None:
    assert_bad_input(transition(editor, world, to="iterate"), "to", 409)


def test_a_forced_move_without_a_justification_is_422(admin: Api, world: World) -> None:
    assert_bad_input(transition(admin, world, to="planning", force=True), "justification", 422)


@pytest.mark.parametrize("reason", [None, "", "   "])
def test_a_backward_move_without_a_reason_is_422(
    admin: Api, editor: Api, world: World, reason: str | None
) -> None:
    transition(admin, world, to="planning", force=True, justification="Pilot team.")

    response = transition(editor, world, if_match=2, to="pre_planning", reason=reason)

    assert_bad_input(response, "reason", 422)
    assert editor.ok(editor.get(world.url))["phase"] == "planning"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"to": "planning", "speed": "fast"}, "speed"),
        ({"to": ""}, "to"),
        ({"to": "p" * 61}, "to"),
        ({"to": "planning", "force": "yes please"}, "force"),
        ({"reason": "no target"}, "to"),
    ],
    ids=["unknown field", "empty to", "oversized to", "non-boolean force", "missing to"],
)
def test_a_malformed_transition_is_a_4xx_problem(
    editor: Api, world: World, body: dict[str, Any], field: str
) -> None:
    assert_bad_input(transition(editor, world, **body), field)
    assert editor.ok(editor.get(world.url))["version"] == 1


# --- the playbook -------------------------------------------------------------------------


def phase(key: str, *criteria: dict[str, Any]) -> dict[str, Any]:
    return {"key": key, "name": key.title(), "criteria": list(criteria)}


def criterion(key: str, check: str, **params: Any) -> dict[str, Any]:
    return {"key": key, "check": check, "description": key, "params": params}


BAD_PLAYBOOKS: dict[str, tuple[dict[str, Any], str]] = {
    "unknown check": (
        {"iterate_to": "a", "phases": [phase("a", criterion("vibes", "good_vibes")), phase("b")]},
        "unknown check 'good_vibes'",
    ),
    "bad params": (
        {"iterate_to": "a", "phases": [phase("a", criterion("r", "risks", min=0)), phase("b")]},
        "bad params",
    ),
    "unexpected param": (
        {"iterate_to": "a", "phases": [phase("a", criterion("r", "risks", most=3)), phase("b")]},
        "bad params",
    ),
    "duplicate phases": (
        {"iterate_to": "a", "phases": [phase("a"), phase("b"), phase("a")]},
        "duplicate phases a",
    ),
    "duplicate criteria": (
        {
            "iterate_to": "a",
            "phases": [phase("a", criterion("r", "risks"), criterion("r", "targets")), phase("b")],
        },
        "duplicate criteria r",
    ),
    "iterate_to the last phase": (
        {"iterate_to": "b", "phases": [phase("a"), phase("b")]},
        "iterate_to must be a phase before the last one",
    ),
    "iterate_to no phase": (
        {"iterate_to": "z", "phases": [phase("a"), phase("b")]},
        "iterate_to 'z' is not a phase",
    ),
    "one phase": ({"iterate_to": "a", "phases": [phase("a")]}, "at least 2"),
    "no phases": ({"iterate_to": "a", "phases": []}, "at least 2"),
    "bad phase key": (
        {"iterate_to": "a", "phases": [phase("a"), phase("Big Bang")]},
        "pattern",
    ),
    "negative timebox": (
        {"iterate_to": "a", "phases": [{**phase("a"), "timebox_days": -1}, phase("b")]},
        "timebox_days",
    ),
    "unknown field": (
        {"iterate_to": "a", "phases": [phase("a"), phase("b")], "owner": "PMO"},
        "owner",
    ),
}


@pytest.mark.parametrize("case", list(BAD_PLAYBOOKS))
def test_an_invalid_playbook_is_422_with_the_reason(admin: Api, case: str) -> None:
    data, reason = BAD_PLAYBOOKS[case]

    response = admin.put("/api/v1/playbook", data, if_match=0)

    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith(PROBLEM_JSON)
    body = response.json()
    assert reason in body["detail"], body
    assert body["errors"], body
    assert admin.get("/api/v1/playbook").headers["etag"] == '"0"'


@pytest.mark.parametrize("data", [[1, 2], "playbook", None], ids=["array", "string", "null"])
def test_a_playbook_that_is_no_object_is_a_4xx_problem(admin: Api, data: Any) -> None:
    response = admin.put("/api/v1/playbook", data, if_match=0)

    assert 400 <= response.status_code < 500, response.text
    assert response.headers["content-type"].startswith(PROBLEM_JSON)


def test_a_playbook_that_drops_a_phase_in_use_is_409(
    admin: Api, factory: Factory, world: World
) -> None:
    factory.transition(world.stream["id"], "planning")  # blocked: the stream stays in pre-planning
    data = {"iterate_to": "map", "phases": [phase("map"), phase("improve")]}

    response = admin.put("/api/v1/playbook", data, if_match=0)

    assert response.status_code == 409, response.text
    assert response.headers["content-type"].startswith(PROBLEM_JSON)
    assert "pre_planning" in response.json()["detail"]
    assert admin.get("/api/v1/playbook").headers["etag"] == '"0"'


# --- paging -------------------------------------------------------------------------------


def forged_cursor(values: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


LISTS = [
    "/api/v1/value-streams",
    "/api/v1/portfolio",
    "{stream}/history",
    *[f"{{stream}}/{segment}" for segment in SEGMENTS],
]

BAD_PAGES: dict[str, tuple[dict[str, Any], str]] = {
    "limit 0": ({"limit": 0}, "limit"),
    "limit 101": ({"limit": 101}, "limit"),
    "limit -1": ({"limit": -1}, "limit"),
    "limit ten": ({"limit": "ten"}, "limit"),
    "cursor not base64 json": ({"cursor": "!!!"}, "cursor"),
    "cursor of the wrong arity": ({"cursor": forged_cursor(["a", "b", "c"])}, "cursor"),
    "cursor not a list": ({"cursor": forged_cursor({"id": 1})}, "cursor"),
    "cursor with a non-id": ({"cursor": forged_cursor(["not-an-id"])}, "cursor"),
    "cursor with a number": ({"cursor": forged_cursor([12])}, "cursor"),
    "oversized cursor": ({"cursor": "A" * 600}, "cursor"),
}


@pytest.mark.parametrize("path", LISTS)
def test_a_bad_limit_or_cursor_is_a_4xx_problem_on_every_list(
    viewer: Api, factory: Factory, path: str
) -> None:
    url = path.format(stream=f"/api/v1/value-streams/{factory.value_stream()['id']}")

    answers = {page: viewer.get(url, params=params) for page, (params, _) in BAD_PAGES.items()}

    for page, response in answers.items():
        assert_bad_input(response, BAD_PAGES[page][1])


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        ("/api/v1/portfolio", {"overdue": "perhaps"}, "overdue"),
        ("/api/v1/portfolio", {"owner_id": "Olivia"}, "owner_id"),
        ("/api/v1/value-streams", {"owner_id": "Olivia"}, "owner_id"),
        ("/api/v1/value-streams", {"q": "x" * 201}, "q"),
        ("{stream}/participants", {"role": "king"}, "role"),
        ("{stream}/deliverables", {"cycle": "first"}, "cycle"),
        ("{stream}/risks", {"category": "legal"}, "category"),
        ("{stream}/action-items", {"status": "someday"}, "status"),
    ],
)
def test_a_bad_filter_is_a_4xx_problem(
    viewer: Api, factory: Factory, path: str, params: dict[str, Any], field: str
) -> None:
    url = path.format(stream=f"/api/v1/value-streams/{factory.value_stream()['id']}")

    response = viewer.get(url, params=params)

    assert_bad_input(response, field)


# --- GraphQL ------------------------------------------------------------------------------


def graphql_error(result: dict[str, Any]) -> dict[str, Any]:
    assert result.get("errors"), result
    return result["errors"][0]["extensions"]


def blamed(extensions: dict[str, Any]) -> set[str]:
    return {f["field"] for f in extensions.get("fields", [])}


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("{ valueStreams(first: 0) { edges { cursor } } }", "first"),
        ("{ valueStreams(first: 101) { edges { cursor } } }", "first"),
        ('{ valueStreams(after: "!!!") { edges { cursor } } }', "after"),
        ("{ portfolio(first: 0) { edges { cursor } } }", "first"),
        ('{ portfolio(after: "garbage") { edges { cursor } } }', "after"),
    ],
    ids=["first 0", "first 101", "bad after", "portfolio first 0", "portfolio bad after"],
)
def test_a_bad_graphql_page_is_validation_failed_naming_the_argument(
    viewer: Api, query: str, field: str
) -> None:
    extensions = graphql_error(viewer.graphql(query))

    assert extensions["code"] == "VALIDATION_FAILED"
    assert field in blamed(extensions), extensions


def test_a_graphql_champion_without_kind_names_champion_kind(editor: Api, world: World) -> None:
    result = editor.graphql(
        """mutation($vs: ID!, $p: ID!) { createParticipant(valueStreamId: $vs,
             input: {personId: $p, role: champion}) { id } }""",
        {"vs": world.stream["id"], "p": world.own_person},
    )

    extensions = graphql_error(result)
    assert extensions["code"] == "VALIDATION_FAILED"
    assert any("champion_kind" in f or "championKind" in f for f in blamed(extensions)), extensions


def test_a_graphql_risk_with_likelihood_six_names_likelihood(editor: Api, world: World) -> None:
    result = editor.graphql(
        """mutation($vs: ID!) { createRisk(valueStreamId: $vs, input: {title: "R", likelihood: 6})
             { id } }""",
        {"vs": world.stream["id"]},
    )

    extensions = graphql_error(result)
    assert extensions["code"] == "VALIDATION_FAILED"
    assert "likelihood" in blamed(extensions), extensions


def test_a_graphql_move_to_an_unknown_phase_names_to(editor: Api, world: World) -> None:
    result = editor.graphql(
        """mutation($id: ID!) { transitionValueStream(id: $id, expectedVersion: 1,
             to: "brainstorming") { valueStream { phase } } }""",
        {"id": world.stream["id"]},
    )

    extensions = graphql_error(result)
    assert extensions["code"] == "VALIDATION_FAILED"
    assert "to" in blamed(extensions)


def test_a_graphql_owner_of_another_organization_is_validation_failed(
    editor: Api, world: World
) -> None:
    result = editor.graphql(
        'mutation($o: ID!) { createValueStream(input: {name: "A", ownerId: $o}) { id } }',
        {"o": world.foreign_person},
    )

    assert graphql_error(result)["code"] == "VALIDATION_FAILED"
    assert editor.ok(editor.get("/api/v1/value-streams"))["items"] == [world.stream]


def test_an_invalid_graphql_playbook_is_validation_failed_with_the_reason(admin: Api) -> None:
    data, reason = BAD_PLAYBOOKS["iterate_to the last phase"]

    result = admin.graphql(
        "mutation($p: JSON!) { replacePlaybook(expectedVersion: 0, playbook: $p) { version } }",
        {"p": data},
    )

    assert graphql_error(result)["code"] == "VALIDATION_FAILED"
    assert reason in result["errors"][0]["message"]
