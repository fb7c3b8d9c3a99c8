"""How suggestions become the findings people triage, and in which order: worked examples."""

import math

import pytest

from core.waste.merging import Fired, Reported, merge, severity


def fired(rule: str, confidence: float | None, cost: float | None = None, **kw: str) -> Fired:
    return Fired(
        classifier=kw.get("classifier", "waste_rules"),
        rule=rule,
        statement=f"{rule} in words",
        description=f"{rule} says so",
        evidence=kw.get("evidence", f"{rule} numbers"),
        confidence=confidence,
        estimated_cost_hours_per_week=cost,
    )


def alone(f: Fired) -> Reported:
    return Reported(said=f, rules=(f,))


def test_a_sure_rule_without_cost_weighs_its_confidence() -> None:
    assert severity([0.8], None) == pytest.approx(0.8)


def test_two_rules_are_more_telling_than_either() -> None:
    # 1 - (1 - 0.8) x (1 - 0.7) = 0.94
    assert severity([0.8, 0.7], None) == pytest.approx(0.94)


def test_hours_lost_a_week_raise_the_weight_by_their_order_of_magnitude() -> None:
    # 0.85 x (1 + log10(1 + 40 h/week))
    assert severity([0.85], 40) == pytest.approx(0.85 * (1 + math.log10(41)))
    assert severity([0.5], 99) == pytest.approx(1.5)


def test_a_rule_without_confidence_counts_as_a_coin_toss() -> None:
    assert severity([None], None) == pytest.approx(0.5)


def test_the_most_confident_suggestion_leads_and_every_rule_is_kept() -> None:
    wait = fired("delays.wait", 0.8, evidence="wait 9 h")
    neck = fired("delays.bottleneck", 0.7, evidence="83% of lead time")
    merged = merge([alone(neck), alone(wait)])

    assert merged.lead == wait
    assert merged.rules == (wait, neck)
    assert merged.evidence == "wait 9 h. Also waste_rules delays.bottleneck: 83% of lead time"
    assert merged.severity == pytest.approx(0.94)


def test_a_plugin_s_own_merge_keeps_its_evidence_and_hands_over_its_rules() -> None:
    wait = fired("delays.wait", 0.8)
    neck = fired("delays.bottleneck", 0.7)
    said = fired("delays.wait", 0.8, evidence="wait numbers. Also delays.bottleneck: ...")
    merged = merge([Reported(said=said, rules=(wait, neck))])

    assert merged.evidence == said.evidence
    assert [f.rule for f in merged.rules] == ["delays.wait", "delays.bottleneck"]
    assert merged.severity == pytest.approx(0.94)


def test_the_same_rule_reported_twice_counts_once() -> None:
    wait = fired("delays.wait", 0.8)
    merged = merge([Reported(said=wait, rules=(wait,)), Reported(said=wait, rules=(wait,))])

    assert merged.rules == (wait,)
    assert merged.severity == pytest.approx(0.8)


def test_the_highest_cost_of_any_rule_is_the_finding_s() -> None:
    merged = merge(
        [alone(fired("a", 0.6, 3.0)), alone(fired("b", 0.5, 10.0)), alone(fired("c", 0.4))]
    )

    assert merged.estimated_cost_hours_per_week == 10.0
