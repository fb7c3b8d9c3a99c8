"""Findings ranked by what they cost the flow, before people-hours."""

import pytest

from core.maps.flowmap import FlowMap, Handoff, Step
from core.metrics.map_metrics import compute_map_metrics
from core.metrics.waste_cost import Handed, Located, flow_costs

DAY = 86400.0
MINUTE = 60.0


def approval_flow() -> FlowMap:
    """Request → Approve (waits 14 days, 1 h of work) → Key in (a 20-minute manual step
    done by hand 120 times a week) → Release, which sends a tenth back to Key in."""
    steps = (
        Step(id="request", name="Request", position=0, process_seconds=600, wait_seconds=0),
        Step(id="approve", name="Approve", position=1, process_seconds=3600, wait_seconds=14 * DAY),
        Step(
            id="key_in",
            name="Key in",
            position=2,
            process_seconds=20 * MINUTE,
            wait_seconds=0,
            percent_complete_accurate=95,
        ),
        Step(id="release", name="Release", position=3, process_seconds=600, wait_seconds=3600),
    )
    loop = Handoff("back", "release", "key_in", rework=True, rework_percent=10)
    return FlowMap(id="m", name="M", kind="current", steps=steps, handoffs=(loop,))


def waits(flow_map: FlowMap) -> dict[str, float]:
    return {step.id: step.wait_seconds or 0.0 for step in flow_map.steps}


def test_a_14_day_wait_ranks_above_a_20_minute_manual_step_with_more_hours() -> None:
    flow_map = approval_flow()
    metrics = compute_map_metrics(flow_map)
    findings = [
        Located("manual", "key_in", None, 40.0),
        Located("waiting", "approve", None, 1.0),
    ]

    ranked = flow_costs(findings, metrics, waits(flow_map), {})

    assert [cost.finding_id for cost in ranked] == ["waiting", "manual"]
    waiting, manual = ranked
    assert waiting.wait_seconds == 14 * DAY
    assert waiting.share_of_lead_time == pytest.approx(14 * DAY / metrics.lead_time_seconds)
    assert manual.wait_seconds == 0
    assert manual.rework_seconds == pytest.approx(0.05 * 20 * MINUTE)


def test_shares_of_rework_and_a_finding_at_the_rework_loop() -> None:
    """The loop sends 10 % of the work back through Key in and Release (20 + 10 min of
    work and the hour Release waits): 0.1 * 90 min = 9 min of expected rework."""
    flow_map = approval_flow()
    metrics = compute_map_metrics(flow_map)
    findings = [Located("loop", None, "back", None), Located("keying", "key_in", None, None)]

    ranked = flow_costs(findings, metrics, waits(flow_map), {"back": Handed("key_in", True)})

    loop, keying = ranked
    assert loop.finding_id == "loop"
    assert loop.rework_seconds == pytest.approx(9 * MINUTE)
    assert keying.rework_seconds == pytest.approx(1 * MINUTE)
    assert loop.share_of_rework == pytest.approx(0.9)
    assert keying.share_of_rework == pytest.approx(0.1)


def test_a_finding_at_a_handoff_is_charged_the_wait_of_the_step_it_hands_to() -> None:
    flow_map = approval_flow()
    metrics = compute_map_metrics(flow_map)

    (cost,) = flow_costs(
        [Located("handover", None, "h1", None)],
        metrics,
        waits(flow_map),
        {"h1": Handed("approve", False)},
    )

    assert cost.charged_step_id == "approve"
    assert cost.flow_cost_seconds == 14 * DAY


def test_people_hours_break_ties_and_map_wide_findings_come_last() -> None:
    flow_map = approval_flow()
    metrics = compute_map_metrics(flow_map)
    findings = [
        Located("status meetings", None, None, 12.0),
        Located("few hours", "approve", None, 2.0),
        Located("many hours", "approve", None, 9.0),
    ]

    ranked = flow_costs(findings, metrics, waits(flow_map), {})

    assert [cost.finding_id for cost in ranked] == ["many hours", "few hours", "status meetings"]
    assert ranked[-1].flow_cost_seconds == 0
