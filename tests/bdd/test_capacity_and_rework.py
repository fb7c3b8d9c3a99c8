"""Feature: Demand, capacity, rework and what waste costs the flow
(features/capacity_and_rework.feature).

The map is drawn through the API with its data boxes; takt, capacity, the constraint,
expected rework and the waste ranking are read back as a client reads them.
"""

from typing import Any

import pytest
from pytest_bdd import given, scenarios, then, when

from tests.api_client import Api
from tests.bdd import world
from tests.bdd.steps import p
from tests.bdd.world import DrawnMap, Stream
from tests.factories import Factory

scenarios("capacity_and_rework.feature")

HOUR = 3600.0
DAY = 86400.0


def the_map(editor: Api, stream: Stream) -> dict[str, Any]:
    return world.metrics(editor, stream.drawn("current"))


def step_id(stream: Stream, name: str) -> str:
    return str(stream.drawn("current").step(name)["id"])


@given(
    p(
        "its current-state map serves a customer demand of {units:d} {unit} a month of "
        "{days:d} working days, in {shifts:d} shifts of {hours:Num} hours with {breaks:d} "
        "minutes of breaks each, and has these steps:"
    ),
    target_fixture="drawn",
)
def map_with_data_boxes(
    factory: Factory,
    stream: Stream,
    units: int,
    unit: str,
    days: int,
    shifts: int,
    hours: float,
    breaks: int,
    datatable: list[list[str]],
) -> DrawnMap:
    return world.draw_map(
        factory,
        stream,
        "current",
        [world.step_fields(row) for row in world.rows(datatable)],
        name="As is",
        demand_units=units,
        demand_working_days=days,
        shifts_per_day=shifts,
        shift_hours=hours,
        break_minutes_per_shift=breaks,
    )


@then(p("the takt time is {seconds:Num} seconds"))
def takt_time(editor: Api, stream: Stream, seconds: float) -> None:
    assert the_map(editor, stream)["takt_time_seconds"] == pytest.approx(seconds)


@then(
    p(
        'the constraint is "{step}", which makes {made:d} {unit} a day against a demand '
        "of {demand:d}"
    )
)
def constraint(editor: Api, stream: Stream, step: str, made: int, unit: str, demand: int) -> None:
    metrics = the_map(editor, stream)
    assert metrics["constraint_step_id"] == step_id(stream, step), metrics
    row = next(r for r in metrics["step_capacity"] if r["step_id"] == step_id(stream, step))
    assert round(row["units_per_day"]) == made
    assert metrics["daily_demand"] == pytest.approx(demand)


@then(p('the longest queue is "{step}", behind {days:Num} days of inventory'))
def longest_queue(editor: Api, stream: Stream, step: str, days: float) -> None:
    metrics = the_map(editor, stream)
    assert metrics["longest_queue_step_id"] == step_id(stream, step)
    assert round(metrics["inventory_days"][step_id(stream, step)], 1) == days


@then(p("the map's lead time is {days:Num} days for {seconds:Num} seconds of processing"))
def lead_time_in_days(editor: Api, stream: Stream, days: float, seconds: float) -> None:
    metrics = the_map(editor, stream)
    assert round(metrics["lead_time_days"], 1) == days
    assert metrics["process_time_seconds"] == pytest.approx(seconds)


@then(p("the map's lead time is {hours:Num} hours"))
def lead_time(editor: Api, stream: Stream, hours: float) -> None:
    assert the_map(editor, stream)["lead_time_seconds"] == pytest.approx(hours * HOUR)


@when(
    p(
        'the team marks a handoff from "{source}" back to "{target}" as rework, '
        "after a wait of {wait}"
    )
)
def rework_loop(factory: Factory, stream: Stream, source: str, target: str, wait: str) -> None:
    drawn = stream.drawn("current")
    answer = world.add_handoff(factory, drawn, source, target, rework=True, wait_time=wait)
    factory.api.ok(answer, 201)


@then(p('the rework loop sends back {percent:Num}% of the work, what "{step}" gets wrong'))
def loop_share(editor: Api, stream: Stream, percent: float, step: str) -> None:
    (loop,) = the_map(editor, stream)["rework_loops"]
    assert loop["from_step_id"] == step_id(stream, step)
    assert loop["rework_percent"] == pytest.approx(percent)


@then(
    p(
        "the expected rework is {rework:Num} hours, so the lead time with rework is "
        "{total:Num} hours"
    )
)
def expected_rework(editor: Api, stream: Stream, rework: float, total: float) -> None:
    metrics = the_map(editor, stream)
    assert metrics["expected_rework_seconds"] == pytest.approx(rework * HOUR)
    assert metrics["lead_time_with_rework_seconds"] == pytest.approx(total * HOUR)


@given("the team recorded this waste:")
def recorded_waste(factory: Factory, stream: Stream, datatable: list[list[str]]) -> None:
    drawn = stream.drawn("current")
    for row in world.rows(datatable):
        factory.finding(
            drawn.body,
            step_id=drawn.step(row["step"])["id"],
            category=row["waste"].replace(" ", "_"),
            description=row["finding"],
            estimated_cost_hours_per_week=float(row["people-hours per week"]),
        )


@then("the waste ranked by what it costs the flow reads:")
def waste_ranked(editor: Api, stream: Stream, datatable: list[list[str]]) -> None:
    url = f"{stream.drawn('current').url}/waste-ranking"
    ranked = editor.ok(editor.get(url))["findings"]
    expected = world.rows(datatable)
    assert [r["finding"]["description"] for r in ranked] == [e["finding"] for e in expected]
    for row, want in zip(ranked, expected, strict=True):
        assert row["wait_seconds"] == pytest.approx(
            float(want["wait on the critical path"].split()[0]) * DAY
        )
        assert row["people_hours_per_week"] == float(want["people-hours per week"])
