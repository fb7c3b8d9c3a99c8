from typing import Annotated

from litestar import Controller, Response, get
from pydantic import BaseModel
from sqlmodel.ext.asyncio.session import AsyncSession

from api.rest.common import DEFAULT_LIMIT, CursorParam, LimitParam, json_response
from api.rest.filters import query_filters
from core.actor import Actor
from core.models.portfolio import PortfolioRow
from core.workflow import phases as workflow


class PortfolioPage(BaseModel):
    items: list[PortfolioRow]
    next_cursor: str | None


class PortfolioController(Controller):
    """For PMO tools: every value stream's phase, cycle, timebox and gate at a glance."""

    path = "/portfolio"
    tags = ["portfolio"]

    @get(
        summary="Every value stream with phase, cycle, days in phase, overdue flag and blockers",
        dependencies={"filters": query_filters(workflow.PortfolioFilter)},
    )
    async def get_portfolio(
        self,
        session: AsyncSession,
        actor: Actor,
        limit: Annotated[int, LimitParam] = DEFAULT_LIMIT,
        cursor: Annotated[str | None, CursorParam] = None,
        *,
        filters: workflow.PortfolioFilter,
    ) -> Response[PortfolioPage]:
        page = await workflow.portfolio_rows(session, actor, filters, limit=limit, cursor=cursor)
        return json_response(PortfolioPage(items=page.items, next_cursor=page.next_cursor))
