"""Parity cases of flow-metric targets and their measurements."""

from typing import Any

from tests.api_client import Api
from tests.factories import Factory
from tests.parity.harness import Case, QueryCase, Twin, graphql_data

FLOW_WINDOW = {"start": "2026-01-05T00:00:00Z", "end": "2026-01-12T00:00:00Z"}


def _targets_of(api: Api, twin: Twin) -> Any:
    return api.ok(api.get(f"/api/v1/value-streams/{twin['stream']['id']}/targets"))["items"]


def _current_and_desired(factory: Factory, _admin: Factory) -> Twin:
    stream = factory.value_stream()
    for kind, wait in (("current", "3 d"), ("desired", "1 d")):
        chosen = {"chosen": True} if kind == "desired" else {}
        stream_map = factory.map(stream, kind=kind, **chosen)
        factory.step(stream_map, name="Build", role="Dev", process_time="4 h", wait_time=wait)
    return {"stream": stream}


def _flow_target_with_work(factory: Factory, _admin: Factory) -> Twin:
    stream = factory.value_stream()
    target = factory.target(stream, metric="flow_time", unit="hours", baseline=48, target=24)
    finished = {"type": "feature", "created": "2026-01-05T00:00:00Z"}
    factory.ingest(
        stream,
        "work-items",
        [
            {**finished, "external_id": "F-1", "finished": "2026-01-06T12:00:00Z"},
            {**finished, "external_id": "F-2", "finished": "2026-01-07T00:00:00Z"},
        ],
    )
    return {"stream": stream, "target": target}


def _measurements_of(api: Api, twin: Twin) -> Any:
    url = f"/api/v1/targets/{twin['target']['id']}/measurements"
    return api.ok(api.get(url))["items"]


CASES: list[Case | QueryCase] = [
    Case(
        name="a target from the maps",
        rest=("POST /api/v1/value-streams/{value_stream_id}/targets/from-maps",),
        graphql=("createTargetFromMaps",),
        arrange=_current_and_desired,
        via_rest=lambda api, t: api.post(
            f"/api/v1/value-streams/{t['stream']['id']}/targets/from-maps",
            {"metric": "lead_time", "due_date": "2027-06-30"},
        ),
        via_graphql=lambda api, t: graphql_data(
            api,
            "mutation($s: ID!) { createTargetFromMaps(valueStreamId: $s, input: "
            '{metric: lead_time, dueDate: "2027-06-30"}) { id } }',
            s=t["stream"]["id"],
        ),
        observe=_targets_of,
    ),
    Case(
        name="measure the delivery flow over a week",
        rest=("POST /api/v1/value-streams/{value_stream_id}/targets/measure-flow",),
        graphql=("recordFlowMeasurements",),
        arrange=_flow_target_with_work,
        via_rest=lambda api, t: api.post(
            f"/api/v1/value-streams/{t['stream']['id']}/targets/measure-flow", FLOW_WINDOW
        ),
        via_graphql=lambda api, t: graphql_data(
            api,
            "mutation($s: ID!, $a: DateTime!, $b: DateTime!) { recordFlowMeasurements("
            "valueStreamId: $s, start: $a, end: $b) { __typename } }",
            s=t["stream"]["id"],
            a=FLOW_WINDOW["start"],
            b=FLOW_WINDOW["end"],
        ),
        observe=_measurements_of,
    ),
]
