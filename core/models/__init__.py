"""Every table model, imported so `SQLModel.metadata` knows the whole schema."""

from core.models.action_item import ActionItem
from core.models.audit import AuditEvent
from core.models.deliverable import Deliverable
from core.models.organization import Organization
from core.models.participant import Participant
from core.models.person import Person
from core.models.playbook import PlaybookRecord
from core.models.risk import Risk
from core.models.signoff import SponsorSignoff
from core.models.team import Team, TeamMember
from core.models.token import ApiToken
from core.models.value_stream import PhaseTransition, ValueStream
from core.models.value_stream_map import MapHandoff, MapStep, ValueStreamMap
from core.models.waste_finding import WasteFinding

__all__ = [
    "ActionItem",
    "ApiToken",
    "AuditEvent",
    "Deliverable",
    "MapHandoff",
    "MapStep",
    "Organization",
    "Participant",
    "Person",
    "PhaseTransition",
    "PlaybookRecord",
    "Risk",
    "SponsorSignoff",
    "Team",
    "TeamMember",
    "ValueStream",
    "ValueStreamMap",
    "WasteFinding",
]
