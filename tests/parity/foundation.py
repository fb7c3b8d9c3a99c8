"""Parity cases of the foundation: the organization, people, teams and tokens."""

from typing import Any

from tests.api_client import Api
from tests.factories import Factory
from tests.parity.harness import Case, QueryCase, Twin, graphql_data


def _team_and_person(factory: Factory, _admin: Factory) -> Twin:
    return {"team": factory.team(), "person": factory.person(name="Grace")}


def _members_of(api: Api, twin: Twin) -> Any:
    team = api.ok(api.get(f"/api/v1/teams/{twin['team']['id']}"))
    return {"version": team["version"], "members": team["members"]}


def _a_token(_factory: Factory, admin: Factory) -> Twin:
    return {"token": admin.token(name="Nightly export")}


def _token_state(api: Api, twin: Twin) -> Any:
    token = api.ok(api.get(f"/api/v1/tokens/{twin['token']['id']}"))
    return {"revoked": token["revoked_at"] is not None, "version": token["version"]}


CASES: list[Case | QueryCase] = [
    Case(
        name="add a team member",
        rest=("POST /api/v1/teams/{team_id}/members",),
        graphql=("addTeamMember",),
        arrange=_team_and_person,
        via_rest=lambda api, t: api.post(
            f"/api/v1/teams/{t['team']['id']}/members",
            {"person_id": t["person"]["id"], "role": "Developer"},
            if_match=t["team"]["version"],
        ),
        via_graphql=lambda api, t: graphql_data(
            api,
            "mutation($t: ID!, $p: ID!, $v: Int!) { addTeamMember(teamId: $t, personId: $p, "
            'expectedVersion: $v, role: "Developer") { id } }',
            t=t["team"]["id"],
            p=t["person"]["id"],
            v=t["team"]["version"],
        ),
        observe=_members_of,
    ),
    Case(
        name="revoke a token",
        rest=("POST /api/v1/tokens/{token_id}/revoke",),
        graphql=("revokeApiToken",),
        arrange=_a_token,
        via_rest=lambda api, t: api.post(
            f"/api/v1/tokens/{t['token']['id']}/revoke", {}, if_match=t["token"]["version"]
        ),
        via_graphql=lambda api, t: graphql_data(
            api,
            "mutation($i: ID!, $v: Int!) { revokeApiToken(id: $i, expectedVersion: $v) { id } }",
            i=t["token"]["id"],
            v=t["token"]["version"],
        ),
        observe=_token_state,
    ),
]
