"""A map's findings of waste ranked by what they cost the flow (`core.metrics.waste_cost`).

The map's metrics come from its kept summary (computed off the event loop); the
findings, steps and handoffs are read as a few columns each, and only the findings of
the page asked for are read whole.
"""

import uuid

from pydantic import BaseModel, Field
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from core.actor import Actor
from core.errors import ValidationFailed
from core.maps import measuring
from core.maps import service as maps
from core.maps.flowmap import Calendar
from core.metrics.waste_cost import RANKING_RULE, Handed, Located, counted_waits, flow_costs
from core.models.base import table_of
from core.models.value_stream_map import MapHandoff, MapStep
from core.models.waste_finding import FindingRead, FindingStatus, WasteFinding
from core.selects import select_columns
from core.services import crud
from core.tenancy import of_organization

MAX_RANKED = 500
"""The most findings one answer ranks out in full; `total` counts them all."""


class RankedFinding(BaseModel):
    """One finding with the time it costs the flow and the people-hours it costs a week."""

    rank: int = Field(description="1 for the costliest")
    finding: FindingRead
    charged_step_id: uuid.UUID | None = Field(
        description="the step whose time the finding is charged: its own, or for a handoff "
        "the step the work is handed to; null at a rework loop or the map as a whole"
    )
    on_critical_path: bool = Field(description="the charged step lies on the critical path")
    wait_seconds: float = Field(
        description="the charged step's wait, in seconds, when it lies on the critical path"
    )
    share_of_lead_time: float | None = Field(
        description="wait_seconds over the map's lead time, 0 to 1; null at zero lead time"
    )
    rework_seconds: float = Field(
        description="the rework expected of the charged step or rework loop, in seconds: "
        "(1 - %C&A) * (wait + process), plus the loops it starts"
    )
    share_of_rework: float | None = Field(
        description="rework_seconds over all the map's expected rework; null when none"
    )
    flow_cost_seconds: float = Field(description="wait_seconds + rework_seconds: the rank's key")
    flow_cost_days: float = Field(description="flow_cost_seconds in the map's days")
    people_hours_per_week: float | None = Field(
        description="the finding's estimated cost in people-hours per week: the second key"
    )


class WasteRanking(BaseModel):
    map_id: uuid.UUID
    rule: str = Field(description="how the findings are ranked, in words")
    status: FindingStatus = Field(description="the triage status of the findings ranked")
    lead_time_seconds: float
    expected_rework_seconds: float
    total: int = Field(description="how many findings of that status the map has")
    findings: list[RankedFinding] = Field(description="the first `first` of them, costliest first")


async def ranking(
    session: AsyncSession,
    actor: Actor,
    map_id: uuid.UUID,
    status: FindingStatus = FindingStatus.confirmed,
    first: int = 20,
) -> WasteRanking:
    """The map's findings of `status`, costliest to the flow first."""
    if not 1 <= first <= MAX_RANKED:
        raise ValidationFailed(f"first must be from 1 to {MAX_RANKED}, not {first}", field="first")
    stream_map = await maps.maps.get(session, actor, map_id)
    metrics = await measuring.metrics_of(session, stream_map)
    organization = actor.organization_id
    found = await session.exec(
        select_columns(
            col(WasteFinding.id),
            col(WasteFinding.step_id),
            col(WasteFinding.handoff_id),
            col(WasteFinding.estimated_cost_hours_per_week),
        )
        .where(of_organization(table_of(WasteFinding), organization))
        .where(col(WasteFinding.map_id) == map_id)
        .where(col(WasteFinding.status) == status.value)
    )
    located = [
        Located(str(i), str(step) if step else None, str(handoff) if handoff else None, hours)
        for i, step, handoff, hours in found
    ]
    day = Calendar(stream_map.hours_per_working_day, stream_map.waits_in).seconds_per_day
    step_rows = await session.exec(
        select_columns(col(MapStep.id), col(MapStep.wait_seconds))
        .where(of_organization(table_of(MapStep), organization))
        .where(col(MapStep.map_id) == map_id)
    )
    waits = counted_waits(((str(i), wait) for i, wait in step_rows), metrics, day)
    handoff_rows = await session.exec(
        select_columns(col(MapHandoff.id), col(MapHandoff.to_step_id), col(MapHandoff.rework))
        .where(of_organization(table_of(MapHandoff), organization))
        .where(col(MapHandoff.map_id) == map_id)
    )
    handoffs = {str(i): Handed(str(to), rework) for i, to, rework in handoff_rows}
    costs = flow_costs(located, metrics, waits, handoffs)[:first]
    rows = await crud.get_many(
        session, actor, WasteFinding, [uuid.UUID(cost.finding_id) for cost in costs]
    )
    return WasteRanking(
        map_id=map_id,
        rule=RANKING_RULE,
        status=status,
        lead_time_seconds=metrics.lead_time_seconds,
        expected_rework_seconds=metrics.expected_rework_seconds,
        total=len(located),
        findings=[
            RankedFinding(
                rank=rank,
                finding=FindingRead.model_validate(
                    rows[uuid.UUID(cost.finding_id)], from_attributes=True
                ),
                charged_step_id=uuid.UUID(cost.charged_step_id) if cost.charged_step_id else None,
                on_critical_path=cost.on_critical_path,
                wait_seconds=cost.wait_seconds,
                share_of_lead_time=cost.share_of_lead_time,
                rework_seconds=cost.rework_seconds,
                share_of_rework=cost.share_of_rework,
                flow_cost_seconds=cost.flow_cost_seconds,
                flow_cost_days=cost.flow_cost_seconds / day,
                people_hours_per_week=cost.people_hours_per_week,
            )
            for rank, cost in enumerate(costs, start=1)
        ],
    )
