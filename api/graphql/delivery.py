"""GraphQL for delivery data: bulk ingest mutations, the stored records' lists, and the
flow and DORA metrics query."""

import enum
import uuid
from collections.abc import Awaitable
from datetime import date, datetime
from typing import Annotated, Protocol, TypeVar

import strawberry
from pydantic import BaseModel
from sqlmodel.ext.asyncio.session import AsyncSession

from api.fields import fields_named
from api.graphql.children import mutation
from api.graphql.context import Info
from api.graphql.convert import gql_enum, input_type, list_of, output_type
from api.graphql.cost import Cost
from api.graphql.dora import DoraBenchmarkSettingType, DoraTiersType
from api.graphql.foundation import parse_id
from api.graphql.inputs import Filters, plain
from api.graphql.relay import Connection, connection, connection_of, page_args
from core import delivery
from core.actor import Actor
from core.delivery import flow_metrics
from core.delivery import forecast as forecasts
from core.delivery.flow_metrics import DEFAULT_HISTORY_DAYS, FlowReport
from core.delivery.work_item_age import DEFAULT_OLDEST, WorkItemAgeReport, work_item_age
from core.metrics.flow import FlowBucket, FlowDistribution, TimeInState
from core.metrics.percentiles import PERCENTILE_METHOD_HELP, Distribution, method_named
from core.metrics.work_item_age import AgeByType, AgingAt, AgingItem
from core.models.delivery_input import (
    MAX_BATCH,
    DeploymentInput,
    DeploymentRead,
    IncidentInput,
    IncidentRead,
    IngestCounts,
    StateChangeInput,
    StateChangeRead,
    WorkItemInput,
    WorkItemRead,
)
from core.pagination import Page


@strawberry.enum
class FlowBucketSize(enum.StrEnum):
    day = "day"
    week = "week"
    month = "month"


@strawberry.enum(description=PERCENTILE_METHOD_HELP)
class PercentileMethodName(enum.StrEnum):
    linear = "linear"
    nearest_rank = "nearest_rank"


StateChangeInputType = input_type(StateChangeInput, "StateChangeInput", defaults=True)
WorkItemInputType = input_type(WorkItemInput, "WorkItemInput", defaults=True)
DeploymentInputType = input_type(DeploymentInput, "DeploymentInput", defaults=True)
IncidentInputType = input_type(IncidentInput, "IncidentInput", defaults=True)

IngestCountsType = output_type(IngestCounts, "IngestCounts")
FlowDistributionType = output_type(
    FlowDistribution, "FlowDistribution", description=FlowDistribution.__doc__
)
DistributionType = output_type(Distribution, "Distribution", description=Distribution.__doc__)
TimeInStateType = output_type(TimeInState, "TimeInState", description=TimeInState.__doc__)
FLOW_REPORT_PARTS = (DoraTiersType, DoraBenchmarkSettingType)
"""Made before the flow report's types, which show them."""
AgingAtType = output_type(AgingAt, "AgingAt", description=AgingAt.__doc__)
FlowBucketType = output_type(FlowBucket, "FlowBucket", description=FlowBucket.__doc__)
FlowReportType = output_type(FlowReport, "FlowReport")
ForecastDateType = output_type(forecasts.ForecastDate, "ForecastDate")
ForecastCountType = output_type(forecasts.ForecastCount, "ForecastCount")
ForecastType = output_type(forecasts.Forecast, "Forecast", description=forecasts.Forecast.__doc__)
gql_enum(forecasts.ForecastSource)
AgingItemType = output_type(AgingItem, "AgingItem")
AgeByTypeType = output_type(AgeByType, "AgeByType")
WorkItemAgeReportType = output_type(
    WorkItemAgeReport, "WorkItemAgeReport", description=WorkItemAgeReport.__doc__
)
StateChangeReadType = output_type(StateChangeRead, "StateChange")
WorkItemReadType = output_type(WorkItemRead, "WorkItem", description=WorkItemRead.__doc__)
DeploymentReadType = output_type(DeploymentRead, "Deployment")
IncidentReadType = output_type(IncidentRead, "Incident")


F = TypeVar("F", bound=BaseModel)
R = TypeVar("R", bound=BaseModel)
F_contra = TypeVar("F_contra", bound=BaseModel, contravariant=True)


class Lister(Protocol[F_contra, R]):
    """What the core's three delivery lists share, so one helper pages each as REST does."""

    def __call__(
        self,
        session: AsyncSession,
        actor: Actor,
        value_stream_id: uuid.UUID,
        filters: F_contra,
        /,
        *,
        limit: int,
        cursor: str | None,
    ) -> Awaitable[Page[R]]: ...


async def _page(
    info: Info,
    lister: Lister[F, R],
    value_stream_id: strawberry.ID,
    filters: F,
    first: int | None,
    after: str | None,
) -> Connection[R]:
    """GraphQL's `first` and `after` are the core's `limit` and `cursor`, checked alike."""
    page = await lister(
        info.context.session,
        info.context.actor,
        parse_id(value_stream_id, "valueStreamId"),
        filters,
        limit=page_args(first),
        cursor=after,
    )
    return connection(page)


@strawberry.type
class Query:
    @strawberry.field(
        graphql_type=FlowReportType | None,
        directives=[Cost(weight=100)],
        description="Flow velocity, time, efficiency, load and distribution, and the four DORA "
        "keys, per calendar bucket (UTC) of [start, end).",
    )
    async def flow_metrics(
        self,
        info: Info,
        value_stream_id: strawberry.ID,
        start: datetime,
        end: datetime,
        bucket: FlowBucketSize = FlowBucketSize.week,
        percentile_method: PercentileMethodName = PercentileMethodName.linear,
        aging: Annotated[bool, strawberry.argument(description=flow_metrics.AGING_HELP)] = False,
    ) -> FlowReport:
        return await flow_metrics.flow_metrics(
            info.context.session,
            info.context.actor,
            parse_id(value_stream_id, "valueStreamId"),
            start=start,
            end=end,
            bucket=FlowBucketSize(bucket).value,
            percentile_method=method_named(PercentileMethodName(percentile_method).value),
            aging=aging,
        )

    @strawberry.field(
        graphql_type=ForecastType | None,
        directives=[Cost(weight=1000)],
        description="A Monte Carlo forecast from the delivery's (or, with source: backlog, "
        "the transformation backlog's) throughput history: by which day the remaining items "
        "are done, and how many are done by a day, at 50, 85 and 95 % confidence.",
    )
    async def delivery_forecast(
        self,
        info: Info,
        value_stream_id: strawberry.ID,
        remaining: int | None = None,
        by: date | None = None,
        start: date | None = None,
        history_days: int = DEFAULT_HISTORY_DAYS,
        trials: int = forecasts.DEFAULT_TRIALS,
        seed: int = 0,
        source: Annotated[
            forecasts.ForecastSource, strawberry.argument(description=forecasts.SOURCE_HELP)
        ] = forecasts.ForecastSource.delivery,
    ) -> forecasts.Forecast:
        return await forecasts.forecast(
            info.context.session,
            info.context.actor,
            parse_id(value_stream_id, "valueStreamId"),
            remaining=remaining,
            by=by,
            start=start,
            history_days=history_days,
            trials=trials,
            seed=seed,
            source=forecasts.ForecastSource(source),
        )

    @strawberry.field(
        graphql_type=WorkItemAgeReportType | None,
        directives=[Cost(weight=50)],
        description="The work in progress at an instant (now by default): each item's age "
        "against the flow time of its type's items finished in the history before it.",
    )
    async def work_item_age(
        self,
        info: Info,
        value_stream_id: strawberry.ID,
        at: datetime | None = None,
        history_days: int = DEFAULT_HISTORY_DAYS,
        percentile_method: PercentileMethodName = PercentileMethodName.linear,
        oldest: int = DEFAULT_OLDEST,
    ) -> WorkItemAgeReport:
        return await work_item_age(
            info.context.session,
            info.context.actor,
            parse_id(value_stream_id, "valueStreamId"),
            at=at,
            history_days=history_days,
            percentile_method=method_named(PercentileMethodName(percentile_method).value),
            oldest=oldest,
        )

    @strawberry.field(
        graphql_type=connection_of(WorkItemReadType) | None,
        extensions=[Filters(delivery.WorkItemFilter)],
        description="A value stream's work items with their state changes; finished in "
        "[finishedSince, finishedUntil).",
    )
    async def work_items(
        self,
        info: Info,
        value_stream_id: strawberry.ID,
        first: int | None = None,
        after: str | None = None,
        *,
        filters: delivery.WorkItemFilter,
    ) -> Connection[WorkItemRead]:
        return await _page(info, delivery.list_work_items, value_stream_id, filters, first, after)

    @strawberry.field(
        graphql_type=connection_of(DeploymentReadType) | None,
        extensions=[Filters(delivery.DeploymentFilter)],
        description="A value stream's deployments with their commit times; deployed in "
        "[deployedSince, deployedUntil).",
    )
    async def deployments(
        self,
        info: Info,
        value_stream_id: strawberry.ID,
        first: int | None = None,
        after: str | None = None,
        *,
        filters: delivery.DeploymentFilter,
    ) -> Connection[DeploymentRead]:
        return await _page(info, delivery.list_deployments, value_stream_id, filters, first, after)

    @strawberry.field(
        graphql_type=connection_of(IncidentReadType) | None,
        extensions=[Filters(delivery.IncidentFilter)],
        description="A value stream's incidents; resolved in [resolvedSince, resolvedUntil).",
    )
    async def incidents(
        self,
        info: Info,
        value_stream_id: strawberry.ID,
        first: int | None = None,
        after: str | None = None,
        *,
        filters: delivery.IncidentFilter,
    ) -> Connection[IncidentRead]:
        return await _page(info, delivery.list_incidents, value_stream_id, filters, first, after)


@strawberry.type
class Mutation:
    @mutation(
        graphql_type=IngestCountsType | None,
        description=f"Create or update up to {MAX_BATCH} work items by external id.",
        directives=[Cost(weight=200)],
    )
    async def ingest_work_items(
        self,
        info: Info,
        value_stream_id: strawberry.ID,
        items: Annotated[
            list[object], strawberry.argument(graphql_type=list_of(WorkItemInputType))
        ],
    ) -> IngestCounts:
        with fields_named({"work_items": "items"}):
            return await delivery.ingest_work_items(
                info.context.session,
                info.context.actor,
                parse_id(value_stream_id, "valueStreamId"),
                plain(items),
            )

    @mutation(
        graphql_type=IngestCountsType | None,
        description=f"Create or update up to {MAX_BATCH} deployments by external id.",
        directives=[Cost(weight=200)],
    )
    async def ingest_deployments(
        self,
        info: Info,
        value_stream_id: strawberry.ID,
        items: Annotated[
            list[object], strawberry.argument(graphql_type=list_of(DeploymentInputType))
        ],
    ) -> IngestCounts:
        with fields_named({"deployments": "items"}):
            return await delivery.ingest_deployments(
                info.context.session,
                info.context.actor,
                parse_id(value_stream_id, "valueStreamId"),
                plain(items),
            )

    @mutation(
        graphql_type=IngestCountsType | None,
        description=f"Create or update up to {MAX_BATCH} incidents by external id.",
        directives=[Cost(weight=200)],
    )
    async def ingest_incidents(
        self,
        info: Info,
        value_stream_id: strawberry.ID,
        items: Annotated[
            list[object], strawberry.argument(graphql_type=list_of(IncidentInputType))
        ],
    ) -> IngestCounts:
        with fields_named({"incidents": "items"}):
            return await delivery.ingest_incidents(
                info.context.session,
                info.context.actor,
                parse_id(value_stream_id, "valueStreamId"),
                plain(items),
            )
