"""The practice's words: roles, functions, deliverables, statuses."""

import enum


class Phase(enum.StrEnum):
    pre_planning = "pre_planning"
    planning = "planning"
    current_state = "current_state"
    desired_state = "desired_state"
    transformation_plan = "transformation_plan"
    execution = "execution"


class ParticipantRole(enum.StrEnum):
    champion = "champion"
    sponsor = "sponsor"
    facilitator = "facilitator"
    coach = "coach"
    change_agent = "change_agent"
    participant = "participant"


class ChampionKind(enum.StrEnum):
    technology_manager = "technology_manager"
    business_stakeholder = "business_stakeholder"


class Function(enum.StrEnum):
    program_manager = "program_manager"
    business_pm_po = "business_pm_po"
    leader_sdm = "leader_sdm"
    architect = "architect"
    devops = "devops"
    qa = "qa"
    security = "security"
    dba = "dba"
    other = "other"

    @property
    def side(self) -> str:
        """Which side of the business/technology divide a function sits on."""
        if self in (Function.program_manager, Function.business_pm_po):
            return "business"
        if self is Function.other:
            return "other"
        return "technology"


class DeliverableKind(enum.StrEnum):
    business_case = "business_case"
    goals_and_purpose = "goals_and_purpose"
    expected_benefits = "expected_benefits"
    risk_log = "risk_log"
    training_strategy = "training_strategy"
    draft_metrics = "draft_metrics"
    working_agreement = "working_agreement"
    training_content = "training_content"
    workshop_agenda = "workshop_agenda"
    logistics = "logistics"
    readout_summary = "readout_summary"
    lessons_learned = "lessons_learned"
    roadmap = "roadmap"
    ownership_plan = "ownership_plan"
    other = "other"


class DeliverableStatus(enum.StrEnum):
    """Ordered: a criterion asking for `draft` is met by `done` too."""

    missing = "missing"
    draft = "draft"
    done = "done"

    @property
    def rank(self) -> int:
        return list(DeliverableStatus).index(self)


class RiskCategory(enum.StrEnum):
    organizational = "organizational"
    cultural = "cultural"
    large_scale = "large_scale"
    other = "other"


class RiskStatus(enum.StrEnum):
    open = "open"
    mitigating = "mitigating"
    accepted = "accepted"
    closed = "closed"


class ActionKind(enum.StrEnum):
    action = "action"
    parking_lot = "parking_lot"


class ActionStatus(enum.StrEnum):
    open = "open"
    in_progress = "in_progress"
    done = "done"
    dropped = "dropped"
