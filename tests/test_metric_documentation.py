"""The numbers leaders read are defined where API clients look: OpenAPI and GraphQL.

A client reading `/schema/openapi.json` or introspecting `/graphql` learns what each
metric means and when a target is on track, without opening a feature file.
"""

from typing import Any

import pytest

from tests.api_client import Api


def openapi_schema(api: Api, name: str) -> dict[str, Any]:
    document = api.ok(api.get("/schema/openapi.json"))
    schemas = document["components"]["schemas"]
    assert name in schemas, sorted(schemas)
    return schemas[name]


def openapi_descriptions(api: Api, name: str) -> dict[str, str]:
    properties = openapi_schema(api, name)["properties"]
    return {field: spec.get("description", "") for field, spec in properties.items()}


def graphql_descriptions(api: Api, type_name: str) -> dict[str, str]:
    answer = api.graphql(
        "query($name: String!) { __type(name: $name) { fields { name description } } }",
        {"name": type_name},
    )
    fields = answer["data"]["__type"]["fields"]
    return {field["name"]: field["description"] or "" for field in fields}


def test_the_target_status_rule_is_in_the_openapi_document(viewer: Api) -> None:
    described = openapi_descriptions(viewer, "ProgressRead")

    assert "worse than the baseline" in described["status"]
    assert "never on_track" in described["status"]
    assert "negative when it is worse than the baseline" in described["percent_of_way"]
    assert "timeline" in described["expected_percent_now"]


def test_the_target_status_rule_is_in_the_graphql_schema(viewer: Api) -> None:
    described = graphql_descriptions(viewer, "TargetProgress")

    assert "never on_track" in described["status"]
    assert "negative when it is worse than the baseline" in described["percentOfWay"]


@pytest.mark.parametrize("field", ["status", "percent_of_way"])
def test_both_transports_say_the_same(viewer: Api, field: str) -> None:
    rest = openapi_descriptions(viewer, "ProgressRead")[field]
    graphql = graphql_descriptions(viewer, "TargetProgress")[
        "percentOfWay" if field == "percent_of_way" else field
    ]

    assert rest == graphql
