"""The same change through REST or GraphQL leaves the same stored state.

Each case arranges two identical twins, changes one through REST and the other through
GraphQL, reads both back the same way and compares what it read, with the twins' own
ids and the times replaced. `test_every_operation_has_a_case_or_is_a_known_gap` keeps
the table complete: a new REST operation or GraphQL root field without a case fails,
and so does a gap that a case has closed (`tests/parity_gaps.txt` only shrinks).
"""

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import graphql
import pytest
from litestar.testing import TestClient

from api.graphql.schema import build_schema
from core.config import Settings
from tests.api_client import Api
from tests.factories import Factory

GAPS = Path(__file__).with_name("parity_gaps.txt")
TIMES = {"created_at", "updated_at", "revoked_at", "last_used_at", "at"}

Twin = dict[str, Any]


@dataclass(frozen=True)
class Case:
    """One use case as each transport calls it; `observe` reads the outcome back."""

    name: str
    rest: tuple[str, ...]
    graphql: tuple[str, ...]
    arrange: Callable[[Factory, Factory], Twin]
    via_rest: Callable[[Api, Twin], Any]
    via_graphql: Callable[[Api, Twin], dict[str, Any]]
    observe: Callable[[Api, Twin], Any]


def graphql_data(api: Api, text: str, **variables: Any) -> dict[str, Any]:
    """The `data` of a query or mutation that must answer without errors."""
    answer = api.graphql(text, variables)
    assert "errors" not in answer, answer
    return answer["data"]  # type: ignore[no-any-return]


def _stream_with_items(factory: Factory, _admin: Factory, *titles: str) -> Twin:
    stream = factory.value_stream()
    items = {t: factory.backlog_item(stream, title=t) for t in titles}
    return {"stream": stream, **items}


def _items_in_order(api: Api, twin: Twin) -> Any:
    url = f"/api/v1/value-streams/{twin['stream']['id']}/backlog-items"
    return [(i["title"], i["type"], i["status"]) for i in api.ok(api.get(url))["items"]]


def _item_with_person(factory: Factory, admin: Factory) -> Twin:
    twin = _stream_with_items(factory, admin, "Automate the intake")
    return {**twin, "person": factory.person(name="Ada")}


def _raci_of(api: Api, twin: Twin) -> Any:
    item = twin["Automate the intake"]
    assignments = api.ok(api.get(f"/api/v1/backlog-items/{item['id']}/raci"))
    owner = api.ok(api.get(f"/api/v1/backlog-items/{item['id']}"))["owner_id"]
    return {"assignments": assignments, "owner": owner}


def _with_raci(factory: Factory, admin: Factory) -> Twin:
    twin = _item_with_person(factory, admin)
    return {**twin, "raci": factory.raci(twin["Automate the intake"], twin["person"], "R")}


def _dependencies_of(api: Api, twin: Twin) -> Any:
    url = f"/api/v1/backlog-items/{twin['Second']['id']}/dependencies"
    return api.ok(api.get(url))


def _with_dependency(factory: Factory, admin: Factory) -> Twin:
    twin = _stream_with_items(factory, admin, "First", "Second")
    url = f"/api/v1/backlog-items/{twin['Second']['id']}/dependencies"
    factory.api.ok(factory.api.post(url, {"depends_on_id": twin["First"]["id"]}), 201)
    return twin


def _milestones_of(api: Api, twin: Twin) -> Any:
    url = f"/api/v1/value-streams/{twin['stream']['id']}/milestones"
    return api.ok(api.get(url))["items"]


def _team_and_person(factory: Factory, _admin: Factory) -> Twin:
    return {"team": factory.team(), "person": factory.person(name="Grace")}


def _members_of(api: Api, twin: Twin) -> Any:
    team = api.ok(api.get(f"/api/v1/teams/{twin['team']['id']}"))
    return {"version": team["version"], "members": team["members"]}


def _a_token(_factory: Factory, admin: Factory) -> Twin:
    return {"token": admin.token(name="Nightly export")}


def _token_state(api: Api, twin: Twin) -> Any:
    token = api.ok(api.get(f"/api/v1/tokens/{twin['token']['id']}"))
    return {"revoked": token["revoked_at"] is not None, "version": token["version"]}


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
    return [api.ok(api.get(f"/api/v1/maps/{m['id']}/export")) for m in maps]


def _current_and_desired(factory: Factory, _admin: Factory) -> Twin:
    stream = factory.value_stream()
    for kind, wait in (("current", "3 d"), ("desired", "1 d")):
        chosen = {"chosen": True} if kind == "desired" else {}
        stream_map = factory.map(stream, kind=kind, **chosen)
        factory.step(stream_map, name="Build", role="Dev", process_time="4 h", wait_time=wait)
    return {"stream": stream}


def _targets_of(api: Api, twin: Twin) -> Any:
    return api.ok(api.get(f"/api/v1/value-streams/{twin['stream']['id']}/targets"))["items"]


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


FLOW_WINDOW = {"start": "2026-01-05T00:00:00Z", "end": "2026-01-12T00:00:00Z"}

THRESHOLDS = {"bottleneck_share": 0.6, "runs_per_week": 5}


def _an_unconfigured_plugin(_factory: Factory, admin: Factory) -> Twin:
    """A loaded plugin the organization has not configured, claimed with an empty object:
    configuration is per organization, so each twin needs a plugin of its own."""
    api = admin.api
    for plugin in api.ok(api.get("/api/v1/plugins")):
        url = f"/api/v1/plugins/{plugin['name']}/config"
        if api.ok(api.get(url))["version"] == 0:
            claimed = api.ok(api.put(url, {}, if_match=0))
            return {"plugin": {"id": plugin["name"], "version": claimed["version"]}}
    raise AssertionError("every plugin is configured already")


def _plugin_config_of(api: Api, twin: Twin) -> Any:
    return api.ok(api.get(f"/api/v1/plugins/{twin['plugin']['id']}/config"))


CASES = [
    Case(
        name="create a backlog item",
        rest=("POST /api/v1/value-streams/{parent_id}/backlog-items",),
        graphql=("createBacklogItem",),
        arrange=lambda f, a: {"stream": f.value_stream()},
        via_rest=lambda api, t: api.post(
            f"/api/v1/value-streams/{t['stream']['id']}/backlog-items",
            {"title": "Automate the intake", "type": "automation", "job_size": 3},
        ),
        via_graphql=lambda api, t: graphql_data(
            api,
            "mutation($s: ID!) { createBacklogItem(valueStreamId: $s, input: "
            '{title: "Automate the intake", type: automation, jobSize: 3}) { id } }',
            s=t["stream"]["id"],
        ),
        observe=_items_in_order,
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
    Case(
        name="move a backlog item to the top",
        rest=("POST /api/v1/backlog-items/{item_id}/move",),
        graphql=("moveBacklogItem",),
        arrange=lambda f, a: _stream_with_items(f, a, "A", "B", "C"),
        via_rest=lambda api, t: api.post(
            f"/api/v1/backlog-items/{t['C']['id']}/move", {}, if_match=t["C"]["version"]
        ),
        via_graphql=lambda api, t: graphql_data(
            api,
            "mutation($i: ID!, $v: Int!) { moveBacklogItem(id: $i, expectedVersion: $v, "
            "input: {}) { id } }",
            i=t["C"]["id"],
            v=t["C"]["version"],
        ),
        observe=_items_in_order,
    ),
    Case(
        name="make a person accountable",
        rest=("POST /api/v1/backlog-items/{item_id}/raci",),
        graphql=("assignRaci",),
        arrange=_item_with_person,
        via_rest=lambda api, t: api.post(
            f"/api/v1/backlog-items/{t['Automate the intake']['id']}/raci",
            {"person_id": t["person"]["id"], "role": "A"},
        ),
        via_graphql=lambda api, t: graphql_data(
            api,
            "mutation($i: ID!, $p: ID!) { assignRaci(itemId: $i, personId: $p, role: A) { id } }",
            i=t["Automate the intake"]["id"],
            p=t["person"]["id"],
        ),
        observe=_raci_of,
    ),
    Case(
        name="remove a RACI assignment",
        rest=("DELETE /api/v1/raci/{assignment_id}",),
        graphql=("removeRaci",),
        arrange=_with_raci,
        via_rest=lambda api, t: api.delete(
            f"/api/v1/raci/{t['raci']['id']}", if_match=t["raci"]["version"]
        ),
        via_graphql=lambda api, t: graphql_data(
            api,
            "mutation($i: ID!, $v: Int!) { removeRaci(id: $i, expectedVersion: $v) }",
            i=t["raci"]["id"],
            v=t["raci"]["version"],
        ),
        observe=_raci_of,
    ),
    Case(
        name="make an item depend on another",
        rest=("POST /api/v1/backlog-items/{item_id}/dependencies",),
        graphql=("addDependency",),
        arrange=lambda f, a: _stream_with_items(f, a, "First", "Second"),
        via_rest=lambda api, t: api.post(
            f"/api/v1/backlog-items/{t['Second']['id']}/dependencies",
            {"depends_on_id": t["First"]["id"]},
        ),
        via_graphql=lambda api, t: graphql_data(
            api,
            "mutation($i: ID!, $d: ID!) { addDependency(itemId: $i, dependsOnId: $d) { id } }",
            i=t["Second"]["id"],
            d=t["First"]["id"],
        ),
        observe=_dependencies_of,
    ),
    Case(
        name="drop a dependency",
        rest=("DELETE /api/v1/backlog-items/{item_id}/dependencies/{depends_on_id}",),
        graphql=("removeDependency",),
        arrange=_with_dependency,
        via_rest=lambda api, t: api.delete(
            f"/api/v1/backlog-items/{t['Second']['id']}/dependencies/{t['First']['id']}"
        ),
        via_graphql=lambda api, t: graphql_data(
            api,
            "mutation($i: ID!, $d: ID!) { removeDependency(itemId: $i, dependsOnId: $d) { id } }",
            i=t["Second"]["id"],
            d=t["First"]["id"],
        ),
        observe=_dependencies_of,
    ),
    Case(
        name="add a milestone",
        rest=("POST /api/v1/value-streams/{parent_id}/milestones",),
        graphql=("createMilestone",),
        arrange=lambda f, a: {"stream": f.value_stream()},
        via_rest=lambda api, t: api.post(
            f"/api/v1/value-streams/{t['stream']['id']}/milestones",
            {"name": "Pilot live", "description": "First team", "due_date": "2027-03-31"},
        ),
        via_graphql=lambda api, t: graphql_data(
            api,
            "mutation($s: ID!) { createMilestone(valueStreamId: $s, input: {name: "
            '"Pilot live", description: "First team", dueDate: "2027-03-31"}) { id } }',
            s=t["stream"]["id"],
        ),
        observe=_milestones_of,
    ),
    Case(
        name="add a team member",
        rest=("POST /api/v1/teams/{team_id}/members",),
        graphql=("addTeamMember",),
        arrange=_team_and_person,
        via_rest=lambda api, t: api.post(
            f"/api/v1/teams/{t['team']['id']}/members",
            {"person_id": t["person"]["id"], "role": "Developer"},
            if_match=t["team"]["version"],
        ),
        via_graphql=lambda api, t: graphql_data(
            api,
            "mutation($t: ID!, $p: ID!, $v: Int!) { addTeamMember(teamId: $t, personId: $p, "
            'expectedVersion: $v, role: "Developer") { id } }',
            t=t["team"]["id"],
            p=t["person"]["id"],
            v=t["team"]["version"],
        ),
        observe=_members_of,
    ),
    Case(
        name="revoke a token",
        rest=("POST /api/v1/tokens/{token_id}/revoke",),
        graphql=("revokeApiToken",),
        arrange=_a_token,
        via_rest=lambda api, t: api.post(
            f"/api/v1/tokens/{t['token']['id']}/revoke", {}, if_match=t["token"]["version"]
        ),
        via_graphql=lambda api, t: graphql_data(
            api,
            "mutation($i: ID!, $v: Int!) { revokeApiToken(id: $i, expectedVersion: $v) { id } }",
            i=t["token"]["id"],
            v=t["token"]["version"],
        ),
        observe=_token_state,
    ),
    Case(
        name="configure a plugin for the organization",
        rest=("PUT /api/v1/plugins/{name}/config",),
        graphql=("setPluginConfig",),
        arrange=_an_unconfigured_plugin,
        via_rest=lambda api, t: api.put(
            f"/api/v1/plugins/{t['plugin']['id']}/config",
            THRESHOLDS,
            if_match=t["plugin"]["version"],
        ),
        via_graphql=lambda api, t: graphql_data(
            api,
            "mutation($n: String!, $v: Int!, $c: JSON!) { setPluginConfig(name: $n, "
            "expectedVersion: $v, config: $c) { version } }",
            n=t["plugin"]["id"],
            v=t["plugin"]["version"],
            c=THRESHOLDS,
        ),
        observe=_plugin_config_of,
    ),
]


@dataclass(frozen=True)
class QueryCase:
    """One read as each transport answers it, shaped alike by `rest_shape`/`graphql_shape`."""

    name: str
    rest: tuple[str, ...]
    graphql: tuple[str, ...]
    arrange: Callable[[Factory, Factory], Twin]
    via_rest: Callable[[Api, Twin], Any]
    via_graphql: Callable[[Api, Twin], Any]


def _items_of_each_type(factory: Factory, admin: Factory) -> Twin:
    twin = _stream_with_items(factory, admin, "Pair on the intake")
    robot = factory.backlog_item(twin["stream"], title="Robot for the intake", type="automation")
    return {**twin, "robot": robot}


README = Path(__file__).resolve().parent.parent / "README.md"


def readme_portfolio_query() -> str:
    """The README's GraphQL portfolio query, as written there, for every stream."""
    text = README.read_text()
    start = text.index("```graphql\n") + len("```graphql\n")
    query = text[start : text.index("```", start)]
    assert "portfolio(first: 50, overdue: true)" in query
    return query.replace("portfolio(first: 50, overdue: true)", "portfolio(first: 50)")


def _streams_with_backlog_and_targets(factory: Factory, _admin: Factory) -> Twin:
    stream = factory.value_stream()
    factory.backlog_item(stream)
    factory.backlog_item(stream, status="done", owner_id=factory.person()["id"])
    factory.target(stream)
    return {"stream": stream, "other": factory.value_stream()}


def _portfolio_by_rest(api: Api, _twin: Twin) -> Any:
    rows = api.ok(api.get("/api/v1/portfolio"))["items"]
    return sorted(
        (
            r["name"], r["phase"], r["cycle"], round(r["days_in_phase"], 3), r["overdue"],
            r["blocking_criteria"], r["backlog_items"], r["backlog_done"],
            r["backlog_percent"], r["targets"]["on_track"], r["targets"]["at_risk"],
            r["targets"]["off_track"],
        )
        for r in rows
    )  # fmt: skip


def _portfolio_by_graphql(api: Api, _twin: Twin) -> Any:
    edges = graphql_data(api, readme_portfolio_query())["portfolio"]["edges"]
    return sorted(
        (
            n["valueStream"]["name"], n["valueStream"]["phase"], n["valueStream"]["cycle"],
            round(n["daysInPhase"], 3), n["overdue"], n["blockingCriteria"],
            n["backlog"]["items"], n["backlog"]["done"], n["backlog"]["percent"],
            n["targets"]["onTrack"], n["targets"]["atRisk"], n["targets"]["offTrack"],
        )
        for n in (edge["node"] for edge in edges)
    )  # fmt: skip


def _configured_classifier(_factory: Factory, admin: Factory) -> Twin:
    url = "/api/v1/plugins/waste_rules/config"
    admin.api.ok(admin.api.put(url, THRESHOLDS, if_match=0))
    return {}


QUERY_CASES = [
    QueryCase(
        name="the portfolio as the README queries it",
        rest=("GET /api/v1/portfolio",),
        graphql=("portfolio",),
        arrange=_streams_with_backlog_and_targets,
        via_rest=_portfolio_by_rest,
        via_graphql=_portfolio_by_graphql,
    ),
    QueryCase(
        name="the backlog of one type",
        rest=("GET /api/v1/value-streams/{parent_id}/backlog-items",),
        graphql=("backlog",),
        arrange=_items_of_each_type,
        via_rest=lambda api, t: [
            item["title"]
            for item in api.ok(
                api.get(
                    f"/api/v1/value-streams/{t['stream']['id']}/backlog-items",
                    params={"type": "automation"},
                )
            )["items"]
        ],
        via_graphql=lambda api, t: [
            edge["node"]["title"]
            for edge in graphql_data(
                api,
                "query($s: ID!) { backlog(valueStreamId: $s, type: automation) "
                "{ edges { node { title } } } }",
                s=t["stream"]["id"],
            )["backlog"]["edges"]
        ],
    ),
    QueryCase(
        name="an organization's configuration of a plugin",
        rest=("GET /api/v1/plugins/{name}/config",),
        graphql=("pluginConfig",),
        arrange=_configured_classifier,
        via_rest=lambda api, t: api.ok(api.get("/api/v1/plugins/waste_rules/config")),
        via_graphql=lambda api, t: graphql_data(
            api,
            'query { pluginConfig(name: "waste_rules") { plugin config effective version } }',
        )["pluginConfig"],
    ),
]


def anonymized(value: Any, twin: Twin) -> Any:
    """`value` with the twin's ids named by their role in it and stored times left out."""
    names = {made["id"]: f"<{key}>" for key, made in twin.items()}

    def walk(node: Any) -> Any:
        if isinstance(node, dict):
            return {k: walk(v) for k, v in node.items() if k not in TIMES and k != "id"}
        if isinstance(node, list):
            return [walk(v) for v in node]
        return names.get(node, node) if isinstance(node, str) else node

    return walk(value)


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_rest_and_graphql_leave_the_same_state(
    case: Case, admin: Api, factory: Factory, admin_factory: Factory
) -> None:
    by_rest, by_graphql = case.arrange(factory, admin_factory), case.arrange(factory, admin_factory)

    answered = case.via_rest(admin, by_rest)
    case.via_graphql(admin, by_graphql)

    assert answered.status_code < 300, answered.text
    assert anonymized(case.observe(admin, by_rest), by_rest) == anonymized(
        case.observe(admin, by_graphql), by_graphql
    )


def operations(client: TestClient[Any], settings: Settings) -> set[str]:
    """Every REST operation (`METHOD /path`) and GraphQL root field (`graphql NAME`)."""
    document = client.get("/schema/openapi.json").json()
    rest = {
        f"{method.upper()} {path}"
        for path, item in document["paths"].items()
        for method in item
        if method in {"get", "post", "put", "patch", "delete"}
    }
    schema = graphql.build_schema(build_schema(settings).as_str())
    roots = [schema.query_type, schema.mutation_type]
    fields = {f"graphql {name}" for root in roots if root for name in root.fields}
    return rest | fields


@pytest.mark.parametrize("case", QUERY_CASES, ids=lambda case: case.name)
def test_rest_and_graphql_answer_the_same(
    case: QueryCase, admin: Api, factory: Factory, admin_factory: Factory
) -> None:
    twin = case.arrange(factory, admin_factory)

    by_rest, by_graphql = case.via_rest(admin, twin), case.via_graphql(admin, twin)

    assert by_rest, "the case reads something"
    assert by_rest == by_graphql


def test_every_operation_has_a_case_or_is_a_known_gap(
    client: TestClient[Any], settings: Settings
) -> None:
    cases: list[Case | QueryCase] = [*CASES, *QUERY_CASES]
    covered = {op for case in cases for op in case.rest} | {
        f"graphql {field}" for case in cases for field in case.graphql
    }
    gaps = {line for line in GAPS.read_text().splitlines() if line and not line.startswith("#")}

    everything = operations(client, settings)

    assert covered <= everything, f"cases name operations that do not exist: {covered - everything}"
    assert not covered & gaps, f"covered now, strike from {GAPS.name}: {sorted(covered & gaps)}"
    assert everything - covered - gaps == set(), "operations without a parity case"
