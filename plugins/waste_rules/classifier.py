"""Findings as people triage them: one per category and step or handoff, whichever rules
saw it, so two rules that see the same waste do not ask for two decisions."""

from core.maps.flowmap import FlowMap
from core.waste.vocabulary import WasteCategory, WasteSuggestion
from plugins.waste_rules.rules import RULES
from plugins.waste_rules.thresholds import RuleThresholds


def _merge(suggestions: list[WasteSuggestion]) -> WasteSuggestion:
    """One finding per category and target, because that is how findings are triaged.

    The most confident rule speaks; the others add their evidence, and every rule is
    handed back in ``rules`` with its own statement and numbers.
    """
    lead, *others = sorted(suggestions, key=lambda s: -s.confidence)
    if not others:
        return lead
    costs = [s.estimated_cost_hours_per_week for s in suggestions]
    known_costs = [cost for cost in costs if cost is not None]
    evidence = lead.evidence + "".join(f". Also {s.rule}: {s.evidence}" for s in others)
    return WasteSuggestion(
        category=lead.category,
        step_id=lead.step_id,
        handoff_id=lead.handoff_id,
        description=lead.description,
        evidence=evidence,
        confidence=lead.confidence,
        estimated_cost_hours_per_week=max(known_costs) if known_costs else None,
        rule=lead.rule,
        statement=lead.statement,
        rules=(lead, *others),
    )


def classify(flow_map: FlowMap, thresholds: RuleThresholds | None = None) -> list[WasteSuggestion]:
    """Run every rule; findings come in rule order, then position order."""
    thresholds = thresholds or RuleThresholds()
    grouped: dict[tuple[WasteCategory, str | None, str | None], list[WasteSuggestion]] = {}
    for rule in RULES:
        for suggestion in rule(flow_map, thresholds):
            grouped.setdefault(suggestion.key, []).append(suggestion)
    return [_merge(group) for group in grouped.values()]
