"""Parity cases of waste: findings people record, classifier suggestions and their triage."""

from typing import Any

from tests.api_client import Api
from tests.factories import Factory
from tests.parity.crud import Resource, cases, filtered, nested, refused, selection
from tests.parity.harness import Case, QueryCase, Twin, comparable, graphql_data, rest_json


def _map_with_step(factory: Factory) -> Twin:
    stream_map = factory.map(factory.value_stream(), name="As is")
    return {"parent": stream_map, "step": factory.step(stream_map, name="Approve")}


def _wasteful_map(factory: Factory, _admin: Factory) -> Twin:
    """A map the built-in classifiers find waste in: long waits, manual, handed over."""
    stream_map = factory.map(factory.value_stream(), name="As is")
    quote = factory.step(
        stream_map,
        name="Quote",
        team="Sales",
        process_time="PT1H",
        wait_time="P5D",
        percent_complete_accurate=40,
    )
    approve = factory.step(
        stream_map,
        name="Approve",
        team="Finance",
        process_time="PT5M",
        wait_time="P10D",
        value_class="unnecessary_non_value_add",
    )
    handoff = factory.handoff(stream_map, quote, approve, cross_team=True)
    return {"map": stream_map, "quote": quote, "approve": approve, "handoff": handoff}  # fmt: skip


def _findings_of(api: Api, twin: Twin) -> Any:
    return rest_json(api, f"/api/v1/maps/{twin['map']['id']}/findings")["items"]


def _with_suggestion(factory: Factory, admin: Factory) -> Twin:
    twin = _wasteful_map(factory, admin)
    outcome = factory.api.ok(factory.api.post(f"/api/v1/maps/{twin['map']['id']}/classify"))
    assert outcome["created"], "the classifiers suggest something to triage"
    return {**twin, "suggestion": outcome["created"][0]}


RECORDS = [
    Resource(
        noun="finding",
        type_name="WasteFinding",
        item="/api/v1/findings/{item_id}",
        collection="/api/v1/maps/{parent_id}/findings",
        arrange=_map_with_step,
        make=lambda f, t: f.finding(
            t["parent"], step_id=t["step"]["id"], description="Approval waits"
        ),
        create=lambda t: {
            "category": "delays",
            "description": "Approval waits two days",
            "step_id": t["step"]["id"],
            "evidence": "Ticket history",
            "estimated_cost_hours_per_week": 12.5,
            "confidence": 0.8,
        },
        update=lambda t: {"category": "over_processing", "evidence": "Interviews"},
        read_all=nested("map", "findings"),
        reads_via=("map",),
        parent_argument="mapId",
    ),
]


def _findings_of_two_steps(factory: Factory, twin: Twin) -> Twin:
    other = factory.step(twin["parent"], name="Ship")
    factory.finding(twin["parent"], step_id=twin["step"]["id"], category="delays")
    factory.finding(twin["parent"], step_id=twin["step"]["id"], category="defects_and_rework")
    factory.finding(twin["parent"], step_id=other["id"], category="delays")
    return twin


def _ranked_findings(factory: Factory, admin: Factory) -> Twin:
    """The wasteful map with two findings people recorded: at the long wait and the handoff."""
    twin = _wasteful_map(factory, admin)
    factory.finding(twin["map"], step_id=twin["approve"]["id"], estimated_cost_hours_per_week=1)
    factory.finding(twin["map"], handoff_id=twin["handoff"]["id"], category="transportation")
    factory.finding(twin["map"], step_id=twin["quote"]["id"], estimated_cost_hours_per_week=30)
    return twin


def _ranking_by_rest(api: Api, twin: Twin) -> Any:
    answer = rest_json(api, f"/api/v1/maps/{twin['map']['id']}/waste-ranking", first=10)
    for row in answer["findings"]:
        row["finding"] = {"id": row["finding"]["id"]}
    return answer


def _ranking_by_graphql(api: Api, twin: Twin) -> Any:
    text = (
        "query($m: ID!) { wasteRanking(mapId: $m, first: 10) { "
        f"{selection('WasteRanking')} findings {{ {selection('RankedFinding')} "
        "finding { id } } } }"
    )
    return comparable(graphql_data(api, text, m=twin["map"]["id"])["wasteRanking"])


CASES: list[Case | QueryCase] = [
    *(case for resource in RECORDS for case in cases(resource)),
    filtered(
        RECORDS[0],
        "findings by category and step",
        arrange=_findings_of_two_steps,
        query=lambda t: {"category": "delays", "step_id": t["step"]["id"]},
        through=("map", "findings"),
    ),
    filtered(
        RECORDS[0],
        "findings by status and source",
        arrange=_findings_of_two_steps,
        query=lambda t: {"status": "confirmed", "source": "person"},
        through=("map", "findings"),
    ),
    refused(
        RECORDS[0],
        "findings of a source too long and a step id that is none",
        query={"source": "s" * 21, "step_id": "nowhere"},
        through=("map", "findings"),
    ),
    QueryCase(
        name="a map's waste ranked by what it costs the flow",
        rest=("GET /api/v1/maps/{map_id}/waste-ranking",),
        graphql=("wasteRanking",),
        arrange=_ranked_findings,
        via_rest=_ranking_by_rest,
        via_graphql=_ranking_by_graphql,
    ),
    Case(
        name="classify a map's waste",
        rest=("POST /api/v1/maps/{map_id}/classify",),
        graphql=("classifyMap",),
        arrange=_wasteful_map,
        via_rest=lambda api, t: api.post(f"/api/v1/maps/{t['map']['id']}/classify"),
        via_graphql=lambda api, t: graphql_data(
            api,
            "mutation($m: ID!) { classifyMap(id: $m) { skippedKnown } }",
            m=t["map"]["id"],
        ),
        observe=_findings_of,
    ),
    Case(
        name="dismiss a suggested finding",
        rest=("POST /api/v1/findings/{finding_id}/triage",),
        graphql=("triageFinding",),
        arrange=_with_suggestion,
        via_rest=lambda api, t: api.post(
            f"/api/v1/findings/{t['suggestion']['id']}/triage",
            {"status": "dismissed", "reason": "We wait on purpose"},
            if_match=t["suggestion"]["version"],
        ),
        via_graphql=lambda api, t: graphql_data(
            api,
            "mutation($i: ID!, $v: Int!) { triageFinding(id: $i, expectedVersion: $v, "
            'status: "dismissed", reason: "We wait on purpose") { id } }',
            i=t["suggestion"]["id"],
            v=t["suggestion"]["version"],
        ),
        observe=_findings_of,
    ),
]
