"""The playbook: phases, timeboxes and gate criteria as data, with DESIGN.md's table as default."""

import functools
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from core.workflow.criteria import CHECKS

KEY_PATTERN = r"^[a-z][a-z0-9_]{0,59}$"


class CriterionSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    key: str = Field(pattern=KEY_PATTERN)
    check: str = Field(min_length=1, max_length=60)
    description: str = Field(min_length=1, max_length=500)
    params: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _known_check_with_valid_params(self) -> "CriterionSpec":
        check = CHECKS.get(self.check)
        if check is None:
            raise ValueError(
                f"criterion {self.key!r}: unknown check {self.check!r}; "
                f"known: {', '.join(sorted(CHECKS))}"
            )
        try:
            check.params.model_validate(self.params)
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in e['loc']) or 'params'}: {e['msg']}"
                for e in exc.errors()
            )
            raise ValueError(f"criterion {self.key!r}: bad params: {problems}") from exc
        return self


class PhaseSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    key: str = Field(pattern=KEY_PATTERN)
    name: str = Field(min_length=1, max_length=100)
    goal: str = Field(default="", max_length=1000)
    timebox_days: float | None = Field(default=None, gt=0, le=3650)
    criteria: list[CriterionSpec] = Field(default_factory=list, max_length=100)

    @model_validator(mode="after")
    def _unique_criteria(self) -> "PhaseSpec":
        keys = [c.key for c in self.criteria]
        duplicates = sorted({k for k in keys if keys.count(k) > 1})
        if duplicates:
            raise ValueError(f"phase {self.key!r}: duplicate criteria {', '.join(duplicates)}")
        return self


class Playbook(BaseModel):
    """Phases in order. Leaving the last phase starts a new cycle at `iterate_to`.

    Frozen, because a parsed playbook is shared by every request that reads it
    (`default_playbook`, `organization_playbook.get_playbook`).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    phases: list[PhaseSpec] = Field(min_length=2, max_length=30)
    iterate_to: str

    @model_validator(mode="after")
    def _consistent(self) -> "Playbook":
        keys = [p.key for p in self.phases]
        duplicates = sorted({k for k in keys if keys.count(k) > 1})
        if duplicates:
            raise ValueError(f"duplicate phases {', '.join(duplicates)}")
        if self.iterate_to not in keys:
            raise ValueError(f"iterate_to {self.iterate_to!r} is not a phase of the playbook")
        if self.iterate_to == keys[-1]:
            raise ValueError("iterate_to must be a phase before the last one")
        return self

    @property
    def keys(self) -> list[str]:
        return [p.key for p in self.phases]

    @functools.cached_property
    def fingerprint(self) -> str:
        """The playbook as JSON: what a value kept for one playbook is kept under."""
        return self.model_dump_json()

    @functools.cached_property
    def positions(self) -> dict[str, int]:
        """Each phase's place in the order, by key."""
        return {p.key: n for n, p in enumerate(self.phases)}

    def index(self, key: str) -> int:
        try:
            return self.positions[key]
        except KeyError:
            raise ValueError(f"{key!r} is not a phase of the playbook") from None

    def phase(self, key: str) -> PhaseSpec:
        return self.phases[self.index(key)]

    def find(self, key: str) -> PhaseSpec | None:
        """The phase, or None for a key the playbook lacks (a stream's phase removed since)."""
        position = self.positions.get(key)
        return None if position is None else self.phases[position]

    def next_key(self, key: str) -> str | None:
        i = self.index(key)
        return self.phases[i + 1].key if i + 1 < len(self.phases) else None

    def repeats_each_cycle(self, key: str) -> bool:
        """Phases from `iterate_to` on are done again in every cycle."""
        return self.index(key) >= self.index(self.iterate_to)


def _c(key: str, check: str, description: str, **params: Any) -> dict[str, Any]:
    return {"key": key, "check": check, "description": description, "params": params}


def _deliverable(key: str, description: str, kind: str, status: str) -> dict[str, Any]:
    return _c(key, "deliverable", description, kind=kind, status=status)


DEFAULT_PLAYBOOK_DATA: dict[str, Any] = {
    "iterate_to": "current_state",
    "phases": [
        {
            "key": "pre_planning",
            "name": "Pre-planning",
            "goal": "Prepare for engaging the planning stakeholders.",
            "timebox_days": 30,
            "criteria": [
                _c(
                    "core_team_champions",
                    "champions",
                    "Core team of champions with a technology-manager and a business-stakeholder "
                    "champion",
                ),
                _c("sponsor", "participants", "A sponsor", role="sponsor", min=1),
                _deliverable("business_case", "Business case (the WHY)", "business_case", "done"),
                _deliverable(
                    "draft_goals", "Draft goals and purpose", "goals_and_purpose", "draft"
                ),
                _deliverable(
                    "expected_benefits",
                    "Expected business and organizational benefits",
                    "expected_benefits",
                    "draft",
                ),
                _c("risk_log", "risks", "Draft risk log with at least one risk", min=1),
                _deliverable(
                    "training_strategy", "Training strategy", "training_strategy", "draft"
                ),
                _deliverable(
                    "draft_metrics", "Draft business and delivery metrics", "draft_metrics", "draft"
                ),
            ],
        },
        {
            "key": "planning",
            "name": "Planning",
            "goal": "Thorough planning with business and technology stakeholders.",
            "timebox_days": 60,
            "criteria": [
                _deliverable("final_goals", "Final purpose and goals", "goals_and_purpose", "done"),
                _c("key_flow_metrics", "targets", "Key flow metrics chosen, targets recorded"),
                _deliverable("working_agreement", "Working agreement", "working_agreement", "done"),
                _deliverable("training_content", "Training content", "training_content", "done"),
                _c(
                    "participants_identified",
                    "functions",
                    "Participants identified across business and technology functions",
                ),
                _c(
                    "trained_facilitator",
                    "participants",
                    "At least one trained facilitator",
                    role="facilitator",
                    min=1,
                    trained=True,
                ),
                _deliverable(
                    "workshop_agenda", "Workshop agenda vetted", "workshop_agenda", "done"
                ),
                _deliverable("logistics", "Logistics complete", "logistics", "done"),
            ],
        },
        {
            "key": "current_state",
            "name": "Current state",
            "goal": "Map all current people, process and technology activities step by step.",
            "timebox_days": 2,
            "criteria": [
                _c(
                    "current_map_complete",
                    "current_map_complete",
                    "A current-state map whose every step has a role, a process time and a "
                    "wait time",
                ),
                _c("handoffs_recorded", "handoffs_recorded", "Handoffs recorded"),
                _c(
                    "waste_analyzed",
                    "waste_triaged",
                    "Waste analyzed: no classifier suggestion left untriaged",
                ),
                _deliverable("readout_summary", "Readout summary", "readout_summary", "done"),
                _c("action_items", "action_items", "Action items recorded", min=1),
            ],
        },
        {
            "key": "desired_state",
            "name": "Desired state",
            "goal": "Map the improved, streamlined flow of value.",
            "timebox_days": 2,
            "criteria": [
                _c(
                    "desired_map_faster",
                    "desired_map_faster",
                    "A chosen desired-state map whose lead time is below the current one",
                ),
                _c(
                    "sponsor_signoff",
                    "sponsor_signoff",
                    "Sponsor sign-off (alignment and buy-in)",
                    min=1,
                ),
            ],
        },
        {
            "key": "transformation_plan",
            "name": "Transformation plan",
            "goal": "The tactical backlog and plan from current to desired state.",
            "timebox_days": 2,
            "criteria": [
                _c("prioritized_backlog", "backlog_prioritized", "A prioritized backlog", min=1),
                _c(
                    "committed_items_owned",
                    "committed_items_owned",
                    "Every committed item has an accountable owner",
                ),
                _c("roadmap_milestone", "milestones", "A roadmap with at least one milestone"),
                _c("vsm_owner", "vsm_owner", "A VSM owner (ownership and accountability plan)"),
            ],
        },
        {
            "key": "execution",
            "name": "Execution",
            "goal": "Execute the plan and measure improvements; iterate.",
            "timebox_days": None,
            "criteria": [],
        },
    ],
}


@functools.cache
def default_playbook() -> Playbook:
    """Parsed once: validating it cost every portfolio request a third of a millisecond."""
    return Playbook.model_validate(DEFAULT_PLAYBOOK_DATA)
