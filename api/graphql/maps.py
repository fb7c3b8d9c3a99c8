"""GraphQL for value stream maps: steps, handoffs, findings, metrics, classification."""

import uuid
from datetime import datetime
from typing import Any

import strawberry

from api.graphql.children import ChildSpec, child_mutations, mutation
from api.graphql.context import Info
from api.graphql.convert import list_of, output_type, shaped
from api.graphql.cost import Cost
from api.graphql.foundation import parse_id
from api.graphql.inputs import Filters
from api.graphql.loaders import load, load_filtered, nothing
from core.durations import format_duration
from core.errors import ValidationFailed
from core.maps import service as maps
from core.maps.document_export import export_document
from core.maps.document_import import import_document
from core.maps.document_parsing import ImportLimits
from core.maps.flowmap import ValueClass
from core.metrics.map_metrics import MapMetrics, MetricChange
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
    FiredRule,
    TriageDecision,
    WasteFinding,
)
from core.services import batches
from core.waste import classify as classifying
from core.waste import findings
from core.waste.findings import FindingFilter

HandoffType = output_type(HandoffRead, "Handoff")
DOCUMENT_MEDIA_TYPES = {"json": "application/json", "yaml": "application/yaml"}
FiredRuleType = output_type(FiredRule, "FiredRule", description=FiredRule.__doc__)


class _FindingRules:
    @strawberry.field(
        graphql_type=list_of(FiredRuleType),
        description=FindingRead.model_fields["rules"].description,
    )
    def rules(self, root: strawberry.Parent[Any]) -> list[object]:
        """A stored row holds its rules as JSON; the classify answer as read models."""
        return [FiredRule.model_validate(rule) for rule in root.rules or []]


FindingType = output_type(FindingRead, "WasteFinding", _FindingRules, exclude=frozenset({"rules"}))


MetricsType = output_type(MapMetrics, "MapMetrics", description=MapMetrics.__doc__)


class _ChangeOf:
    metric: str


ChangeType = output_type(MetricChange, "MetricChange", _ChangeOf, ahead=("metric",))


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

    @strawberry.field(description="Steps in order.", extensions=[Filters(maps.StepFilter)])
    async def steps(self, info: Info, filters: maps.StepFilter) -> list[StepType]:
        return await load_filtered(
            info.context, "map_steps", maps.steps.for_parents, filters, self.id
        )

    @strawberry.field(graphql_type=list_of(HandoffType), extensions=[Filters(maps.HandoffFilter)])
    async def handoffs(self, info: Info, filters: maps.HandoffFilter) -> list[MapHandoff]:
        return await load_filtered(
            info.context, "map_handoffs", maps.handoffs.for_parents, filters, self.id
        )

    @strawberry.field(graphql_type=list_of(FindingType), extensions=[Filters(FindingFilter)])
    async def findings(self, info: Info, filters: FindingFilter) -> list[WasteFinding]:
        return await load_filtered(
            info.context, "map_findings", findings.findings.for_parents, filters, self.id
        )

    @strawberry.field(graphql_type=MetricsType, directives=[Cost(weight=10)])
    async def metrics(self, info: Info) -> MapMetrics:
        return await load(info.context, "map_metrics", maps.metrics_batch, self.id, default=dict)


@strawberry.type(name="MapComparison")
class ComparisonType:
    """Resolved from core's `MapComparison`: the maps by id, the changes as a list."""

    current_map_id: strawberry.Private[uuid.UUID]
    desired_map_id: strawberry.Private[uuid.UUID]
    changed: strawberry.Private[dict[str, MetricChange]]

    @strawberry.field
    async def current(self, info: Info) -> MapType:
        return await load(info.context, "maps", batches.maps, self.current_map_id, default=nothing)

    @strawberry.field
    async def desired(self, info: Info) -> MapType:
        return await load(info.context, "maps", batches.maps, self.desired_map_id, default=nothing)

    @strawberry.field(graphql_type=list_of(ChangeType))
    def changes(self) -> list[object]:
        return [shaped(ChangeType, change, metric=key) for key, change in self.changed.items()]


@strawberry.type
class ClassifyPayload:
    classifiers: list[str]
    created: list[FindingRead] = strawberry.field(graphql_type=list_of(FindingType))
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
        found = await maps.comparison(
            info.context.session,
            info.context.actor,
            parse_id(value_stream_id, "valueStreamId"),
            cycle,
        )
        return ComparisonType(
            current_map_id=found.current_map_id,
            desired_map_id=found.desired_map_id,
            changed=found.changes,
        )

    @strawberry.field(
        description="The whole map as a JSON or YAML document (value stream as code), "
        "as importMap reads it.",
        directives=[Cost(weight=200)],
    )
    async def map_document(self, info: Info, id: strawberry.ID, format: str = "json") -> str | None:
        if format not in DOCUMENT_MEDIA_TYPES:
            raise ValidationFailed("format is json or yaml", field="format")
        return await export_document(
            info.context.session, info.context.actor, parse_id(id), DOCUMENT_MEDIA_TYPES[format]
        )


@strawberry.type
class Mutation:
    @mutation(
        description="Run every waste classifier plugin on a map; store new suggestions.",
        directives=[Cost(weight=500)],
    )
    async def classify_map(self, info: Info, id: strawberry.ID) -> ClassifyPayload | None:
        assert info.context.state is not None
        outcome = await classifying.classify(
            info.context.session, info.context.actor, parse_id(id), info.context.state.plugins
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
        return await import_document(
            info.context.session,
            info.context.actor,
            parse_id(value_stream_id, "valueStreamId"),
            document,
            media_type,
            ImportLimits.of(state.settings),
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
