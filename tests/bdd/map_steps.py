"""Steps that draw value stream maps from tables, shared by the maps, waste and targets
features. A table has a row per step, in flow order, with the columns the scenario
needs: step, role, team, process time, wait time, %C&A, people, tools, artifacts,
automated, CI/CD stage, value, queue, description. Durations are written as people
write them ("1 h", "2 working days", "PT1H30M"); the service reads them.
"""

from typing import Any

from pytest_bdd import given, then, when

from tests.api_client import Api
from tests.bdd import world
from tests.bdd.steps import p
from tests.bdd.world import DrawnMap, Stream
from tests.factories import Factory


def _steps(datatable: list[list[str]]) -> list[dict[str, Any]]:
    return [world.step_fields(row) for row in world.rows(datatable)]


@given("its current-state map has these steps:", target_fixture="drawn")
def current_map_with_steps(
    factory: Factory, stream: Stream, datatable: list[list[str]]
) -> DrawnMap:
    return world.draw_map(factory, stream, "current", _steps(datatable), name="As is")


@given("its chosen desired-state map has these steps:", target_fixture="drawn")
def desired_map_with_steps(
    factory: Factory, stream: Stream, datatable: list[list[str]]
) -> DrawnMap:
    return world.draw_map(factory, stream, "desired", _steps(datatable), name="To be", chosen=True)


@given(
    p("its current-state map counts a working day as {hours:Num} hours, and has these steps:"),
    target_fixture="drawn",
)
def current_map_with_working_day(
    factory: Factory, stream: Stream, hours: float, datatable: list[list[str]]
) -> DrawnMap:
    return world.draw_map(
        factory, stream, "current", _steps(datatable), name="As is", hours_per_working_day=hours
    )


@given("work flows between them like this:")
def handoffs_between(factory: Factory, drawn: DrawnMap, datatable: list[list[str]]) -> None:
    """Columns: from, to, and optionally across teams (yes/no) and carrying (an artifact)."""
    for row in world.rows(datatable):
        extra: dict[str, Any] = {}
        if row.get("across teams"):
            extra["cross_team"] = row["across teams"].lower() in world.YES
        if row.get("carrying"):
            extra["artifact"] = row["carrying"]
        factory.api.ok(world.add_handoff(factory, drawn, row["from"], row["to"], **extra), 201)


@when(
    "the team starts the new current-state map from where the last cycle meant to arrive",
    target_fixture="carried",
)
def carried_over(editor: Api, stream: Stream) -> Any:
    return editor.post(f"{stream.url}/maps/carry-over", {})


@then(p("cycle {cycle:d} has a current-state map with the steps {names}"))
def current_map_has_steps(
    editor: Api, stream: Stream, carried: Any, cycle: int, names: str
) -> None:
    made = editor.ok(carried, 201)
    assert (made["kind"], made["cycle"]) == ("current", cycle)
    steps = editor.ok(editor.get(f"{world.API}/maps/{made['id']}/steps"))["items"]
    expected = [n.strip() for n in names.replace(" and ", ", ").split(",")]
    assert [s["name"] for s in steps] == expected


@then("starting it again is refused: a cycle has one current-state map")
def carry_over_again(editor: Api, stream: Stream) -> None:
    answer = editor.post(f"{stream.url}/maps/carry-over", {})
    assert answer.status_code == 409, answer.text
