"""Maps over GraphQL: a value stream with its maps, steps, findings and metrics in one query."""

from tests.api_client import Api
from tests.factories import Factory

QUERY = """
query($id: ID!) {
  valueStream(id: $id) {
    maps {
      kind name
      steps { name role processTime waitTime processSeconds }
      findings { category status }
      metrics { leadTimeSeconds activityRatio bottleneckStepId }
    }
  }
}
"""


def test_a_stream_with_maps_steps_findings_and_metrics(editor: Api, factory: Factory) -> None:
    stream = factory.value_stream()
    stream_map = factory.map(stream)
    factory.step(stream_map, name="Code", role="Dev", process_time="PT2H", wait_time="P1D")
    editor.ok(editor.post(f"/api/v1/maps/{stream_map['id']}/classify"))

    result = editor.graphql(QUERY, {"id": stream["id"]})

    assert "errors" not in result, result
    found = result["data"]["valueStream"]["maps"][0]
    assert found["steps"][0]["processTime"] == "PT2H"
    assert found["metrics"]["leadTimeSeconds"] == 26 * 3600
    assert {f["category"] for f in found["findings"]} >= {"delays"}


def test_create_map_and_steps_by_mutation(editor: Api, factory: Factory) -> None:
    stream = factory.value_stream()

    created = editor.graphql(
        """mutation($vs: ID!) { createMap(valueStreamId: $vs, input: {kind: current, name: "As is"})
           { id kind } }""",
        {"vs": stream["id"]},
    )["data"]["createMap"]
    step = editor.graphql(
        """mutation($m: ID!) { createStep(mapId: $m, input: {name: "Test", processTime: "3 h"})
           { processSeconds position } }""",
        {"m": created["id"]},
    )

    assert "errors" not in step, step
    assert step["data"]["createStep"] == {"processSeconds": 10800.0, "position": 0}
