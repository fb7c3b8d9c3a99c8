"""Input GraphQL cannot read or store gets a clear coded 4xx, never INTERNAL or a 500."""

import json
from typing import Any

import pytest

from tests.api_client import Api
from tests.transports.test_graphql import codes, post


def raw(api: Api, body: str) -> Any:
    return api.client.post(
        "/graphql",
        content=body,
        headers={"Authorization": f"Bearer {api.token}", "content-type": "application/json"},
    )


DEEP = 5_000


@pytest.mark.parametrize(
    "body",
    [
        '{"query": "{ me { role } }", "variables": {"a": ' + "[" * DEEP + "]" * DEEP + "}}",
        '{"query": "{ me { role } }", "extensions": ' + '{"a":' * DEEP + "1" + "}" * DEEP + "}",
        "[" * DEEP + "]" * DEEP,
    ],
    ids=["variables", "extensions", "whole body"],
)
def test_a_body_nested_five_thousand_levels_is_a_400(viewer: Api, body: str) -> None:
    response = raw(viewer, body)

    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"
    assert "nested too deeply" in response.json()["errors"][0]["message"]


@pytest.mark.parametrize("body", ['"just a string"', "42", "null"])
def test_a_body_that_is_no_json_object_is_a_400(viewer: Api, body: str) -> None:
    response = raw(viewer, body)

    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"


def test_a_query_nested_five_thousand_levels_is_a_parse_failure(viewer: Api) -> None:
    query = "{ me " + "{ a " * DEEP + "}" * DEEP + " }"

    result = post(viewer, query)

    assert result.get("data") is None
    assert codes(result) == ["GRAPHQL_PARSE_FAILED"]


@pytest.mark.parametrize("query", ["{ me { a { } } }", "{ }", "{ me { } }"])
def test_an_empty_selection_is_a_syntax_error(viewer: Api, query: str) -> None:
    result = post(viewer, query)

    assert result.get("data") is None
    assert codes(result) == ["GRAPHQL_PARSE_FAILED"]
    assert result["errors"][0]["message"].startswith("Syntax Error")


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ('mutation { createPerson(input: {name: "a\\u0000b"}) { id } }', "input.name"),
        ('{ people(q: "a\\u0000b") { nodes { id } } }', "q"),
    ],
)
def test_a_nul_in_a_string_literal_is_refused_naming_the_argument(
    editor: Api, query: str, field: str
) -> None:
    result = post(editor, query)

    assert result.get("data") is None
    assert codes(result) == ["BAD_REQUEST"]
    assert result["errors"][0]["extensions"]["field"] == field
    assert editor.ok(editor.get("/api/v1/people"))["items"] == []


@pytest.mark.parametrize(
    ("query", "variables", "field"),
    [
        (
            "mutation($input: PersonCreateInput!) { createPerson(input: $input) { id } }",
            {"input": {"name": "a\u0000b"}},
            "variables.input.name",
        ),
        ("query($q: String) { people(q: $q) { nodes { id } } }", {"q": "a\u0000b"}, "variables.q"),
        (
            "mutation($p: JSON!) { replacePlaybook(expectedVersion: 0, playbook: $p) { version } }",
            {"p": {"phases": [{"name": "ok"}, {"name": "x\u0000"}]}},
            "variables.p.phases.1.name",
        ),
    ],
)
def test_a_nul_in_a_variable_is_refused_naming_where(
    admin: Api, query: str, variables: dict[str, Any], field: str
) -> None:
    result = post(admin, query, variables)

    assert result.get("data") is None
    assert codes(result) == ["BAD_REQUEST"]
    assert result["errors"][0]["extensions"]["field"] == field
    assert admin.ok(admin.get("/api/v1/people"))["items"] == []


def test_a_string_without_nul_still_passes(editor: Api) -> None:
    result = editor.graphql(
        "mutation($input: PersonCreateInput!) { createPerson(input: $input) { name } }",
        {"input": {"name": json.loads('"tab\\tand \\u00e9"')}},
    )

    assert result == {"data": {"createPerson": {"name": "tab\tand é"}}}
