"""REST for delivery data: bulk ingest of work items, deployments and incidents, their
lists, and the flow and DORA metrics of a value stream by period and bucket.
"""

import uuid
from datetime import datetime
from typing import Annotated, Any, Generic, Literal, TypeVar

from litestar import Controller, get, post
from litestar.params import FromPath, FromQuery, Parameter
from pydantic import BaseModel, ConfigDict, Field, SkipValidation
from sqlmodel.ext.asyncio.session import AsyncSession

from api.fields import fields_named
from api.rest.common import DEFAULT_LIMIT, CursorParam, LimitParam, PageOut
from core import delivery
from core.actor import Actor
from core.delivery import flow_metrics
from core.models.delivery import WorkItemType
from core.models.delivery_input import (
    MAX_BATCH,
    DeploymentInput,
    DeploymentRead,
    IncidentInput,
    IncidentRead,
    IngestCounts,
    WorkItemInput,
    WorkItemRead,
)
from core.pagination import Page

T = TypeVar("T", bound=BaseModel)
STREAM = "/value-streams/{value_stream_id:uuid}"
ITEMS_OF = {batch: {batch: "items"} for batch in ("work_items", "deployments", "incidents")}
"""Each bulk body holds its batch in `items`."""


class Batch(BaseModel, Generic[T]):
    """`{"items": [...]}`, at most `MAX_BATCH` records.

    The items are documented with their model but validated by the service, so that a
    bad value answers 422 naming its place (``items[12].finished``) like every other
    rule of the batch, rather than the framework's own shape of error.
    """

    model_config = ConfigDict(extra="forbid")

    items: SkipValidation[list[T]] = Field(max_length=MAX_BATCH)


def _page(page: Page[Any]) -> PageOut[Any]:
    return PageOut[Any](items=page.items, next_cursor=page.next_cursor)


Since = Annotated[datetime | None, Parameter(description="inclusive, ISO 8601 with zone")]
Until = Annotated[datetime | None, Parameter(description="exclusive, ISO 8601 with zone")]


class DeliveryController(Controller):
    path = STREAM
    tags = ["delivery"]

    @post(
        "/work-items/bulk",
        status_code=200,
        summary=f"Create or update up to {MAX_BATCH} work items by external id",
    )
    async def ingest_work_items(
        self,
        session: AsyncSession,
        actor: Actor,
        value_stream_id: FromPath[uuid.UUID],
        data: Batch[WorkItemInput],
    ) -> IngestCounts:
        with fields_named(ITEMS_OF["work_items"]):
            return await delivery.ingest_work_items(session, actor, value_stream_id, data.items)

    @post(
        "/deployments/bulk",
        status_code=200,
        summary=f"Create or update up to {MAX_BATCH} deployments by external id",
    )
    async def ingest_deployments(
        self,
        session: AsyncSession,
        actor: Actor,
        value_stream_id: FromPath[uuid.UUID],
        data: Batch[DeploymentInput],
    ) -> IngestCounts:
        with fields_named(ITEMS_OF["deployments"]):
            return await delivery.ingest_deployments(session, actor, value_stream_id, data.items)

    @post(
        "/incidents/bulk",
        status_code=200,
        summary=f"Create or update up to {MAX_BATCH} incidents by external id",
    )
    async def ingest_incidents(
        self,
        session: AsyncSession,
        actor: Actor,
        value_stream_id: FromPath[uuid.UUID],
        data: Batch[IncidentInput],
    ) -> IngestCounts:
        with fields_named(ITEMS_OF["incidents"]):
            return await delivery.ingest_incidents(session, actor, value_stream_id, data.items)

    @get("/work-items", summary="List work items with their state changes")
    async def list_work_items(
        self,
        session: AsyncSession,
        actor: Actor,
        value_stream_id: FromPath[uuid.UUID],
        type: FromQuery[WorkItemType | None] = None,
        finished_since: Since = None,
        finished_until: Until = None,
        limit: Annotated[int, LimitParam] = DEFAULT_LIMIT,
        cursor: Annotated[str | None, CursorParam] = None,
    ) -> PageOut[WorkItemRead]:
        filters = delivery.WorkItemFilter(
            type=type, finished_since=finished_since, finished_until=finished_until
        )
        page = await delivery.list_work_items(
            session, actor, value_stream_id, filters, limit=limit, cursor=cursor
        )
        return _page(page)

    @get("/deployments", summary="List deployments with their commit times")
    async def list_deployments(
        self,
        session: AsyncSession,
        actor: Actor,
        value_stream_id: FromPath[uuid.UUID],
        succeeded: FromQuery[bool | None] = None,
        deployed_since: Since = None,
        deployed_until: Until = None,
        limit: Annotated[int, LimitParam] = DEFAULT_LIMIT,
        cursor: Annotated[str | None, CursorParam] = None,
    ) -> PageOut[DeploymentRead]:
        filters = delivery.DeploymentFilter(
            succeeded=succeeded, deployed_since=deployed_since, deployed_until=deployed_until
        )
        page = await delivery.list_deployments(
            session, actor, value_stream_id, filters, limit=limit, cursor=cursor
        )
        return _page(page)

    @get("/incidents", summary="List incidents")
    async def list_incidents(
        self,
        session: AsyncSession,
        actor: Actor,
        value_stream_id: FromPath[uuid.UUID],
        resolved_since: Since = None,
        resolved_until: Until = None,
        limit: Annotated[int, LimitParam] = DEFAULT_LIMIT,
        cursor: Annotated[str | None, CursorParam] = None,
    ) -> PageOut[IncidentRead]:
        filters = delivery.IncidentFilter(
            resolved_since=resolved_since, resolved_until=resolved_until
        )
        page = await delivery.list_incidents(
            session, actor, value_stream_id, filters, limit=limit, cursor=cursor
        )
        return _page(page)

    @get(
        "/flow-metrics",
        summary="Flow velocity, time, efficiency, load, distribution and the DORA keys "
        "per bucket of a period",
    )
    async def get_flow_metrics(
        self,
        session: AsyncSession,
        actor: Actor,
        value_stream_id: FromPath[uuid.UUID],
        start: Annotated[datetime, Parameter(description="inclusive, ISO 8601 with zone")],
        end: Annotated[datetime, Parameter(description="exclusive, ISO 8601 with zone")],
        bucket: Annotated[
            Literal["day", "week", "month"],
            Parameter(description="calendar buckets in UTC: days, ISO weeks or months"),
        ] = "week",
    ) -> flow_metrics.FlowReport:
        return await flow_metrics.flow_metrics(
            session, actor, value_stream_id, start=start, end=end, bucket=bucket
        )


CONTROLLERS = [DeliveryController]
