"""GraphQL for value stream maps: steps, handoffs, findings, metrics, classification."""

import uuid
from dataclasses import asdict
from datetime import datetime
from typing import Any

import strawberry
from strawberry.scalars import JSON

from api.graphql.children import ChildSpec, child_mutations, mutation
from api.graphql.context import Context, Info
from api.graphql.convert import defined_by, list_of, output_type
from api.graphql.cost import Cost
from api.graphql.foundation import parse_id
from api.graphql.loaders import load
from core.durations import format_duration
from core.flowmap import ValueClass
from core.metrics.definitions import MAP
from core.models.value_stream_map import (
    HandoffCreate,
    HandoffRead,
    HandoffUpdate,
    MapCreate,
    MapHandoff,
    MapKind,
    MapUpdate,
    StepCreate,
    StepUpdate,
    ValueStreamMap,
    iso_duration,
)
from core.models.waste_finding import (
    FindingCreate,
    FindingRead,
    FindingUpdate,
    TriageDecision,
    WasteFinding,
)
from core.services import crud, findings, map_documents, maps

HandoffType = output_type(HandoffRead, "Handoff")
FindingType = output_type(FindingRead, "WasteFinding")


@defined_by(MAP)
@strawberry.type(name="MapMetrics", description="Lean metrics of a map; times in seconds.")
class MetricsType:
    lead_time_seconds: float
    process_time_seconds: float
    activity_ratio: float | None
    rolled_pca_percent: float
    handoffs: int
    cross_team_handoffs: int
    manual_steps: int
    step_count: int
    total_people: int
    bottleneck_step_id: str | None
    critical_path: list[str]
    step_shares: JSON
    lead_time_days: float
    process_time_days: float
    steps_missing_role: list[str]
    steps_missing_process_time: list[str]
    steps_missing_wait_time: list[str]

    @classmethod
    def of(cls, metrics: Any) -> "MetricsType":
        values = asdict(metrics)
        for key in ("critical_path", "steps_missing_role", "steps_missing_process_time"):
            values[key] = list(values[key])
        values["steps_missing_wait_time"] = list(values["steps_missing_wait_time"])
        return cls(**values)


@strawberry.type(name="MetricChange")
class ChangeType:
    metric: str
    current: float | None
    desired: float | None
    absolute_change: float | None
    percent_change: float | None


@strawberry.type(name="MapStep")
class StepType:
    id: strawberry.ID
    map_id: strawberry.ID
    position: int
    name: str
    description: str | None
    role: str | None
    team: str | None
    people: int | None
    process_seconds: float | None
    wait_seconds: float | None
    percent_complete_accurate: float | None
    tools: list[str]
    artifacts: list[str]
    automated: bool
    cicd_stage: bool
    value_class: ValueClass | None
    queue_size: int | None
    version: int

    @strawberry.field(description="Process time in ISO 8601.")
    def process_time(self) -> str | None:
        return (
            None
            if self.process_seconds is None
            else format_duration(self.process_seconds, days=False)
        )

    @strawberry.field(description="Wait time in ISO 8601.")
    def wait_time(self) -> str | None:
        return iso_duration(self.wait_seconds)


async def _map_steps(context: Context, ids: list[uuid.UUID]) -> dict[uuid.UUID, Any]:
    return await maps.steps.for_parents(context.session, context.actor, ids)


async def _map_handoffs(context: Context, ids: list[uuid.UUID]) -> dict[uuid.UUID, Any]:
    return await maps.handoffs.for_parents(context.session, context.actor, ids)


async def _map_findings(context: Context, ids: list[uuid.UUID]) -> dict[uuid.UUID, Any]:
    return await findings.findings.for_parents(context.session, context.actor, ids)


async def _map_metrics(context: Context, ids: list[uuid.UUID]) -> dict[uuid.UUID, Any]:
    rows = await crud.get_many(context.session, context.actor, ValueStreamMap, ids)
    pictures = await maps.flow_maps(context.session, context.actor, list(rows.values()))
    return {i: maps.metrics_of(context.session, rows[i], p) for i, p in pictures.items()}


@strawberry.type(name="ValueStreamMap")
class MapType:
    id: strawberry.ID
    value_stream_id: strawberry.ID
    cycle: int
    kind: MapKind
    name: str
    notes: str | None
    chosen: bool
    hours_per_working_day: float
    waits_in: str
    version: int
    created_at: datetime
    updated_at: datetime

    @strawberry.field(description="Steps in order.")
    async def steps(self, info: Info) -> list[StepType]:
        return await load(info.context, "map_steps", _map_steps, self.id)

    @strawberry.field(graphql_type=list_of(HandoffType))
    async def handoffs(self, info: Info) -> list[MapHandoff]:
        return await load(info.context, "map_handoffs", _map_handoffs, self.id)

    @strawberry.field(graphql_type=list_of(FindingType))
    async def findings(self, info: Info) -> list[WasteFinding]:
        return await load(info.context, "map_findings", _map_findings, self.id)

    @strawberry.field(directives=[Cost(weight=10)])
    async def metrics(self, info: Info) -> MetricsType:
        result = await load(info.context, "map_metrics", _map_metrics, self.id, default=dict)
        return MetricsType.of(result)


async def stream_maps(context: Context, ids: list[uuid.UUID]) -> dict[uuid.UUID, Any]:
    return await maps.maps.for_parents(context.session, context.actor, ids)


@strawberry.type(name="MapComparison")
class ComparisonType:
    current: ValueStreamMap = strawberry.field(graphql_type=MapType)
    desired: ValueStreamMap = strawberry.field(graphql_type=MapType)
    changes: list[ChangeType]


@strawberry.type
class ClassifyPayload:
    classifiers: list[str]
    created: list[WasteFinding] = strawberry.field(graphql_type=list_of(FindingType))
    skipped_known: int
    rejected: list[str]


@strawberry.type
class Query:
    @strawberry.field(name="map", graphql_type=MapType | None)
    async def value_stream_map(self, info: Info, id: strawberry.ID) -> ValueStreamMap:
        return await maps.maps.get(info.context.session, info.context.actor, parse_id(id))

    @strawberry.field(
        description="The chosen desired map of a cycle against its current map.",
        directives=[Cost(weight=20)],
    )
    async def comparison(
        self, info: Info, value_stream_id: strawberry.ID, cycle: int | None = None
    ) -> ComparisonType | None:
        current, desired, _now, _then, changes = await maps.comparison(
            info.context.session,
            info.context.actor,
            parse_id(value_stream_id, "valueStreamId"),
            cycle,
        )
        return ComparisonType(
            current=current,
            desired=desired,
            changes=[ChangeType(metric=k, **asdict(v)) for k, v in changes.items()],
        )


@strawberry.type
class Mutation:
    @mutation(
        description="Run every waste classifier plugin on a map; store new suggestions.",
        directives=[Cost(weight=500)],
    )
    async def classify_map(self, info: Info, id: strawberry.ID) -> ClassifyPayload | None:
        assert info.context.state is not None
        outcome = await findings.classify(
            info.context.session,
            info.context.actor,
            parse_id(id),
            info.context.state.plugins,
            info.context.state.settings.classifier_config,
        )
        return ClassifyPayload(
            classifiers=outcome.classifiers,
            created=outcome.created,
            skipped_known=outcome.skipped,
            rejected=outcome.rejected,
        )

    @mutation(
        description="Confirm or dismiss a finding; dismissing needs a reason.",
        graphql_type=FindingType | None,
    )
    async def triage_finding(
        self,
        info: Info,
        id: strawberry.ID,
        expected_version: int,
        status: str,
        reason: str | None = None,
    ) -> WasteFinding:
        decision = TriageDecision.model_validate({"status": status, "reason": reason})
        return await findings.triage(
            info.context.session,
            info.context.actor,
            parse_id(id),
            decision,
            expected_version=expected_version,
        )

    @mutation(
        description="Create a map from a JSON or YAML document (value stream as code).",
        directives=[Cost(weight=500)],
        graphql_type=MapType | None,
    )
    async def import_map(
        self, info: Info, value_stream_id: strawberry.ID, document: str, format: str = "json"
    ) -> ValueStreamMap:
        media_type = "application/yaml" if format == "yaml" else "application/json"
        state = info.context.state
        assert state is not None
        return await map_documents.import_document(
            info.context.session,
            info.context.actor,
            parse_id(value_stream_id, "valueStreamId"),
            document,
            media_type,
            map_documents.ImportLimits.of(state.settings),
        )


CHILDREN = [
    ChildSpec("map", maps.maps, MapCreate, MapUpdate, MapType),
    ChildSpec("step", maps.steps, StepCreate, StepUpdate, StepType, parent_argument="mapId"),
    ChildSpec(
        "handoff", maps.handoffs, HandoffCreate, HandoffUpdate, HandoffType, parent_argument="mapId"
    ),
    ChildSpec(
        "finding",
        findings.findings,
        FindingCreate,
        FindingUpdate,
        FindingType,
        parent_argument="mapId",
    ),
]

MapChildMutation = strawberry.type(
    type(
        "MapChildMutation",
        (),
        {name: field for spec in CHILDREN for name, field in child_mutations(spec).items()},
    )
)
