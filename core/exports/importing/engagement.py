"""The value stream and its engagement's records (participants, deliverables, risks, action
items, sign-offs and phase history), as rows of the caller's organization.

The phase history is the document's word, never moves made here: each transition is
marked imported, by whom and when, and carries no actor, since an actor id in a document
names no one of this organization.
"""

import uuid

from core.actor import Actor
from core.exports.importing.rows import IdMap, row
from core.models.action_item import ActionItem, ActionItemRead
from core.models.deliverable import Deliverable, DeliverableRead
from core.models.participant import Participant, ParticipantRead
from core.models.risk import Risk, RiskRead
from core.models.signoff import SignoffRead, SponsorSignoff
from core.models.value_stream import (
    PhaseTransition,
    PhaseTransitionRead,
    ValueStream,
    ValueStreamRead,
)
from core.types import utcnow


def value_stream_row(actor: Actor, read: ValueStreamRead, name: str, ids: IdMap) -> ValueStream:
    return row(ValueStream, read, actor, name=name, owner_id=ids.get("person", read.owner_id))


def participant_rows(
    actor: Actor, reads: list[ParticipantRead], stream_id: uuid.UUID, ids: IdMap
) -> list[Participant]:
    return [
        row(
            Participant,
            p,
            actor,
            value_stream_id=stream_id,
            person_id=ids.get("person", p.person_id),
        )
        for p in reads
    ]


def deliverable_rows(
    actor: Actor, reads: list[DeliverableRead], stream_id: uuid.UUID
) -> list[Deliverable]:
    return [
        row(
            Deliverable,
            d,
            actor,
            value_stream_id=stream_id,
            link=str(d.link) if d.link else None,
        )
        for d in reads
    ]


def risk_rows(actor: Actor, reads: list[RiskRead], stream_id: uuid.UUID, ids: IdMap) -> list[Risk]:
    return [
        row(Risk, r, actor, value_stream_id=stream_id, owner_id=ids.get("person", r.owner_id))
        for r in reads
    ]


def action_item_rows(
    actor: Actor, reads: list[ActionItemRead], stream_id: uuid.UUID, ids: IdMap
) -> list[ActionItem]:
    return [
        row(ActionItem, a, actor, value_stream_id=stream_id, owner_id=ids.get("person", a.owner_id))
        for a in reads
    ]


def signoff_rows(
    actor: Actor, reads: list[SignoffRead], stream_id: uuid.UUID, ids: IdMap
) -> list[SponsorSignoff]:
    return [
        row(
            SponsorSignoff,
            s,
            actor,
            value_stream_id=stream_id,
            sponsor_id=ids.get("person", s.sponsor_id),
        )
        for s in reads
    ]


def history_rows(
    actor: Actor, reads: list[PhaseTransitionRead], stream_id: uuid.UUID
) -> list[PhaseTransition]:
    imported_at = utcnow()
    return [
        row(
            PhaseTransition,
            h,
            actor,
            value_stream_id=stream_id,
            actor_token_id=None,
            actor_person_id=None,
            imported_at=imported_at,
            imported_by_token_id=actor.token_id,
            imported_by_person_id=actor.person_id,
        )
        for h in reads
    ]
