"""GraphQL for the portfolio: every value stream's phase, timebox, gate, backlog and targets.

One entry joins what several areas know of a stream, as core's portfolio row does.
"""

from typing import Any

import strawberry

from api.graphql.context import Info
from api.graphql.convert import output_type, shaped
from api.graphql.cost import Cost
from api.graphql.engagement import ValueStreamType
from api.graphql.inputs import Filters
from api.graphql.relay import Connection, connection, connection_of, page_args
from api.graphql.workflow import GateType
from core.models.backlog import MilestoneProgress
from core.models.portfolio import PortfolioRow, TargetStatusCounts
from core.models.value_stream import ValueStream
from core.workflow import phases as workflow
from core.workflow.gates import GateResult

TargetCountsType = output_type(TargetStatusCounts, "TargetStatusCounts")
BacklogProgressType = output_type(MilestoneProgress, "BacklogProgress")


class _EntryOf:
    value_stream: ValueStream = strawberry.field(graphql_type=ValueStreamType)
    gate: GateResult = strawberry.field(graphql_type=GateType)
    backlog: MilestoneProgress = strawberry.field(graphql_type=BacklogProgressType)
    targets: TargetStatusCounts = strawberry.field(graphql_type=TargetCountsType)


PortfolioEntryType = output_type(
    PortfolioRow,
    "PortfolioEntry",
    _EntryOf,
    exclude=frozenset(PortfolioRow.model_fields)
    - {"phase_name", "days_in_phase", "timebox_days", "overdue", "blocking_criteria"},
    ahead=("value_stream",),
)


def _entry(entry: workflow.PortfolioEntry) -> Any:
    return shaped(
        PortfolioEntryType,
        entry.row,
        value_stream=entry.stream,
        gate=entry.gate,
        backlog=entry.backlog,
        targets=entry.row.targets,
    )


@strawberry.type
class Query:
    @strawberry.field(
        graphql_type=connection_of(PortfolioEntryType) | None,
        description="Every value stream's phase, cycle, timebox and blockers.",
        directives=[Cost(weight=10)],
        extensions=[Filters(workflow.PortfolioFilter)],
    )
    async def portfolio(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        *,
        filters: workflow.PortfolioFilter,
    ) -> Connection[object]:
        page = await workflow.portfolio(
            info.context.session, info.context.actor, filters, limit=page_args(first), cursor=after
        )
        entries = [_entry(e) for e in page.items]
        return connection(page.with_items(entries))
