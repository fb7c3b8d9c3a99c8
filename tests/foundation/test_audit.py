"""The audit trail: every change leaves who, when, what, before and after; it is searchable."""

import hashlib
import json
import warnings
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from tests.api_client import Api
from tests.factories import Factory
from tests.problems import assert_problem


def token_id_of(api: Api) -> str:
    return api.graphql("{ me { tokenId } }")["data"]["me"]["tokenId"]


def traced(request_id: str) -> dict[str, str]:
    return {"X-Request-ID": request_id}


def events(api: Api, **filters: Any) -> list[dict[str, Any]]:
    return api.ok(api.get("/api/v1/audit", params={"limit": 100, **filters}))["items"]


def the_event(api: Api, entity_id: str, action: str) -> dict[str, Any]:
    found = events(api, entity_id=entity_id, action=action)
    assert len(found) == 1, found
    return found[0]


def test_person_create_update_delete_each_leave_an_event(editor: Api) -> None:
    me = token_id_of(editor)

    created = editor.ok(
        editor.post("/api/v1/people", {"name": "Ada"}, headers=traced("req-create")), 201
    )
    pid = created["id"]
    editor.ok(
        editor.patch(
            f"/api/v1/people/{pid}", {"name": "Ada L."}, if_match=1, headers=traced("req-update")
        )
    )
    editor.delete(f"/api/v1/people/{pid}", if_match=2, headers=traced("req-delete"))

    create, update, delete = (the_event(editor, pid, a) for a in ("create", "update", "delete"))
    for event, request_id in (
        (create, "req-create"),
        (update, "req-update"),
        (delete, "req-delete"),
    ):
        assert event["entity_type"] == "person"
        assert event["entity_id"] == pid
        assert event["actor_token_id"] == me
        assert event["request_id"] == request_id
    assert create["before"] is None
    assert create["after"]["name"] == "Ada" and create["after"]["version"] == 1
    assert update["before"]["name"] == "Ada" and update["after"]["name"] == "Ada L."
    assert update["after"]["version"] == 2
    assert delete["before"]["name"] == "Ada L." and delete["after"] is None


def test_team_changes_and_memberships_leave_events(editor: Api, factory: Factory) -> None:
    me = token_id_of(editor)
    ada = factory.person()

    team = editor.ok(
        editor.post("/api/v1/teams", {"name": "Audited"}, headers=traced("t-create")), 201
    )
    tid = team["id"]
    url = f"/api/v1/teams/{tid}"
    editor.ok(editor.patch(url, {"description": "d"}, if_match=1, headers=traced("t-update")))
    editor.ok(
        editor.post(
            f"{url}/members",
            {"person_id": ada["id"], "role": "coach"},
            if_match=2,
            headers=traced("t-add"),
        )
    )
    editor.ok(editor.delete(f"{url}/members/{ada['id']}", if_match=3, headers=traced("t-remove")))
    editor.delete(url, if_match=4, headers=traced("t-delete"))

    expected = {
        "create": ("t-create", None, {"name": "Audited"}),
        "update": ("t-update", {"description": None}, {"description": "d"}),
        "add_member": ("t-add", None, {"person_id": ada["id"], "role": "coach"}),
        "remove_member": ("t-remove", {"person_id": ada["id"], "role": "coach"}, None),
        "delete": ("t-delete", {"name": "Audited"}, None),
    }
    for action, (request_id, before, after) in expected.items():
        event = the_event(editor, tid, action)
        assert (event["entity_type"], event["actor_token_id"]) == ("team", me), action
        assert event["request_id"] == request_id
        assert_contains(event["before"], before)
        assert_contains(event["after"], after)


def test_token_issue_and_revoke_leave_events_without_the_secret(admin: Api) -> None:
    me = token_id_of(admin)
    created = admin.ok(
        admin.post("/api/v1/tokens", {"name": "audited", "role": "viewer"}, headers=traced("k1")),
        201,
    )
    admin.ok(admin.post(f"/api/v1/tokens/{created['id']}/revoke", if_match=1, headers=traced("k2")))

    issue = the_event(admin, created["id"], "create")
    revoke = the_event(admin, created["id"], "revoke")
    trail = json.dumps(events(admin))

    assert (issue["entity_type"], issue["actor_token_id"], issue["request_id"]) == (
        "api_token",
        me,
        "k1",
    )
    assert issue["before"] is None and issue["after"]["role"] == "viewer"
    assert revoke["before"]["revoked_at"] is None and revoke["after"]["revoked_at"] is not None
    assert revoke["request_id"] == "k2"
    assert "token_hash" not in trail
    assert created["secret"] not in trail
    assert hashlib.sha256(created["secret"].encode()).hexdigest() not in trail


def test_a_token_read_back_from_the_database_is_audited_without_serializer_warnings(
    admin: Api, admin_factory: Factory
) -> None:
    token = admin_factory.token(role="editor")

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        admin.ok(admin.post(f"/api/v1/tokens/{token['id']}/revoke", if_match=1))

    revoke = the_event(admin, token["id"], "revoke")
    assert revoke["before"]["role"] == revoke["after"]["role"] == "editor"
    assert [str(w.message) for w in caught if "serializ" in str(w.message).lower()] == []


def test_renaming_the_organization_leaves_an_event(admin: Api) -> None:
    org = admin.ok(admin.get("/api/v1/organization"))

    admin.ok(
        admin.patch("/api/v1/organization", {"name": "Renamed"}, if_match=1, headers=traced("o1"))
    )

    event = the_event(admin, org["id"], "update")
    assert event["entity_type"] == "organization"
    assert event["actor_token_id"] == token_id_of(admin)
    assert event["request_id"] == "o1"
    assert (event["before"]["name"], event["after"]["name"]) == ("Acme", "Renamed")


def test_a_refused_change_leaves_no_event(editor: Api, factory: Factory) -> None:
    person = factory.person()
    trail = events(editor)

    editor.patch(f"/api/v1/people/{person['id']}", {"name": "X"}, if_match=9)
    editor.post("/api/v1/people", {"name": "Twin", "email": person["email"]})

    assert events(editor) == trail


def test_an_unusable_request_id_is_replaced_by_one_of_ours(editor: Api) -> None:
    created = editor.ok(
        editor.post("/api/v1/people", {"name": "Ada"}, headers=traced("bad id with spaces")), 201
    )

    event = the_event(editor, created["id"], "create")

    assert event["request_id"] and event["request_id"] != "bad id with spaces"


def assert_contains(actual: dict[str, Any] | None, expected: dict[str, Any] | None) -> None:
    if expected is None:
        assert actual is None
        return
    assert actual is not None
    assert {key: actual.get(key) for key in expected} == expected


@pytest.fixture
def history(editor: Api, admin: Api, factory: Factory) -> dict[str, Any]:
    """A small trail: three people by the editor, one changed, a team by the admin."""
    people = [factory.person() for _ in range(3)]
    editor.ok(editor.patch(f"/api/v1/people/{people[0]['id']}", {"title": "T"}, if_match=1))
    team = Factory(admin).team()
    return {"people": people, "team": team}


def test_the_trail_is_newest_first(editor: Api, history: dict[str, Any]) -> None:
    trail = events(editor, entity_type="person", action="create")

    assert [e["entity_id"] for e in trail][:3] == [p["id"] for p in reversed(history["people"])]
    times = [e["at"] for e in events(editor)]
    assert times == sorted(times, reverse=True)


@pytest.mark.parametrize(
    ("filters", "expect"),
    [
        (lambda h, ids: {"entity_type": "team"}, lambda h, ids: [h["team"]["id"]]),
        (
            lambda h, ids: {"entity_id": h["people"][0]["id"]},
            lambda h, ids: [h["people"][0]["id"]] * 2,
        ),
        (lambda h, ids: {"action": "update"}, lambda h, ids: [h["people"][0]["id"]]),
        (
            lambda h, ids: {"actor_token_id": ids["admin"]},
            lambda h, ids: [h["team"]["id"]],
        ),
        (
            lambda h, ids: {"actor_token_id": ids["editor"], "action": "create"},
            lambda h, ids: [p["id"] for p in reversed(h["people"])],
        ),
    ],
    ids=["entity_type", "entity_id", "action", "actor_token_id", "actor_and_action"],
)
def test_the_trail_can_be_filtered(
    editor: Api,
    admin: Api,
    history: dict[str, Any],
    filters: Callable[..., dict[str, Any]],
    expect: Callable[..., list[str]],
) -> None:
    ids = {"admin": token_id_of(admin), "editor": token_id_of(editor)}

    found = events(editor, **filters(history, ids))

    assert [e["entity_id"] for e in found] == expect(history, ids)


def test_the_trail_can_be_bounded_in_time(editor: Api, history: dict[str, Any]) -> None:
    trail = events(editor)
    middle = trail[len(trail) // 2]

    since = events(editor, since=middle["at"])
    until = events(editor, until=middle["at"])
    shifted = datetime.fromisoformat(middle["at"]).astimezone(
        timezone(timedelta(hours=5, minutes=30))
    )
    since_local = events(editor, since=shifted.isoformat())

    assert since == trail[: len(trail) // 2 + 1]
    assert until == trail[len(trail) // 2 + 1 :]
    assert since_local == since
    future = (datetime.fromisoformat(trail[0]["at"]) + timedelta(hours=1)).isoformat()
    assert events(editor, since=future) == []


@pytest.mark.parametrize("bound", ["since", "until"])
@pytest.mark.parametrize("value", ["2024-01-01T00:00:00", "2024-01-01", "yesterday"])
def test_a_time_bound_without_a_zone_is_refused(editor: Api, bound: str, value: str) -> None:
    response = editor.get("/api/v1/audit", params={bound: value})

    assert 400 <= response.status_code < 500
    assert_problem(response, response.status_code, field=bound)


def test_the_trail_pages_with_a_cursor(editor: Api, history: dict[str, Any]) -> None:
    whole = events(editor)
    paged: list[dict[str, Any]] = []
    cursor = None

    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = editor.ok(editor.get("/api/v1/audit", params=params))
        paged += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            break

    assert len(whole) > 4
    assert paged == whole


def test_graphql_audit_events_match_the_rest_trail(editor: Api, history: dict[str, Any]) -> None:
    person = history["people"][0]

    result = editor.graphql(
        """query($id: ID!) {
          auditEvents(filter: {entityType: "person", entityId: $id}) {
            nodes { id action entityType entityId actorTokenId requestId before after at }
          }
        }""",
        {"id": person["id"]},
    )

    rest = events(editor, entity_type="person", entity_id=person["id"])
    nodes = result["data"]["auditEvents"]["nodes"]
    assert [n["id"] for n in nodes] == [e["id"] for e in rest]
    assert [n["action"] for n in nodes] == ["update", "create"]
    assert nodes[0]["before"] == rest[0]["before"] and nodes[0]["after"] == rest[0]["after"]
    assert nodes[0]["actorTokenId"] == rest[0]["actor_token_id"] == token_id_of(editor)


def test_graphql_audit_events_filter_by_time_and_action(
    editor: Api, history: dict[str, Any]
) -> None:
    trail = events(editor)
    middle = trail[len(trail) // 2]

    result = editor.graphql(
        """query($since: DateTime!) {
          auditEvents(filter: {since: $since, action: "create"}) { nodes { id } }
        }""",
        {"since": middle["at"]},
    )

    expected = [e["id"] for e in events(editor, since=middle["at"], action="create")]
    assert [n["id"] for n in result["data"]["auditEvents"]["nodes"]] == expected


def test_graphql_refuses_a_naive_time_bound(editor: Api) -> None:
    result = editor.graphql(
        '{ auditEvents(filter: {since: "2024-01-01T00:00:00"}) { nodes { id } } }'
    )

    assert result["data"] == {"auditEvents": None}
    assert result["errors"][0]["extensions"]["code"] == "VALIDATION_FAILED"
    assert "since" in result["errors"][0]["message"]
