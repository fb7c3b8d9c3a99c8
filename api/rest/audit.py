from typing import Annotated

from litestar import Controller, get
from sqlmodel.ext.asyncio.session import AsyncSession

from api.rest.common import DEFAULT_LIMIT, CursorParam, LimitParam, PageOut, page_out
from api.rest.filters import query_filters
from core.actor import Actor
from core.foundation import audit
from core.models.audit import AuditEventRead


class AuditController(Controller):
    path = "/audit"
    tags = ["audit"]

    @get(
        summary="The audit trail, newest first",
        dependencies={"filters": query_filters(audit.AuditFilter)},
    )
    async def list_audit_events(
        self,
        session: AsyncSession,
        actor: Actor,
        limit: Annotated[int, LimitParam] = DEFAULT_LIMIT,
        cursor: Annotated[str | None, CursorParam] = None,
        *,
        filters: audit.AuditFilter,
    ) -> PageOut[AuditEventRead]:
        page = await audit.list_events(session, actor, filters, limit=limit, cursor=cursor)
        return page_out(page, AuditEventRead)
