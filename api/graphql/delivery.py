"""GraphQL for delivery data: bulk ingest mutations and the flow and DORA metrics query."""

import enum
from dataclasses import asdict
from datetime import datetime
from typing import Any

import strawberry

from api.graphql.children import mutation
from api.graphql.context import Info
from api.graphql.convert import defined_by
from api.graphql.cost import Cost
from api.graphql.foundation import parse_id
from core.metrics.definitions import FLOW
from core.metrics.flow import FlowBucket
from core.models.delivery import WorkItemType
from core.models.delivery_input import StateFlag
from core.services import delivery, flow_metrics


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


@strawberry.type(name="IngestCounts")
class IngestCountsType:
    created: int
    updated: int
    unchanged: int

    @classmethod
    def of(cls, result: delivery.IngestResult) -> "IngestCountsType":
        return cls(**asdict(result))


@strawberry.type(name="FlowDistribution", description="Share of each type among finished items.")
class FlowDistributionType:
    feature: float
    defect: float
    risk: float
    debt: float


@defined_by(FLOW)
@strawberry.type(
    name="FlowBucket", description="Times in seconds; null where nothing was measured."
)
class FlowBucketType:
    start: datetime
    end: datetime
    window_start: datetime
    window_end: datetime
    flow_velocity: int
    flow_time_seconds: float | None
    flow_efficiency: float | None
    flow_load: int
    flow_distribution: FlowDistributionType
    deployment_count: int
    deployments_per_day: float
    lead_time_for_changes_seconds: float | None
    change_failure_rate: float | None
    time_to_restore_seconds: float | None

    @classmethod
    def of(cls, bucket: FlowBucket) -> "FlowBucketType":
        values = asdict(bucket)
        values["flow_distribution"] = FlowDistributionType(**bucket.flow_distribution)
        return cls(**values)


@strawberry.type(name="FlowReport")
class FlowReportType:
    value_stream_id: strawberry.ID
    start: datetime
    end: datetime
    bucket: str
    median_method: str
    buckets: list[FlowBucketType]


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
    ) -> FlowReportType | None:
        report = await flow_metrics.flow_metrics(
            info.context.session,
            info.context.actor,
            parse_id(value_stream_id, "valueStreamId"),
            start=start,
            end=end,
            bucket=FlowBucketSize(bucket).value,
        )
        return FlowReportType(
            value_stream_id=strawberry.ID(str(report.value_stream_id)),
            start=report.start,
            end=report.end,
            bucket=report.bucket,
            median_method=report.median_method,
            buckets=[FlowBucketType.of(b) for b in report.buckets],
        )


@strawberry.type
class Mutation:
    @mutation(
        description="Create or update up to 5000 work items by external id.",
        directives=[Cost(weight=200)],
    )
    async def ingest_work_items(
        self, info: Info, value_stream_id: strawberry.ID, items: list[WorkItemInputType]
    ) -> IngestCountsType | None:
        result = await delivery.ingest_work_items(
            info.context.session,
            info.context.actor,
            parse_id(value_stream_id, "valueStreamId"),
            _plain(items),
        )
        return IngestCountsType.of(result)

    @mutation(
        description="Create or update up to 5000 deployments by external id.",
        directives=[Cost(weight=200)],
    )
    async def ingest_deployments(
        self, info: Info, value_stream_id: strawberry.ID, items: list[DeploymentInputType]
    ) -> IngestCountsType | None:
        result = await delivery.ingest_deployments(
            info.context.session,
            info.context.actor,
            parse_id(value_stream_id, "valueStreamId"),
            _plain(items),
        )
        return IngestCountsType.of(result)

    @mutation(
        description="Create or update up to 5000 incidents by external id.",
        directives=[Cost(weight=200)],
    )
    async def ingest_incidents(
        self, info: Info, value_stream_id: strawberry.ID, items: list[IncidentInputType]
    ) -> IngestCountsType | None:
        result = await delivery.ingest_incidents(
            info.context.session,
            info.context.actor,
            parse_id(value_stream_id, "valueStreamId"),
            _plain(items),
        )
        return IngestCountsType.of(result)
