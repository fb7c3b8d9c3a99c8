"""REST for delivery data: bulk ingest of work items, deployments and incidents, their
lists, and the flow and DORA metrics of a value stream by period and bucket.
"""

import uuid
from datetime import date, datetime
from typing import Annotated, Any, Generic, Literal, TypeVar

from litestar import Controller, get, post
from litestar.params import FromPath, Parameter
from pydantic import BaseModel, ConfigDict, Field, SkipValidation
from sqlmodel.ext.asyncio.session import AsyncSession

from api.fields import fields_named
from api.rest.common import DEFAULT_LIMIT, CursorParam, LimitParam, PageOut
from api.rest.filters import query_filters
from core import delivery
from core.actor import Actor
from core.delivery import flow_metrics
from core.delivery import forecast as forecasts
from core.delivery.flow_metrics import AGING_HELP, DEFAULT_HISTORY_DAYS, MAX_HISTORY_DAYS
from core.delivery.work_item_age import DEFAULT_OLDEST, WorkItemAgeReport, work_item_age
from core.metrics.forecast import MAX_TRIALS
from core.metrics.percentiles import (
    DEFAULT_PERCENTILE_METHOD,
    PERCENTILE_METHOD_HELP,
    PercentileMethod,
)
from core.metrics.work_item_age import MAX_OLDEST
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

    @get(
        "/work-items",
        summary="List work items with their state changes",
        dependencies={"filters": query_filters(delivery.WorkItemFilter)},
    )
    async def list_work_items(
        self,
        session: AsyncSession,
        actor: Actor,
        value_stream_id: FromPath[uuid.UUID],
        filters: delivery.WorkItemFilter,
        limit: Annotated[int, LimitParam] = DEFAULT_LIMIT,
        cursor: Annotated[str | None, CursorParam] = None,
    ) -> PageOut[WorkItemRead]:
        page = await delivery.list_work_items(
            session, actor, value_stream_id, filters, limit=limit, cursor=cursor
        )
        return _page(page)

    @get(
        "/deployments",
        summary="List deployments with their commit times",
        dependencies={"filters": query_filters(delivery.DeploymentFilter)},
    )
    async def list_deployments(
        self,
        session: AsyncSession,
        actor: Actor,
        value_stream_id: FromPath[uuid.UUID],
        filters: delivery.DeploymentFilter,
        limit: Annotated[int, LimitParam] = DEFAULT_LIMIT,
        cursor: Annotated[str | None, CursorParam] = None,
    ) -> PageOut[DeploymentRead]:
        page = await delivery.list_deployments(
            session, actor, value_stream_id, filters, limit=limit, cursor=cursor
        )
        return _page(page)

    @get(
        "/incidents",
        summary="List incidents",
        dependencies={"filters": query_filters(delivery.IncidentFilter)},
    )
    async def list_incidents(
        self,
        session: AsyncSession,
        actor: Actor,
        value_stream_id: FromPath[uuid.UUID],
        filters: delivery.IncidentFilter,
        limit: Annotated[int, LimitParam] = DEFAULT_LIMIT,
        cursor: Annotated[str | None, CursorParam] = None,
    ) -> PageOut[IncidentRead]:
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
        percentile_method: Annotated[
            PercentileMethod, Parameter(description=PERCENTILE_METHOD_HELP)
        ] = DEFAULT_PERCENTILE_METHOD,
        aging: Annotated[bool, Parameter(description=AGING_HELP)] = False,
    ) -> flow_metrics.FlowReport:
        return await flow_metrics.flow_metrics(
            session,
            actor,
            value_stream_id,
            start=start,
            end=end,
            bucket=bucket,
            percentile_method=percentile_method,
            aging=aging,
        )

    @get(
        "/work-item-age",
        summary="The work in progress at an instant: each item's age against the flow time "
        "of its type's finished items",
    )
    async def get_work_item_age(
        self,
        session: AsyncSession,
        actor: Actor,
        value_stream_id: FromPath[uuid.UUID],
        at: Annotated[
            datetime | None,
            Parameter(description="the instant, ISO 8601 with zone; now when left out"),
        ] = None,
        history_days: Annotated[
            int,
            Parameter(
                ge=1,
                le=MAX_HISTORY_DAYS,
                description="days before the instant whose finished items give each type's "
                "flow time",
            ),
        ] = DEFAULT_HISTORY_DAYS,
        percentile_method: Annotated[
            PercentileMethod, Parameter(description=PERCENTILE_METHOD_HELP)
        ] = DEFAULT_PERCENTILE_METHOD,
        oldest: Annotated[
            int,
            Parameter(ge=1, le=MAX_OLDEST, description="how many of the oldest items to list"),
        ] = DEFAULT_OLDEST,
    ) -> WorkItemAgeReport:
        return await work_item_age(
            session,
            actor,
            value_stream_id,
            at=at,
            history_days=history_days,
            percentile_method=percentile_method,
            oldest=oldest,
        )

    @get(
        "/forecast",
        summary="Monte Carlo forecast from the delivery's or the backlog's throughput: when "
        "the remaining items are done, how many are done by a date",
    )
    async def get_forecast(
        self,
        session: AsyncSession,
        actor: Actor,
        value_stream_id: FromPath[uuid.UUID],
        remaining: Annotated[
            int | None,
            Parameter(
                ge=1,
                le=forecasts.MAX_REMAINING,
                description="items still to do: asks when (for the backlog: its open items "
                "when left out)",
            ),
        ] = None,
        by: Annotated[
            date | None, Parameter(description="a day (UTC): asks how many are done by then")
        ] = None,
        start: Annotated[
            date | None, Parameter(description="the first day forecast; today when left out")
        ] = None,
        history_days: Annotated[
            int,
            Parameter(
                ge=1,
                le=MAX_HISTORY_DAYS,
                description="days of throughput history before the start",
            ),
        ] = DEFAULT_HISTORY_DAYS,
        trials: Annotated[
            int, Parameter(ge=1, le=MAX_TRIALS, description="simulated futures")
        ] = forecasts.DEFAULT_TRIALS,
        seed: Annotated[
            int, Parameter(ge=0, le=forecasts.MAX_SEED, description="the random generator's seed")
        ] = 0,
        source: Annotated[
            forecasts.ForecastSource, Parameter(description=forecasts.SOURCE_HELP)
        ] = forecasts.ForecastSource.delivery,
    ) -> forecasts.Forecast:
        return await forecasts.forecast(
            session,
            actor,
            value_stream_id,
            remaining=remaining,
            by=by,
            start=start,
            history_days=history_days,
            trials=trials,
            seed=seed,
            source=source,
        )


CONTROLLERS = [DeliveryController]
