"""Tenancy: another organization's rows answer exactly like missing ones and never show up."""

import uuid
from typing import Any

import pytest

from tests.api_client import Api
from tests.factories import Factory
from tests.problems import assert_problem

KINDS = ["people", "teams", "tokens"]


def make(factory: Factory, kind: str) -> dict[str, Any]:
    return {"people": factory.person, "teams": factory.team, "tokens": factory.token}[kind]()


def call(api: Api, method: str, kind: str, ident: str) -> Any:
    """The read and write routes of one row, each sent with a plausible If-Match."""
    url = f"/api/v1/{kind}/{ident}"
    if method == "GET":
        return api.get(url)
    if method == "PATCH":
        return api.patch(url, {"name": "Taken over"}, if_match=1)
    if method == "DELETE":
        return api.delete(url, if_match=1)
    if method == "REVOKE":
        return api.post(f"{url}/revoke", if_match=1)
    raise AssertionError(method)


ROUTES = [
    ("people", "GET"),
    ("people", "PATCH"),
    ("people", "DELETE"),
    ("teams", "GET"),
    ("teams", "PATCH"),
    ("teams", "DELETE"),
    ("tokens", "GET"),
    ("tokens", "REVOKE"),
]


def same_shape(problem: dict[str, Any], ident: str) -> dict[str, Any]:
    """A problem with the id and the per-request parts taken out."""
    return {
        key: value.replace(ident, "<id>") if isinstance(value, str) else value
        for key, value in problem.items()
        if key != "request_id"
    }


@pytest.mark.parametrize(("kind", "method"), ROUTES)
def test_another_organizations_row_answers_like_a_missing_one(
    admin: Api, outsider_factory: Factory, kind: str, method: str
) -> None:
    foreign = make(outsider_factory, kind)["id"]
    missing = str(uuid.uuid4())

    foreign_answer = call(admin, method, kind, foreign)
    missing_answer = call(admin, method, kind, missing)

    foreign_problem = assert_problem(foreign_answer, 404, code="NOT_FOUND")
    missing_problem = assert_problem(missing_answer, 404, code="NOT_FOUND")
    assert same_shape(foreign_problem, foreign) == same_shape(missing_problem, missing)


@pytest.mark.parametrize(("kind", "method"), [r for r in ROUTES if r[1] != "GET"])
def test_a_refused_foreign_write_leaves_the_row_as_it_was(
    admin: Api, outsider: Api, outsider_factory: Factory, kind: str, method: str
) -> None:
    row = make(outsider_factory, kind)

    call(admin, method, kind, row["id"])

    after = outsider.ok(outsider.get(f"/api/v1/{kind}/{row['id']}"))
    assert after["version"] == row["version"]
    assert after["name"] == row["name"]


def test_a_foreign_team_cannot_gain_or_lose_members(
    admin: Api, factory: Factory, outsider_factory: Factory
) -> None:
    own_person = factory.person()
    foreign_person = outsider_factory.person()
    foreign_team = outsider_factory.team(member_ids=[foreign_person["id"]])
    url = f"/api/v1/teams/{foreign_team['id']}/members"

    added = admin.post(url, {"person_id": own_person["id"]}, if_match=1)
    removed = admin.delete(f"{url}/{foreign_person['id']}", if_match=1)

    assert_problem(added, 404, code="NOT_FOUND")
    assert_problem(removed, 404, code="NOT_FOUND")


@pytest.mark.parametrize("kind", KINDS)
def test_another_organizations_rows_never_appear_in_a_list(
    admin: Api, admin_factory: Factory, outsider_factory: Factory, kind: str
) -> None:
    own = make(admin_factory, kind)
    foreign = make(outsider_factory, kind)

    listed = [item["id"] for item in admin.ok(admin.get(f"/api/v1/{kind}"))["items"]]

    assert own["id"] in listed
    assert foreign["id"] not in listed


def test_another_organizations_changes_never_appear_in_the_audit_trail(
    admin: Api, factory: Factory, outsider: Api, outsider_factory: Factory
) -> None:
    own = factory.person()
    foreign = outsider_factory.person()
    outsider_factory.token()

    events = admin.ok(admin.get("/api/v1/audit", params={"limit": 100}))["items"]
    filtered = admin.ok(admin.get("/api/v1/audit", params={"entity_id": foreign["id"]}))["items"]
    foreign_events = outsider.ok(outsider.get("/api/v1/audit", params={"limit": 100}))["items"]

    seen = {event["id"] for event in events}
    assert own["id"] in {event["entity_id"] for event in events}
    assert foreign["id"] not in {event["entity_id"] for event in events}
    assert filtered == []
    assert seen.isdisjoint(event["id"] for event in foreign_events)


def test_graphql_person_of_another_organization_is_not_found(
    admin: Api, outsider_factory: Factory
) -> None:
    foreign = outsider_factory.person()

    result = admin.graphql("query($id: ID!) { person(id: $id) { name } }", {"id": foreign["id"]})

    assert result["data"] == {"person": None}
    assert [e["extensions"]["code"] for e in result["errors"]] == ["NOT_FOUND"]


def test_graphql_lists_hold_only_the_callers_organization(
    admin: Api, factory: Factory, outsider_factory: Factory
) -> None:
    own_person, foreign_person = factory.person(), outsider_factory.person()
    own_team, foreign_team = factory.team(), outsider_factory.team()

    result = admin.graphql(
        """{
          people(first: 100) { nodes { id } }
          teams(first: 100) { nodes { id } }
          auditEvents(first: 100) { nodes { entityId } }
        }"""
    )

    assert "errors" not in result
    people = {node["id"] for node in result["data"]["people"]["nodes"]}
    teams = {node["id"] for node in result["data"]["teams"]["nodes"]}
    audited = {node["entityId"] for node in result["data"]["auditEvents"]["nodes"]}
    assert own_person["id"] in people and foreign_person["id"] not in people
    assert own_team["id"] in teams and foreign_team["id"] not in teams
    assert {own_person["id"], own_team["id"]} <= audited
    assert audited.isdisjoint({foreign_person["id"], foreign_team["id"]})


def test_graphql_mutation_on_another_organizations_person_is_not_found(
    admin: Api, outsider: Api, outsider_factory: Factory
) -> None:
    foreign = outsider_factory.person(name="Untouched")

    result = admin.graphql(
        """mutation($id: ID!) {
          updatePerson(id: $id, expectedVersion: 1, input: {name: "Taken over"}) { id }
        }""",
        {"id": foreign["id"]},
    )

    assert [e["extensions"]["code"] for e in result["errors"]] == ["NOT_FOUND"]
    assert outsider.ok(outsider.get(f"/api/v1/people/{foreign['id']}"))["name"] == "Untouched"
