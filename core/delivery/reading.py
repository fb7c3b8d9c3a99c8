"""Reading delivery data back: pages of work items, deployments and incidents, each with
its children fetched in one query for the whole page."""

import uuid
from collections import defaultdict
from datetime import datetime
from typing import Annotated, Any, TypeVar

from pydantic import AwareDatetime, Field
from sqlmodel import SQLModel, col
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.expression import SelectOfScalar

from core.actor import Actor
from core.delivery.kinds import CHANGE_TABLE, STATE_TABLE
from core.models.delivery import Deployment, Incident, WorkItem, WorkItemType
from core.models.delivery_input import DeploymentRead, IncidentRead, StateChangeRead, WorkItemRead
from core.models.value_stream import ValueStream
from core.pagination import Page, paginate
from core.selects import select_columns
from core.services import crud
from core.services.filters import ListFilter

R = TypeVar("R", bound=SQLModel)


Since = Annotated[AwareDatetime | None, Field(description="inclusive, ISO 8601 with zone")]
Until = Annotated[AwareDatetime | None, Field(description="exclusive, ISO 8601 with zone")]


class WorkItemFilter(ListFilter):
    type: WorkItemType | None = Field(
        default=None, description="the kind of work: feature, defect, risk or debt"
    )
    finished_since: Since = None
    finished_until: Until = None


class DeploymentFilter(ListFilter):
    succeeded: bool | None = Field(default=None, description="false: the deployment failed")
    deployed_since: Since = None
    deployed_until: Until = None


class IncidentFilter(ListFilter):
    resolved_since: Since = None
    resolved_until: Until = None


def _in_period(
    statement: SelectOfScalar[R],
    column: datetime | None,
    since: datetime | None,
    until: datetime | None,
) -> SelectOfScalar[R]:
    """Half-open like every period of the service: since inclusive, until exclusive."""
    if since is not None:
        statement = statement.where(col(column) >= since)
    if until is not None:
        statement = statement.where(col(column) < until)
    return statement


async def list_work_items(
    session: AsyncSession,
    actor: Actor,
    value_stream_id: uuid.UUID,
    filters: WorkItemFilter,
    *,
    limit: int,
    cursor: str | None,
) -> Page[WorkItemRead]:
    """A page of work items with their state changes (one query for the page's changes)."""
    await crud.get(session, actor, ValueStream, value_stream_id)
    statement = crud.scoped(WorkItem, actor).where(WorkItem.value_stream_id == value_stream_id)
    if filters.type is not None:
        statement = statement.where(WorkItem.type == filters.type.value)
    statement = _in_period(
        statement, WorkItem.finished_at, filters.finished_since, filters.finished_until
    )
    page = await paginate(session, statement, keys=[col(WorkItem.id)], limit=limit, cursor=cursor)
    states: dict[Any, list[StateChangeRead]] = defaultdict(list)
    if page.items:
        rows = await session.exec(
            select_columns(
                STATE_TABLE.c.work_item_id,
                STATE_TABLE.c.at,
                STATE_TABLE.c.state,
                STATE_TABLE.c.flag,
            )
            .where(STATE_TABLE.c.work_item_id.in_([item.id for item in page.items]))
            .order_by(STATE_TABLE.c.work_item_id, STATE_TABLE.c.at, STATE_TABLE.c.id)
        )
        for work_item_id, at, state, flag in rows:
            states[work_item_id].append(StateChangeRead(at=at, state=state, flag=flag))
    items = [
        WorkItemRead.model_validate(
            {
                **item.model_dump(warnings=False),
                "finished": item.finished_at,
                "state_changes": states[item.id],
            }
        )
        for item in page.items
    ]
    return page.with_items(items)


async def list_deployments(
    session: AsyncSession,
    actor: Actor,
    value_stream_id: uuid.UUID,
    filters: DeploymentFilter,
    *,
    limit: int,
    cursor: str | None,
) -> Page[DeploymentRead]:
    """A page of deployments with their commit times (one query for the page's changes)."""
    await crud.get(session, actor, ValueStream, value_stream_id)
    statement = crud.scoped(Deployment, actor).where(Deployment.value_stream_id == value_stream_id)
    if filters.succeeded is not None:
        statement = statement.where(Deployment.succeeded == filters.succeeded)
    statement = _in_period(
        statement, Deployment.deployed_at, filters.deployed_since, filters.deployed_until
    )
    page = await paginate(session, statement, keys=[col(Deployment.id)], limit=limit, cursor=cursor)
    commits: dict[Any, list[datetime]] = defaultdict(list)
    if page.items:
        rows = await session.exec(
            select_columns(CHANGE_TABLE.c.deployment_id, CHANGE_TABLE.c.committed_at)
            .where(CHANGE_TABLE.c.deployment_id.in_([item.id for item in page.items]))
            .order_by(CHANGE_TABLE.c.deployment_id, CHANGE_TABLE.c.committed_at)
        )
        for deployment_id, committed_at in rows:
            commits[deployment_id].append(committed_at)
    items = [
        DeploymentRead.model_validate(
            {**item.model_dump(warnings=False), "commit_times": commits[item.id]}
        )
        for item in page.items
    ]
    return page.with_items(items)


async def list_incidents(
    session: AsyncSession,
    actor: Actor,
    value_stream_id: uuid.UUID,
    filters: IncidentFilter,
    *,
    limit: int,
    cursor: str | None,
) -> Page[IncidentRead]:
    await crud.get(session, actor, ValueStream, value_stream_id)
    statement = crud.scoped(Incident, actor).where(Incident.value_stream_id == value_stream_id)
    statement = _in_period(
        statement, Incident.resolved_at, filters.resolved_since, filters.resolved_until
    )
    page = await paginate(session, statement, keys=[col(Incident.id)], limit=limit, cursor=cursor)
    items = [IncidentRead.model_validate(item.model_dump(warnings=False)) for item in page.items]
    return page.with_items(items)
