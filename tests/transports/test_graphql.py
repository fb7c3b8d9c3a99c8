"""GraphQL: the same use cases as REST, with error codes, limits and atomic mutations."""

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from litestar.testing import TestClient
from sqlalchemy import event

from tests.api_client import Api
from tests.factories import Factory

PERSON_FIELDS = "id name title version"


def codes(result: dict[str, Any]) -> list[str | None]:
    return [error.get("extensions", {}).get("code") for error in result.get("errors", [])]


def post(api: Api, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
    """Like `Api.graphql`, for answers that may carry errors before execution."""
    response = api.client.post(
        "/graphql",
        json={"query": query, "variables": variables or {}},
        headers={"Authorization": f"Bearer {api.token}"},
    )
    assert response.status_code in (200, 400), response.text
    return response.json()


def test_me_tells_the_role_and_the_organization(viewer: Api) -> None:
    result = viewer.graphql("{ me { role tokenId organization { slug name } } }")

    assert result["data"]["me"]["role"] == "viewer"
    assert result["data"]["me"]["organization"] == {"slug": "acme", "name": "Acme"}
    assert uuid.UUID(result["data"]["me"]["tokenId"])


def test_people_page_with_first_and_after(viewer: Api, factory: Factory) -> None:
    made = [factory.person(name=f"Page {i}")["id"] for i in range(5)]
    query = """query($after: String) {
      people(first: 2, after: $after) {
        edges { cursor node { id } }
        pageInfo { hasNextPage endCursor }
      }
    }"""

    seen: list[str] = []
    pages = []
    after = None
    for _ in range(3):
        page = viewer.graphql(query, {"after": after})["data"]["people"]
        pages.append(page)
        seen += [edge["node"]["id"] for edge in page["edges"]]
        after = page["pageInfo"]["endCursor"]

    assert seen == made
    assert [p["pageInfo"]["hasNextPage"] for p in pages] == [True, True, False]
    assert pages[0]["pageInfo"]["endCursor"] == pages[0]["edges"][-1]["cursor"]


@pytest.mark.parametrize("first", [0, 101, -1])
def test_first_out_of_range_is_a_validation_error(viewer: Api, first: int) -> None:
    result = viewer.graphql("query($f: Int) { people(first: $f) { nodes { id } } }", {"f": first})

    assert codes(result) == ["VALIDATION_FAILED"]
    assert result["errors"][0]["extensions"]["fields"][0]["field"] == "first"


def test_a_bad_cursor_is_a_validation_error(viewer: Api) -> None:
    result = viewer.graphql('{ people(after: "not-a-cursor") { nodes { id } } }')

    assert codes(result) == ["VALIDATION_FAILED"]


def test_create_update_and_delete_a_person(editor: Api) -> None:
    created = editor.graphql(
        f"""mutation {{
          createPerson(input: {{name: "Ada", title: "Analyst"}}) {{ {PERSON_FIELDS} }}
        }}"""
    )["data"]["createPerson"]
    updated = editor.graphql(
        f"""mutation($id: ID!) {{
          updatePerson(id: $id, expectedVersion: 1, input: {{title: "Countess"}}) {{
            {PERSON_FIELDS}
          }}
        }}""",
        {"id": created["id"]},
    )["data"]["updatePerson"]
    stored = editor.ok(editor.get(f"/api/v1/people/{created['id']}"))
    deleted = editor.graphql(
        "mutation($id: ID!) { deletePerson(id: $id, expectedVersion: 2) }", {"id": created["id"]}
    )

    assert created["version"] == 1 and created["title"] == "Analyst"
    assert updated == {**created, "title": "Countess", "version": 2}
    assert stored["title"] == "Countess" and stored["name"] == "Ada"
    assert deleted["data"]["deletePerson"] == created["id"]
    assert editor.get(f"/api/v1/people/{created['id']}").status_code == 404


def test_update_with_a_stale_version_changes_nothing(editor: Api, factory: Factory) -> None:
    person = factory.person(name="Kept")
    editor.ok(editor.patch(f"/api/v1/people/{person['id']}", {"title": "T"}, if_match=1))

    result = editor.graphql(
        """mutation($id: ID!) {
          updatePerson(id: $id, expectedVersion: 1, input: {name: "Lost"}) { id }
        }""",
        {"id": person["id"]},
    )

    assert codes(result) == ["STALE_VERSION"]
    assert result["errors"][0]["extensions"]["current_version"] == 2
    stored = editor.ok(editor.get(f"/api/v1/people/{person['id']}"))
    assert (stored["name"], stored["version"]) == ("Kept", 2)


def test_a_failed_mutation_leaves_nothing_while_an_earlier_sibling_is_kept(
    editor: Api, outsider_factory: Factory
) -> None:
    foreign = outsider_factory.person()

    result = editor.graphql(
        """mutation($foreign: ID!) {
          kept: createPerson(input: {name: "Sibling kept"}) { id }
          failed: createTeam(input: {name: "X", memberIds: [$foreign]}) { id }
        }""",
        {"foreign": foreign["id"]},
    )

    assert codes(result) == ["VALIDATION_FAILED"]
    assert result["errors"][0]["path"] == ["failed"]
    assert editor.ok(editor.get("/api/v1/teams", params={"q": "X"}))["items"] == []
    assert editor.ok(editor.get("/api/v1/audit", params={"entity_type": "team"}))["items"] == []
    people = editor.ok(editor.get("/api/v1/people", params={"q": "Sibling kept"}))["items"]
    assert len(people) == 1


def test_a_stale_mutation_can_be_retried_with_the_current_version(
    editor: Api, factory: Factory
) -> None:
    person = factory.person(name="Original")

    result = editor.graphql(
        """mutation($id: ID!) {
          stale: updatePerson(id: $id, expectedVersion: 9, input: {name: "Stale"}) { id }
        }""",
        {"id": person["id"]},
    )
    fresh = editor.graphql(
        """mutation($id: ID!) {
          fresh: updatePerson(id: $id, expectedVersion: 1, input: {name: "Fresh"}) { name }
        }""",
        {"id": person["id"]},
    )

    assert codes(result) == ["STALE_VERSION"]
    assert fresh["data"]["fresh"]["name"] == "Fresh"


def test_an_unknown_id_is_not_found(viewer: Api) -> None:
    result = viewer.graphql("query($id: ID!) { person(id: $id) { id } }", {"id": str(uuid.uuid4())})

    assert codes(result) == ["NOT_FOUND"]


def test_an_id_that_is_no_uuid_is_a_validation_error(viewer: Api) -> None:
    result = viewer.graphql('{ team(id: "nope") { id } }')

    assert codes(result) == ["VALIDATION_FAILED"]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ('mutation { createPerson(input: {name: "Ada", email: "ada@"}) { id } }', "email"),
        ('mutation { createPerson(input: {name: ""}) { id } }', "name"),
        (f'mutation {{ createTeam(input: {{name: "{"x" * 201}"}}) {{ id }} }}', "name"),
        ('mutation { createTeam(input: {name: "T", memberIds: ["nope"]}) { id } }', "member_ids.0"),
        ('mutation { createApiToken(input: {name: "", role: viewer}) { secret } }', "name"),
        ('{ auditEvents(filter: {entityId: "nope"}) { nodes { id } } }', "filter.entityId"),
    ],
)
def test_inputs_refuse_what_their_core_model_refuses_naming_the_field(
    admin: Api, query: str, field: str
) -> None:
    result = admin.graphql(query)

    assert codes(result) == ["VALIDATION_FAILED"]
    assert [f["field"] for f in result["errors"][0]["extensions"]["fields"]] == [field]


def test_a_viewer_mutation_is_forbidden_and_writes_nothing(viewer: Api) -> None:
    result = viewer.graphql('mutation { createPerson(input: {name: "Nope"}) { id } }')

    assert codes(result) == ["FORBIDDEN"]
    assert viewer.ok(viewer.get("/api/v1/people", params={"q": "Nope"}))["items"] == []


def test_an_editor_may_not_manage_tokens_or_the_organization(editor: Api) -> None:
    created = editor.graphql(
        'mutation { createApiToken(input: {name: "t", role: viewer}) { secret } }'
    )
    listed = editor.graphql("{ apiTokens { nodes { id } } }")
    renamed = editor.graphql(
        'mutation { updateOrganization(expectedVersion: 1, input: {name: "X"}) { name } }'
    )

    assert codes(created) == codes(listed) == codes(renamed) == ["FORBIDDEN"]
    assert editor.ok(editor.get("/api/v1/organization"))["name"] == "Acme"


@pytest.mark.parametrize(
    "query",
    [
        "{ nope }",
        "{ peple { nodes { id } } }",
        "{ me { rol } }",
        "{ people(frist: 2) { nodes { id } } }",
    ],
)
def test_an_unknown_field_is_a_validation_error_without_suggestions(
    viewer: Api, query: str
) -> None:
    result = post(viewer, query)

    assert codes(result) == ["GRAPHQL_VALIDATION_FAILED"]
    assert all("Did you mean" not in error["message"] for error in result["errors"])


@pytest.mark.parametrize("query", ["{ people {", "query {", "{ me { role } } }"])
def test_a_syntax_error_is_a_parse_failure(viewer: Api, query: str) -> None:
    result = post(viewer, query)

    assert result.get("data") is None
    assert codes(result) == ["GRAPHQL_PARSE_FAILED"]


def test_errors_never_suggest_enum_values(admin: Api) -> None:
    result = post(admin, 'mutation { createApiToken(input: {name: "t", role: admn}) { secret } }')

    assert codes(result) == ["GRAPHQL_VALIDATION_FAILED"]
    assert all("Did you mean" not in error["message"] for error in result["errors"])


def nested(levels: int) -> str:
    """A selection `levels` fields deep; the depth rule judges the document's shape."""
    return "{ " + " { ".join(f"f{i}" for i in range(levels)) + " }" * levels


def depth_errors(result: dict[str, Any]) -> list[str]:
    return [e["message"] for e in result["errors"] if "maximum operation depth" in e["message"]]


def test_a_query_deeper_than_the_limit_is_refused(viewer: Api) -> None:
    over = post(viewer, nested(14))
    at = post(viewer, nested(13))

    assert over["data"] is None
    assert depth_errors(over) == ["'anonymous' exceeds maximum operation depth of 12"]
    assert depth_errors(at) == []


def test_the_depth_limit_follows_the_settings(app_with: Any) -> None:
    query = "{ teams { nodes { members { person { name } } } } }"
    shallow = app_with(graphql_max_depth=3)
    default = app_with()

    refused = post(shallow, query)
    allowed = post(default, query)

    assert refused["data"] is None
    assert codes(refused) == ["GRAPHQL_VALIDATION_FAILED"]
    assert depth_errors(refused) == ["'anonymous' exceeds maximum operation depth of 3"]
    assert allowed == {"data": {"teams": {"nodes": []}}}


def aliases(count: int) -> str:
    return "{ " + " ".join(f"a{i}: me {{ role }}" for i in range(count)) + " }"


def test_more_aliases_than_the_limit_are_refused(viewer: Api) -> None:
    over = post(viewer, aliases(31))
    at = post(viewer, aliases(30))

    assert over["data"] is None
    assert codes(over) == ["GRAPHQL_VALIDATION_FAILED"]
    assert "alias" in over["errors"][0]["message"].lower()
    assert "errors" not in at and len(at["data"]) == 30


def tokens(count: int) -> str:
    """A valid query of exactly `count` lexical tokens: `{ me { role ... } }`."""
    return "{ me { " + "role " * (count - 5) + "} }"


def test_a_query_with_more_tokens_than_the_limit_is_refused(viewer: Api) -> None:
    result = post(viewer, tokens(4001))

    assert result.get("data") is None
    assert "more than 4000 tokens" in result["errors"][0]["message"]


def test_the_token_limit_follows_the_settings(app_with: Any) -> None:
    small = app_with(graphql_max_tokens=50)
    default = app_with()

    over = post(small, tokens(51))
    at = post(small, tokens(50))
    allowed = post(default, tokens(51))

    assert over.get("data") is None
    assert "more than 50 tokens" in over["errors"][0]["message"]
    assert at == allowed == {"data": {"me": {"role": "admin"}}}


def test_introspection_can_be_turned_off(app_with: Any) -> None:
    closed = app_with(graphql_introspection=False)
    query = "{ __schema { queryType { name } } }"

    refused = post(closed, query)
    type_refused = post(closed, '{ __type(name: "Person") { name } }')
    typename = post(closed, "{ __typename }")

    assert refused["data"] is None
    assert set(codes(refused)) == {"GRAPHQL_VALIDATION_FAILED"}
    assert "introspection has been disabled" in refused["errors"][0]["message"]
    assert codes(type_refused) == ["GRAPHQL_VALIDATION_FAILED"]
    assert typename["data"] == {"__typename": "Query"}


def test_introspection_answers_when_enabled(viewer: Api) -> None:
    result = viewer.graphql("{ __schema { queryType { name } } }")

    assert result["data"]["__schema"]["queryType"]["name"] == "Query"


@pytest.fixture
def statements(client: TestClient[Any]) -> Iterator[list[str]]:
    """Every SQL statement the running app sends, recorded while the test runs."""
    state = client.app.state.vsm
    engines = {state.database.read_engine.sync_engine, state.database.write_engine.sync_engine}
    sent: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        sent.append(statement)

    for engine in engines:
        event.listen(engine, "before_cursor_execute", record)
    yield sent
    for engine in engines:
        event.remove(engine, "before_cursor_execute", record)


TEAMS_WITH_PEOPLE = "{ teams(first: 100) { nodes { name members { person { name } } } } }"


def test_team_members_resolve_to_their_people(viewer: Api, factory: Factory) -> None:
    people = [factory.person(name=f"Member {i}") for i in range(4)]
    factory.team(name="Alpha", member_ids=[people[0]["id"], people[1]["id"]])
    factory.team(name="Beta", member_ids=[people[2]["id"]])
    factory.team(name="Gamma", member_ids=[people[1]["id"], people[3]["id"]])
    factory.team(name="Empty")

    result = viewer.graphql(TEAMS_WITH_PEOPLE)

    shaped = {
        team["name"]: sorted(m["person"]["name"] for m in team["members"])
        for team in result["data"]["teams"]["nodes"]
    }
    assert shaped == {
        "Alpha": ["Member 0", "Member 1"],
        "Beta": ["Member 2"],
        "Gamma": ["Member 1", "Member 3"],
        "Empty": [],
    }


def test_the_number_of_queries_does_not_grow_with_the_teams(
    viewer: Api, factory: Factory, statements: list[str]
) -> None:
    def team_of_two() -> None:
        factory.team(member_ids=[factory.person()["id"], factory.person()["id"]])

    team_of_two()
    viewer.graphql(TEAMS_WITH_PEOPLE)
    statements.clear()
    viewer.graphql(TEAMS_WITH_PEOPLE)
    few = len(statements)
    for _ in range(5):
        team_of_two()

    statements.clear()
    many = viewer.graphql(TEAMS_WITH_PEOPLE)

    assert len(many["data"]["teams"]["nodes"]) == 6
    assert len(statements) == few, statements


def test_a_mutation_over_get_is_refused(viewer: Api) -> None:
    response = viewer.get("/graphql", params={"query": "{ me { role } }"})

    assert response.status_code in (400, 405)
