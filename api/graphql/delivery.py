"""GraphQL for delivery data: bulk ingest mutations and the flow and DORA metrics query."""

import enum
from datetime import datetime
from typing import Any

import strawberry

from api.fields import fields_named
from api.graphql.children import mutation
from api.graphql.context import Info
from api.graphql.convert import output_type
from api.graphql.cost import Cost
from api.graphql.foundation import parse_id
from core import delivery
from core.delivery import flow_metrics
from core.delivery.flow_metrics import FlowReport
from core.metrics.flow import FlowBucket, FlowDistribution
from core.models.delivery import WorkItemType
from core.models.delivery_input import MAX_BATCH, IngestCounts, StateFlag


@strawberry.enum
class FlowBucketSize(enum.StrEnum):
    day = "day"
    week = "week"
    month = "month"


@strawberry.input(name="StateChangeInput", description="The item entered `state` at `at`.")
class StateChangeInputType:
    at: datetime
    state: str
    flag: StateFlag


@strawberry.input(
    name="WorkItemInput",
    description="A flow item; without `started` it counts from `created`. State changes go "
    "in time order.",
)
class WorkItemInputType:
    external_id: str
    type: WorkItemType
    created: datetime
    title: str | None = None
    started: datetime | None = None
    finished: datetime | None = None
    state_changes: list[StateChangeInputType] = strawberry.field(default_factory=list)


@strawberry.input(name="DeploymentInput", description="A deployment and its commit times.")
class DeploymentInputType:
    external_id: str
    deployed_at: datetime
    commit_times: list[datetime] = strawberry.field(default_factory=list)
    succeeded: bool = True
    caused_incident: bool = False
    incident_external_id: str | None = None


@strawberry.input(name="IncidentInput", description="A production incident.")
class IncidentInputType:
    external_id: str
    opened_at: datetime
    resolved_at: datetime | None = None
    deployment_external_id: str | None = None


IngestCountsType = output_type(IngestCounts, "IngestCounts")
FlowDistributionType = output_type(
    FlowDistribution, "FlowDistribution", description=FlowDistribution.__doc__
)
FlowBucketType = output_type(FlowBucket, "FlowBucket", description=FlowBucket.__doc__)
FlowReportType = output_type(FlowReport, "FlowReport")


def _plain(value: Any) -> Any:
    """Inputs as the plain data the service validates (and names errors in)."""
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, enum.Enum):
        return value.value
    if hasattr(value, "__strawberry_definition__"):
        return {k: _plain(v) for k, v in vars(value).items() if v is not strawberry.UNSET}
    return value


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
    ) -> FlowReport:
        return await flow_metrics.flow_metrics(
            info.context.session,
            info.context.actor,
            parse_id(value_stream_id, "valueStreamId"),
            start=start,
            end=end,
            bucket=FlowBucketSize(bucket).value,
        )


@strawberry.type
class Mutation:
    @mutation(
        graphql_type=IngestCountsType | None,
        description=f"Create or update up to {MAX_BATCH} work items by external id.",
        directives=[Cost(weight=200)],
    )
    async def ingest_work_items(
        self, info: Info, value_stream_id: strawberry.ID, items: list[WorkItemInputType]
    ) -> IngestCounts:
        with fields_named({"work_items": "items"}):
            return await delivery.ingest_work_items(
                info.context.session,
                info.context.actor,
                parse_id(value_stream_id, "valueStreamId"),
                _plain(items),
            )

    @mutation(
        graphql_type=IngestCountsType | None,
        description=f"Create or update up to {MAX_BATCH} deployments by external id.",
        directives=[Cost(weight=200)],
    )
    async def ingest_deployments(
        self, info: Info, value_stream_id: strawberry.ID, items: list[DeploymentInputType]
    ) -> IngestCounts:
        with fields_named({"deployments": "items"}):
            return await delivery.ingest_deployments(
                info.context.session,
                info.context.actor,
                parse_id(value_stream_id, "valueStreamId"),
                _plain(items),
            )

    @mutation(
        graphql_type=IngestCountsType | None,
        description=f"Create or update up to {MAX_BATCH} incidents by external id.",
        directives=[Cost(weight=200)],
    )
    async def ingest_incidents(
        self, info: Info, value_stream_id: strawberry.ID, items: list[IncidentInputType]
    ) -> IngestCounts:
        with fields_named({"incidents": "items"}):
            return await delivery.ingest_incidents(
                info.context.session,
                info.context.actor,
                parse_id(value_stream_id, "valueStreamId"),
                _plain(items),
            )
