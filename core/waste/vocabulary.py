"""The waste vocabulary of the practice, shared by every classifier plugin.

Categories are the ten the practice teaches, so that findings from any plugin land in
the same buckets a facilitator uses on the wall, and labels use the practice's words.
"""

import math
from dataclasses import dataclass
from enum import StrEnum


class WasteCategory(StrEnum):
    defects_and_rework = "defects_and_rework"
    delays = "delays"
    over_production = "over_production"
    over_processing = "over_processing"
    transportation = "transportation"
    unnecessary_motion = "unnecessary_motion"
    inventory = "inventory"
    non_utilized_talent = "non_utilized_talent"
    management_activities = "management_activities"
    manual_activities = "manual_activities"

    @property
    def label(self) -> str:
        return _LABELS[self]


_LABELS: dict[WasteCategory, str] = {
    WasteCategory.defects_and_rework: "Defects and rework",
    WasteCategory.delays: "Delays, wait time and bottlenecks",
    WasteCategory.over_production: "Over-production (backlog waste)",
    WasteCategory.over_processing: "Over-processing (recreating the wheel)",
    WasteCategory.transportation: "Transportation (silos, gates, handoffs)",
    WasteCategory.unnecessary_motion: "Unnecessary motion (task switching)",
    WasteCategory.inventory: "Inventory (too much WIP)",
    WasteCategory.non_utilized_talent: "Non-utilized talent",
    WasteCategory.management_activities: "Management activities (status)",
    WasteCategory.manual_activities: "Manual activities",
}


@dataclass(frozen=True)
class WasteSuggestion:
    """A finding a classifier proposes; people confirm or dismiss it.

    ``evidence`` shows the numbers and the threshold that triggered ``rule`` so a
    facilitator can judge it without reading code; ``rule`` is a stable key, so a
    suggestion can be traced and tuned across runs, and ``statement`` says the rule in
    words. A suggestion that merges several rules lists each of them in ``rules``.
    """

    category: WasteCategory
    step_id: str | None
    handoff_id: str | None
    description: str
    evidence: str
    confidence: float
    estimated_cost_hours_per_week: float | None
    rule: str
    statement: str = ""
    rules: tuple["WasteSuggestion", ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "category", WasteCategory(self.category))
        if not 0.0 <= self.confidence <= 1.0:
            raise ValueError(f"confidence must be from 0 to 1, not {self.confidence!r}")
        cost = self.estimated_cost_hours_per_week
        if cost is not None and (math.isnan(cost) or math.isinf(cost) or cost < 0):
            raise ValueError(f"estimated cost must be 0 or more hours per week, not {cost!r}")
        if not self.rule:
            raise ValueError("a suggestion needs the key of the rule that made it")

    @property
    def key(self) -> tuple[WasteCategory, str | None, str | None]:
        """What makes two suggestions the same finding: category and target."""
        return (self.category, self.step_id, self.handoff_id)
