"""What differs between work items, deployments and incidents on their way in.

Each kind has its own rules, says what a source sends about one record (everything
else stored follows from it), and shapes its row and child rows; the pipeline does
the rest alike for all three.
"""

import uuid
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pydantic import TypeAdapter
from sqlmodel.ext.asyncio.session import AsyncSession

from core.actor import Actor
from core.delivery.pipeline import Kind, ingest
from core.errors import FieldProblem
from core.ids import new_id
from core.metrics.work_states import StateChange, first_out_of_order, state_seconds
from core.models.base import table_of
from core.models.delivery import Deployment, DeploymentChange, Incident, WorkItem, WorkItemState
from core.models.delivery_input import (
    DeploymentInput,
    IncidentInput,
    IngestCounts,
    WorkItemInput,
)
from core.selects import select_columns

ITEM_TABLE = table_of(WorkItem)
STATE_TABLE = table_of(WorkItemState)
DEPLOYMENT_TABLE = table_of(Deployment)
CHANGE_TABLE = table_of(DeploymentChange)
INCIDENT_TABLE = table_of(Incident)


def _seconds(later: datetime, earlier: datetime) -> float:
    return (later - earlier).total_seconds()


# -- work items ----------------------------------------------------------------------------


def _work_item_rules(batch: str, items: list[WorkItemInput]) -> list[FieldProblem]:
    problems: list[FieldProblem] = []
    for index, item in enumerate(items):
        where = f"{batch}[{index}]"
        if item.started is not None and item.started < item.created:
            problems.append(FieldProblem(f"{where}.started", "is before created"))
        began = item.started or item.created
        if item.finished is not None and item.finished < began:
            problems.append(
                FieldProblem(f"{where}.finished", "is before started (or created, if not started)")
            )
        out_of_order = first_out_of_order(item.state_changes)
        if out_of_order is not None:
            problems.append(
                FieldProblem(
                    f"{where}.state_changes[{out_of_order}].at",
                    "is before the change listed before it: send state changes in time order",
                )
            )
    return problems


def _states(item: WorkItemInput) -> tuple[tuple[datetime, str, str], ...]:
    return tuple((s.at, s.state, s.flag.value) for s in item.state_changes)


def _work_item_sent(item: WorkItemInput) -> tuple[Any, ...]:
    return (item.type.value, item.title, item.created, item.started, item.finished, _states(item))


def _work_item_stored(row: Any, states: list[Any]) -> tuple[Any, ...]:
    return (row.type, row.title, row.created, row.started, row.finished_at, tuple(states))


async def _stored_states(session: AsyncSession, ids: list[Any]) -> dict[Any, list[Any]]:
    stored: dict[Any, list[Any]] = defaultdict(list)
    rows = await session.exec(
        select_columns(
            STATE_TABLE.c.work_item_id, STATE_TABLE.c.at, STATE_TABLE.c.state, STATE_TABLE.c.flag
        )
        .where(STATE_TABLE.c.work_item_id.in_(ids))
        .order_by(STATE_TABLE.c.work_item_id, STATE_TABLE.c.at, STATE_TABLE.c.id)
    )
    for work_item_id, at, state, flag in rows:
        stored[work_item_id].append((at, state, flag))
    return stored


def _work_item_row(
    item: WorkItemInput, actor: Actor, value_stream_id: uuid.UUID, now: datetime
) -> dict[str, Any]:
    """Flow, active, waiting and blocked seconds, computed once here.

    They stay unknown (null) until the item finishes, and active time stays unknown for
    items sent without state changes, so flow efficiency leaves them out rather than
    counting them idle (see `core.metrics.work_states`).
    """
    start_at = item.started or item.created
    flow = active = waiting = blocked = None
    if item.finished is not None:
        flow = _seconds(item.finished, start_at)
        changes = [StateChange(at=s.at, flag=s.flag.value) for s in item.state_changes]
        times = state_seconds(changes, start_at, item.finished)
        if times is not None:
            active, waiting, blocked = times.active, times.waiting, times.blocked
    return {
        "organization_id": actor.organization_id,
        "value_stream_id": value_stream_id,
        "external_id": item.external_id,
        "type": item.type.value,
        "title": item.title,
        "created": item.created,
        "started": item.started,
        "finished_at": item.finished,
        "start_at": start_at,
        "flow_seconds": flow,
        "active_seconds": active,
        "waiting_seconds": waiting,
        "blocked_seconds": blocked,
        "updated_at": now,
    }


def _state_rows(
    item: WorkItemInput, actor: Actor, _value_stream_id: uuid.UUID
) -> list[dict[str, Any]]:
    return [
        {
            "id": new_id(),
            "organization_id": actor.organization_id,
            "at": at,
            "state": state,
            "flag": flag,
        }
        for at, state, flag in _states(item)
    ]


WORK_ITEMS: Kind[WorkItemInput] = Kind(
    what="work items",
    batch="work_items",
    entity_type="work_item",
    adapter=TypeAdapter(list[WorkItemInput]),
    table=ITEM_TABLE,
    rules=_work_item_rules,
    sent=_work_item_sent,
    stored=_work_item_stored,
    row=_work_item_row,
    children=_state_rows,
    child_table=STATE_TABLE,
    child_key="work_item_id",
    stored_children=_stored_states,
)


# -- deployments ---------------------------------------------------------------------------


def _deployment_rules(batch: str, items: list[DeploymentInput]) -> list[FieldProblem]:
    problems: list[FieldProblem] = []
    for index, item in enumerate(items):
        for position, committed in enumerate(item.commit_times):
            if committed > item.deployed_at:
                problems.append(
                    FieldProblem(
                        f"{batch}[{index}].commit_times[{position}]",
                        "is after deployed_at: a change cannot ship before it is committed",
                    )
                )
    return problems


def _deployment_sent(item: DeploymentInput) -> tuple[Any, ...]:
    return (
        item.deployed_at,
        item.succeeded,
        item.caused_incident,
        item.incident_external_id,
        sorted(item.commit_times),
    )


def _deployment_stored(row: Any, commits: list[Any]) -> tuple[Any, ...]:
    return (
        row.deployed_at,
        row.succeeded,
        row.caused_incident,
        row.incident_external_id,
        sorted(commits),
    )


async def _stored_commits(session: AsyncSession, ids: list[Any]) -> dict[Any, list[Any]]:
    stored: dict[Any, list[Any]] = defaultdict(list)
    rows = await session.exec(
        select_columns(CHANGE_TABLE.c.deployment_id, CHANGE_TABLE.c.committed_at).where(
            CHANGE_TABLE.c.deployment_id.in_(ids)
        )
    )
    for deployment_id, committed_at in rows:
        stored[deployment_id].append(committed_at)
    return stored


def _deployment_row(
    item: DeploymentInput, actor: Actor, value_stream_id: uuid.UUID, now: datetime
) -> dict[str, Any]:
    return {
        "organization_id": actor.organization_id,
        "value_stream_id": value_stream_id,
        "external_id": item.external_id,
        "deployed_at": item.deployed_at,
        "succeeded": item.succeeded,
        "caused_incident": item.caused_incident,
        "incident_external_id": item.incident_external_id,
        "updated_at": now,
    }


def _change_rows(
    item: DeploymentInput, actor: Actor, value_stream_id: uuid.UUID
) -> list[dict[str, Any]]:
    """One row per commit, carrying the deployment's time and outcome, so lead time for
    changes is one indexed range over one table."""
    return [
        {
            "id": new_id(),
            "organization_id": actor.organization_id,
            "value_stream_id": value_stream_id,
            "committed_at": committed,
            "deployed_at": item.deployed_at,
            "succeeded": item.succeeded,
            "lead_seconds": _seconds(item.deployed_at, committed),
        }
        for committed in item.commit_times
    ]


DEPLOYMENTS: Kind[DeploymentInput] = Kind(
    what="deployments",
    batch="deployments",
    entity_type="deployment",
    adapter=TypeAdapter(list[DeploymentInput]),
    table=DEPLOYMENT_TABLE,
    rules=_deployment_rules,
    sent=_deployment_sent,
    stored=_deployment_stored,
    row=_deployment_row,
    children=_change_rows,
    child_table=CHANGE_TABLE,
    child_key="deployment_id",
    stored_children=_stored_commits,
)


# -- incidents -----------------------------------------------------------------------------


def _incident_rules(batch: str, items: list[IncidentInput]) -> list[FieldProblem]:
    return [
        FieldProblem(f"{batch}[{index}].resolved_at", "is before opened_at")
        for index, item in enumerate(items)
        if item.resolved_at is not None and item.resolved_at < item.opened_at
    ]


def _incident_sent(item: IncidentInput) -> tuple[Any, ...]:
    return (item.opened_at, item.resolved_at, item.deployment_external_id)


def _incident_stored(row: Any, _children: list[Any]) -> tuple[Any, ...]:
    return (row.opened_at, row.resolved_at, row.deployment_external_id)


def _incident_row(
    item: IncidentInput, actor: Actor, value_stream_id: uuid.UUID, now: datetime
) -> dict[str, Any]:
    restore = None if item.resolved_at is None else _seconds(item.resolved_at, item.opened_at)
    return {
        "organization_id": actor.organization_id,
        "value_stream_id": value_stream_id,
        "external_id": item.external_id,
        "opened_at": item.opened_at,
        "resolved_at": item.resolved_at,
        "restore_seconds": restore,
        "deployment_external_id": item.deployment_external_id,
        "updated_at": now,
    }


INCIDENTS: Kind[IncidentInput] = Kind(
    what="incidents",
    batch="incidents",
    entity_type="incident",
    adapter=TypeAdapter(list[IncidentInput]),
    table=INCIDENT_TABLE,
    rules=_incident_rules,
    sent=_incident_sent,
    stored=_incident_stored,
    row=_incident_row,
)


# -- the use cases -------------------------------------------------------------------------


async def ingest_work_items(
    session: AsyncSession, actor: Actor, value_stream_id: uuid.UUID, items: Sequence[Any]
) -> IngestCounts:
    """Create or update up to `MAX_BATCH` work items of a value stream, by external id."""
    return await ingest(session, actor, value_stream_id, items, WORK_ITEMS)


async def ingest_deployments(
    session: AsyncSession, actor: Actor, value_stream_id: uuid.UUID, items: Sequence[Any]
) -> IngestCounts:
    """Create or update up to `MAX_BATCH` deployments, with one change row per commit time.

    `caused_incident` is stored as the pipeline sent it, and a named incident as a link
    of its own: the change failure rate counts a link only once that incident exists
    (see `core.metrics.flow.failed_changes`).
    """
    return await ingest(session, actor, value_stream_id, items, DEPLOYMENTS)


async def ingest_incidents(
    session: AsyncSession, actor: Actor, value_stream_id: uuid.UUID, items: Sequence[Any]
) -> IngestCounts:
    """Create or update up to `MAX_BATCH` incidents; time to restore counts once resolved."""
    return await ingest(session, actor, value_stream_id, items, INCIDENTS)
