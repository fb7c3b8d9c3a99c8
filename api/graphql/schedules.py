"""GraphQL for scheduled readouts (admin): schedules and their deliveries."""

from typing import Annotated

import strawberry

from api.graphql.children import mutation
from api.graphql.context import Info
from api.graphql.convert import input_type, output_type
from api.graphql.foundation import parse_id
from api.graphql.inputs import Filters, to_model
from api.graphql.relay import Connection, connection, connection_of, page_args
from core.models.schedule import (
    ReadoutDelivery,
    ReadoutDeliveryRead,
    ReadoutSchedule,
    ReadoutScheduleCreate,
    ReadoutScheduleRead,
    ReadoutScheduleUpdate,
)
from core.schedules import service as schedules

ReadoutScheduleType = output_type(ReadoutScheduleRead, "ReadoutSchedule")
ReadoutDeliveryType = output_type(ReadoutDeliveryRead, "ReadoutDelivery")
ReadoutScheduleCreateInput = input_type(
    ReadoutScheduleCreate, "ReadoutScheduleCreateInput", defaults=True
)
ReadoutScheduleUpdateInput = input_type(
    ReadoutScheduleUpdate, "ReadoutScheduleUpdateInput", partial=True
)


@strawberry.type
class Query:
    @strawberry.field(
        description="Admin only.",
        graphql_type=connection_of(ReadoutScheduleType) | None,
        extensions=[Filters(schedules.ScheduleFilter)],
    )
    async def readout_schedules(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        *,
        filters: schedules.ScheduleFilter,
    ) -> Connection[ReadoutSchedule]:
        page = await schedules.list_schedules(
            info.context.session, info.context.actor, filters, limit=page_args(first), cursor=after
        )
        return connection(page)

    @strawberry.field(description="Admin only.", graphql_type=ReadoutScheduleType | None)
    async def readout_schedule(self, info: Info, id: strawberry.ID) -> ReadoutSchedule:
        return await schedules.get_schedule(info.context.session, info.context.actor, parse_id(id))

    @strawberry.field(
        description="Admin only. A schedule's deliveries, the latest tick first.",
        graphql_type=connection_of(ReadoutDeliveryType) | None,
        extensions=[Filters(schedules.ReadoutDeliveryFilter)],
    )
    async def readout_deliveries(
        self,
        info: Info,
        schedule_id: strawberry.ID,
        first: int | None = None,
        after: str | None = None,
        *,
        filters: schedules.ReadoutDeliveryFilter,
    ) -> Connection[ReadoutDelivery]:
        page = await schedules.list_deliveries(
            info.context.session,
            info.context.actor,
            parse_id(schedule_id, "scheduleId"),
            filters,
            limit=page_args(first),
            cursor=after,
        )
        return connection(page)


@strawberry.type
class Mutation:
    @mutation(description="Admin only.", graphql_type=ReadoutScheduleType | None)
    async def create_readout_schedule(
        self,
        info: Info,
        input: Annotated[object, strawberry.argument(graphql_type=ReadoutScheduleCreateInput)],
    ) -> ReadoutSchedule:
        state = info.context.state
        assert state is not None
        return await schedules.create_schedule(
            info.context.session,
            info.context.actor,
            state.settings,
            state.exporters,
            to_model(ReadoutScheduleCreate, input),
        )

    @mutation(description="Admin only.", graphql_type=ReadoutScheduleType | None)
    async def update_readout_schedule(
        self,
        info: Info,
        id: strawberry.ID,
        expected_version: int,
        input: Annotated[object, strawberry.argument(graphql_type=ReadoutScheduleUpdateInput)],
    ) -> ReadoutSchedule:
        state = info.context.state
        assert state is not None
        return await schedules.update_schedule(
            info.context.session,
            info.context.actor,
            state.settings,
            state.exporters,
            parse_id(id),
            to_model(ReadoutScheduleUpdate, input),
            expected_version=expected_version,
        )

    @mutation(description="Admin only. Remove a schedule and its history.")
    async def delete_readout_schedule(
        self, info: Info, id: strawberry.ID, expected_version: int
    ) -> strawberry.ID | None:
        ident = parse_id(id)
        await schedules.delete_schedule(
            info.context.session, info.context.actor, ident, expected_version=expected_version
        )
        return strawberry.ID(str(ident))
