"""Tenancy of the engagement: another organization's value stream and records are invisible.

Every route answers another organization's id exactly like an id that exists nowhere,
and no list, REST or GraphQL, ever shows another organization's rows.
"""

import uuid
from typing import Any

import pytest

from tests.api_client import Api
from tests.factories import Factory
from tests.problems import assert_problem

SEGMENTS = ["participants", "deliverables", "risks", "action-items", "signoffs"]


def create_body(segment: str, own_person: str) -> dict[str, Any]:
    """A body that would be accepted on a stream of the caller's own organization."""
    return {
        "participants": {"person_id": own_person, "role": "coach"},
        "deliverables": {"kind": "roadmap", "status": "draft"},
        "risks": {"title": "Taken over"},
        "action-items": {"title": "Taken over"},
        "signoffs": {"sponsor_id": own_person, "statement": "Taken over"},
    }[segment]


PATCH_BODIES = {
    "participants": {"trained": True},
    "deliverables": {"status": "done", "title": "Taken over"},
    "risks": {"title": "Taken over"},
    "action-items": {"title": "Taken over"},
    "signoffs": {"statement": "Taken over"},
}

TAKEOVER = {"to": "planning", "force": True, "justification": "Taken over"}

STREAM_ROUTES = [
    ("GET", ""),
    ("PATCH", ""),
    ("DELETE", ""),
    ("GET", "/gate"),
    ("POST", "/transitions"),
    ("GET", "/history"),
    *[("GET", f"/{segment}") for segment in SEGMENTS],
    *[("POST", f"/{segment}") for segment in SEGMENTS],
]
ITEM_ROUTES = [(method, segment) for segment in SEGMENTS for method in ("GET", "PATCH", "DELETE")]


def call_stream_route(api: Api, method: str, suffix: str, stream_id: str, person: str) -> Any:
    """One route under a value stream, sent with the If-Match a fresh stream has."""
    url = f"/api/v1/value-streams/{stream_id}{suffix}"
    if method == "GET":
        return api.get(url)
    if method == "PATCH":
        return api.patch(url, {"name": "Taken over"}, if_match=1)
    if method == "DELETE":
        return api.delete(url, if_match=1)
    if suffix == "/transitions":
        return api.post(url, TAKEOVER, if_match=1)
    return api.post(url, create_body(suffix.lstrip("/"), person))


def call_item_route(api: Api, method: str, segment: str, item_id: str) -> Any:
    url = f"/api/v1/{segment}/{item_id}"
    if method == "GET":
        return api.get(url)
    if method == "PATCH":
        return api.patch(url, PATCH_BODIES[segment], if_match=1)
    return api.delete(url, if_match=1)


def same_shape(problem: dict[str, Any], ident: str) -> dict[str, Any]:
    """The problem with the id and the per-request parts taken out."""
    return {
        key: value.replace(ident, "<id>") if isinstance(value, str) else value
        for key, value in problem.items()
        if key != "request_id"
    }


@pytest.fixture
def foreign_stream(outsider_factory: Factory) -> dict[str, Any]:
    """A value stream of the other organization, holding one record of each kind."""
    stream = outsider_factory.value_stream(
        name="Globex secret stream", owner_id=outsider_factory.person()["id"]
    )
    return {**stream, "records": outsider_factory.records(stream)}


@pytest.mark.parametrize(("method", "suffix"), STREAM_ROUTES)
def test_another_organizations_value_stream_answers_like_a_missing_one(
    admin: Api,
    factory: Factory,
    foreign_stream: dict[str, Any],
    method: str,
    suffix: str,
) -> None:
    own_person = factory.person()["id"]
    missing = str(uuid.uuid4())

    foreign_answer = call_stream_route(admin, method, suffix, foreign_stream["id"], own_person)
    missing_answer = call_stream_route(admin, method, suffix, missing, own_person)

    foreign_problem = assert_problem(foreign_answer, 404, code="NOT_FOUND")
    missing_problem = assert_problem(missing_answer, 404, code="NOT_FOUND")
    assert same_shape(foreign_problem, foreign_stream["id"]) == same_shape(missing_problem, missing)


@pytest.mark.parametrize(("method", "segment"), ITEM_ROUTES)
def test_another_organizations_record_answers_like_a_missing_one(
    admin: Api, foreign_stream: dict[str, Any], method: str, segment: str
) -> None:
    foreign = foreign_stream["records"][segment]["id"]
    missing = str(uuid.uuid4())

    foreign_answer = call_item_route(admin, method, segment, foreign)
    missing_answer = call_item_route(admin, method, segment, missing)

    foreign_problem = assert_problem(foreign_answer, 404, code="NOT_FOUND")
    missing_problem = assert_problem(missing_answer, 404, code="NOT_FOUND")
    assert same_shape(foreign_problem, foreign) == same_shape(missing_problem, missing)


def test_refused_foreign_writes_leave_the_other_organization_untouched(
    admin: Api, outsider: Api, factory: Factory, foreign_stream: dict[str, Any]
) -> None:
    stream_id = foreign_stream["id"]
    own_person = factory.person()["id"]

    for method, suffix in STREAM_ROUTES:
        if method != "GET":
            call_stream_route(admin, method, suffix, stream_id, own_person)
    for method, segment in ITEM_ROUTES:
        if method != "GET":
            call_item_route(admin, method, segment, foreign_stream["records"][segment]["id"])

    after = outsider.ok(outsider.get(f"/api/v1/value-streams/{stream_id}"))
    assert (after["name"], after["phase"], after["version"]) == (
        foreign_stream["name"],
        "pre_planning",
        foreign_stream["version"],
    )
    history = outsider.ok(outsider.get(f"/api/v1/value-streams/{stream_id}/history"))
    assert history["items"] == []
    for segment, record in foreign_stream["records"].items():
        listed = outsider.ok(outsider.get(f"/api/v1/value-streams/{stream_id}/{segment}"))
        assert [(r["id"], r["version"]) for r in listed["items"]] == [
            (record["id"], record["version"])
        ], segment


def test_lists_never_show_another_organizations_value_streams(
    admin: Api, factory: Factory, foreign_stream: dict[str, Any]
) -> None:
    own = factory.value_stream(name="Acme stream")

    streams = admin.ok(admin.get("/api/v1/value-streams"))
    portfolio = admin.ok(admin.get("/api/v1/portfolio"))
    searched = admin.ok(admin.get("/api/v1/value-streams", params={"q": "Globex"}))
    searched_portfolio = admin.ok(admin.get("/api/v1/portfolio", params={"q": "secret"}))
    by_foreign_owner = admin.ok(
        admin.get("/api/v1/value-streams", params={"owner_id": foreign_stream["owner_id"]})
    )
    by_phase = admin.ok(admin.get("/api/v1/portfolio", params={"phase": "pre_planning"}))

    assert [s["id"] for s in streams["items"]] == [own["id"]]
    assert [row["id"] for row in portfolio["items"]] == [own["id"]]
    assert searched["items"] == []
    assert searched_portfolio["items"] == []
    assert by_foreign_owner["items"] == []
    assert [row["id"] for row in by_phase["items"]] == [own["id"]]


def test_a_name_taken_in_another_organization_is_free_in_ours(
    factory: Factory, foreign_stream: dict[str, Any]
) -> None:
    stream = factory.value_stream(name=foreign_stream["name"])

    assert stream["name"] == "Globex secret stream"
    assert stream["id"] != foreign_stream["id"]


def test_own_children_lists_hold_only_own_records(
    admin: Api, factory: Factory, foreign_stream: dict[str, Any]
) -> None:
    own = factory.value_stream()
    records = factory.records(own)

    for segment in SEGMENTS:
        listed = admin.ok(admin.get(f"/api/v1/value-streams/{own['id']}/{segment}"))
        assert [r["id"] for r in listed["items"]] == [records[segment]["id"]], segment


def test_graphql_lists_never_show_another_organizations_value_streams(
    admin: Api, factory: Factory, foreign_stream: dict[str, Any]
) -> None:
    own = factory.value_stream(name="Acme stream")

    result = admin.graphql(
        """{
          valueStreams(first: 100) { edges { node { id } } }
          portfolio(first: 100) { edges { node { valueStream { id } } } }
          secret: valueStreams(q: "Globex") { edges { node { id } } }
        }"""
    )

    assert "errors" not in result, result
    data = result["data"]
    assert [e["node"]["id"] for e in data["valueStreams"]["edges"]] == [own["id"]]
    assert [e["node"]["valueStream"]["id"] for e in data["portfolio"]["edges"]] == [own["id"]]
    assert data["secret"]["edges"] == []


def test_graphql_value_stream_of_another_organization_answers_like_a_missing_one(
    admin: Api, foreign_stream: dict[str, Any]
) -> None:
    query = "query($id: ID!) { valueStream(id: $id) { name participants { id } } }"

    foreign = admin.graphql(query, {"id": foreign_stream["id"]})
    missing = admin.graphql(query, {"id": str(uuid.uuid4())})

    assert foreign["data"] == missing["data"] == {"valueStream": None}
    assert foreign["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    assert missing["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    assert "Globex" not in str(foreign)


GRAPHQL_WRITES = [
    (
        "updateValueStream",
        'mutation($id: ID!) { updateValueStream(id: $id, expectedVersion: 1, input: {name: "X"})'
        " { id } }",
        None,
    ),
    (
        "deleteValueStream",
        "mutation($id: ID!) { deleteValueStream(id: $id, expectedVersion: 1) }",
        None,
    ),
    (
        "transitionValueStream",
        'mutation($id: ID!) { transitionValueStream(id: $id, expectedVersion: 1, to: "planning",'
        ' force: true, justification: "X") { valueStream { phase } } }',
        None,
    ),
    (
        "createRisk",
        'mutation($id: ID!) { createRisk(valueStreamId: $id, input: {title: "X"}) { id } }',
        None,
    ),
    (
        "updateRisk",
        'mutation($id: ID!) { updateRisk(id: $id, expectedVersion: 1, input: {title: "X"})'
        " { id } }",
        "risks",
    ),
    ("deleteRisk", "mutation($id: ID!) { deleteRisk(id: $id, expectedVersion: 1) }", "risks"),
    (
        "updateParticipant",
        "mutation($id: ID!) { updateParticipant(id: $id, expectedVersion: 1,"
        " input: {trained: true}) { id } }",
        "participants",
    ),
    (
        "deleteSignoff",
        "mutation($id: ID!) { deleteSignoff(id: $id, expectedVersion: 1) }",
        "signoffs",
    ),
    (
        "updateDeliverable",
        "mutation($id: ID!) { updateDeliverable(id: $id, expectedVersion: 1,"
        " input: {status: missing}) { id } }",
        "deliverables",
    ),
    (
        "deleteActionItem",
        "mutation($id: ID!) { deleteActionItem(id: $id, expectedVersion: 1) }",
        "action-items",
    ),
]


@pytest.mark.parametrize(
    ("name", "mutation", "segment"), GRAPHQL_WRITES, ids=[w[0] for w in GRAPHQL_WRITES]
)
def test_graphql_writes_to_another_organization_answer_not_found(
    admin: Api,
    outsider: Api,
    foreign_stream: dict[str, Any],
    name: str,
    mutation: str,
    segment: str | None,
) -> None:
    target = foreign_stream["records"][segment]["id"] if segment else foreign_stream["id"]

    result = admin.graphql(mutation, {"id": target})

    assert result["errors"][0]["extensions"]["code"] == "NOT_FOUND", result
    after = outsider.ok(outsider.get(f"/api/v1/value-streams/{foreign_stream['id']}"))
    assert after["version"] == foreign_stream["version"]
    if segment:
        record = outsider.ok(outsider.get(f"/api/v1/{segment}/{target}"))
        assert record["version"] == 1
