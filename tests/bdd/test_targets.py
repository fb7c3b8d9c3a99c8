"""Feature: Flow-metric targets and their progress (features/targets.feature).

Progress is judged at the moment the service is asked, so timelines are laid out around
today: "over 100 days of which 50 have gone by" starts 50 days ago (UTC) and ends 50
days from now; measurements are taken "yesterday" or "30 days ago".
"""

from datetime import UTC, datetime, timedelta
from typing import Any

import parse
import pytest
from pytest_bdd import given, parsers, scenarios, then, when

from tests.api_client import Api
from tests.bdd import world
from tests.bdd.steps import refused
from tests.bdd.world import Stream
from tests.factories import Factory

scenarios("targets.feature")

UNITS = {"days": "days", "a week": "deployments per week"}
"""How the practice says a unit, and the unit the service knows it by."""
METRICS = {
    "lead-time": ("lead_time", "lower_is_better"),
    "deployment-frequency": ("deployment_frequency", "higher_is_better"),
}
STATUSES = {
    "on track": "on_track",
    "at risk": "at_risk",
    "off track": "off_track",
    "achieved": "achieved",
    "without data": "no_data",
}


@parse.with_pattern("|".join(METRICS))
def _metric(text: str) -> str:
    return text


@parse.with_pattern("|".join(STATUSES))
def _status(text: str) -> str:
    return STATUSES[text]


def p(text: str) -> parsers.parse:
    return parsers.parse(
        text, extra_types={**world.EXTRA_TYPES, "Metric": _metric, "TargetStatus": _status}
    )


def target_body(metric: str, baseline: float, target: float, unit: str) -> dict[str, Any]:
    key, direction = METRICS[metric]
    return {
        "metric": key,
        "baseline": baseline,
        "target": target,
        "direction": direction,
        "unit": UNITS.get(unit, unit),
        "due_date": world.in_days(180),
    }


def progress(api: Api, target: dict[str, Any]) -> dict[str, Any]:
    return api.ok(api.get(f"{world.API}/targets/{target['id']}"))["progress"]


@given(
    p(
        "a {metric:Metric} target of {target:Num} {unit} from a baseline of {baseline:Num} "
        "{baseline_unit}, over {days:d} days of which {gone:d} have gone by"
    ),
    target_fixture="target",
)
def a_target(
    factory: Factory,
    stream: Stream,
    metric: str,
    target: float,
    unit: str,
    baseline: float,
    baseline_unit: str,
    days: int,
    gone: int,
) -> dict[str, Any]:
    assert unit == baseline_unit, (unit, baseline_unit)
    start = world.today() - timedelta(days=gone)
    body = {
        **target_body(metric, baseline, target, unit),
        "start_date": start.isoformat(),
        "due_date": (start + timedelta(days=days - 1)).isoformat(),  # due at the end of that day
    }
    return factory.target(stream.ref, **body)


def measured(factory: Factory, target: dict[str, Any], days_ago: int, value: float) -> None:
    at = datetime.now(UTC) - timedelta(days=days_ago)
    factory.measurement(target, value, measured_at=at.isoformat())


@given(p("{days:d} days ago the {metric} was {value:Num} {unit}"))
def measured_days_ago(factory: Factory, target: dict[str, Any], days: int, value: float) -> None:
    measured(factory, target, days, value)


@given(p("yesterday the {metric} was {value:Num} {unit}"))
def measured_yesterday(factory: Factory, target: dict[str, Any], value: float) -> None:
    measured(factory, target, 1, value)


@when(
    p("the team sets a lead-time target from the maps, due in {days:d} days"),
    target_fixture="target",
)
def target_from_maps(editor: Api, stream: Stream, days: int) -> dict[str, Any]:
    body = {"metric": "lead_time", "due_date": world.in_days(days)}
    return editor.ok(editor.post(f"{stream.url}/targets/from-maps", body), 201)


@when(
    p(
        "the team sets a {metric:Metric} target of {target:Num} {unit} from a baseline of "
        "{baseline:Num} {baseline_unit}"
    ),
    target_fixture="answer",
)
def sets_target(
    editor: Api, stream: Stream, metric: str, target: float, unit: str, baseline: float
) -> Any:
    return editor.post(f"{stream.url}/targets", target_body(metric, baseline, target, unit))


@when(p("the owner reads the target in {unit}"), target_fixture="target")
def reads_in(editor: Api, target: dict[str, Any], unit: str) -> dict[str, Any]:
    url = f"{world.API}/targets/{target['id']}"
    version = editor.ok(editor.get(url))["version"]
    return editor.ok(editor.patch(url, {"unit": unit}, if_match=version))


@then(p("the target is {percent:Num}% of the way, with about {gone:d}% of its time gone"))
def percent_of_the_way(editor: Api, target: dict[str, Any], percent: float, gone: int) -> None:
    """The timeline began at midnight UTC, `gone` of 100 days ago: whatever the time of day,
    between `gone` and `gone` + 1 percent of it has passed (rounded to two decimals, the
    last minutes before midnight read as `gone` + 1)."""
    now = progress(editor, target)
    assert now["percent_of_way"] == pytest.approx(percent), now
    assert gone <= now["expected_percent_now"] <= gone + 1, now


@then(p("the target is {status:TargetStatus}"))
def target_status(editor: Api, target: dict[str, Any], status: str) -> None:
    now = progress(editor, target)
    assert now["status"] == status, now


@then(p('the target is {status:TargetStatus}, because "{reason}"'))
def target_status_because(editor: Api, target: dict[str, Any], status: str, reason: str) -> None:
    now = progress(editor, target)
    assert now["status"] == status, now
    world.assert_mentions(now["reason"], reason)


@then(
    p(
        "the target starts from a baseline of {baseline:Num} hours and aims at {goal:Num} hours, "
        "lower being better"
    )
)
def target_numbers(target: dict[str, Any], baseline: float, goal: float) -> None:
    assert target["unit"] == "hours", target
    assert (target["baseline"], target["target"]) == (baseline, goal), target
    assert target["direction"] == "lower_is_better", target


@then(p('the target says where its numbers come from: "{note}"'))
def target_note(target: dict[str, Any], note: str) -> None:
    assert target["note"] == note, target


@then(p('the target is refused because "{why}"'))
def target_refused(editor: Api, stream: Stream, answer: Any, why: str) -> None:
    body = refused(answer, 422, code="VALIDATION_FAILED", field="target")
    world.assert_mentions(body["detail"], why)
    assert world.items(editor, f"{stream.url}/targets") == []


@then(p("the target is refused, offering the units {units} instead"))
def refused_offering_units(editor: Api, stream: Stream, answer: Any, units: str) -> None:
    body = refused(answer, 422, code="VALIDATION_FAILED", field="unit")
    (error,) = body["errors"]
    assert error["allowed"] == units.replace(" and ", ", ").split(", "), error
    assert world.items(editor, f"{stream.url}/targets") == []
