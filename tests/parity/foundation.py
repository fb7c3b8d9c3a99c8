"""Parity cases of the foundation: the organization, people, teams and tokens."""

from typing import Any

from tests.api_client import Api
from tests.factories import Factory, unique
from tests.parity.crud import Resource, by_id, cases, connection, refused_at_root, selection
from tests.parity.harness import (
    Case,
    QueryCase,
    Twin,
    camel,
    comparable,
    graphql_data,
    graphql_refusal,
    rest_json,
    rest_refusal,
)

TOKEN = "id name role person_id expires_at revoked_at version"


def _labels(_factory: Factory) -> Twin:
    """Names each twin makes its own, since both twins share one organization."""
    n = unique("twin").split()[-1]
    return {"name": f"Grace {n}", "email": f"grace{n}@example.com"}


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


RECORDS = [
    Resource(
        noun="person",
        type_name="Person",
        item="/api/v1/people/{person_id}",
        collection="/api/v1/people",
        arrange=_labels,
        make=lambda f, t: f.person(name=t["name"], email=t["email"]),
        create=lambda t: {"name": t["name"], "email": t["email"], "title": "Architect"},
        update=lambda t: {"title": "Chief architect", "active": False},
        read_all=connection("people"),
        reads_via=("people",),
        read_one=by_id("person"),
        one_via=("person",),
        parent_argument=None,
    ),
    Resource(
        noun="team",
        type_name="Team",
        item="/api/v1/teams/{team_id}",
        collection="/api/v1/teams",
        arrange=_labels,
        make=lambda f, t: f.team(name=t["name"]),
        create=lambda t: {"name": t["name"], "description": "Quotes and orders"},
        update=lambda t: {"description": "Orders only"},
        read_all=connection("teams"),
        reads_via=("teams",),
        read_one=by_id("team"),
        one_via=("team",),
        parent_argument=None,
        rest_only={
            "members": "GraphQL answers each with the person; the member cases compare them"
        },
    ),
]


def _team_with_member(factory: Factory, admin: Factory) -> Twin:
    twin = _team_and_person(factory, admin)
    return {**twin, "team": factory.member(twin["team"], twin["person"], role="Tester")}


def _renamed_by_rest(api: Api, _twin: Twin) -> Any:
    before = rest_json(api, "/api/v1/organization")
    body = {"name": "Acme through REST"}
    after = api.ok(api.patch("/api/v1/organization", body, if_match=before["version"]))
    return {"renamed": after["name"] == body["name"], **_kept(before, after)}


def _renamed_by_graphql(api: Api, _twin: Twin) -> Any:
    before = graphql_data(api, "{ organization { slug version } }")["organization"]
    after = graphql_data(
        api,
        "mutation($v: Int!) { updateOrganization(expectedVersion: $v, input: "
        '{name: "Acme through GraphQL"}) { name slug version } }',
        v=before["version"],
    )["updateOrganization"]
    return {"renamed": after["name"] == "Acme through GraphQL", **_kept(before, after)}


def _kept(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """Both twins are one organization, renamed twice: what each rename kept and counted."""
    return {
        "slug_kept": after["slug"] == before["slug"],
        "versions": after["version"] - before["version"],
    }


def _tokens_by_rest(api: Api, twin: Twin) -> Any:
    return [_token_fields(t) for t in rest_json(api, "/api/v1/tokens")["items"]]


def _tokens_by_graphql(api: Api, _twin: Twin) -> Any:
    nodes = graphql_data(api, f"{{ apiTokens {{ nodes {{ {_camel(TOKEN)} }} }} }}")
    return [_token_fields(comparable(t)) for t in nodes["apiTokens"]["nodes"]]


def _camel(fields: str) -> str:
    return " ".join(camel(name) for name in fields.split())


def _token_fields(token: dict[str, Any]) -> dict[str, Any]:
    return comparable({k: token[k] for k in TOKEN.split()})


def _token_state_by_rest(api: Api, twin: Twin) -> Any:
    return _token_fields(rest_json(api, f"/api/v1/tokens/{twin['token']['id']}"))


def _token_state_by_graphql(api: Api, twin: Twin) -> Any:
    tokens = _tokens_by_graphql(api, twin)
    return next(t for t in tokens if t["id"] == twin["token"]["id"])


def _issued(api: Api, twin: Twin) -> Any:
    token = rest_json(api, f"/api/v1/tokens/{twin['issued']['id']}")
    return {k: v for k, v in _token_fields(token).items() if k != "id"}


def _issue_by_rest(api: Api, twin: Twin) -> Any:
    answer = api.post(
        "/api/v1/tokens",
        {"name": twin["name"], "role": "editor", "person_id": twin["person"]["id"]},
    )
    twin["issued"] = {"id": api.ok(answer, 201)["id"]}
    assert answer.json()["secret"]
    return answer


def _issue_by_graphql(api: Api, twin: Twin) -> Any:
    data = graphql_data(
        api,
        "mutation($n: String!, $p: ID!) { createApiToken(input: {name: $n, role: editor, "
        "personId: $p}) { token { id } secret } }",
        n=twin["name"],
        p=twin["person"]["id"],
    )["createApiToken"]
    assert data["secret"]
    twin["issued"] = {"id": data["token"]["id"]}
    return data


def _me_by_rest(api: Api, _twin: Twin) -> Any:
    return {"organization": comparable(rest_json(api, "/api/v1/organization"))}


def _me_by_graphql(api: Api, _twin: Twin) -> Any:
    me = graphql_data(api, "{ me { role organization { id name slug version } } }")["me"]
    assert me["role"] == "admin"
    return {"organization": comparable(me["organization"])}


def _audited_stream(factory: Factory, _admin: Factory) -> Twin:
    stream = factory.value_stream()
    factory.api.ok(
        factory.api.patch(
            f"/api/v1/value-streams/{stream['id']}",
            {"description": "Audited"},
            if_match=stream["version"],
        )
    )
    return {"stream": stream}


AUDIT = "id actor_token_id actor_person_id action entity_type entity_id before after request_id at"


def _audit_by_rest(api: Api, twin: Twin) -> Any:
    page = rest_json(api, "/api/v1/audit", entity_id=twin["stream"]["id"])
    return [comparable({k: e[k] for k in AUDIT.split()}) for e in page["items"]]


def _audit_by_graphql(api: Api, twin: Twin) -> Any:
    data = graphql_data(
        api,
        "query($e: ID!) { auditEvents(filter: {entityId: $e}) { nodes { "
        f"{_camel(AUDIT)} }} }} }}",
        e=twin["stream"]["id"],
    )
    return [comparable(e) for e in data["auditEvents"]["nodes"]]


def _people_by_email_by_rest(api: Api, twin: Twin) -> Any:
    return comparable(rest_json(api, "/api/v1/people", email=twin["email"])["items"])


def _people_by_email_by_graphql(api: Api, twin: Twin) -> Any:
    chosen = selection("Person")
    text = f"query($e: String) {{ people(email: $e) {{ nodes {{ {chosen} }} }} }}"
    nodes = graphql_data(api, text, e=twin["email"])["people"]["nodes"]
    return comparable(nodes)


def _two_people(factory: Factory, _admin: Factory) -> Twin:
    twin = _labels(factory)
    factory.person(name=twin["name"], email=twin["email"])
    factory.person(name=twin["name"])
    return twin


def _tokens_of_two_roles(_factory: Factory, admin: Factory) -> Twin:
    return {"editor": admin.token(role="editor"), "viewer": admin.token(role="viewer")}


def _editor_tokens_by_rest(api: Api, _twin: Twin) -> Any:
    return [_token_fields(t) for t in rest_json(api, "/api/v1/tokens", role="editor")["items"]]


def _editor_tokens_by_graphql(api: Api, _twin: Twin) -> Any:
    text = f"{{ apiTokens(role: editor) {{ nodes {{ {_camel(TOKEN)} }} }} }}"
    return [_token_fields(comparable(t)) for t in graphql_data(api, text)["apiTokens"]["nodes"]]


TOO_LONG_AN_ENTITY = {"entity_type": "e" * 61, "actor_person_id": "nobody"}


def _refused_audit_by_rest(api: Api, _twin: Twin) -> Any:
    answer = api.get("/api/v1/audit", params=TOO_LONG_AN_ENTITY)
    return rest_refusal(answer, lambda field: f"filter.{camel(field)}")


def _refused_audit_by_graphql(api: Api, _twin: Twin) -> Any:
    text = "query($f: AuditFilterInput) { auditEvents(filter: $f) { nodes { id } } }"
    sent = {camel(key): value for key, value in TOO_LONG_AN_ENTITY.items()}
    return graphql_refusal(api.graphql(text, {"f": sent}))


REFUSED_FILTERS = [
    refused_at_root(
        "people by an email too long",
        rest="/api/v1/people",
        root="people",
        query={"email": f"{'a' * 310}@example.com"},
    ),
    refused_at_root(
        "teams by text too long and a member id that is none",
        rest="/api/v1/teams",
        root="teams",
        query={"q": "q" * 201, "member_id": "nobody"},
    ),
    refused_at_root(
        "tokens of a role that is none",
        rest="/api/v1/tokens",
        root="apiTokens",
        query={"role": "owner"},
    ),
    QueryCase(
        name="the audit trail of an entity type too long and a person id that is none",
        rest=("GET /api/v1/audit",),
        graphql=("auditEvents",),
        arrange=lambda _f, _a: {},
        via_rest=_refused_audit_by_rest,
        via_graphql=_refused_audit_by_graphql,
    ),
]

CASES: list[Case | QueryCase] = [
    *(case for resource in RECORDS for case in cases(resource)),
    *REFUSED_FILTERS,
    QueryCase(
        name="people by email",
        rest=("GET /api/v1/people",),
        graphql=("people",),
        arrange=_two_people,
        via_rest=_people_by_email_by_rest,
        via_graphql=_people_by_email_by_graphql,
    ),
    QueryCase(
        name="tokens by role",
        rest=("GET /api/v1/tokens",),
        graphql=("apiTokens",),
        arrange=_tokens_of_two_roles,
        via_rest=_editor_tokens_by_rest,
        via_graphql=_editor_tokens_by_graphql,
    ),
    Case(
        name="take a member off a team",
        rest=("DELETE /api/v1/teams/{team_id}/members/{person_id}",),
        graphql=("removeTeamMember",),
        arrange=_team_with_member,
        via_rest=lambda api, t: api.delete(
            f"/api/v1/teams/{t['team']['id']}/members/{t['person']['id']}",
            if_match=t["team"]["version"],
        ),
        via_graphql=lambda api, t: graphql_data(
            api,
            "mutation($t: ID!, $p: ID!, $v: Int!) { removeTeamMember(teamId: $t, personId: $p, "
            "expectedVersion: $v) { id } }",
            t=t["team"]["id"],
            p=t["person"]["id"],
            v=t["team"]["version"],
        ),
        observe=_members_of,
    ),
    QueryCase(
        name="the caller's organization",
        rest=("GET /api/v1/organization",),
        graphql=("organization",),
        arrange=lambda f, a: {},
        via_rest=lambda api, t: comparable(rest_json(api, "/api/v1/organization")),
        via_graphql=lambda api, t: comparable(
            graphql_data(api, "{ organization { id name slug version } }")["organization"]
        ),
    ),
    QueryCase(
        name="who the caller acts for",
        rest=("GET /api/v1/organization",),
        graphql=("me",),
        arrange=lambda f, a: {},
        via_rest=_me_by_rest,
        via_graphql=_me_by_graphql,
    ),
    QueryCase(
        name="rename the organization",
        rest=("PATCH /api/v1/organization",),
        graphql=("updateOrganization",),
        arrange=lambda f, a: {},
        via_rest=_renamed_by_rest,
        via_graphql=_renamed_by_graphql,
    ),
    QueryCase(
        name="list the tokens",
        rest=("GET /api/v1/tokens",),
        graphql=("apiTokens",),
        arrange=lambda f, a: {"token": a.token(name="Nightly export")},
        via_rest=_tokens_by_rest,
        via_graphql=_tokens_by_graphql,
    ),
    QueryCase(
        name="read a token",
        rest=("GET /api/v1/tokens/{token_id}",),
        graphql=("apiTokens",),
        arrange=lambda f, a: {"token": a.token(name="Nightly export")},
        via_rest=_token_state_by_rest,
        via_graphql=_token_state_by_graphql,
    ),
    Case(
        name="issue a token",
        rest=("POST /api/v1/tokens",),
        graphql=("createApiToken",),
        arrange=lambda f, a: {**_labels(f), "person": f.person()},
        via_rest=_issue_by_rest,
        via_graphql=_issue_by_graphql,
        observe=_issued,
    ),
    QueryCase(
        name="the audit trail of a value stream",
        rest=("GET /api/v1/audit",),
        graphql=("auditEvents",),
        arrange=_audited_stream,
        via_rest=_audit_by_rest,
        via_graphql=_audit_by_graphql,
    ),
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
