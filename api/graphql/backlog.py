"""GraphQL for the backlog, RACI, dependencies, milestones, targets and measurements."""

from datetime import datetime
from typing import Annotated

import strawberry
from strawberry.scalars import JSON

from api.graphql.children import ChildSpec, child_mutations, children, mutation
from api.graphql.context import Info
from api.graphql.convert import input_type, list_of, output_type
from api.graphql.cost import Cost
from api.graphql.foundation import PersonType, load_person, parse_id
from api.graphql.inputs import Filters, to_model
from api.graphql.loaders import load, nothing
from api.graphql.relay import Connection, connection, connection_of, page_args
from core.backlog import dependencies, effects, listing, placement, raci
from core.backlog.items import items
from core.backlog.listing import BacklogFilter
from core.backlog.milestones import milestone_progress, milestones
from core.backlog.ownership import RaciRole
from core.metrics.effects import DEFAULT_WINDOW_DAYS
from core.metrics.target_progress import ProgressRead
from core.models.backlog import (
    BacklogCreate,
    BacklogItem,
    BacklogMove,
    BacklogRead,
    BacklogUpdate,
    Milestone,
    MilestoneCreate,
    MilestoneProgress,
    MilestoneRead,
    MilestoneUpdate,
    RaciAssignment,
    RaciCreate,
    RaciRead,
)
from core.models.person import Person
from core.models.target import (
    FlowMeasurementsRead,
    FlowTarget,
    Measurement,
    MeasurementCreate,
    MeasurementRead,
    MeasurementUpdate,
    TargetCreate,
    TargetFromMaps,
    TargetRead,
    TargetUpdate,
)
from core.services import batches
from core.targets import service as targets


class _MeasurementOf:
    """A stored measurement holds the metric's canonical value; it reads in its target's unit."""

    @strawberry.field
    async def value(self, info: Info, measurement: strawberry.Parent[Measurement]) -> float:
        target = await load(info.context, "targets", batches.flow_targets, measurement.target_id)
        return targets.in_target_unit(target, measurement.value)

    @strawberry.field
    async def unit(self, info: Info, measurement: strawberry.Parent[Measurement]) -> str | None:
        target = await load(info.context, "targets", batches.flow_targets, measurement.target_id)
        return target.unit


MeasurementType = output_type(MeasurementRead, "Measurement", _MeasurementOf)


class _RaciOf:
    @strawberry.field(graphql_type=PersonType | None)
    async def person(
        self, info: Info, assignment: strawberry.Parent[RaciAssignment]
    ) -> Person | None:
        return await load_person(info.context, assignment.person_id)


RaciType = output_type(RaciRead, "RaciAssignment", _RaciOf, ahead=("id", "item_id"))


class _ItemOf:
    expected_effects: JSON
    """One JSON value in the schema; a list of typed objects would change it for clients."""

    @strawberry.field(description="The accountable person.", graphql_type=PersonType | None)
    async def owner(self, info: Info, item: strawberry.Parent[BacklogItem]) -> Person | None:
        if item.owner_id is None:
            return None
        return await load_person(info.context, item.owner_id)

    @strawberry.field(graphql_type=list_of(RaciType))
    async def raci(self, info: Info, item: strawberry.Parent[BacklogItem]) -> list[RaciAssignment]:
        return await load(info.context, "raci", raci.raci_for_items, item.id)

    @strawberry.field(description="Ids of the items this one depends on.")
    async def depends_on(
        self, info: Info, item: strawberry.Parent[BacklogItem]
    ) -> list[strawberry.ID]:
        return await load(info.context, "depends_on", dependencies.dependencies_of, item.id)


BacklogItemType = output_type(
    BacklogRead,
    "BacklogItem",
    _ItemOf,
    ahead=("id", "value_stream_id", "title", "description", "type", "status", "rank", "wsjf"),
)
MilestoneProgressType = output_type(MilestoneProgress, "MilestoneProgress")


class _MilestoneOf:
    @strawberry.field(graphql_type=MilestoneProgressType)
    async def progress(
        self, info: Info, milestone: strawberry.Parent[Milestone]
    ) -> MilestoneProgress:
        return await load(
            info.context, "milestone_progress", milestone_progress, milestone.id, nothing
        )


MilestoneType = output_type(
    MilestoneRead, "Milestone", _MilestoneOf, ahead=("id", "value_stream_id")
)
ProgressType = output_type(ProgressRead, "TargetProgress", description=ProgressRead.__doc__)
FlowMeasurementsType = output_type(
    FlowMeasurementsRead, "FlowMeasurements", description=FlowMeasurementsRead.__doc__
)


class _TargetOf:
    """A stored target holds the metric's canonical values; they read in the target's unit."""

    @strawberry.field
    def baseline(self, target: strawberry.Parent[FlowTarget]) -> float:
        return targets.in_target_unit(target, target.baseline)

    @strawberry.field
    def target(self, target: strawberry.Parent[FlowTarget]) -> float:
        return targets.in_target_unit(target, target.target)

    @strawberry.field(graphql_type=ProgressType)
    async def progress(self, info: Info, target: strawberry.Parent[FlowTarget]) -> ProgressRead:
        return await load(
            info.context, "target_progress", batches.target_progress, target.id, nothing
        )

    measurements = children(
        "measurements",
        targets.measurements,
        MeasurementType,
        description="Measurements, oldest first.",
    )


TargetType = output_type(TargetRead, "FlowTarget", _TargetOf, ahead=("id", "value_stream_id"))


RealisedEffectType = output_type(
    effects.RealisedEffect, "RealisedEffect", description=effects.RealisedEffect.__doc__
)
ItemEffectsType = output_type(
    effects.ItemEffects, "BacklogItemEffects", description=effects.ItemEffects.__doc__
)
WINDOW_DAYS = "days of each window compared, before and after an item was done"

BacklogMoveInput = input_type(BacklogMove, "BacklogMoveInput", partial=True)
TargetFromMapsInput = input_type(TargetFromMaps, "TargetFromMapsInput")


@strawberry.type
class Query:
    @strawberry.field(
        description="A backlog page in rank order, or by WSJF (sort: wsjf).",
        graphql_type=connection_of(BacklogItemType) | None,
        extensions=[Filters(BacklogFilter)],
    )
    async def backlog(
        self,
        info: Info,
        value_stream_id: strawberry.ID,
        first: int | None = None,
        after: str | None = None,
        *,
        filters: BacklogFilter,
    ) -> Connection[BacklogItem]:
        page = await listing.list_items(
            info.context.session,
            info.context.actor,
            parse_id(value_stream_id, "valueStreamId"),
            filters,
            limit=page_args(first),
            cursor=after,
        )
        return connection(page)

    @strawberry.field(
        description="An item's expected effects, each beside the change measured before and "
        f"after it was done: {effects.RULE}.",
        graphql_type=ItemEffectsType | None,
        directives=[Cost(weight=100)],
    )
    async def backlog_item_effects(
        self,
        info: Info,
        item_id: strawberry.ID,
        window_days: Annotated[
            int, strawberry.argument(description=WINDOW_DAYS)
        ] = DEFAULT_WINDOW_DAYS,
    ) -> effects.ItemEffects:
        return await effects.item_effects(
            info.context.session, info.context.actor, parse_id(item_id, "itemId"), window_days
        )

    @strawberry.field(
        description="A stream's done items that expected an effect, most recently done first, "
        "each beside the change measured.",
        graphql_type=list_of(ItemEffectsType) | None,
        directives=[Cost(weight=100)],
    )
    async def backlog_effects(
        self,
        info: Info,
        value_stream_id: strawberry.ID,
        window_days: Annotated[
            int, strawberry.argument(description=WINDOW_DAYS)
        ] = DEFAULT_WINDOW_DAYS,
    ) -> list[effects.ItemEffects]:
        return await effects.stream_effects(
            info.context.session,
            info.context.actor,
            parse_id(value_stream_id, "valueStreamId"),
            window_days,
        )

    @strawberry.field(graphql_type=TargetType | None)
    async def target(self, info: Info, id: strawberry.ID) -> FlowTarget:
        return await targets.targets.get(info.context.session, info.context.actor, parse_id(id))


@strawberry.type
class Mutation:
    @mutation(
        description="Move an item after or before another, or to the top.",
        graphql_type=BacklogItemType | None,
    )
    async def move_backlog_item(
        self,
        info: Info,
        id: strawberry.ID,
        expected_version: int,
        input: Annotated[object, strawberry.argument(graphql_type=BacklogMoveInput)],
    ) -> BacklogItem:
        return await placement.move(
            info.context.session,
            info.context.actor,
            parse_id(id),
            to_model(BacklogMove, input),
            expected_version=expected_version,
        )

    @mutation(
        description="Assign R, A, C or I; an A makes the person the owner.",
        graphql_type=RaciType | None,
    )
    async def assign_raci(
        self,
        info: Info,
        item_id: strawberry.ID,
        person_id: strawberry.ID,
        role: RaciRole,
    ) -> RaciAssignment:
        data = RaciCreate(person_id=parse_id(person_id, "personId"), role=role)
        return await raci.add_raci(
            info.context.session, info.context.actor, parse_id(item_id, "itemId"), data
        )

    @mutation()
    async def remove_raci(
        self, info: Info, id: strawberry.ID, expected_version: int
    ) -> strawberry.ID | None:
        await raci.remove_raci(
            info.context.session,
            info.context.actor,
            parse_id(id),
            expected_version=expected_version,
        )
        return id

    @mutation(
        description="Make an item depend on another of the same backlog (no cycles).",
        graphql_type=BacklogItemType | None,
    )
    async def add_dependency(
        self, info: Info, item_id: strawberry.ID, depends_on_id: strawberry.ID
    ) -> BacklogItem:
        item = parse_id(item_id, "itemId")
        await dependencies.add_dependency(
            info.context.session, info.context.actor, item, parse_id(depends_on_id, "dependsOnId")
        )
        return await items.get(info.context.session, info.context.actor, item)

    @mutation(graphql_type=BacklogItemType | None)
    async def remove_dependency(
        self, info: Info, item_id: strawberry.ID, depends_on_id: strawberry.ID
    ) -> BacklogItem:
        item = parse_id(item_id, "itemId")
        await dependencies.remove_dependency(
            info.context.session, info.context.actor, item, parse_id(depends_on_id, "dependsOnId")
        )
        return await items.get(info.context.session, info.context.actor, item)

    @mutation(
        description="Measure every delivery-flow target over [start, end), once per target "
        "and window: measuring a window again records nothing new.",
        directives=[Cost(weight=100)],
        graphql_type=FlowMeasurementsType | None,
    )
    async def record_flow_measurements(
        self, info: Info, value_stream_id: strawberry.ID, start: datetime, end: datetime
    ) -> targets.FlowMeasurements:
        return await targets.record_from_flow(
            info.context.session,
            info.context.actor,
            parse_id(value_stream_id, "valueStreamId"),
            start=start,
            end=end,
        )

    @mutation(
        description="Baseline from the current map, target from the chosen desired map.",
        graphql_type=TargetType | None,
    )
    async def create_target_from_maps(
        self,
        info: Info,
        value_stream_id: strawberry.ID,
        input: Annotated[object, strawberry.argument(graphql_type=TargetFromMapsInput)],
    ) -> FlowTarget:
        return await targets.create_from_maps(
            info.context.session,
            info.context.actor,
            parse_id(value_stream_id, "valueStreamId"),
            to_model(TargetFromMaps, input),
        )


CHILDREN = [
    ChildSpec("backlog_item", items, BacklogCreate, BacklogUpdate, BacklogItemType),
    ChildSpec("milestone", milestones, MilestoneCreate, MilestoneUpdate, MilestoneType),
    ChildSpec("target", targets.targets, TargetCreate, TargetUpdate, TargetType),
    ChildSpec(
        "measurement",
        targets.measurements,
        MeasurementCreate,
        MeasurementUpdate,
        MeasurementType,
        parent_argument="targetId",
    ),
]

BacklogChildMutation = strawberry.type(
    type(
        "BacklogChildMutation",
        (),
        {name: field for spec in CHILDREN for name, field in child_mutations(spec).items()},
    )
)
