"""How the rules write numbers and weekly costs into their evidence, so every finding
reads alike and its cost can be checked by hand.

Cost estimates are hours of people's time per week, ``process time x runs_per_week x
people``, and only where the waste consumes people's time (a wait or a queue costs
lead time, not effort, so those carry no cost).
"""

from core.maps.flowmap import Step
from plugins.waste_rules.thresholds import RuleThresholds


def num(value: float) -> str:
    """Numbers as people write them in evidence: 16, 0.25, 62.5."""
    return f"{value:.2f}".rstrip("0").rstrip(".")


def hours(seconds: float) -> str:
    return f"{num(seconds / 3600)} h"


def _people(step: Step) -> int:
    """An unstaffed count still means someone does the work."""
    return max(step.people or 0, 1)


def weekly_hours(step: Step, thresholds: RuleThresholds, share: float = 1.0) -> float | None:
    if step.process_seconds is None:
        return None
    return step.process_seconds / 3600 * thresholds.runs_per_week * _people(step) * share


def cost_evidence(step: Step, thresholds: RuleThresholds, share: float = 1.0) -> str:
    if step.process_seconds is None:
        return "no process time is recorded, so the weekly cost is not estimated"
    cost = step.process_seconds / 3600 * thresholds.runs_per_week * _people(step) * share
    share_text = f" x {num(share * 100)}%" if share != 1.0 else ""
    return (
        f"process {hours(step.process_seconds)} x {num(thresholds.runs_per_week)} runs/week"
        f" x {_people(step)} {'person' if _people(step) == 1 else 'people'}{share_text}"
        f" = {num(cost)} h/week"
    )
