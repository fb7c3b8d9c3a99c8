"""Suggestions merged into the findings people triage, and the order they triage them in.

People decide per kind of waste at one step or handoff, so every rule of every plugin
that saw the same waste there becomes one finding carrying all their evidence: a map of
2,000 steps then asks for one decision where it asked for several. Findings are listed
by severity, so the waste the data shows most surely and most expensively comes first.
Pure functions over plain values, so the order can be checked by hand.
"""

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

SEVERITY_RULE = (
    "severity = the chance that the waste is real x (1 + log10(1 + estimated hours lost a "
    "week)), where the chance takes each rule that saw it as independent evidence: "
    "1 - (1 - c1) x (1 - c2) x ..., a rule without a confidence counting as 0.5. "
    "Findings are listed by severity, highest first."
)
UNSTATED_CONFIDENCE = 0.5
"""A rule that gives no confidence is taken as a coin toss, neither trusted nor ignored."""


@dataclass(frozen=True)
class Fired:
    """One rule that fired at a target, as a plugin reported it (values already checked)."""

    classifier: str
    rule: str | None
    statement: str | None
    description: str
    evidence: str | None
    confidence: float | None
    estimated_cost_hours_per_week: float | None

    def as_record(self) -> dict[str, Any]:
        """What a finding stores of the rule: JSON-ready, its description left to the finding."""
        return {
            "rule": self.rule,
            "statement": self.statement,
            "evidence": self.evidence,
            "confidence": self.confidence,
            "estimated_cost_hours_per_week": self.estimated_cost_hours_per_week,
            "classifier": self.classifier,
        }


@dataclass(frozen=True)
class Reported:
    """One suggestion of one plugin: what it says, and every rule behind it.

    A plugin that merged its own rules hands them back with the suggestion; one that
    did not is its own single rule.
    """

    said: Fired
    rules: tuple[Fired, ...]


@dataclass(frozen=True)
class Merged:
    """One finding to store: the most confident suggestion speaks, every rule is kept."""

    lead: Fired
    rules: tuple[Fired, ...]
    evidence: str | None
    estimated_cost_hours_per_week: float | None
    severity: float


def severity(confidences: Iterable[float | None], cost_hours_per_week: float | None) -> float:
    """The finding's weight in the triage order, as `SEVERITY_RULE` says."""
    doubt = 1.0
    for confidence in confidences:
        doubt *= 1 - (UNSTATED_CONFIDENCE if confidence is None else confidence)
    weight = 1 + math.log10(1 + (cost_hours_per_week or 0.0))
    return round((1 - doubt) * weight, 6)


def merge(reports: Sequence[Reported]) -> Merged:
    """Every suggestion about one kind of waste at one target, as one finding.

    The most confident suggestion leads with its description and evidence (a plugin
    that merged its own rules wrote theirs into it); another plugin's evidence is added
    after it. A rule reported twice counts once in the severity.
    """
    ordered = sorted(reports, key=lambda r: -(r.said.confidence or 0.0))
    lead = ordered[0].said
    evidence = lead.evidence
    if len(ordered) > 1:
        evidence = (evidence or "") + "".join(
            f". Also {r.said.classifier} {r.said.rule or 'rule'}: "
            f"{r.said.evidence or r.said.description}"
            for r in ordered[1:]
        )
    rules = sorted(
        {(f.classifier, f.rule, f.evidence): f for r in ordered for f in r.rules}.values(),
        key=lambda f: -(f.confidence or 0.0),
    )
    costs = [r.said.estimated_cost_hours_per_week for r in ordered]
    costs += [f.estimated_cost_hours_per_week for f in rules]
    known = [cost for cost in costs if cost is not None]
    cost = max(known) if known else None
    distinct = {(f.classifier, f.rule): f.confidence for f in reversed(rules)}
    return Merged(
        lead=lead,
        rules=tuple(rules),
        evidence=evidence,
        estimated_cost_hours_per_week=cost,
        severity=severity(distinct.values(), cost),
    )
