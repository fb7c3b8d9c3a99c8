"""GraphQL for value stream maps: steps, handoffs, findings, metrics, classification."""

import uuid
from typing import Any

import strawberry

from api.graphql.children import ChildSpec, child_mutations, children, mutation
from api.graphql.context import Info
from api.graphql.convert import gql_enum, list_of, output_type, shaped
from api.graphql.cost import Cost
from api.graphql.foundation import parse_id
from api.graphql.loaders import load, nothing
from core.errors import ValidationFailed
from core.maps import measuring
from core.maps import service as maps
from core.maps.document_export import export_document
from core.maps.document_import import CarryOver, carry_over, import_document
from core.maps.document_parsing import ImportLimits
from core.metrics.capacity import StepCapacity
from core.metrics.map_metrics import (
    Change,
    MapComparison,
    MapMetrics,
    MapsCompared,
    MetricChange,
)
from core.metrics.rework import LoopRework
from core.metrics.waste_cost import RANKING_RULE
from core.models.value_stream_map import (
    HandoffCreate,
    HandoffRead,
    HandoffUpdate,
    MapCreate,
    MapHandoff,
    MapRead,
    MapStep,
    MapUpdate,
    StepCreate,
    StepRead,
    StepUpdate,
    ValueStreamMap,
    iso_duration,
)
from core.models.waste_finding import (
    FindingCreate,
    FindingRead,
    FindingStatus,
    FindingUpdate,
    FiredRule,
    TriageDecision,
    WasteFinding,
)
from core.services import batches
from core.waste import classify as classifying
from core.waste import findings, ranking
from core.waste.ranking import RankedFinding, WasteRanking


class _HandoffOf:
    @strawberry.field(description="A rework loop's own wait in ISO 8601.")
    def wait_time(self, handoff: strawberry.Parent[MapHandoff]) -> str | None:
        return iso_duration(handoff.wait_seconds)


HandoffType = output_type(HandoffRead, "Handoff", _HandoffOf)
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


StepCapacityType = output_type(StepCapacity, "StepCapacity", description=StepCapacity.__doc__)
LoopReworkType = output_type(LoopRework, "ReworkLoop", description=LoopRework.__doc__)
MetricsType = output_type(MapMetrics, "MapMetrics", description=MapMetrics.__doc__)


class _ChangeOf:
    metric: str


ChangeType = output_type(MetricChange, "MetricChange", _ChangeOf, ahead=("metric",))


class _StepOf:
    """A stored step holds its times in seconds; these read them as `step_read` does for REST."""

    @strawberry.field(description="Process time in ISO 8601.")
    def process_time(self, step: strawberry.Parent[MapStep]) -> str | None:
        return iso_duration(step.process_seconds)

    @strawberry.field(description="Wait time in ISO 8601.")
    def wait_time(self, step: strawberry.Parent[MapStep]) -> str | None:
        return iso_duration(step.wait_seconds)

    @strawberry.field(description="Cycle time per unit in ISO 8601.")
    def cycle_time(self, step: strawberry.Parent[MapStep]) -> str | None:
        return iso_duration(step.cycle_seconds)

    @strawberry.field(description="Changeover time in ISO 8601.")
    def changeover_time(self, step: strawberry.Parent[MapStep]) -> str | None:
        return iso_duration(step.changeover_seconds)


StepType = output_type(
    StepRead,
    "MapStep",
    _StepOf,
    ahead=(
        "id",
        "map_id",
        "position",
        "name",
        "description",
        "role",
        "team",
        "people",
        "process_seconds",
        "wait_seconds",
    ),
)


class _MapOf:
    steps = children("map_steps", maps.steps, StepType, description="Steps in order.")

    handoffs = children("map_handoffs", maps.handoffs, HandoffType)

    findings = children("map_findings", findings.findings, FindingType)

    @strawberry.field(graphql_type=MetricsType, directives=[Cost(weight=10)])
    async def metrics(
        self, info: Info, stream_map: strawberry.Parent[ValueStreamMap]
    ) -> MapMetrics:
        return await load(
            info.context, "map_metrics", measuring.metrics_batch, stream_map.id, default=dict
        )


MapType = output_type(
    MapRead,
    "ValueStreamMap",
    _MapOf,
    ahead=("id", "value_stream_id", "cycle", "kind", "name", "notes", "chosen"),
)


def _load_map(info: Info, map_id: uuid.UUID) -> Any:
    return load(info.context, "maps", batches.maps, map_id, default=nothing)


class _ComparisonOf:
    """GraphQL answers the compared maps themselves, whose metrics a client may select."""

    @strawberry.field(graphql_type=MapType)
    async def current(
        self, info: Info, comparison: strawberry.Parent[MapComparison]
    ) -> ValueStreamMap:
        return await _load_map(info, comparison.current_map_id)

    @strawberry.field(graphql_type=MapType)
    async def desired(
        self, info: Info, comparison: strawberry.Parent[MapComparison]
    ) -> ValueStreamMap:
        return await _load_map(info, comparison.desired_map_id)

    @strawberry.field(graphql_type=list_of(ChangeType))
    def changes(self, comparison: strawberry.Parent[MapComparison]) -> list[object]:
        return [
            shaped(ChangeType, change, metric=key) for key, change in comparison.changes.items()
        ]


ComparisonType = output_type(
    MapComparison,
    "MapComparison",
    _ComparisonOf,
    exclude=frozenset({"current_map_id", "desired_map_id"}),
)


BeforeAfterType = output_type(Change, "MapChange", _ChangeOf, ahead=("metric",))


class _ComparedOf:
    """GraphQL answers the compared maps themselves, whose metrics a client may select."""

    @strawberry.field(graphql_type=MapType)
    async def before(self, info: Info, compared: strawberry.Parent[MapsCompared]) -> ValueStreamMap:
        return await _load_map(info, compared.before_map_id)

    @strawberry.field(graphql_type=MapType)
    async def after(self, info: Info, compared: strawberry.Parent[MapsCompared]) -> ValueStreamMap:
        return await _load_map(info, compared.after_map_id)

    @strawberry.field(graphql_type=list_of(BeforeAfterType))
    def changes(self, compared: strawberry.Parent[MapsCompared]) -> list[object]:
        return [
            shaped(BeforeAfterType, change, metric=key) for key, change in compared.changes.items()
        ]


ComparedType = output_type(
    MapsCompared,
    "MapsCompared",
    _ComparedOf,
    exclude=frozenset({"before_map_id", "after_map_id"}),
)


FindingStatusType = gql_enum(FindingStatus)
RankedFindingType = output_type(RankedFinding, "RankedFinding", description=RankedFinding.__doc__)
WasteRankingType = output_type(
    WasteRanking, "WasteRanking", description=f"A map's findings ranked {RANKING_RULE}."
)


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
        description="Any two maps of one value stream, `after` against `before`, metric by "
        "metric: a cycle's current state against a later one's, or a desired map against "
        "the current map that followed it.",
        directives=[Cost(weight=20)],
        graphql_type=ComparedType | None,
    )
    async def maps_compared(
        self, info: Info, before: strawberry.ID, after: strawberry.ID
    ) -> MapsCompared:
        return await measuring.compare_maps(
            info.context.session,
            info.context.actor,
            parse_id(before, "before"),
            parse_id(after, "after"),
        )

    @strawberry.field(
        description=f"The map's findings of waste, costliest to the flow first: {RANKING_RULE}.",
        directives=[Cost(weight=20)],
        graphql_type=WasteRankingType | None,
    )
    async def waste_ranking(
        self,
        info: Info,
        map_id: strawberry.ID,
        status: FindingStatusType = FindingStatus.confirmed,  # type: ignore[valid-type]
        first: int = 20,
    ) -> WasteRanking:
        return await ranking.ranking(
            info.context.session,
            info.context.actor,
            parse_id(map_id, "mapId"),
            FindingStatus(status),
            first,
        )

    @strawberry.field(
        description="The chosen desired map of a cycle against its current map.",
        directives=[Cost(weight=20)],
        graphql_type=ComparisonType | None,
    )
    async def comparison(
        self, info: Info, value_stream_id: strawberry.ID, cycle: int | None = None
    ) -> MapComparison:
        return await measuring.comparison(
            info.context.session,
            info.context.actor,
            parse_id(value_stream_id, "valueStreamId"),
            cycle,
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

    @mutation(
        description="Start this cycle's current-state map as a copy of an earlier cycle's "
        "map: by default the previous cycle's chosen desired-state map, else its current-state "
        "map. Steps and handoffs are copied, findings are not.",
        directives=[Cost(weight=500)],
        graphql_type=MapType | None,
    )
    async def carry_over_map(
        self,
        info: Info,
        value_stream_id: strawberry.ID,
        from_map_id: strawberry.ID | None = None,
        name: str | None = None,
    ) -> ValueStreamMap:
        data = CarryOver(
            from_map_id=parse_id(from_map_id, "fromMapId") if from_map_id else None, name=name
        )
        return await carry_over(
            info.context.session,
            info.context.actor,
            parse_id(value_stream_id, "valueStreamId"),
            from_map_id=data.from_map_id,
            name=data.name,
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
