"""A failing field costs its own answer only: siblings keep their data, the session survives.

The GraphQL spec's error handling nulls the nearest nullable field above an error;
root fields are nullable, so one failing root field leaves the others' data. A failing
field also cancels its siblings mid-statement: that must not break the session they
share (it once closed the connection and turned every answer into INTERNAL).
"""

import logging
from typing import Any

import pytest
from graphql import GraphQLNonNull

from api.graphql.schema import build_schema
from core.config import Settings
from tests.api_client import Api
from tests.factories import Factory
from tests.transports.test_graphql import codes


def test_a_missing_comparison_leaves_the_value_streams_maps(
    viewer: Api, factory: Factory, caplog: pytest.LogCaptureFixture
) -> None:
    stream = factory.value_stream()
    stream_map = factory.map(stream)
    query = """query($vs: ID!) {
      comparison(valueStreamId: $vs, cycle: 99) { __typename }
      valueStream(id: $vs) { maps(cycle: 1) { id } }
    }"""

    with caplog.at_level(logging.ERROR):
        results = [viewer.graphql(query, {"vs": stream["id"]}) for _ in range(10)]

    for result in results:
        assert result["data"] == {
            "comparison": None,
            "valueStream": {"maps": [{"id": stream_map["id"]}]},
        }
        assert codes(result) == ["NOT_FOUND"]
        assert result["errors"][0]["path"] == ["comparison"]
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []


def test_a_failing_second_mutation_still_answers_the_first_ones_id(
    editor: Api, outsider_factory: Factory
) -> None:
    foreign = outsider_factory.person()

    result = editor.graphql(
        """mutation($foreign: ID!) {
          kept: createPerson(input: {name: "Committed first"}) { id name }
          failed: createTeam(input: {name: "Refused", memberIds: [$foreign]}) { id }
        }""",
        {"foreign": foreign["id"]},
    )

    kept = result["data"]["kept"]
    assert kept["name"] == "Committed first"
    assert result["data"]["failed"] is None
    assert codes(result) == ["VALIDATION_FAILED"]
    assert result["errors"][0]["path"] == ["failed"]
    assert editor.ok(editor.get(f"/api/v1/people/{kept['id']}"))["name"] == "Committed first"


def test_every_root_field_is_nullable(settings: Settings) -> None:
    schema = build_schema(settings)._schema
    roots: dict[str, Any] = {
        "Query": schema.query_type.fields,
        "Mutation": schema.mutation_type.fields,
    }

    non_null = [
        f"{root}.{name}"
        for root, fields in roots.items()
        for name, field in fields.items()
        if isinstance(field.type, GraphQLNonNull)
    ]

    assert non_null == [], "make these root fields nullable (`-> X | None`)"
