"""Feature: Measuring a value stream map (features/map_metrics.feature).

"The map" is the scenario's current-state map; its numbers are read from the map's
metrics and the value stream's comparison, as a client of the API reads them.
"""

from typing import Any

import pytest
from pytest_bdd import scenarios, then, when

from tests.api_client import Api
from tests.bdd import world
from tests.bdd.steps import p, refused
from tests.bdd.world import Stream
from tests.factories import Factory

scenarios("map_metrics.feature")

HOUR = 3600.0


def the_map(editor: Api, stream: Stream) -> dict[str, Any]:
    return world.metrics(editor, stream.drawn("current"))


@then(p("the map's lead time is {hours:Num} hours"))
def lead_time(editor: Api, stream: Stream, hours: float) -> None:
    assert the_map(editor, stream)["lead_time_seconds"] == pytest.approx(hours * HOUR)


@then(p("the map's process time is {hours:Num} hours"))
def process_time(editor: Api, stream: Stream, hours: float) -> None:
    assert the_map(editor, stream)["process_time_seconds"] == pytest.approx(hours * HOUR)


@then(p("the map's activity ratio is {percent:Num}%"))
def activity_ratio(editor: Api, stream: Stream, percent: float) -> None:
    assert the_map(editor, stream)["activity_ratio"] == pytest.approx(percent / 100)


@then(p("the map's rolled %C&A is {percent:Num}%"))
def rolled_pca(editor: Api, stream: Stream, percent: float) -> None:
    assert the_map(editor, stream)["rolled_pca_percent"] == pytest.approx(percent)


@then(p('the map\'s bottleneck is "{step}", with {percent:Num}% of the lead time'))
def bottleneck(editor: Api, stream: Stream, step: str, percent: float) -> None:
    metrics = the_map(editor, stream)
    step_id = stream.drawn("current").step(step)["id"]
    assert metrics["bottleneck_step_id"] == step_id, metrics
    assert round(metrics["step_shares"][step_id] * 100, 1) == percent, metrics["step_shares"]


@then(p("the longest path runs through {steps}"))
def longest_path(editor: Api, stream: Stream, steps: str) -> None:
    drawn = stream.drawn("current")
    expected = [drawn.step(name)["id"] for name in world.names(steps)]
    assert the_map(editor, stream)["critical_path"] == expected


@then(p("the map counts {handoffs:d} handoffs, {crossing:d} of them across teams"))
def handoff_counts(editor: Api, stream: Stream, handoffs: int, crossing: int) -> None:
    metrics = the_map(editor, stream)
    assert (metrics["handoffs"], metrics["cross_team_handoffs"]) == (handoffs, crossing), metrics


@then(p("the map still counts {handoffs:d} handoffs"))
def handoffs_still(editor: Api, stream: Stream, handoffs: int) -> None:
    assert the_map(editor, stream)["handoffs"] == handoffs
    recorded = world.items(editor, f"{stream.drawn('current').url}/handoffs")
    assert len(recorded) == handoffs, recorded


@then(p('"{step}" has a process time of {process:Num} hours and a wait time of {wait:Num} hours'))
def step_times(editor: Api, stream: Stream, step: str, process: float, wait: float) -> None:
    step_id = stream.drawn("current").step(step)["id"]
    stored = editor.ok(editor.get(f"{world.API}/steps/{step_id}"))
    assert stored["process_seconds"] == pytest.approx(process * HOUR), stored
    assert stored["wait_seconds"] == pytest.approx(wait * HOUR), stored


COMPARED = {
    "lead time": "lead_time_seconds",
    "process time": "process_time_seconds",
    "activity ratio": "activity_ratio",
}


def quantity(text: str) -> float:
    """ "16 h" -> seconds, "25%" -> 0.25, "+25 points" -> 0.25 (percentage points)."""
    text = text.strip()
    if text.endswith(" h"):
        return float(text.removesuffix(" h")) * HOUR
    if text.endswith("%"):
        return float(text.removesuffix("%")) / 100
    if text.endswith(" points"):
        return float(text.removesuffix(" points")) / 100
    return float(text)


@then("the desired state compares with the current one like this:")
def comparison(editor: Api, stream: Stream, datatable: list[list[str]]) -> None:
    answer = editor.ok(editor.get(f"{stream.url}/comparison"))
    assert answer["current_map_id"] == stream.drawn("current").id
    assert answer["desired_map_id"] == stream.drawn("desired").id
    for row in world.rows(datatable):
        change = answer["changes"][COMPARED[row["metric"]]]
        assert change["current"] == pytest.approx(quantity(row["current"])), change
        assert change["desired"] == pytest.approx(quantity(row["desired"])), change
        assert change["absolute_change"] == pytest.approx(quantity(row["change"])), change
        percent = float(row["change in %"].removesuffix("%"))
        assert change["percent_change"] == pytest.approx(percent), change


@when(p('the team adds a handoff from "{source}" back to "{target}"'), target_fixture="answer")
def adds_handoff_back(factory: Factory, stream: Stream, source: str, target: str) -> Any:
    return world.add_handoff(factory, stream.drawn("current"), source, target)


@then(
    "the handoff is refused because it would make the flow go round in a loop, "
    "and work sent back is a rework loop"
)
def handoff_loop_refused(answer: Any) -> None:
    body = refused(answer, 422, code="VALIDATION_FAILED")
    world.assert_mentions(body["detail"], "the handoffs form a cycle")
    world.assert_mentions(body["detail"], "rework loop")
