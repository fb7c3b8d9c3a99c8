"""Every table model, imported so `SQLModel.metadata` knows the whole schema."""

from core.models.action_item import ActionItem
from core.models.audit import AuditEvent
from core.models.backlog import BacklogDependency, BacklogItem, Milestone, RaciAssignment
from core.models.deliverable import Deliverable
from core.models.delivery import Deployment, DeploymentChange, Incident, WorkItem, WorkItemState
from core.models.dora_benchmark import DoraBenchmarkRecord
from core.models.idempotency import IdempotentRequest
from core.models.job import Job, JobOutput
from core.models.organization import Organization
from core.models.participant import Participant
from core.models.person import Person
from core.models.playbook import PlaybookRecord
from core.models.plugin_config import PluginConfigRecord
from core.models.risk import Risk
from core.models.schedule import ReadoutDelivery, ReadoutSchedule
from core.models.signoff import SponsorSignoff
from core.models.stream_change import StreamChange
from core.models.stream_watch import StreamWatch
from core.models.target import FlowTarget, Measurement
from core.models.team import Team, TeamMember
from core.models.token import ApiToken
from core.models.value_stream import PhaseTransition, ValueStream
from core.models.value_stream_map import MapHandoff, MapStep, ValueStreamMap
from core.models.waste_finding import WasteFinding
from core.models.webhook import WebhookAttempt, WebhookDelivery, WebhookSubscription

__all__ = [
    "ActionItem",
    "ApiToken",
    "AuditEvent",
    "BacklogDependency",
    "BacklogItem",
    "Deliverable",
    "Deployment",
    "DeploymentChange",
    "DoraBenchmarkRecord",
    "FlowTarget",
    "IdempotentRequest",
    "Incident",
    "Job",
    "JobOutput",
    "MapHandoff",
    "MapStep",
    "Measurement",
    "Milestone",
    "Organization",
    "Participant",
    "Person",
    "PhaseTransition",
    "PlaybookRecord",
    "PluginConfigRecord",
    "RaciAssignment",
    "ReadoutDelivery",
    "ReadoutSchedule",
    "Risk",
    "SponsorSignoff",
    "StreamChange",
    "StreamWatch",
    "Team",
    "TeamMember",
    "ValueStream",
    "ValueStreamMap",
    "WasteFinding",
    "WebhookAttempt",
    "WebhookDelivery",
    "WebhookSubscription",
    "WorkItem",
    "WorkItemState",
]
