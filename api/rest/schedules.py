"""REST for scheduled readouts (admin): schedules and the history of their deliveries."""

import uuid
from typing import Annotated

from litestar import Controller, Response, delete, get, patch, post
from litestar.params import FromPath
from litestar.status_codes import HTTP_204_NO_CONTENT
from sqlmodel.ext.asyncio.session import AsyncSession

from api.rest.common import (
    DEFAULT_LIMIT,
    CursorParam,
    LimitParam,
    PageOut,
    created_response,
    page_response,
    read_response,
)
from api.rest.filters import query_filters
from api.state import AppState
from api.urls import resource_url
from core.actor import Actor
from core.models.schedule import (
    ReadoutDeliveryRead,
    ReadoutScheduleCreate,
    ReadoutScheduleRead,
    ReadoutScheduleUpdate,
)
from core.schedules import service as schedules
from core.services.crud import ExpectedVersion


class ReadoutSchedulesController(Controller):
    """Admin only: a schedule sends the organization's readouts to whoever it names."""

    path = "/readout-schedules"
    tags = ["readouts"]

    @get(
        summary="List readout schedules (admin)",
        dependencies={"filters": query_filters(schedules.ScheduleFilter)},
    )
    async def list_readout_schedules(
        self,
        session: AsyncSession,
        actor: Actor,
        limit: Annotated[int, LimitParam] = DEFAULT_LIMIT,
        cursor: Annotated[str | None, CursorParam] = None,
        *,
        filters: schedules.ScheduleFilter,
    ) -> Response[PageOut[ReadoutScheduleRead]]:
        page = await schedules.list_schedules(session, actor, filters, limit=limit, cursor=cursor)
        reads = page.with_items([ReadoutScheduleRead.model_validate(s) for s in page.items])
        return page_response(reads, ReadoutScheduleRead)

    @post(summary="Schedule a readout: cron and time zone, scope, format, destination (admin)")
    async def create_readout_schedule(
        self,
        session: AsyncSession,
        actor: Actor,
        app_state: AppState,
        data: ReadoutScheduleCreate,
    ) -> Response[ReadoutScheduleRead]:
        schedule = await schedules.create_schedule(
            session, actor, app_state.settings, app_state.exporters, data
        )
        return created_response(
            schedule, ReadoutScheduleRead, resource_url("readout-schedules", schedule.id)
        )

    @get("/{schedule_id:uuid}", summary="A readout schedule (admin)")
    async def get_readout_schedule(
        self, session: AsyncSession, actor: Actor, schedule_id: FromPath[uuid.UUID]
    ) -> Response[ReadoutScheduleRead]:
        schedule = await schedules.get_schedule(session, actor, schedule_id)
        return read_response(schedule, ReadoutScheduleRead)

    @patch("/{schedule_id:uuid}", summary="Change or pause a readout schedule (admin, If-Match)")
    async def update_readout_schedule(
        self,
        session: AsyncSession,
        actor: Actor,
        app_state: AppState,
        schedule_id: FromPath[uuid.UUID],
        data: ReadoutScheduleUpdate,
        expected_version: ExpectedVersion,
    ) -> Response[ReadoutScheduleRead]:
        schedule = await schedules.update_schedule(
            session,
            actor,
            app_state.settings,
            app_state.exporters,
            schedule_id,
            data,
            expected_version=expected_version,
        )
        return read_response(schedule, ReadoutScheduleRead)

    @delete(
        "/{schedule_id:uuid}",
        summary="Remove a readout schedule and its history (admin, If-Match)",
        status_code=HTTP_204_NO_CONTENT,
    )
    async def delete_readout_schedule(
        self,
        session: AsyncSession,
        actor: Actor,
        schedule_id: FromPath[uuid.UUID],
        expected_version: ExpectedVersion,
    ) -> None:
        await schedules.delete_schedule(
            session, actor, schedule_id, expected_version=expected_version
        )

    @get(
        "/{schedule_id:uuid}/deliveries",
        summary="A schedule's deliveries, the latest tick first (admin)",
        dependencies={"filters": query_filters(schedules.ReadoutDeliveryFilter)},
    )
    async def list_readout_deliveries(
        self,
        session: AsyncSession,
        actor: Actor,
        schedule_id: FromPath[uuid.UUID],
        limit: Annotated[int, LimitParam] = DEFAULT_LIMIT,
        cursor: Annotated[str | None, CursorParam] = None,
        *,
        filters: schedules.ReadoutDeliveryFilter,
    ) -> Response[PageOut[ReadoutDeliveryRead]]:
        page = await schedules.list_deliveries(
            session, actor, schedule_id, filters, limit=limit, cursor=cursor
        )
        reads = page.with_items([ReadoutDeliveryRead.model_validate(d) for d in page.items])
        return page_response(reads, ReadoutDeliveryRead)
