"""Parity cases of flow-metric targets and their measurements."""

from typing import Any

from tests.api_client import Api
from tests.factories import Factory
from tests.parity.crud import Resource, by_id, cases, filtered, nested, refused
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


def _stream_with_owner(factory: Factory) -> Twin:
    return {"parent": factory.value_stream(), "person": factory.person(name="Ada")}


def _target_measured(factory: Factory) -> Twin:
    target = factory.target(factory.value_stream(), baseline=20, target=10, unit="days")
    factory.measurement(target, 18, measured_at="2026-09-01T00:00:00Z")
    return {"parent": target}


RECORDS = [
    Resource(
        noun="target",
        type_name="FlowTarget",
        item="/api/v1/targets/{item_id}",
        collection="/api/v1/value-streams/{parent_id}/targets",
        arrange=_stream_with_owner,
        make=lambda f, t: f.target(t["parent"], start_date="2026-01-01"),
        create=lambda t: {
            "metric": "custom",
            "custom_key": "approvals_per_week",
            "unit": "count",
            "baseline": 10,
            "target": 40,
            "direction": "higher_is_better",
            "start_date": "2026-01-01",
            "due_date": "2027-06-30",
            "owner_id": t["person"]["id"],
            "note": "Counted in the approval tool",
        },
        update=lambda t: {"unit": "weeks", "baseline": 3, "target": 1, "note": "In weeks now"},
        read_all=nested("valueStream", "targets"),
        reads_via=("valueStream",),
        read_one=by_id("target"),
        one_via=("target",),
    ),
    Resource(
        noun="measurement",
        type_name="Measurement",
        item="/api/v1/measurements/{item_id}",
        collection="/api/v1/targets/{parent_id}/measurements",
        arrange=_target_measured,
        make=lambda f, t: f.measurement(t["parent"], 15, measured_at="2026-10-01T00:00:00Z"),
        create=lambda t: {
            "value": 12.5,
            "measured_at": "2026-11-01T00:00:00Z",
            "source": "jira",
            "note": "From the board",
        },
        update=lambda t: {"value": 14, "note": "Recounted"},
        read_all=nested("target", "measurements"),
        reads_via=("target",),
        parent_argument="targetId",
    ),
]


def _targets_of_two_metrics(factory: Factory, twin: Twin) -> Twin:
    owner = twin["person"]["id"]
    factory.target(twin["parent"], owner_id=owner)
    factory.target(twin["parent"], metric="process_time", unit="hours", owner_id=owner)
    factory.target(twin["parent"])
    return twin


def _measured_from_two_sources(factory: Factory, twin: Twin) -> Twin:
    factory.measurement(twin["parent"], 15, measured_at="2026-10-01T00:00:00Z", source="jira")
    return twin


CASES: list[Case | QueryCase] = [
    *(case for resource in RECORDS for case in cases(resource)),
    filtered(
        RECORDS[0],
        "targets by metric and owner",
        arrange=_targets_of_two_metrics,
        query=lambda t: {"metric": "lead_time", "owner_id": t["person"]["id"]},
        through=("valueStream", "targets"),
    ),
    filtered(
        RECORDS[1],
        "measurements by source",
        arrange=_measured_from_two_sources,
        query=lambda t: {"source": "jira"},
        through=("target", "measurements"),
    ),
    refused(
        RECORDS[0],
        "targets of an owner id that is none",
        query={"owner_id": "nobody"},
        through=("valueStream", "targets"),
    ),
    refused(
        RECORDS[1],
        "measurements of a source too long",
        query={"source": "s" * 41},
        through=("target", "measurements"),
    ),
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
