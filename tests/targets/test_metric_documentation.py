"""The numbers leaders read are defined where API clients look: OpenAPI and GraphQL.

A client reading `/schema/openapi.json` or introspecting `/graphql` learns what each
metric means and when a target is on track, without opening a feature file.
"""

from typing import Any

import pytest

from core.metrics.definitions import FLOW, MAP
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


def camel(name: str) -> str:
    first, *rest = name.split("_")
    return first + "".join(part.title() for part in rest)


@pytest.mark.parametrize(
    ("rest_schema", "graphql_type", "definitions"),
    [("FlowBucket", "FlowBucket", FLOW), ("MapMetrics", "MapMetrics", MAP)],
)
def test_every_metric_is_defined_alike_in_both_transports(
    viewer: Api, rest_schema: str, graphql_type: str, definitions: dict[str, str]
) -> None:
    rest = openapi_descriptions(viewer, rest_schema)
    graphql = graphql_descriptions(viewer, graphql_type)

    assert set(rest) == set(definitions)
    for name, text in definitions.items():
        assert rest[name] == text, name
        assert graphql[camel(name)] == text, name


@pytest.mark.parametrize(
    ("definitions", "name", "words"),
    [
        (FLOW, "time_to_restore_seconds", ["opened_at", "resolved_at", "Unresolved"]),
        (FLOW, "change_failure_rate", ["either side", "never reported does not count"]),
        (FLOW, "flow_time_seconds", ["started", "median (p50)", "percentile_method"]),
        (FLOW, "flow_time", ["85th and 95th percentiles", "Hyndman and Fan"]),
        (FLOW, "lead_time_for_changes", ["distribution", "percentile_method"]),
        (FLOW, "time_to_restore", ["distribution", "percentile_method"]),
        (FLOW, "deployments_per_day", ["deployment frequency"]),
        (FLOW, "lead_time_for_changes_seconds", ["commit", "successful deployments"]),
        (FLOW, "flow_efficiency", ["active", "ratio of sums"]),
        (FLOW, "flow_load", ["work in progress"]),
        (FLOW, "flow_distribution", ["feature, defect, risk"]),
        (FLOW, "flow_velocity", ["finished"]),
        (MAP, "lead_time_seconds", ["process time plus wait time", "critical path"]),
        (MAP, "process_time_seconds", ["process times"]),
        (MAP, "activity_ratio", ["process time over lead time"]),
        (MAP, "rolled_pca_percent", ["product"]),
        (MAP, "handoffs", ["handoffs"]),
        (MAP, "longest_queue_step_id", ["longest process plus wait"]),
        (MAP, "bottleneck_step_id", ["longest_queue_step_id", "constraint_step_id"]),
        (MAP, "constraint_step_id", ["lowest capacity", "Learning to See"]),
        (MAP, "takt_time_seconds", ["available working time", "demand"]),
        (MAP, "expected_rework_seconds", ["(1 - %C&A) * (wait + process)", "rework loop"]),
    ],
)
def test_each_metric_says_what_it_counts(
    definitions: dict[str, str], name: str, words: list[str]
) -> None:
    for word in words:
        assert word in definitions[name], (name, word)


def test_target_units_are_documented_in_both_transports(viewer: Api) -> None:
    rest = openapi_descriptions(viewer, "TargetCreate")["unit"]
    answer = viewer.graphql(
        '{ __type(name: "TargetCreateInput") { inputFields { name description } } }'
    )
    graphql = {f["name"]: f["description"] for f in answer["data"]["__type"]["inputFields"]}

    assert "deployments per day | deployments per week" in rest
    assert "seconds | minutes | hours | days | weeks (stored in seconds)" in rest
    assert graphql["unit"] == rest


def test_a_targets_values_say_they_are_in_its_unit_in_graphql(viewer: Api) -> None:
    target = graphql_descriptions(viewer, "FlowTarget")
    measurement = graphql_descriptions(viewer, "Measurement")

    assert "in the target's unit" in target["baseline"]
    assert "in the target's unit" in measurement["value"]
    assert "window" in measurement["windowStart"]
