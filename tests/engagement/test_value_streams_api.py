"""Value streams and the phase workflow over REST."""

from tests.api_client import Api
from tests.factories import Factory


def test_a_new_value_stream_starts_in_pre_planning_cycle_one(factory: Factory) -> None:
    stream = factory.value_stream(name="Order to cash")

    assert stream["phase"] == "pre_planning"
    assert stream["cycle"] == 1
    assert stream["version"] == 1


def test_the_gate_lists_every_criterion_with_a_reason(editor: Api, factory: Factory) -> None:
    stream = factory.value_stream()

    gate = editor.ok(editor.get(f"/api/v1/value-streams/{stream['id']}/gate"))

    assert gate["phase"] == "pre_planning"
    assert gate["next_phase"] == "planning"
    assert gate["passed"] is False
    assert [c["key"] for c in gate["criteria"]] == [
        "core_team_champions",
        "sponsor",
        "business_case",
        "draft_goals",
        "expected_benefits",
        "risk_log",
        "training_strategy",
        "draft_metrics",
    ]
    assert all(c["reason"] for c in gate["criteria"])


def test_a_blocked_move_answers_409_with_the_failing_criteria(factory: Factory) -> None:
    stream = factory.value_stream()

    response = factory.transition(stream["id"], "planning")

    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "GATE_BLOCKED"
    assert {c["key"] for c in body["criteria"]} >= {"sponsor", "business_case"}


def test_pre_planning_gate_passes_with_everything_in_place(editor: Api, factory: Factory) -> None:
    stream = factory.value_stream(owner_id=factory.person()["id"])
    factory.participant(stream, role="champion", champion_kind="technology_manager")
    factory.participant(stream, role="champion", champion_kind="business_stakeholder")
    factory.participant(stream, role="sponsor")
    for kind in ("business_case", "goals_and_purpose", "expected_benefits"):
        factory.deliverable(stream, kind)
    factory.deliverable(stream, "training_strategy", status="draft")
    factory.deliverable(stream, "draft_metrics", status="draft")
    factory.risk(stream, category="cultural")

    moved = factory.transition(stream["id"], "planning")

    assert moved.status_code == 201, moved.text
    assert moved.json()["value_stream"]["phase"] == "planning"
    history = editor.ok(editor.get(f"/api/v1/value-streams/{stream['id']}/history"))
    assert [(h["from_phase"], h["to_phase"]) for h in history["items"]] == [
        ("pre_planning", "planning")
    ]
    assert history["items"][0]["gate"]["passed"] is True


def test_portfolio_lists_phase_cycle_and_blockers(editor: Api, factory: Factory) -> None:
    factory.value_stream(name="Alpha")

    portfolio = editor.ok(editor.get("/api/v1/portfolio"))

    row = portfolio["items"][0]
    assert row["name"] == "Alpha"
    assert row["phase"] == "pre_planning"
    assert row["overdue"] is False
    assert row["blocking_criteria"] == 8
