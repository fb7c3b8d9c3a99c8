import uuid
from datetime import datetime
from typing import Annotated

from litestar import Controller, get
from litestar.params import FromQuery, Parameter
from pydantic import BaseModel
from sqlmodel.ext.asyncio.session import AsyncSession

from api.rest.common import DEFAULT_LIMIT, CursorParam, LimitParam
from core.actor import Actor
from core.services import workflow


class PortfolioRow(BaseModel):
    id: uuid.UUID
    name: str
    owner_id: uuid.UUID | None
    phase: str
    phase_name: str | None
    cycle: int
    phase_entered_at: datetime
    days_in_phase: float
    timebox_days: float | None
    overdue: bool
    gate_passed: bool
    blocking_criteria: int
    backlog_items: int
    backlog_done: int
    backlog_percent: float | None
    targets: dict[str, int]
    version: int


class PortfolioPage(BaseModel):
    items: list[PortfolioRow]
    next_cursor: str | None


class PortfolioController(Controller):
    """For PMO tools: every value stream's phase, cycle, timebox and gate at a glance."""

    path = "/portfolio"
    tags = ["portfolio"]

    @get(summary="Every value stream with phase, cycle, days in phase, overdue flag and blockers")
    async def get_portfolio(
        self,
        session: AsyncSession,
        actor: Actor,
        limit: Annotated[int, LimitParam] = DEFAULT_LIMIT,
        cursor: Annotated[str | None, CursorParam] = None,
        phase: Annotated[str | None, Parameter(max_length=60)] = None,
        overdue: FromQuery[bool | None] = None,
        owner_id: FromQuery[uuid.UUID | None] = None,
        q: Annotated[str | None, Parameter(max_length=200)] = None,
    ) -> PortfolioPage:
        filters = workflow.PortfolioFilter(phase=phase, overdue=overdue, owner_id=owner_id, q=q)
        page, playbook = await workflow.portfolio(
            session, actor, filters, limit=limit, cursor=cursor
        )
        names = {p.key: p.name for p in playbook.phases}
        rows = [
            PortfolioRow(
                id=e.stream.id,
                name=e.stream.name,
                owner_id=e.stream.owner_id,
                phase=e.stream.phase,
                phase_name=names.get(e.stream.phase),
                cycle=e.stream.cycle,
                phase_entered_at=e.stream.phase_entered_at,
                days_in_phase=e.timebox.days_in_phase,
                timebox_days=e.timebox.timebox_days,
                overdue=e.timebox.overdue,
                gate_passed=e.gate.passed,
                blocking_criteria=e.blocking_criteria,
                backlog_items=e.backlog.total,
                backlog_done=e.backlog.done,
                backlog_percent=e.backlog.percent,
                targets=e.targets,
                version=e.stream.version,
            )
            for e in page.items
        ]
        return PortfolioPage(items=rows, next_cursor=page.next_cursor)
