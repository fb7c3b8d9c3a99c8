"""Teams over REST: membership is part of the team, versioned with it, and stays in the org."""

import uuid
from typing import Any

from tests.api_client import Api
from tests.factories import Factory
from tests.problems import assert_problem


def member_ids(team: dict[str, Any]) -> list[str]:
    return [member["person_id"] for member in team["members"]]


def test_a_team_created_with_members_lists_them(editor: Api, factory: Factory) -> None:
    ada, grace = factory.person(), factory.person()

    created = factory.team(name="Platform", member_ids=[ada["id"], grace["id"]])
    read = editor.ok(editor.get(f"/api/v1/teams/{created['id']}"))

    assert sorted(member_ids(created)) == sorted([ada["id"], grace["id"]])
    assert sorted(member_ids(read)) == sorted([ada["id"], grace["id"]])
    assert read["name"] == "Platform"
    assert read["version"] == 1


def test_a_member_named_twice_at_creation_is_added_once(factory: Factory) -> None:
    ada = factory.person()

    created = factory.team(member_ids=[ada["id"], ada["id"]])

    assert member_ids(created) == [ada["id"]]


def test_adding_a_member_bumps_the_team_version(editor: Api, factory: Factory) -> None:
    team = factory.team()
    ada = factory.person()

    response = editor.post(
        f"/api/v1/teams/{team['id']}/members",
        {"person_id": ada["id"], "role": "facilitator"},
        if_match=team["version"],
    )

    changed = editor.ok(response)
    assert response.headers["etag"] == '"2"'
    assert changed["version"] == 2
    assert changed["members"] == [{"person_id": ada["id"], "role": "facilitator"}]
    assert editor.ok(editor.get(f"/api/v1/teams/{team['id']}"))["version"] == 2


def test_adding_a_member_needs_the_current_team_version(editor: Api, factory: Factory) -> None:
    team = factory.team()
    ada, grace = factory.person(), factory.person()
    factory.member(team, ada)
    url = f"/api/v1/teams/{team['id']}/members"

    without = editor.post(url, {"person_id": grace["id"]})
    stale = editor.post(url, {"person_id": grace["id"]}, if_match=1)

    assert_problem(without, 428)
    assert_problem(stale, 412, code="STALE_VERSION")
    assert member_ids(editor.ok(editor.get(f"/api/v1/teams/{team['id']}"))) == [ada["id"]]


def test_adding_the_same_member_twice_is_a_conflict(editor: Api, factory: Factory) -> None:
    ada = factory.person()
    team = factory.team(member_ids=[ada["id"]])

    response = editor.post(
        f"/api/v1/teams/{team['id']}/members", {"person_id": ada["id"]}, if_match=1
    )

    assert_problem(response, 409, code="CONFLICT", field="person_id")
    assert editor.ok(editor.get(f"/api/v1/teams/{team['id']}"))["version"] == 1


def test_removing_a_member_bumps_the_version_and_keeps_the_person(
    editor: Api, factory: Factory
) -> None:
    ada, grace = factory.person(), factory.person()
    team = factory.team(member_ids=[ada["id"], grace["id"]])

    response = editor.delete(f"/api/v1/teams/{team['id']}/members/{ada['id']}", if_match=1)

    changed = editor.ok(response)
    assert member_ids(changed) == [grace["id"]]
    assert changed["version"] == 2
    assert response.headers["etag"] == '"2"'
    assert editor.get(f"/api/v1/people/{ada['id']}").status_code == 200


def test_removing_someone_who_is_not_a_member_is_not_found(editor: Api, factory: Factory) -> None:
    team = factory.team()
    ada = factory.person()

    response = editor.delete(f"/api/v1/teams/{team['id']}/members/{ada['id']}", if_match=1)

    assert_problem(response, 404, code="NOT_FOUND")


def test_a_person_of_another_organization_cannot_be_a_member_at_creation(
    editor: Api, factory: Factory, outsider_factory: Factory
) -> None:
    own, foreign = factory.person(), outsider_factory.person()

    response = editor.post(
        "/api/v1/teams", {"name": "Smuggled", "member_ids": [own["id"], foreign["id"]]}
    )

    assert_problem(response, 422, code="VALIDATION_FAILED", field="member_ids")
    listed = editor.ok(editor.get("/api/v1/teams", params={"q": "Smuggled"}))
    assert listed["items"] == []


def test_a_person_of_another_organization_cannot_be_added(
    editor: Api, factory: Factory, outsider_factory: Factory
) -> None:
    team = factory.team()
    foreign = outsider_factory.person()

    response = editor.post(
        f"/api/v1/teams/{team['id']}/members", {"person_id": foreign["id"]}, if_match=1
    )

    assert_problem(response, 422, code="VALIDATION_FAILED", field="person_id")
    unchanged = editor.ok(editor.get(f"/api/v1/teams/{team['id']}"))
    assert unchanged["members"] == [] and unchanged["version"] == 1


def test_an_unknown_person_cannot_be_a_member(editor: Api) -> None:
    response = editor.post("/api/v1/teams", {"name": "Ghosts", "member_ids": [str(uuid.uuid4())]})

    assert_problem(response, 422, code="VALIDATION_FAILED", field="member_ids")


def test_teams_can_be_found_by_member_and_by_name(editor: Api, factory: Factory) -> None:
    ada, grace = factory.person(), factory.person()
    platform = factory.team(name="Platform Core", member_ids=[ada["id"]])
    payments = factory.team(name="Payments", member_ids=[ada["id"], grace["id"]])
    factory.team(name="Platform Edge")

    with_ada = editor.ok(editor.get("/api/v1/teams", params={"member_id": ada["id"]}))
    with_grace = editor.ok(editor.get("/api/v1/teams", params={"member_id": grace["id"]}))
    platform_named = editor.ok(editor.get("/api/v1/teams", params={"q": "platform"}))

    assert [t["id"] for t in with_ada["items"]] == [platform["id"], payments["id"]]
    assert [t["id"] for t in with_grace["items"]] == [payments["id"]]
    assert [t["name"] for t in platform_named["items"]] == ["Platform Core", "Platform Edge"]
    assert sorted(member_ids(with_ada["items"][1])) == sorted([ada["id"], grace["id"]])


def test_teams_page_with_a_cursor(editor: Api, factory: Factory) -> None:
    made = [factory.team()["id"] for _ in range(3)]

    first = editor.ok(editor.get("/api/v1/teams", params={"limit": 2}))
    second = editor.ok(
        editor.get("/api/v1/teams", params={"limit": 2, "cursor": first["next_cursor"]})
    )

    assert [t["id"] for t in first["items"] + second["items"]] == made
    assert second["next_cursor"] is None


def test_a_team_can_be_renamed_with_if_match(editor: Api, factory: Factory) -> None:
    team = factory.team(name="Old name")

    response = editor.patch(f"/api/v1/teams/{team['id']}", {"name": "New name"}, if_match=1)

    assert editor.ok(response)["name"] == "New name"
    assert response.headers["etag"] == '"2"'


def test_two_teams_may_not_share_a_name(editor: Api, factory: Factory) -> None:
    factory.team(name="Unique")

    response = editor.post("/api/v1/teams", {"name": "Unique"})

    assert_problem(response, 409, code="CONFLICT")


def test_deleting_a_team_removes_it_and_its_memberships_but_not_the_people(
    editor: Api, factory: Factory
) -> None:
    ada = factory.person()
    team = factory.team(member_ids=[ada["id"]])

    stale = editor.delete(f"/api/v1/teams/{team['id']}", if_match=2)
    deleted = editor.delete(f"/api/v1/teams/{team['id']}", if_match=1)

    assert_problem(stale, 412, code="STALE_VERSION")
    assert deleted.status_code == 204
    assert editor.get(f"/api/v1/teams/{team['id']}").status_code == 404
    assert editor.ok(editor.get("/api/v1/teams", params={"member_id": ada["id"]}))["items"] == []
    assert editor.get(f"/api/v1/people/{ada['id']}").status_code == 200


def test_deleting_a_person_removes_their_memberships(editor: Api, factory: Factory) -> None:
    ada, grace = factory.person(), factory.person()
    team = factory.team(member_ids=[ada["id"], grace["id"]])

    assert editor.delete(f"/api/v1/people/{ada['id']}", if_match=1).status_code == 204

    assert member_ids(editor.ok(editor.get(f"/api/v1/teams/{team['id']}"))) == [grace["id"]]
