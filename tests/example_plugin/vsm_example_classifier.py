"""An example third-party waste classifier for valuestream.

It needs nothing from the service but pluggy's marker for the ``vsm`` project: the
map arrives as plain read-only data (``flow_map``), the classifier config as a dict,
and suggestions go back as plain objects with the attributes the service reads
(category, step_id, handoff_id, description, evidence, confidence,
estimated_cost_hours_per_week, rule). No import of the service's own code, so the
plugin works with any version of the service that keeps that contract.

Rule: a handoff that carries no named artifact is work thrown over the wall; people
downstream must find out what they received. Only handoffs inside one team are
considered here, because the built-in rules already flag every cross-team handoff.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pluggy

hookimpl = pluggy.HookimplMarker("vsm")

CONFIG_KEY = "example_classifier"
DEFAULT_CONFIDENCE = 0.55


@dataclass(frozen=True)
class Suggestion:
    """The shape of a waste suggestion, as the service reads it."""

    category: str
    step_id: str | None
    handoff_id: str | None
    description: str
    evidence: str
    confidence: float
    estimated_cost_hours_per_week: float | None
    rule: str


def _confidence(config: Mapping[str, Any] | None) -> float:
    settings = (config or {}).get(CONFIG_KEY) or {}
    value = float(settings.get("confidence", DEFAULT_CONFIDENCE))
    if not 0 <= value <= 1:
        raise ValueError(f"{CONFIG_KEY}.confidence must be from 0 to 1, not {value!r}")
    return value


@hookimpl
def classify_waste(flow_map: Any, config: Mapping[str, Any] | None) -> list[Suggestion]:
    """One suggestion per same-team handoff that names no artifact."""
    confidence = _confidence(config)
    names = {step.id: step.name for step in flow_map.steps}
    found = []
    for handoff in flow_map.handoffs:
        if handoff.cross_team or (handoff.artifact or "").strip():
            continue
        source, target = names[handoff.from_step], names[handoff.to_step]
        found.append(
            Suggestion(
                category="transportation",
                step_id=None,
                handoff_id=handoff.id,
                description=f"Work passes from '{source}' to '{target}' without a named artifact.",
                evidence=f"handoff '{source}' -> '{target}' records no artifact",
                confidence=confidence,
                estimated_cost_hours_per_week=None,
                rule="example.unnamed_handoff",
            )
        )
    return found
