"""REST for the engagement's records; their list filters are core's, one per kind."""

from api.rest.children import child_resource
from core.engagement import records as engagement
from core.models.action_item import ActionItemCreate, ActionItemRead, ActionItemUpdate
from core.models.deliverable import DeliverableCreate, DeliverableRead, DeliverableUpdate
from core.models.participant import ParticipantCreate, ParticipantRead, ParticipantUpdate
from core.models.risk import RiskCreate, RiskRead, RiskUpdate
from core.models.signoff import SignoffCreate, SignoffRead, SignoffUpdate

CONTROLLERS = [
    *child_resource(
        segment="participants",
        noun="participant",
        service=engagement.participants,
        create_model=ParticipantCreate,
        update_model=ParticipantUpdate,
        read_model=ParticipantRead,
    ),
    *child_resource(
        segment="deliverables",
        noun="deliverable",
        service=engagement.deliverables,
        create_model=DeliverableCreate,
        update_model=DeliverableUpdate,
        read_model=DeliverableRead,
    ),
    *child_resource(
        segment="risks",
        noun="risk",
        service=engagement.risks,
        create_model=RiskCreate,
        update_model=RiskUpdate,
        read_model=RiskRead,
    ),
    *child_resource(
        segment="action-items",
        noun="action_item",
        service=engagement.action_items,
        create_model=ActionItemCreate,
        update_model=ActionItemUpdate,
        read_model=ActionItemRead,
    ),
    *child_resource(
        segment="signoffs",
        noun="signoff",
        service=engagement.signoffs,
        create_model=SignoffCreate,
        update_model=SignoffUpdate,
        read_model=SignoffRead,
    ),
]
