from typing import Annotated

from litestar import Controller, Response, get

from api.rest.common import DEFAULT_LIMIT, CursorParam, LimitParam, PageOut, page_response
from api.rest.filters import query_filters
from core.foundation import audit
from core.models.audit import AuditEventRead
from core.services.context import Work


class AuditController(Controller):
    path = "/audit"
    tags = ["audit"]

    @get(
        summary="The audit trail, newest first",
        dependencies={"filters": query_filters(audit.AuditFilter)},
    )
    async def list_audit_events(
        self,
        work: Work,
        limit: Annotated[int, LimitParam] = DEFAULT_LIMIT,
        cursor: Annotated[str | None, CursorParam] = None,
        *,
        filters: audit.AuditFilter,
    ) -> Response[PageOut[AuditEventRead]]:
        page = await audit.read_events(work, filters, limit=limit, cursor=cursor)
        return page_response(page, AuditEventRead)
