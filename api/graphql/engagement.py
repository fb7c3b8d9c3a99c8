"""GraphQL for value streams and their engagement records (participants, risks, ...).

A stream's gate, history and playbook timebox come from the workflow's types; the
portfolio, which joins every area, has a module of its own.
"""

from typing import Annotated

import strawberry
from strawberry.scalars import JSON

from api.graphql.backlog import BacklogItemType, MilestoneType, TargetType
from api.graphql.children import ChildSpec, child_mutations, children, mutation
from api.graphql.context import Info
from api.graphql.convert import input_type, list_of, output_type
from api.graphql.cost import Cost
from api.graphql.foundation import PersonType, load_person, parse_id
from api.graphql.inputs import Filters, to_model
from api.graphql.loaders import load, nothing
from api.graphql.maps import MapType
from api.graphql.relay import Connection, connection, connection_of, page_args
from api.graphql.workflow import GateType, TransitionType, organization_playbook
from core.backlog.items import items
from core.backlog.milestones import milestones
from core.engagement import records as engagement
from core.engagement import value_streams
from core.engagement.value_streams import ValueStreamFilter
from core.errors import ValidationFailed
from core.exports import importing
from core.maps import service as maps
from core.models.action_item import (
    ActionItemCreate,
    ActionItemRead,
    ActionItemUpdate,
)
from core.models.backlog import Milestone
from core.models.deliverable import (
    DeliverableCreate,
    DeliverableRead,
    DeliverableUpdate,
)
from core.models.participant import (
    ParticipantCreate,
    ParticipantRead,
    ParticipantUpdate,
)
from core.models.person import Person
from core.models.risk import RiskCreate, RiskRead, RiskUpdate
from core.models.signoff import SignoffCreate, SignoffRead, SignoffUpdate
from core.models.value_stream import (
    PhaseTransition,
    TransitionCreate,
    ValueStream,
    ValueStreamCreate,
    ValueStreamRead,
    ValueStreamUpdate,
)
from core.targets import service as targets
from core.workflow import phases as workflow
from core.workflow.gates import GateResult

ParticipantType = output_type(ParticipantRead, "Participant")
DeliverableType = output_type(DeliverableRead, "Deliverable")
RiskType = output_type(RiskRead, "Risk")
ActionItemType = output_type(ActionItemRead, "ActionItem")
SignoffType = output_type(SignoffRead, "SponsorSignoff")


async def _timebox(info: Info, stream: ValueStream) -> workflow.Timebox:
    playbook = await organization_playbook(info.context)
    return workflow.timebox(playbook, stream)


class _StreamOf:
    """Reached from the stream here; REST answers each at a URL of its own (its gate, its
    history, its records, the portfolio's timebox), so the read model holds none of them.
    """

    @strawberry.field(description="The VSM owner.", graphql_type=PersonType | None)
    async def owner(self, info: Info, stream: strawberry.Parent[ValueStream]) -> Person | None:
        if stream.owner_id is None:
            return None
        return await load_person(info.context, stream.owner_id)

    @strawberry.field
    async def days_in_phase(self, info: Info, stream: strawberry.Parent[ValueStream]) -> float:
        return (await _timebox(info, stream)).days_in_phase

    @strawberry.field
    async def overdue(self, info: Info, stream: strawberry.Parent[ValueStream]) -> bool:
        return (await _timebox(info, stream)).overdue

    @strawberry.field
    async def timebox_days(
        self, info: Info, stream: strawberry.Parent[ValueStream]
    ) -> float | None:
        return (await _timebox(info, stream)).timebox_days

    @strawberry.field(
        graphql_type=GateType,
        description="Every criterion of leaving the current phase.",
        directives=[Cost(weight=10)],
    )
    async def gate(self, info: Info, stream: strawberry.Parent[ValueStream]) -> GateResult:
        return await load(info.context, "gate", workflow.gates_batch, stream.id, default=nothing)

    participants = children("participants", engagement.participants, ParticipantType)

    deliverables = children("deliverables", engagement.deliverables, DeliverableType)

    risks = children("risks", engagement.risks, RiskType)

    action_items = children("action_items", engagement.action_items, ActionItemType)

    signoffs = children("signoffs", engagement.signoffs, SignoffType)

    maps = children(
        "stream_maps",
        maps.maps,
        MapType,
        description="Maps of a cycle (default: every cycle), oldest first.",
    )

    backlog_items = children(
        "stream_items",
        items,
        BacklogItemType,
        description="The whole backlog in rank order, or by WSJF (sort: wsjf).",
    )

    @strawberry.field(graphql_type=list_of(MilestoneType))
    async def milestones(
        self, info: Info, stream: strawberry.Parent[ValueStream]
    ) -> list[Milestone]:
        return await load(info.context, "stream_milestones", milestones.for_parents, stream.id)

    targets = children(
        "stream_targets",
        targets.targets,
        TargetType,
        description="Flow-metric targets with their progress.",
    )

    @strawberry.field(
        graphql_type=list_of(TransitionType), description="Every transition, oldest first."
    )
    async def history(
        self, info: Info, stream: strawberry.Parent[ValueStream]
    ) -> list[PhaseTransition]:
        return await load(info.context, "history", workflow.histories, stream.id)


ValueStreamType = output_type(ValueStreamRead, "ValueStream", _StreamOf, ahead=("id",))


@strawberry.type
class TransitionPayload:
    value_stream: ValueStream = strawberry.field(graphql_type=ValueStreamType)
    transition: PhaseTransition = strawberry.field(graphql_type=TransitionType)


ValueStreamCreateInput = input_type(ValueStreamCreate, "ValueStreamCreateInput")
ValueStreamUpdateInput = input_type(ValueStreamUpdate, "ValueStreamUpdateInput", partial=True)


@strawberry.type
class Query:
    @strawberry.field(graphql_type=ValueStreamType | None)
    async def value_stream(self, info: Info, id: strawberry.ID) -> ValueStream:
        stream = await value_streams.get_value_stream(
            info.context.session, info.context.actor, parse_id(id)
        )
        return stream

    @strawberry.field(
        graphql_type=connection_of(ValueStreamType) | None,
        extensions=[Filters(ValueStreamFilter)],
    )
    async def value_streams(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        *,
        filters: ValueStreamFilter,
    ) -> Connection[ValueStream]:
        page = await value_streams.list_value_streams(
            info.context.session, info.context.actor, filters, limit=page_args(first), cursor=after
        )
        return connection(page)


@strawberry.type
class Mutation:
    @mutation(graphql_type=ValueStreamType | None)
    async def create_value_stream(
        self,
        info: Info,
        input: Annotated[object, strawberry.argument(graphql_type=ValueStreamCreateInput)],
    ) -> ValueStream:
        data = to_model(ValueStreamCreate, input)
        return await value_streams.create_value_stream(
            info.context.session, info.context.actor, data
        )

    @mutation(graphql_type=ValueStreamType | None)
    async def update_value_stream(
        self,
        info: Info,
        id: strawberry.ID,
        expected_version: int,
        input: Annotated[object, strawberry.argument(graphql_type=ValueStreamUpdateInput)],
    ) -> ValueStream:
        return await value_streams.update_value_stream(
            info.context.session,
            info.context.actor,
            parse_id(id),
            to_model(ValueStreamUpdate, input),
            expected_version=expected_version,
        )

    @mutation()
    async def delete_value_stream(
        self, info: Info, id: strawberry.ID, expected_version: int
    ) -> strawberry.ID | None:
        await value_streams.delete_value_stream(
            info.context.session,
            info.context.actor,
            parse_id(id),
            expected_version=expected_version,
        )
        return id

    @mutation(description="Move a value stream; `to` is a phase key or 'iterate'.")
    async def transition_value_stream(
        self,
        info: Info,
        id: strawberry.ID,
        expected_version: int,
        to: str,
        reason: str | None = None,
        force: bool = False,
        justification: str | None = None,
    ) -> TransitionPayload | None:
        data = TransitionCreate(to=to, reason=reason, force=force, justification=justification)
        stream, record = await workflow.transition(
            info.context.session,
            info.context.actor,
            parse_id(id),
            data,
            expected_version=expected_version,
        )
        return TransitionPayload(value_stream=stream, transition=record)

    @mutation(
        graphql_type=ValueStreamType | None,
        description="Create a value stream from its JSON export, as `export` answers it "
        "in the json format; `name` renames it.",
        directives=[Cost(weight=500)],
    )
    async def import_value_stream(
        self, info: Info, document: JSON, name: str | None = None
    ) -> ValueStream:
        if not isinstance(document, dict):
            raise ValidationFailed("send the JSON export of a value stream", field="document")
        return await importing.import_value_stream(
            info.context.session, info.context.actor, document, name=name
        )


CHILDREN = [
    ChildSpec(
        "participant",
        engagement.participants,
        ParticipantCreate,
        ParticipantUpdate,
        ParticipantType,
    ),
    ChildSpec(
        "deliverable",
        engagement.deliverables,
        DeliverableCreate,
        DeliverableUpdate,
        DeliverableType,
    ),
    ChildSpec("risk", engagement.risks, RiskCreate, RiskUpdate, RiskType),
    ChildSpec(
        "action_item", engagement.action_items, ActionItemCreate, ActionItemUpdate, ActionItemType
    ),
    ChildSpec("signoff", engagement.signoffs, SignoffCreate, SignoffUpdate, SignoffType),
]

ChildMutation = strawberry.type(
    type(
        "ChildMutation",
        (),
        {name: field for spec in CHILDREN for name, field in child_mutations(spec).items()},
    )
)
