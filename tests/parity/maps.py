"""Parity cases of value stream maps: maps, steps, handoffs, documents, metrics, comparison."""

import json
from typing import Any

from tests.api_client import Api
from tests.bdd import world
from tests.factories import Factory
from tests.parity.crud import Resource, by_id, cases, filtered, nested, refused, selection
from tests.parity.harness import Case, QueryCase, Twin, comparable, graphql_data, rest_json

MAP_DOCUMENT = {
    "format": "valuestream-map",
    "format_version": 1,
    "name": "Order to cash today",
    "kind": "current",
    "steps": [
        {"key": "take", "name": "Take the order", "role": "Sales", "process_time": "PT1H",
         "wait_time": "P1D"},
        {"key": "ship", "name": "Ship", "role": "Warehouse", "process_time": "PT2H",
         "wait_time": "PT4H"},
    ],
    "handoffs": [{"from": "take", "to": "ship"}],
}  # fmt: skip


def _maps_as_documents(api: Api, twin: Twin) -> Any:
    maps = api.ok(api.get(f"/api/v1/value-streams/{twin['stream']['id']}/maps"))["items"]
    return [api.ok(api.get(f"/api/v1/maps/{m['id']}/document")) for m in maps]


def _in_its_second_cycle(factory: Factory, admin: Factory) -> Twin:
    """A stream whose first cycle chose a desired map of three steps, now in cycle 2."""
    stream = world.create_stream(factory)
    ref = {"id": stream.id}
    chosen = factory.map(ref, kind="desired", name="To be", chosen=True)
    steps = [factory.step(chosen, name=name) for name in ("Quote", "Approve", "Ship")]
    factory.handoff(chosen, steps[0], steps[1])
    world.bring_to(admin.api, stream, "execution")
    moved = world.move(admin.api, stream, "iterate", force=True, justification="next cycle")
    admin.api.ok(moved, 201)
    return {"stream": ref}


def _stream(factory: Factory) -> Twin:
    return {"parent": factory.value_stream()}


def _map(factory: Factory) -> Twin:
    return {"parent": factory.map(factory.value_stream(), name="As is")}


def _map_with_steps(factory: Factory) -> Twin:
    stream_map = factory.map(factory.value_stream(), name="As is")
    steps = [factory.step(stream_map, name=name) for name in ("Quote", "Approve", "Ship")]
    return {"parent": stream_map, "steps": steps}


RECORDS = [
    Resource(
        noun="map",
        type_name="ValueStreamMap",
        item="/api/v1/maps/{item_id}",
        collection="/api/v1/value-streams/{parent_id}/maps",
        arrange=_stream,
        make=lambda f, t: f.map(t["parent"], name="As is"),
        create=lambda t: {
            "kind": "desired",
            "name": "To be",
            "notes": "After the workshop",
            "hours_per_working_day": 7.5,
            "waits_in": "working",
            "chosen": True,
        },
        update=lambda t: {"name": "As it really is", "notes": "Revised", "chosen": False},
        read_all=nested("valueStream", "maps"),
        reads_via=("valueStream",),
        read_one=by_id("map"),
        one_via=("map",),
    ),
    Resource(
        noun="step",
        type_name="MapStep",
        item="/api/v1/steps/{item_id}",
        collection="/api/v1/maps/{parent_id}/steps",
        arrange=_map,
        make=lambda f, t: f.step(t["parent"], name="Approve", process_time="PT15M"),
        create=lambda t: {
            "name": "Approve",
            "description": "A manager signs",
            "role": "Manager",
            "team": "Finance",
            "people": 2,
            "percent_complete_accurate": 80,
            "tools": ["Mail"],
            "artifacts": ["Quote"],
            "automated": False,
            "cicd_stage": False,
            "value_class": "necessary_non_value_add",
            "queue_size": 4,
            "process_time": "15 min",
            "wait_time": "2 d",
        },
        update=lambda t: {"wait_time": "PT4H", "automated": True, "tools": ["Bot"]},
        read_all=nested("map", "steps"),
        reads_via=("map",),
        parent_argument="mapId",
    ),
    Resource(
        noun="handoff",
        type_name="Handoff",
        item="/api/v1/handoffs/{item_id}",
        collection="/api/v1/maps/{parent_id}/handoffs",
        arrange=_map_with_steps,
        make=lambda f, t: f.handoff(t["parent"], t["steps"][0], t["steps"][1]),
        create=lambda t: {
            "from_step_id": t["steps"][1]["id"],
            "to_step_id": t["steps"][2]["id"],
            "artifact": "Signed quote",
            "cross_team": True,
        },
        update=lambda t: {"artifact": "Quote v2", "cross_team": True},
        read_all=nested("map", "handoffs"),
        reads_via=("map",),
        parent_argument="mapId",
    ),
]


def _current_and_desired(factory: Factory, _admin: Factory) -> Twin:
    stream = factory.value_stream()
    for kind, wait in (("current", "3 d"), ("desired", "1 d")):
        chosen = {"chosen": True} if kind == "desired" else {}
        stream_map = factory.map(stream, kind=kind, name=f"{kind} map", **chosen)
        factory.step(stream_map, name="Build", role="Dev", process_time="4 h", wait_time=wait)
    return {"stream": stream}


def _mapped_flow(factory: Factory, _admin: Factory) -> Twin:
    stream = factory.value_stream()
    stream_map = factory.map(stream, name="As is")
    quote = factory.step(
        stream_map,
        name="Quote",
        role="Sales",
        team="A",
        process_time="PT1H",
        wait_time="P1D",
        percent_complete_accurate=90,
        people=2,
    )
    ship = factory.step(stream_map, name="Ship", team="B", process_time="PT2H", automated=True)
    factory.handoff(stream_map, quote, ship, cross_team=True)
    return {"stream": stream, "map": stream_map, "quote": quote, "ship": ship}


def _metrics_by_graphql(api: Api, twin: Twin) -> Any:
    text = f"query($m: ID!) {{ map(id: $m) {{ metrics {{ {selection('MapMetrics')} }} }} }}"
    return comparable(graphql_data(api, text, m=twin["map"]["id"])["map"]["metrics"])


def _comparison_by_rest(api: Api, twin: Twin) -> Any:
    answer = rest_json(api, f"/api/v1/value-streams/{twin['stream']['id']}/comparison")
    return {
        "current_map_id": answer["current_map_id"],
        "desired_map_id": answer["desired_map_id"],
        "current": answer["current"],
        "desired": answer["desired"],
        "changes": [{"metric": k, **v} for k, v in sorted(answer["changes"].items())],
    }


def _comparison_by_graphql(api: Api, twin: Twin) -> Any:
    metrics = selection("MapMetrics")
    text = (
        "query($s: ID!) { comparison(valueStreamId: $s) { "
        f"current {{ id metrics {{ {metrics} }} }} desired {{ id metrics {{ {metrics} }} }} "
        f"changes {{ {selection('MetricChange')} }} }} }}"
    )
    answer = comparable(graphql_data(api, text, s=twin["stream"]["id"])["comparison"])
    return {
        "current_map_id": answer["current"]["id"],
        "desired_map_id": answer["desired"]["id"],
        "current": answer["current"]["metrics"],
        "desired": answer["desired"]["metrics"],
        "changes": sorted(answer["changes"], key=lambda change: change["metric"]),
    }


def _two_maps(factory: Factory, _admin: Factory) -> Twin:
    twin = _mapped_flow(factory, _admin)
    later = factory.map(twin["stream"], kind="desired", name="Faster")
    factory.step(later, name="Ship", process_time="PT2H", automated=True)
    return {**twin, "later": later}


def _compared_by_rest(api: Api, twin: Twin) -> Any:
    url = f"/api/v1/maps/{twin['map']['id']}/compared-with/{twin['later']['id']}"
    answer = rest_json(api, url)
    return {
        "before": answer["before"],
        "after": answer["after"],
        "changes": [{"metric": k, **v} for k, v in sorted(answer["changes"].items())],
    }


def _compared_by_graphql(api: Api, twin: Twin) -> Any:
    metrics = selection("MapMetrics")
    text = (
        "query($b: ID!, $a: ID!) { mapsCompared(before: $b, after: $a) { "
        f"before {{ metrics {{ {metrics} }} }} after {{ metrics {{ {metrics} }} }} "
        f"changes {{ {selection('MapChange')} }} }} }}"
    )
    answer = comparable(
        graphql_data(api, text, b=twin["map"]["id"], a=twin["later"]["id"])["mapsCompared"]
    )
    return {
        "before": answer["before"]["metrics"],
        "after": answer["after"]["metrics"],
        "changes": sorted(answer["changes"], key=lambda change: change["metric"]),
    }


def _maps_of_both_kinds(factory: Factory, twin: Twin) -> Twin:
    factory.map(twin["parent"], kind="current")
    factory.map(twin["parent"], kind="desired", chosen=True)
    factory.map(twin["parent"], kind="desired")
    return twin


def _steps_of_two_roles(factory: Factory, twin: Twin) -> Twin:
    stream_map = twin["parent"]
    factory.step(stream_map, role="Dev", team="Core", automated=True, value_class="value_add")
    factory.step(stream_map, role="Dev", team="Core", value_class="value_add", cicd_stage=True)
    factory.step(stream_map, role="Ops", team="Core", automated=True)
    return twin


def _handoffs_within_and_across(factory: Factory, twin: Twin) -> Twin:
    first, second, third = twin["steps"]
    factory.handoff(twin["parent"], first, second, cross_team=True)
    factory.handoff(twin["parent"], second, third)
    return twin


CASES: list[Case | QueryCase] = [
    *(case for resource in RECORDS for case in cases(resource)),
    filtered(
        RECORDS[0],
        "maps by kind and chosen",
        arrange=_maps_of_both_kinds,
        query=lambda t: {"kind": "desired", "chosen": True},
        through=("valueStream", "maps"),
    ),
    filtered(
        RECORDS[0],
        "maps by cycle",
        arrange=_maps_of_both_kinds,
        query=lambda t: {"cycle": 1, "kind": "current"},
        through=("valueStream", "maps"),
    ),
    filtered(
        RECORDS[1],
        "steps by role and automation",
        arrange=_steps_of_two_roles,
        query=lambda t: {"role": "Dev", "automated": True},
        through=("map", "steps"),
    ),
    filtered(
        RECORDS[1],
        "steps by team, value class and stage",
        arrange=_steps_of_two_roles,
        query=lambda t: {"team": "Core", "value_class": "value_add", "cicd_stage": False},
        through=("map", "steps"),
    ),
    filtered(
        RECORDS[2],
        "handoffs across teams",
        arrange=_handoffs_within_and_across,
        query=lambda t: {"cross_team": True},
        through=("map", "handoffs"),
    ),
    refused(
        RECORDS[0],
        "maps of cycle 0",
        query={"cycle": 0},
        through=("valueStream", "maps"),
    ),
    refused(
        RECORDS[0],
        "maps of a kind that is none",
        query={"kind": "imagined"},
        through=("valueStream", "maps"),
    ),
    refused(
        RECORDS[1],
        "steps of a role and a team too long",
        query={"role": "r" * 121, "team": "t" * 121},
        through=("map", "steps"),
    ),
    refused(
        RECORDS[2],
        "handoffs across teams, maybe",
        query={"cross_team": "maybe"},
        through=("map", "handoffs"),
    ),
    QueryCase(
        name="a map's metrics",
        rest=("GET /api/v1/maps/{map_id}/metrics",),
        graphql=("map",),
        arrange=_mapped_flow,
        via_rest=lambda api, t: comparable(
            rest_json(api, f"/api/v1/maps/{t['map']['id']}/metrics")
        ),
        via_graphql=_metrics_by_graphql,
    ),
    QueryCase(
        name="any two maps of a stream, the later against the earlier",
        rest=("GET /api/v1/maps/{map_id}/compared-with/{other_map_id}",),
        graphql=("mapsCompared",),
        arrange=_two_maps,
        via_rest=_compared_by_rest,
        via_graphql=_compared_by_graphql,
    ),
    QueryCase(
        name="the desired map against the current one",
        rest=("GET /api/v1/value-streams/{value_stream_id}/comparison",),
        graphql=("comparison",),
        arrange=_current_and_desired,
        via_rest=_comparison_by_rest,
        via_graphql=_comparison_by_graphql,
    ),
    Case(
        name="import a map document",
        rest=("POST /api/v1/value-streams/{value_stream_id}/maps/import",),
        graphql=("importMap",),
        arrange=lambda f, a: {"stream": f.value_stream()},
        via_rest=lambda api, t: api.post(
            f"/api/v1/value-streams/{t['stream']['id']}/maps/import", MAP_DOCUMENT
        ),
        via_graphql=lambda api, t: graphql_data(
            api,
            "mutation($s: ID!, $d: String!) { importMap(valueStreamId: $s, document: $d) { id } }",
            s=t["stream"]["id"],
            d=json.dumps(MAP_DOCUMENT),
        ),
        observe=_maps_as_documents,
    ),
    Case(
        name="start the next cycle's current map from the chosen desired map",
        rest=("POST /api/v1/value-streams/{value_stream_id}/maps/carry-over",),
        graphql=("carryOverMap",),
        arrange=_in_its_second_cycle,
        via_rest=lambda api, t: api.post(
            f"/api/v1/value-streams/{t['stream']['id']}/maps/carry-over", {}
        ),
        via_graphql=lambda api, t: graphql_data(
            api, "mutation($s: ID!) { carryOverMap(valueStreamId: $s) { id } }", s=t["stream"]["id"]
        ),
        observe=_maps_as_documents,
    ),
]
