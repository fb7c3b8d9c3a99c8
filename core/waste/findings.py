"""Waste findings: suggested by classifier plugins (`core.waste.classify`), recorded by
people, triaged by people."""

import uuid
from typing import Any

from pydantic import Field
from sqlmodel import case, col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from core.actor import Actor
from core.errors import ValidationFailed
from core.models.value_stream_map import MapHandoff, MapStep, ValueStreamMap
from core.models.waste_finding import FindingStatus, TriageDecision, WasteFinding
from core.services import crud
from core.services.children import ChildService
from core.services.filters import ListFilter
from core.types import utcnow
from core.waste.merging import severity
from core.waste.vocabulary import WasteCategory
from core.webhooks import events


class FindingFilter(ListFilter):
    status: FindingStatus | None = Field(default=None, description="where its triage stands")
    category: WasteCategory | None = Field(default=None, description="the kind of waste")
    source: str | None = Field(
        default=None, max_length=20, description="who found it: 'classifier' or 'person'"
    )
    step_id: uuid.UUID | None = Field(default=None, description="the step it was found at")
    handoff_id: uuid.UUID | None = Field(default=None, description="the handoff it was found at")


class FindingService(ChildService[WasteFinding]):
    """Findings a person records are confirmed at once: a person saw the waste.

    Findings are listed by severity, highest first, so triage starts with the waste the
    data shows most surely and most expensively. A person's finding weighs as a rule
    of the confidence they gave (certain when they gave none), with their cost.
    """

    async def prepare(
        self, session: AsyncSession, actor: Actor, parent: Any, values: dict[str, Any]
    ) -> dict[str, Any]:
        stream_map: ValueStreamMap = parent
        await _check_target(
            session, actor, stream_map, values.get("step_id"), values.get("handoff_id")
        )
        return {
            **values,
            "value_stream_id": stream_map.value_stream_id,
            "status": FindingStatus.confirmed.value,
            "source": "person",
            "recorded_by_person_id": actor.person_id,
            "triaged_by_token_id": actor.token_id,
            "triaged_by_person_id": actor.person_id,
            "triaged_at": utcnow(),
            "severity": severity(
                [_given(values.get("confidence"))], values.get("estimated_cost_hours_per_week")
            ),
        }

    async def revise(
        self, session: AsyncSession, actor: Actor, obj: WasteFinding, changes: dict[str, Any]
    ) -> dict[str, Any]:
        """A new cost estimate moves the finding in the triage order."""
        if "estimated_cost_hours_per_week" not in changes:
            return changes
        if obj.rules:
            confidences = list(
                {
                    (r.get("classifier"), r.get("rule")): r.get("confidence") for r in obj.rules
                }.values()
            )
        else:
            confidences = [_given(obj.confidence)]
        return {
            **changes,
            "severity": severity(confidences, changes["estimated_cost_hours_per_week"]),
        }


def _given(confidence: float | None) -> float:
    """A person who records waste without a confidence saw it."""
    return 1.0 if confidence is None else confidence


async def _check_target(
    session: AsyncSession,
    actor: Actor,
    stream_map: ValueStreamMap,
    step_id: uuid.UUID | None,
    handoff_id: uuid.UUID | None,
) -> None:
    references: list[tuple[str, type[MapStep | MapHandoff], uuid.UUID | None]] = [
        ("step_id", MapStep, step_id),
        ("handoff_id", MapHandoff, handoff_id),
    ]
    for field, model, ident in references:
        if ident is None:
            continue
        row = (await crud.get_many(session, actor, model, [ident])).get(ident)
        if row is None or row.map_id != stream_map.id:
            raise ValidationFailed(f"{field} names nothing on this map", field=field)


findings = FindingService(
    WasteFinding,
    parent=ValueStreamMap,
    parent_field="map_id",
    filters=FindingFilter,
    order=("severity", "id"),
    descending=True,
)


async def triage(
    session: AsyncSession,
    actor: Actor,
    finding_id: uuid.UUID,
    decision: TriageDecision,
    *,
    expected_version: crud.ExpectedVersion,
) -> WasteFinding:
    """Confirm or dismiss a finding; who and why are kept with it."""
    finding = await findings.get(session, actor, finding_id)
    if decision.status == FindingStatus.suggested:
        raise ValidationFailed("triage confirms or dismisses", field="status")
    if decision.status == FindingStatus.dismissed and not (decision.reason or "").strip():
        raise ValidationFailed("dismissing a finding needs a reason", field="reason")
    was = finding.status
    finding = await crud.update(
        session,
        actor,
        finding,
        {
            "status": decision.status.value,
            "triage_reason": decision.reason,
            "triaged_by_token_id": actor.token_id,
            "triaged_by_person_id": actor.person_id,
            "triaged_at": utcnow(),
        },
        expected_version=expected_version,
        action="triage",
    )
    if decision.status == FindingStatus.confirmed and was != FindingStatus.confirmed:
        await events.emit(
            session,
            actor,
            "finding.confirmed",
            {
                "finding_id": str(finding.id),
                "map_id": str(finding.map_id),
                "value_stream_id": str(finding.value_stream_id),
                "category": finding.category,
                "description": finding.description,
            },
        )
    return finding


async def untriaged_counts(
    session: AsyncSession, map_ids: list[uuid.UUID]
) -> dict[uuid.UUID, tuple[int, int]]:
    """(all findings, suggestions still untriaged) per map."""
    rows = await session.exec(
        select(
            WasteFinding.map_id,
            func.count(),
            func.sum(case((WasteFinding.status == FindingStatus.suggested.value, 1), else_=0)),
        )
        .where(col(WasteFinding.map_id).in_(map_ids))
        .group_by(col(WasteFinding.map_id))
    )
    return {map_id: (int(total), int(untriaged or 0)) for map_id, total, untriaged in rows}
