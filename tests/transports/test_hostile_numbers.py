"""Every number a client can send, sent hostile: a clear 422 (or GraphQL error), never a 500.

Each case is one numeric input of the API: a body field, a query parameter, a GraphQL
argument or input field. Each is sent every hostile number of its kind; the answer
must be a problem naming the field, and nothing may be stored. Values at the edge of
the allowed ranges are stored and every readout still renders them.
"""

import base64
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from tests.api_client import Api
from tests.factories import Factory
from tests.problems import problem_fault

HUGE = (1e308, -1e308, 1.5e12, -1.5e12, 10**30)
"""Floats past any renderer's scale, and an integer no float column takes."""
WIDE = (2**31, -(2**31) - 1, 2**63, 10**30, 1e308)
"""Integers past PostgreSQL's INTEGER (32 bits) and SQLite's (64 bits)."""

API = "/api/v1"


@dataclass
class World:
    """One of everything that takes numbers, made once per test."""

    api: Api
    stream: dict[str, Any]
    target: dict[str, Any]
    measurement: dict[str, Any]
    map: dict[str, Any]
    step: dict[str, Any]
    finding: dict[str, Any]
    item: dict[str, Any]
    risk: dict[str, Any]


@pytest.fixture
def world(editor: Api, factory: Factory) -> World:
    stream = factory.value_stream()
    target = factory.target(stream, start_date="2026-01-01")
    stream_map = factory.map(stream)
    step = factory.step(stream_map, process_time="1 h", wait_time="2 h")
    return World(
        api=editor,
        stream=stream,
        target=target,
        measurement=factory.measurement(target, 15, measured_at="2026-02-01T00:00:00Z"),
        map=stream_map,
        step=step,
        finding=factory.finding(stream_map, step_id=step["id"]),
        item=factory.backlog_item(stream),
        risk=factory.risk(stream),
    )


V = object()
"""Where a case puts the hostile number."""


@dataclass(frozen=True)
class Case:
    """One numeric input: `body` holds `V` where the number goes (GET: the parameter name)."""

    name: str
    method: str
    url: str
    body: Any
    field: str
    values: tuple[Any, ...]

    def send(self, w: World, value: Any) -> Any:
        url = self.url.format(
            stream=f"{API}/value-streams/{w.stream['id']}",
            target=f"{API}/targets/{w.target['id']}",
            measurement=f"{API}/measurements/{w.measurement['id']}",
            map=f"{API}/maps/{w.map['id']}",
            step=f"{API}/steps/{w.step['id']}",
            finding=f"{API}/findings/{w.finding['id']}",
            item=f"{API}/backlog-items/{w.item['id']}",
            risk=f"{API}/risks/{w.risk['id']}",
        )
        if self.method == "get":
            return w.api.get(url, params={self.body: str(value)})
        if self.method == "patch":
            return w.api.patch(url, filled(self.body, value), if_match=1)
        return w.api.post(url, filled(self.body, value))


def filled(body: Any, value: Any) -> Any:
    if body is V:
        return value
    if isinstance(body, dict):
        return {k: filled(v, value) for k, v in body.items()}
    if isinstance(body, list):
        return [filled(v, value) for v in body]
    return body


TARGET = {
    "metric": "lead_time",
    "unit": "days",
    "baseline": 20,
    "target": 10,
    "direction": "lower_is_better",
    "due_date": "2027-06-30",
}
IMPORTED_MAP = {"format": "valuestream-map", "kind": "desired", "name": "Imported"}
CYCLE = WIDE[:3]

REST = [
    Case(
        "target baseline", "post", "{stream}/targets", {**TARGET, "baseline": V}, "baseline", HUGE
    ),
    Case("target target", "post", "{stream}/targets", {**TARGET, "target": V}, "target", HUGE),
    Case("target patch", "patch", "{target}", {"baseline": V}, "baseline", HUGE),
    Case("measurement", "post", "{target}/measurements", {"value": V}, "value", HUGE),
    Case("measurement patch", "patch", "{measurement}", {"value": V}, "value", HUGE),
    Case(
        "process time",
        "post",
        "{map}/steps",
        {"name": "S", "process_time": V},
        "process_time",
        (*HUGE, 4e8),
    ),
    Case("wait time patch", "patch", "{step}", {"wait_time": V}, "wait_time", HUGE),
    Case("step people", "post", "{map}/steps", {"name": "S", "people": V}, "people", WIDE),
    Case("step position", "post", "{map}/steps", {"name": "S", "position": V}, "position", WIDE),
    Case("step queue", "patch", "{step}", {"queue_size": V}, "queue_size", WIDE),
    Case(
        "step %C&A",
        "patch",
        "{step}",
        {"percent_complete_accurate": V},
        "percent_complete_accurate",
        HUGE,
    ),
    Case(
        "hours a day",
        "post",
        "{stream}/maps",
        {"kind": "current", "name": "M", "hours_per_working_day": V},
        "hours_per_working_day",
        HUGE,
    ),
    Case(
        "finding cost",
        "patch",
        "{finding}",
        {"estimated_cost_hours_per_week": V},
        "estimated_cost_hours_per_week",
        HUGE,
    ),
    Case("finding confidence", "patch", "{finding}", {"confidence": V}, "confidence", HUGE),
    Case("WSJF", "post", "{stream}/backlog-items", {"title": "I", "job_size": V}, "job_size", WIDE),
    Case("WSJF patch", "patch", "{item}", {"business_value": V}, "business_value", WIDE),
    Case(
        "expected effect",
        "post",
        "{stream}/backlog-items",
        {"title": "I", "expected_effects": [{"metric": "lead_time", "change": V}]},
        "expected_effects.0.change",
        HUGE,
    ),
    Case("risk", "patch", "{risk}", {"likelihood": V}, "likelihood", WIDE),
    Case(
        "imported people",
        "post",
        "{stream}/maps/import",
        {**IMPORTED_MAP, "steps": [{"key": "s", "name": "S", "people": V}]},
        "people",
        WIDE,
    ),
    Case(
        "imported time",
        "post",
        "{stream}/maps/import",
        {**IMPORTED_MAP, "steps": [{"key": "s", "name": "S", "process_time": V}]},
        "steps[0].process_time",
        HUGE,
    ),
    Case("maps of a cycle", "get", "{stream}/maps", "cycle", "cycle", CYCLE),
    Case("comparison", "get", "{stream}/comparison", "cycle", "cycle", CYCLE),
    Case("deliverables", "get", "{stream}/deliverables", "cycle", "cycle", CYCLE),
    Case("action items", "get", "{stream}/action-items", "cycle", "cycle", CYCLE),
    Case("signoffs", "get", "{stream}/signoffs", "cycle", "cycle", CYCLE),
    Case("page size", "get", "{stream}/targets", "limit", "limit", CYCLE),
]


def stream_url(w: World) -> str:
    return f"{API}/value-streams/{w.stream['id']}"


def stored(w: World) -> Any:
    """Everything the cases could have written, to show that nothing was."""
    return [
        w.api.ok(w.api.get(url))
        for url in (
            f"{stream_url(w)}/targets",
            f"{API}/targets/{w.target['id']}/measurements",
            f"{stream_url(w)}/maps",
            f"{API}/maps/{w.map['id']}/steps",
            f"{API}/maps/{w.map['id']}/findings",
            f"{stream_url(w)}/backlog-items",
            f"{stream_url(w)}/risks",
        )
    ]


@pytest.mark.parametrize("case", REST, ids=lambda c: c.name)
def test_hostile_numbers_answer_422_naming_the_field(world: World, case: Case) -> None:
    before = stored(world)

    faults = {
        repr(value)[:24]: problem_fault(case.send(world, value), 422, field=case.field)
        for value in case.values
    }

    assert {value: fault for value, fault in faults.items() if fault} == {}
    assert stored(world) == before


def test_a_cursor_holding_hostile_numbers_is_refused(world: World) -> None:
    faults = {}
    for value in WIDE:
        cursor = base64.urlsafe_b64encode(json.dumps([value, world.step["id"]]).encode()).decode()
        response = world.api.get(f"{API}/maps/{world.map['id']}/steps", params={"cursor": cursor})
        faults[repr(value)[:24]] = problem_fault(response, 422, field="cursor")

    assert {value: fault for value, fault in faults.items() if fault} == {}


def test_an_import_holding_hostile_numbers_is_refused(world: World) -> None:
    exported = world.api.ok(world.api.get(f"{stream_url(world)}/export", params={"format": "json"}))
    faults = {}
    for value in HUGE:
        document = json.loads(json.dumps(exported))
        document["targets"][0]["baseline"] = value
        response = world.api.post(f"{API}/import?name=Copy", document)
        faults[repr(value)[:24]] = problem_fault(response, 422, field="targets[0].baseline")
    for value in WIDE[:3]:
        document = json.loads(json.dumps(exported))
        document["maps"][0]["steps"][0]["position"] = value
        response = world.api.post(f"{API}/import?name=Copy", document)
        faults[f"position {value!r}"[:24]] = problem_fault(
            response, 422, field="maps[0].steps[0].position"
        )

    assert {value: fault for value, fault in faults.items() if fault} == {}


# -- GraphQL ----------------------------------------------------------------------------------


def graphql_codes(api: Api, query: str, variables: dict[str, Any]) -> list[str]:
    answer = api.graphql(query, variables)
    return [e["extensions"]["code"] for e in answer.get("errors", [])]


GRAPHQL: list[tuple[str, str, Callable[[World], dict[str, Any]], tuple[Any, ...]]] = [
    (
        "createTarget baseline",
        "mutation($s: ID!, $v: Float!) { createTarget(valueStreamId: $s, input: {metric: lead_time,"
        ' unit: "days", baseline: $v, target: 1, direction: lower_is_better,'
        ' dueDate: "2027-06-30"}) { id } }',
        lambda w: {"s": w.stream["id"]},
        tuple(HUGE),
    ),
    (
        "createMeasurement value",
        "mutation($t: ID!, $v: Float!) {"
        " createMeasurement(targetId: $t, input: {value: $v}) { id } }",
        lambda w: {"t": w.target["id"]},
        tuple(HUGE),
    ),
    (
        "updateMapStep people",
        "mutation($id: ID!, $v: Int!) { updateMapStep(id: $id, expectedVersion: 1,"
        " input: {people: $v}) { id } }",
        lambda w: {"id": w.step["id"]},
        tuple(WIDE),
    ),
    (
        "backlog page size",
        "query($s: ID!, $v: Int!) { backlog(valueStreamId: $s, first: $v) { edges { cursor } } }",
        lambda w: {"s": w.stream["id"]},
        tuple(WIDE),
    ),
    (
        "maps of a cycle",
        "query($s: ID!, $v: Int!) { valueStream(id: $s) { maps(cycle: $v) { id } } }",
        lambda w: {"s": w.stream["id"]},
        tuple(WIDE),
    ),
]


@pytest.mark.parametrize(
    ("name", "query", "arguments", "values"), GRAPHQL, ids=[g[0] for g in GRAPHQL]
)
def test_hostile_numbers_in_graphql_are_refused_with_a_code(
    world: World,
    name: str,
    query: str,
    arguments: Callable[[World], dict[str, Any]],
    values: tuple[Any, ...],
) -> None:
    before = stored(world)

    codes = {
        repr(v)[:24]: graphql_codes(world.api, query, {**arguments(world), "v": v}) for v in values
    }

    refused = {"VALIDATION_FAILED", "GRAPHQL_VALIDATION_FAILED", "BAD_USER_INPUT"}
    assert {v: c for v, c in codes.items() if not c or set(c) - refused} == {}
    assert stored(world) == before


@pytest.mark.parametrize("value", ["NaN", "Infinity", "-Infinity", "1e400"])
def test_graphql_variables_that_are_not_finite_are_refused(world: World, value: str) -> None:
    query = (
        "mutation($t: ID!, $v: Float!) {"
        " createMeasurement(targetId: $t, input: {value: $v}) { id } }"
    )
    body = json.dumps({"query": query, "variables": {"t": world.target["id"], "v": 0}})
    body = body.replace('"v": 0', f'"v": {value}')

    response = world.api.client.post(
        "/graphql",
        content=body,
        headers={**world.api._headers(None, None), "content-type": "application/json"},
    )

    assert response.status_code in (200, 400), response.text
    codes = [e.get("extensions", {}).get("code") for e in response.json()["errors"]]
    assert codes and "INTERNAL" not in codes, response.text
    assert world.api.ok(world.api.get(f"{API}/targets/{world.target['id']}/measurements"))[
        "items"
    ] == [world.measurement]


# -- the edges themselves are fine ------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["html", "markdown", "xlsx", "pdf", "json"])
def test_values_at_the_edges_are_stored_and_every_readout_renders_them(
    editor: Api, factory: Factory, fmt: str
) -> None:
    stream = factory.value_stream()
    target = factory.target(
        stream, unit="weeks", baseline=1e12, target=-1e12, start_date="2026-01-01"
    )
    factory.measurement(target, 1e12, measured_at="2026-02-01T00:00:00Z")
    factory.measurement(target, -1e12, measured_at="2026-03-01T00:00:00Z")
    factory.step(factory.map(stream), process_time="P3650D", wait_time=315_360_000)
    factory.backlog_item(stream, expected_effects=[{"metric": "lead_time", "change": -1e12}])

    response = editor.get(f"{API}/value-streams/{stream['id']}/export", params={"format": fmt})

    assert response.status_code == 200, response.text[:300]
