"""The engagement's records: participants, deliverables, risks, action items, sponsor sign-offs."""

import uuid
from typing import Any

from pydantic import Field
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from core.actor import Actor
from core.errors import Conflict, ValidationFailed
from core.models.action_item import ActionItem
from core.models.deliverable import Deliverable
from core.models.participant import Participant, check_champion
from core.models.risk import Risk
from core.models.signoff import SponsorSignoff
from core.services.children import ChildService
from core.services.filters import CycleFilter, ListFilter
from core.webhooks import events
from core.workflow.vocabulary import (
    ActionKind,
    ActionStatus,
    ChampionKind,
    DeliverableStatus,
    Function,
    ParticipantRole,
    RiskCategory,
    RiskStatus,
)

RECORD_PHASE = "the phase of the playbook the record was made in, by its key"


class ParticipantFilter(ListFilter):
    role: ParticipantRole | None = Field(default=None, description="their role in the engagement")
    function: Function | None = Field(default=None, description="the function they come from")
    person_id: uuid.UUID | None = Field(default=None, description="the person taking part")


class DeliverableFilter(ListFilter):
    kind: str | None = Field(
        default=None, max_length=60, description="a kind of deliverable, by its key"
    )
    status: DeliverableStatus | None = Field(default=None, description="how far it has come")
    cycle: CycleFilter = None
    phase: str | None = Field(default=None, description=RECORD_PHASE)


class RiskFilter(ListFilter):
    category: RiskCategory | None = Field(default=None, description="what kind of risk")
    status: RiskStatus | None = Field(default=None, description="where its handling stands")
    owner_id: uuid.UUID | None = Field(default=None, description="the person who owns it")


class ActionItemFilter(ListFilter):
    kind: ActionKind | None = Field(
        default=None, description="an action, or a topic parked for later"
    )
    status: ActionStatus | None = Field(default=None, description="where it stands")
    owner_id: uuid.UUID | None = Field(default=None, description="the person who owns it")
    cycle: CycleFilter = None
    phase: str | None = Field(default=None, description=RECORD_PHASE)


class SignoffFilter(ListFilter):
    cycle: CycleFilter = None
    phase: str | None = Field(default=None, description="the phase of the playbook signed off")


class ParticipantService(ChildService[Participant]):
    async def check_change(
        self, session: AsyncSession, actor: Actor, obj: Participant, changes: dict[str, Any]
    ) -> None:
        role = changes.get("role", obj.role)
        kind = changes.get("champion_kind", obj.champion_kind)
        try:
            check_champion(
                ParticipantRole(role) if role else None, ChampionKind(kind) if kind else None
            )
        except ValueError as exc:
            raise ValidationFailed(str(exc), field="champion_kind") from exc


class CycleRecordService(ChildService[Any]):
    """Records kept per cycle: they carry the cycle and phase they were made in."""

    async def prepare(
        self, session: AsyncSession, actor: Actor, stream: Any, values: dict[str, Any]
    ) -> dict[str, Any]:
        return {**values, "cycle": stream.cycle, "phase": stream.phase}


def _plain_link(values: dict[str, Any]) -> dict[str, Any]:
    if values.get("link") is not None:
        values["link"] = str(values["link"])
    return values


class DeliverableService(CycleRecordService):
    """One deliverable per kind and cycle: a second one is a change of the first."""

    async def prepare(
        self, session: AsyncSession, actor: Actor, stream: Any, values: dict[str, Any]
    ) -> dict[str, Any]:
        existing = (
            await session.exec(
                select(Deliverable.id)
                .where(Deliverable.value_stream_id == stream.id)
                .where(Deliverable.cycle == stream.cycle)
                .where(Deliverable.kind == values["kind"])
            )
        ).first()
        if existing is not None:
            raise Conflict(
                f"cycle {stream.cycle} already has a {values['kind']} deliverable "
                f"({existing}); change that one instead of adding another",
                field="kind",
                extra={"existing_id": str(existing)},
            )
        return _plain_link(await super().prepare(session, actor, stream, values))

    async def check_change(
        self, session: AsyncSession, actor: Actor, obj: Any, changes: dict[str, Any]
    ) -> None:
        _plain_link(changes)


class SignoffService(CycleRecordService):
    """Only a sponsor of the value stream can sign off."""

    async def prepare(
        self, session: AsyncSession, actor: Actor, stream: Any, values: dict[str, Any]
    ) -> dict[str, Any]:
        values = await super().prepare(session, actor, stream, values)
        sponsor = (
            await session.exec(
                select(Participant.id)
                .where(Participant.value_stream_id == stream.id)
                .where(Participant.person_id == values["sponsor_id"])
                .where(Participant.role == ParticipantRole.sponsor.value)
            )
        ).first()
        if sponsor is None:
            raise ValidationFailed(
                "sponsor_id is not a sponsor of this value stream", field="sponsor_id"
            )
        return values

    async def created(self, session: AsyncSession, actor: Actor, obj: Any) -> None:
        await events.emit(
            session,
            actor,
            "signoff.recorded",
            {
                "signoff_id": str(obj.id),
                "value_stream_id": str(obj.value_stream_id),
                "sponsor_id": str(obj.sponsor_id),
                "phase": obj.phase,
                "cycle": obj.cycle,
            },
        )


participants = ParticipantService(
    Participant, person_fields=["person_id"], filters=ParticipantFilter
)
deliverables = DeliverableService(Deliverable, filters=DeliverableFilter)
risks = ChildService(Risk, person_fields=["owner_id"], filters=RiskFilter)
action_items = CycleRecordService(ActionItem, person_fields=["owner_id"], filters=ActionItemFilter)
signoffs = SignoffService(SponsorSignoff, person_fields=["sponsor_id"], filters=SignoffFilter)
