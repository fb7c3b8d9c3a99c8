"""REST for the transformation backlog, its RACI and dependencies, and roadmap milestones."""

import uuid
from typing import Annotated

from litestar import Controller, Response, delete, get, post
from litestar.params import FromPath, Parameter
from sqlmodel.ext.asyncio.session import AsyncSession

from api.rest.children import child_resource
from api.rest.common import versioned
from core.actor import Actor
from core.backlog import dependencies, effects, placement, raci
from core.backlog.items import items
from core.backlog.milestones import milestone_reads, milestones
from core.metrics.effects import DEFAULT_WINDOW_DAYS, MAX_WINDOW_DAYS
from core.models.backlog import (
    BacklogCreate,
    BacklogMove,
    BacklogRead,
    BacklogUpdate,
    DependencyCreate,
    MilestoneCreate,
    MilestoneRead,
    MilestoneUpdate,
    RaciCreate,
    RaciRead,
    backlog_read,
)
from core.services.crud import ExpectedVersion

WindowDays = Annotated[
    int,
    Parameter(
        ge=1,
        le=MAX_WINDOW_DAYS,
        description="days of each window compared, before and after an item was done",
    ),
]


class BacklogActionsController(Controller):
    tags = ["backlog items"]

    @post(
        "/backlog-items/{item_id:uuid}/move",
        summary="Move an item after or before another, or to the top (If-Match)",
        status_code=200,
    )
    async def move_item(
        self,
        session: AsyncSession,
        actor: Actor,
        item_id: FromPath[uuid.UUID],
        data: BacklogMove,
        expected_version: ExpectedVersion,
    ) -> Response[BacklogRead]:
        item = await placement.move(
            session, actor, item_id, data, expected_version=expected_version
        )
        return versioned(backlog_read(item), item.version)

    @get(
        "/backlog-items/{item_id:uuid}/effects",
        summary="The item's expected effects, each beside the change measured before and "
        "after it was done",
        description=effects.RULE,
    )
    async def get_effects(
        self,
        session: AsyncSession,
        actor: Actor,
        item_id: FromPath[uuid.UUID],
        window_days: WindowDays = DEFAULT_WINDOW_DAYS,
    ) -> effects.ItemEffects:
        return await effects.item_effects(session, actor, item_id, window_days)

    @get(
        "/value-streams/{value_stream_id:uuid}/backlog-effects",
        summary="The done items that expected an effect, most recently done first, each "
        "beside the change measured",
        description=effects.RULE,
    )
    async def get_stream_effects(
        self,
        session: AsyncSession,
        actor: Actor,
        value_stream_id: FromPath[uuid.UUID],
        window_days: WindowDays = DEFAULT_WINDOW_DAYS,
    ) -> list[effects.ItemEffects]:
        return await effects.stream_effects(session, actor, value_stream_id, window_days)

    @get("/backlog-items/{item_id:uuid}/raci", summary="Who is R, A, C, I for the item")
    async def list_raci(
        self, session: AsyncSession, actor: Actor, item_id: FromPath[uuid.UUID]
    ) -> list[RaciRead]:
        await items.get(session, actor, item_id)
        rows = await raci.raci_of(session, actor, item_id)
        return [RaciRead.model_validate(r, from_attributes=True) for r in rows]

    @post(
        "/backlog-items/{item_id:uuid}/raci",
        summary="Assign a role; an A makes the person the owner (one A only)",
    )
    async def add_raci(
        self, session: AsyncSession, actor: Actor, item_id: FromPath[uuid.UUID], data: RaciCreate
    ) -> Response[RaciRead]:
        row = await raci.add_raci(session, actor, item_id, data)
        return versioned(
            RaciRead.model_validate(row, from_attributes=True), row.version, status_code=201
        )

    @delete("/raci/{assignment_id:uuid}", summary="Remove an assignment (If-Match)")
    async def remove_raci(
        self,
        session: AsyncSession,
        actor: Actor,
        assignment_id: FromPath[uuid.UUID],
        expected_version: ExpectedVersion,
    ) -> None:
        await raci.remove_raci(session, actor, assignment_id, expected_version=expected_version)

    @get("/backlog-items/{item_id:uuid}/dependencies", summary="Items this one depends on")
    async def list_dependencies(
        self, session: AsyncSession, actor: Actor, item_id: FromPath[uuid.UUID]
    ) -> list[uuid.UUID]:
        await items.get(session, actor, item_id)
        return (await dependencies.dependencies_of(session, actor, [item_id])).get(item_id, [])

    @post(
        "/backlog-items/{item_id:uuid}/dependencies",
        summary="Depend on another item of the same backlog (no cycles)",
    )
    async def add_dependency(
        self,
        session: AsyncSession,
        actor: Actor,
        item_id: FromPath[uuid.UUID],
        data: DependencyCreate,
    ) -> list[uuid.UUID]:
        await dependencies.add_dependency(session, actor, item_id, data.depends_on_id)
        return (await dependencies.dependencies_of(session, actor, [item_id])).get(item_id, [])

    @delete(
        "/backlog-items/{item_id:uuid}/dependencies/{depends_on_id:uuid}",
        summary="Drop a dependency",
    )
    async def remove_dependency(
        self,
        session: AsyncSession,
        actor: Actor,
        item_id: FromPath[uuid.UUID],
        depends_on_id: FromPath[uuid.UUID],
    ) -> None:
        await dependencies.remove_dependency(session, actor, item_id, depends_on_id)


CONTROLLERS = [
    *child_resource(
        segment="backlog-items",
        noun="backlog_item",
        service=items,
        create_model=BacklogCreate,
        update_model=BacklogUpdate,
        read_model=BacklogRead,
        shape=backlog_read,
    ),
    BacklogActionsController,
    *child_resource(
        segment="milestones",
        noun="milestone",
        service=milestones,
        create_model=MilestoneCreate,
        update_model=MilestoneUpdate,
        read_model=MilestoneRead,
        enrich=milestone_reads,
    ),
]
