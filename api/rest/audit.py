import uuid
from datetime import datetime
from typing import Annotated

from litestar import Controller, get
from litestar.params import FromQuery, Parameter
from sqlmodel.ext.asyncio.session import AsyncSession

from api.rest.common import DEFAULT_LIMIT, CursorParam, LimitParam, PageOut, page_out
from core.actor import Actor
from core.foundation import audit
from core.models.audit import AuditEventRead


class AuditController(Controller):
    path = "/audit"
    tags = ["audit"]

    @get(summary="The audit trail, newest first")
    async def list_audit_events(
        self,
        session: AsyncSession,
        actor: Actor,
        limit: Annotated[int, LimitParam] = DEFAULT_LIMIT,
        cursor: Annotated[str | None, CursorParam] = None,
        entity_type: Annotated[str | None, Parameter(max_length=60)] = None,
        entity_id: FromQuery[uuid.UUID | None] = None,
        actor_token_id: FromQuery[uuid.UUID | None] = None,
        actor_person_id: FromQuery[uuid.UUID | None] = None,
        action: Annotated[str | None, Parameter(max_length=40)] = None,
        since: Annotated[
            datetime | None, Parameter(description="inclusive, ISO 8601 with zone")
        ] = None,
        until: Annotated[
            datetime | None, Parameter(description="exclusive, ISO 8601 with zone")
        ] = None,
    ) -> PageOut[AuditEventRead]:
        filters = audit.AuditFilter(
            entity_type=entity_type,
            entity_id=entity_id,
            actor_token_id=actor_token_id,
            actor_person_id=actor_person_id,
            action=action,
            since=since,
            until=until,
        )
        page = await audit.list_events(session, actor, filters, limit=limit, cursor=cursor)
        return page_out(page, AuditEventRead)
