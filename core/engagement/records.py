"""The engagement's records: participants, deliverables, risks, action items, sponsor sign-offs."""

from typing import Any

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
from core.workflow.vocabulary import ChampionKind, ParticipantRole


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


participants = ParticipantService(
    Participant, person_fields=["person_id"], filters=["role", "function", "person_id"]
)
deliverables = DeliverableService(Deliverable, filters=["kind", "status", "cycle", "phase"])
risks = ChildService(Risk, person_fields=["owner_id"], filters=["category", "status", "owner_id"])
action_items = CycleRecordService(
    ActionItem, person_fields=["owner_id"], filters=["kind", "status", "owner_id", "cycle", "phase"]
)
signoffs = SignoffService(SponsorSignoff, person_fields=["sponsor_id"], filters=["cycle", "phase"])
