"""Feature: Waste suggested by the classifier (features/waste_classification.feature).

The classifier runs through the API (`classify`); what it suggests is read back from the
map's findings, as a facilitator's screen would. A waste category is spoken as the
practice names it ("defects and rework", "over-processing").
"""

from typing import Any

import pytest
from litestar.testing import TestClient
from pytest_bdd import given, scenarios, then, when

from api.app import create_app
from core.config import Settings
from tests.api_client import Api
from tests.bdd import world
from tests.bdd.steps import p, refused
from tests.bdd.world import DrawnMap

scenarios("waste_classification.feature")


def category_key(words: str) -> str:
    """ "defects and rework" -> "defects_and_rework", "over-processing" -> "over_processing"."""
    return words.strip().replace("-", "_").replace(" ", "_")


@pytest.fixture
def classifier(editor: Api) -> Api:
    """Who runs the classifier: the editor, through the running service."""
    return editor


@given(
    p(
        "the classifier is configured to count a wait as a delay only above {ratio:Num} times "
        "the process time"
    ),
    target_fixture="classifier",
)
def configured_classifier(
    request: pytest.FixtureRequest,
    settings: Settings,
    plugin_manager: Any,
    editor: Api,
    ratio: float,
) -> Api:
    """A service started with its own classifier configuration, on the same database."""
    tuned = settings.model_copy(
        update={"classifier_config": {"waste_rules": {"wait_to_process_ratio": ratio}}}
    )
    client: TestClient[Any] = TestClient(create_app(tuned, plugins=plugin_manager))
    client.__enter__()
    request.addfinalizer(lambda: client.__exit__(None, None, None))
    return Api(client, editor.token)


@given("the classifier has analyzed the map", target_fixture="analysis")
@when("the classifier analyzes the map", target_fixture="analysis")
@when("the classifier analyzes the map again", target_fixture="analysis")
def classifier_analyzes(classifier: Api, drawn: DrawnMap) -> dict[str, Any]:
    return world.classify(classifier, drawn)


def at_step(editor: Api, drawn: DrawnMap, category: str, step: str) -> list[dict[str, Any]]:
    return world.findings(
        editor, drawn, category=category_key(category), step_id=drawn.step(step)["id"]
    )


def on_handoff(
    editor: Api, drawn: DrawnMap, category: str, source: str, target: str
) -> list[dict[str, Any]]:
    handoff = drawn.handoff(source, target)
    return world.findings(editor, drawn, category=category_key(category), handoff_id=handoff["id"])


def the_suggestion(found: list[dict[str, Any]], evidence: str) -> None:
    assert len(found) == 1, found
    [finding] = found
    assert (finding["status"], finding["source"]) == ("suggested", "classifier"), finding
    world.assert_mentions(finding["evidence"], evidence)


@then(p('it suggests {category} at "{step}", because "{evidence}"'))
def suggests_at_step(editor: Api, drawn: DrawnMap, category: str, step: str, evidence: str) -> None:
    the_suggestion(at_step(editor, drawn, category, step), evidence)


@then(p('it suggests no {category} at "{step}"'))
@then(p('it suggests no {category} at "{step}": {why}'))
def suggests_nothing_at_step(editor: Api, drawn: DrawnMap, category: str, step: str) -> None:
    assert at_step(editor, drawn, category, step) == []


@then(
    p('it suggests {category} on the handoff from "{source}" to "{target}", because "{evidence}"')
)
def suggests_on_handoff(
    editor: Api, drawn: DrawnMap, category: str, source: str, target: str, evidence: str
) -> None:
    the_suggestion(on_handoff(editor, drawn, category, source, target), evidence)


@then(p('it suggests no {category} on the handoff from "{source}" to "{target}": {why}'))
def suggests_nothing_on_handoff(
    editor: Api, drawn: DrawnMap, category: str, source: str, target: str
) -> None:
    assert on_handoff(editor, drawn, category, source, target) == []


@given("the team has confirmed every suggestion")
def confirmed_everything(editor: Api, drawn: DrawnMap) -> None:
    world.confirm_every_suggestion(editor, drawn)


@then(p("it suggests nothing new, and says {known:d} suggestions were already known"))
def nothing_new(analysis: dict[str, Any], known: int) -> None:
    assert analysis["created"] == [], analysis
    assert analysis["skipped_known"] == known, analysis


@then(p("the map has {count:d} findings, all triaged"))
def all_triaged(editor: Api, drawn: DrawnMap, count: int) -> None:
    found = world.findings(editor, drawn)
    assert len(found) == count, found
    assert all(f["status"] in ("confirmed", "dismissed") and f["triaged_at"] for f in found), found


def one_at_step(editor: Api, drawn: DrawnMap, category: str, step: str) -> dict[str, Any]:
    found = at_step(editor, drawn, category, step)
    assert len(found) == 1, found
    return found[0]


@given(p('the team has dismissed the {category} at "{step}" because "{reason}"'))
def dismissed(editor: Api, drawn: DrawnMap, category: str, step: str, reason: str) -> None:
    finding = one_at_step(editor, drawn, category, step)
    editor.ok(world.triage(editor, finding, "dismissed", reason))


@when(
    p('the team dismisses the {category} at "{step}" without giving a reason'),
    target_fixture="answer",
)
def dismisses_without_reason(editor: Api, drawn: DrawnMap, category: str, step: str) -> Any:
    return world.triage(editor, one_at_step(editor, drawn, category, step), "dismissed")


@then("the dismissal is refused because it needs a reason")
def dismissal_refused(answer: Any) -> None:
    body = refused(answer, 422, code="VALIDATION_FAILED", field="reason")
    world.assert_mentions(body["detail"], "dismissing a finding needs a reason")


@then(p('the {category} at "{step}" are still dismissed, because "{reason}"'))
def still_dismissed(editor: Api, drawn: DrawnMap, category: str, step: str, reason: str) -> None:
    finding = one_at_step(editor, drawn, category, step)
    assert (finding["status"], finding["triage_reason"]) == ("dismissed", reason), finding


@then(p('the {category} at "{step}" are still suggested'))
def still_suggested(editor: Api, drawn: DrawnMap, category: str, step: str) -> None:
    finding = one_at_step(editor, drawn, category, step)
    assert (finding["status"], finding["triaged_at"]) == ("suggested", None), finding


@then(p('"{step}" has no other finding of {category}'))
def no_other_finding(editor: Api, drawn: DrawnMap, step: str, category: str) -> None:
    one_at_step(editor, drawn, category, step)


@then(p('it suggests {category} at "{step}" once, found by these rules:'))
def suggests_once_by_rules(
    editor: Api, drawn: DrawnMap, category: str, step: str, datatable: list[list[str]]
) -> None:
    finding = one_at_step(editor, drawn, category, step)
    expected = [(rule, words) for rule, words in datatable[1:]]
    assert [(r["rule"], r["statement"]) for r in finding["rules"]] == expected, finding
    assert (finding["rule"], finding["rule_statement"]) == expected[0], finding
    for rule, _words in expected[1:]:
        world.assert_mentions(finding["evidence"], f"Also {rule}")


@then("the suggestions come in this order:")
def suggestions_in_order(editor: Api, drawn: DrawnMap, datatable: list[list[str]]) -> None:
    listed = world.findings(editor, drawn, status="suggested")
    names = {step["id"]: name for name, step in drawn.steps.items()}
    assert [(f["category"], names[f["step_id"]]) for f in listed] == [
        (category_key(waste), at) for waste, at in datatable[1:]
    ], listed
    severities = [f["severity"] for f in listed]
    assert severities == sorted(severities, reverse=True), listed
