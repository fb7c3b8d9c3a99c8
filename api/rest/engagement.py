"""REST for the engagement's records; filters are declared here so the API docs show them."""

import uuid
from typing import Annotated, Any

from litestar.params import FromQuery, Parameter

from api.rest.children import child_resource
from api.rest.common import CycleParam
from core.engagement import records as engagement
from core.models.action_item import ActionItemCreate, ActionItemRead, ActionItemUpdate
from core.models.deliverable import DeliverableCreate, DeliverableRead, DeliverableUpdate
from core.models.participant import ParticipantCreate, ParticipantRead, ParticipantUpdate
from core.models.risk import RiskCreate, RiskRead, RiskUpdate
from core.models.signoff import SignoffCreate, SignoffRead, SignoffUpdate
from core.workflow.vocabulary import (
    ActionKind,
    ActionStatus,
    DeliverableStatus,
    Function,
    ParticipantRole,
    RiskCategory,
    RiskStatus,
)


def participant_filters(
    role: FromQuery[ParticipantRole | None] = None,
    function: FromQuery[Function | None] = None,
    person_id: FromQuery[uuid.UUID | None] = None,
) -> dict[str, Any]:
    return {"role": role, "function": function, "person_id": person_id}


def deliverable_filters(
    kind: Annotated[str | None, Parameter(max_length=60)] = None,
    status: FromQuery[DeliverableStatus | None] = None,
    cycle: Annotated[int | None, CycleParam] = None,
    phase: FromQuery[str | None] = None,
) -> dict[str, Any]:
    return {"kind": kind, "status": status, "cycle": cycle, "phase": phase}


def risk_filters(
    category: FromQuery[RiskCategory | None] = None,
    status: FromQuery[RiskStatus | None] = None,
    owner_id: FromQuery[uuid.UUID | None] = None,
) -> dict[str, Any]:
    return {"category": category, "status": status, "owner_id": owner_id}


def action_item_filters(
    kind: FromQuery[ActionKind | None] = None,
    status: FromQuery[ActionStatus | None] = None,
    owner_id: FromQuery[uuid.UUID | None] = None,
    cycle: Annotated[int | None, CycleParam] = None,
    phase: FromQuery[str | None] = None,
) -> dict[str, Any]:
    return {"kind": kind, "status": status, "owner_id": owner_id, "cycle": cycle, "phase": phase}


def signoff_filters(
    cycle: Annotated[int | None, CycleParam] = None, phase: FromQuery[str | None] = None
) -> dict[str, Any]:
    return {"cycle": cycle, "phase": phase}


CONTROLLERS = [
    *child_resource(
        segment="participants",
        noun="participant",
        service=engagement.participants,
        create_model=ParticipantCreate,
        update_model=ParticipantUpdate,
        read_model=ParticipantRead,
        filters=participant_filters,
    ),
    *child_resource(
        segment="deliverables",
        noun="deliverable",
        service=engagement.deliverables,
        create_model=DeliverableCreate,
        update_model=DeliverableUpdate,
        read_model=DeliverableRead,
        filters=deliverable_filters,
    ),
    *child_resource(
        segment="risks",
        noun="risk",
        service=engagement.risks,
        create_model=RiskCreate,
        update_model=RiskUpdate,
        read_model=RiskRead,
        filters=risk_filters,
    ),
    *child_resource(
        segment="action-items",
        noun="action_item",
        service=engagement.action_items,
        create_model=ActionItemCreate,
        update_model=ActionItemUpdate,
        read_model=ActionItemRead,
        filters=action_item_filters,
    ),
    *child_resource(
        segment="signoffs",
        noun="signoff",
        service=engagement.signoffs,
        create_model=SignoffCreate,
        update_model=SignoffUpdate,
        read_model=SignoffRead,
        filters=signoff_filters,
    ),
]
