"""Ingest of delivery data (work items, deployments, incidents) and reading it back.

Trackers and pipelines resend what they already sent, thousands of records at a time,
so ingest is idempotent by ``(value_stream_id, external_id)``: a known record is
updated in place (its state changes or commits replaced), an identical one is left
alone, nothing is ever duplicated. Each batch costs a constant number of statements:
one read of the records already stored, one multi-row upsert, one delete and one
multi-row insert of the replaced children, whatever the batch size. Durations are
computed here, once, so the metrics stay plain aggregates in SQL.
"""

import uuid
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, TypeVar

from pydantic import AwareDatetime, BaseModel, TypeAdapter, ValidationError
from sqlalchemy import Table, delete, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel.ext.asyncio.session import AsyncSession

from core.actor import Actor
from core.errors import FieldProblem, ValidationFailed
from core.ids import new_id
from core.metrics.work_states import StateChange, first_out_of_order, state_seconds
from core.models.delivery import (
    Deployment,
    DeploymentChange,
    Incident,
    WorkItem,
    WorkItemState,
    WorkItemType,
)
from core.models.delivery_input import (
    MAX_BATCH,
    DeploymentInput,
    DeploymentRead,
    IncidentInput,
    IncidentRead,
    IngestCounts,
    StateChangeRead,
    WorkItemInput,
    WorkItemRead,
)
from core.models.value_stream import ValueStream
from core.pagination import Page, paginate
from core.services import audit, crud
from core.types import utcnow

MAX_PROBLEMS = 20
"""Problems named in one answer: enough to fix a feed, not a megabyte of errors."""

ITEM_TABLE: Table = WorkItem.__table__  # type: ignore[attr-defined]
STATE_TABLE: Table = WorkItemState.__table__  # type: ignore[attr-defined]
DEPLOYMENT_TABLE: Table = Deployment.__table__  # type: ignore[attr-defined]
CHANGE_TABLE: Table = DeploymentChange.__table__  # type: ignore[attr-defined]
INCIDENT_TABLE: Table = Incident.__table__  # type: ignore[attr-defined]

KEPT_ON_UPDATE = frozenset(
    {"id", "organization_id", "value_stream_id", "external_id", "created_at"}
)

M = TypeVar("M", bound=BaseModel)


# -- validation ----------------------------------------------------------------------------


def _where(loc: Iterable[Any], prefix: str = "items") -> str:
    """A pydantic location as a client reads it: ``items[12].state_changes[0].at``."""
    path = prefix
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else f".{part}"
    return path


def _refuse(what: str, problems: list[FieldProblem]) -> ValidationFailed:
    shown = problems[:MAX_PROBLEMS]
    detail = "; ".join(f"{p.field}: {p.message}" for p in shown)
    if len(problems) > len(shown):
        detail += f"; and {len(problems) - len(shown)} more"
    return ValidationFailed(f"the {what} are not valid: {detail}", problems=shown)


def _parse(adapter: TypeAdapter[list[M]], raw: Any, what: str) -> list[M]:
    """Validate a whole batch in one pass, naming each bad value by its index and field."""
    if isinstance(raw, Sequence) and not isinstance(raw, str | bytes) and len(raw) > MAX_BATCH:
        raise ValidationFailed(
            f"send at most {MAX_BATCH} {what} per request; this one has {len(raw)}",
            field="items",
        )
    try:
        return adapter.validate_python(raw)
    except ValidationError as exc:
        problems = [FieldProblem(_where(e["loc"]), e["msg"]) for e in exc.errors()]
        raise _refuse(what, problems) from exc


def _check_unique(items: Sequence[Any], problems: list[FieldProblem]) -> None:
    seen: dict[str, int] = {}
    for index, item in enumerate(items):
        first = seen.setdefault(item.external_id, index)
        if first != index:
            problems.append(
                FieldProblem(f"items[{index}].external_id", f"repeats items[{first}].external_id")
            )


_WORK_ITEMS = TypeAdapter(list[WorkItemInput])
_DEPLOYMENTS = TypeAdapter(list[DeploymentInput])
_INCIDENTS = TypeAdapter(list[IncidentInput])


def _seconds(later: datetime, earlier: datetime) -> float:
    return (later - earlier).total_seconds()


# -- writing -------------------------------------------------------------------------------


def _upsert(session: AsyncSession, table: Table) -> Any:
    """`INSERT .. ON CONFLICT (value_stream_id, external_id) DO UPDATE`, returning the ids.

    The ids returned are the stored ones, so a row another writer inserted between our
    read and our write is updated (and its children replaced) rather than duplicated.
    """
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        statement: Any = postgresql.insert(table)
    elif dialect == "sqlite":
        statement = sqlite.insert(table)
    else:  # pragma: no cover - the service runs on SQLite and PostgreSQL only
        raise NotImplementedError(f"bulk upsert is not written for {dialect}")
    changed = {c.name: statement.excluded[c.name] for c in table.c if c.name not in KEPT_ON_UPDATE}
    return statement.on_conflict_do_update(
        index_elements=[table.c.value_stream_id, table.c.external_id], set_=changed
    ).returning(table.c.id, table.c.external_id)


async def _existing(
    session: AsyncSession, table: Table, value_stream_id: uuid.UUID, external_ids: list[str]
) -> dict[str, Any]:
    """The stored rows of this batch's external ids, in one query."""
    if not external_ids:
        return {}
    rows = await session.exec(
        select(table).where(
            table.c.value_stream_id == value_stream_id, table.c.external_id.in_(external_ids)
        )
    )
    return {row.external_id: row for row in rows}


async def _write(
    session: AsyncSession,
    *,
    parent_table: Table,
    child_table: Table,
    child_key: str,
    rows: list[dict[str, Any]],
    children: Mapping[str, list[dict[str, Any]]],
    replace: set[str],
) -> set[str]:
    """Upsert `rows`, then replace the children of the rows in `replace` or that raced in.

    Answers the external ids that turned out to exist already although we read them as
    new (another writer got there first): they count as updated.
    """
    if not rows:
        return set()
    sent = {row["external_id"]: row["id"] for row in rows}
    stored = {
        r.external_id: r.id for r in await session.exec(_upsert(session, parent_table), params=rows)
    }
    raced = {ext for ext, ident in stored.items() if ident != sent[ext] and ext not in replace}
    stale = [stored[ext] for ext in replace | raced]
    if stale:
        column = child_table.c[child_key]
        await session.exec(delete(child_table).where(column.in_(stale)))
    child_rows = [
        {**child, child_key: stored[ext]} for ext, group in children.items() for child in group
    ]
    if child_rows:
        await session.exec(insert(child_table), params=child_rows)
    return raced


def _record(
    session: AsyncSession,
    actor: Actor,
    entity_type: str,
    value_stream_id: uuid.UUID,
    result: IngestCounts,
) -> IngestCounts:
    """One audit event per request that changed something, with the counts."""
    if result.created or result.updated:
        audit.record(
            session,
            actor,
            action="ingest",
            entity_type=entity_type,
            entity_id=value_stream_id,
            after=result.model_dump(),
        )
    return result


def _counts(sent: int, new: int, changed: int, raced: int) -> IngestCounts:
    return IngestCounts(
        created=new - raced, updated=changed + raced, unchanged=sent - new - changed
    )


async def _stream(session: AsyncSession, actor: Actor, value_stream_id: uuid.UUID) -> ValueStream:
    actor.require_write()
    return await crud.get(session, actor, ValueStream, value_stream_id)


# -- work items ----------------------------------------------------------------------------


def _work_item_problems(items: list[WorkItemInput]) -> list[FieldProblem]:
    problems: list[FieldProblem] = []
    _check_unique(items, problems)
    for index, item in enumerate(items):
        where = f"items[{index}]"
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


def _item_key(
    kind: str,
    title: str | None,
    created: datetime,
    started: datetime | None,
    finished: datetime | None,
    states: Sequence[tuple[datetime, str, str]],
) -> tuple[Any, ...]:
    """What a tracker sends about an item; everything else stored follows from it."""
    return (kind, title, created, started, finished, tuple(states))


def _work_item_row(
    item: WorkItemInput, actor: Actor, value_stream_id: uuid.UUID, now: datetime, ident: Any
) -> dict[str, Any]:
    start_at = item.started or item.created
    flow = active = waiting = blocked = None
    if item.finished is not None:
        flow = _seconds(item.finished, start_at)
        changes = [StateChange(at=s.at, flag=s.flag.value) for s in item.state_changes]
        times = state_seconds(changes, start_at, item.finished)
        if times is not None:
            active, waiting, blocked = times.active, times.waiting, times.blocked
    return {
        "id": ident,
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
        "created_at": now,
        "updated_at": now,
    }


async def ingest_work_items(
    session: AsyncSession, actor: Actor, value_stream_id: uuid.UUID, items: Sequence[Any]
) -> IngestCounts:
    """Create or update up to `MAX_BATCH` work items of a value stream, by external id.

    Flow, active, waiting and blocked seconds are computed here from the item's times
    and state changes (see `core.metrics.work_states`); they stay unknown (null) until
    the item finishes, and active time stays unknown for items sent without state
    changes, so flow efficiency leaves them out rather than counting them idle.
    """
    await _stream(session, actor, value_stream_id)
    batch = _parse(_WORK_ITEMS, items, "work items")
    problems = _work_item_problems(batch)
    if problems:
        raise _refuse("work items", problems)
    stored = await _existing(
        session, ITEM_TABLE, value_stream_id, [item.external_id for item in batch]
    )
    stored_states: dict[Any, list[tuple[datetime, str, str]]] = defaultdict(list)
    if stored:
        ids = [row.id for row in stored.values()]
        rows = await session.exec(
            select(
                STATE_TABLE.c.work_item_id,
                STATE_TABLE.c.at,
                STATE_TABLE.c.state,
                STATE_TABLE.c.flag,
            )
            .where(STATE_TABLE.c.work_item_id.in_(ids))
            .order_by(STATE_TABLE.c.work_item_id, STATE_TABLE.c.at, STATE_TABLE.c.id)
        )
        for row in rows:
            stored_states[row.work_item_id].append((row.at, row.state, row.flag))
    now = utcnow()
    writes: list[dict[str, Any]] = []
    children: dict[str, list[dict[str, Any]]] = {}
    replace: set[str] = set()
    new = 0
    for item in batch:
        states = [(s.at, s.state, s.flag.value) for s in item.state_changes]
        old = stored.get(item.external_id)
        if old is not None:
            sent_key = _item_key(
                item.type.value, item.title, item.created, item.started, item.finished, states
            )
            old_key = _item_key(
                old.type,
                old.title,
                old.created,
                old.started,
                old.finished_at,
                stored_states[old.id],
            )
            if sent_key == old_key:
                continue
            replace.add(item.external_id)
        else:
            new += 1
        writes.append(
            _work_item_row(
                item, actor, value_stream_id, now, old.id if old is not None else new_id()
            )
        )
        children[item.external_id] = [
            {
                "id": new_id(),
                "organization_id": actor.organization_id,
                "at": at,
                "state": state,
                "flag": flag,
            }
            for at, state, flag in states
        ]
    raced = await _write(
        session,
        parent_table=ITEM_TABLE,
        child_table=STATE_TABLE,
        child_key="work_item_id",
        rows=writes,
        children=children,
        replace=replace,
    )
    result = _counts(len(batch), new, len(replace), len(raced))
    return _record(session, actor, "work_item", value_stream_id, result)


# -- deployments ---------------------------------------------------------------------------


def _deployment_problems(items: list[DeploymentInput]) -> list[FieldProblem]:
    problems: list[FieldProblem] = []
    _check_unique(items, problems)
    for index, item in enumerate(items):
        for position, committed in enumerate(item.commit_times):
            if committed > item.deployed_at:
                problems.append(
                    FieldProblem(
                        f"items[{index}].commit_times[{position}]",
                        "is after deployed_at: a change cannot ship before it is committed",
                    )
                )
    return problems


async def ingest_deployments(
    session: AsyncSession, actor: Actor, value_stream_id: uuid.UUID, items: Sequence[Any]
) -> IngestCounts:
    """Create or update up to `MAX_BATCH` deployments, with one change row per commit time.

    `caused_incident` is stored as the pipeline sent it, and a named incident as a link
    of its own: the change failure rate counts a link only once that incident exists
    (see `core.metrics.flow.failed_changes`). The change rows carry the deployment's time
    and outcome, so lead time for changes is one indexed range over one table.
    """
    await _stream(session, actor, value_stream_id)
    batch = _parse(_DEPLOYMENTS, items, "deployments")
    problems = _deployment_problems(batch)
    if problems:
        raise _refuse("deployments", problems)
    stored = await _existing(
        session, DEPLOYMENT_TABLE, value_stream_id, [item.external_id for item in batch]
    )
    stored_commits: dict[Any, list[datetime]] = defaultdict(list)
    if stored:
        ids = [row.id for row in stored.values()]
        rows = await session.exec(
            select(CHANGE_TABLE.c.deployment_id, CHANGE_TABLE.c.committed_at).where(
                CHANGE_TABLE.c.deployment_id.in_(ids)
            )
        )
        for row in rows:
            stored_commits[row.deployment_id].append(row.committed_at)
    now = utcnow()
    writes: list[dict[str, Any]] = []
    children: dict[str, list[dict[str, Any]]] = {}
    replace: set[str] = set()
    new = 0
    for item in batch:
        caused = item.caused_incident
        old = stored.get(item.external_id)
        if old is not None:
            sent_key = (
                item.deployed_at,
                item.succeeded,
                caused,
                item.incident_external_id,
                sorted(item.commit_times),
            )
            old_key = (
                old.deployed_at,
                old.succeeded,
                old.caused_incident,
                old.incident_external_id,
                sorted(stored_commits[old.id]),
            )
            if sent_key == old_key:
                continue
            replace.add(item.external_id)
        else:
            new += 1
        writes.append(
            {
                "id": old.id if old is not None else new_id(),
                "organization_id": actor.organization_id,
                "value_stream_id": value_stream_id,
                "external_id": item.external_id,
                "deployed_at": item.deployed_at,
                "succeeded": item.succeeded,
                "caused_incident": caused,
                "incident_external_id": item.incident_external_id,
                "created_at": now,
                "updated_at": now,
            }
        )
        children[item.external_id] = [
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
    raced = await _write(
        session,
        parent_table=DEPLOYMENT_TABLE,
        child_table=CHANGE_TABLE,
        child_key="deployment_id",
        rows=writes,
        children=children,
        replace=replace,
    )
    result = _counts(len(batch), new, len(replace), len(raced))
    return _record(session, actor, "deployment", value_stream_id, result)


# -- incidents -----------------------------------------------------------------------------


def _incident_problems(items: list[IncidentInput]) -> list[FieldProblem]:
    problems: list[FieldProblem] = []
    _check_unique(items, problems)
    for index, item in enumerate(items):
        if item.resolved_at is not None and item.resolved_at < item.opened_at:
            problems.append(FieldProblem(f"items[{index}].resolved_at", "is before opened_at"))
    return problems


async def ingest_incidents(
    session: AsyncSession, actor: Actor, value_stream_id: uuid.UUID, items: Sequence[Any]
) -> IngestCounts:
    """Create or update up to `MAX_BATCH` incidents; time to restore counts once resolved."""
    await _stream(session, actor, value_stream_id)
    batch = _parse(_INCIDENTS, items, "incidents")
    problems = _incident_problems(batch)
    if problems:
        raise _refuse("incidents", problems)
    stored = await _existing(
        session, INCIDENT_TABLE, value_stream_id, [item.external_id for item in batch]
    )
    now = utcnow()
    writes: list[dict[str, Any]] = []
    replace: set[str] = set()
    new = 0
    for item in batch:
        old = stored.get(item.external_id)
        if old is not None:
            sent_key = (item.opened_at, item.resolved_at, item.deployment_external_id)
            old_key = (old.opened_at, old.resolved_at, old.deployment_external_id)
            if sent_key == old_key:
                continue
            replace.add(item.external_id)
        else:
            new += 1
        restore = None if item.resolved_at is None else _seconds(item.resolved_at, item.opened_at)
        writes.append(
            {
                "id": old.id if old is not None else new_id(),
                "organization_id": actor.organization_id,
                "value_stream_id": value_stream_id,
                "external_id": item.external_id,
                "opened_at": item.opened_at,
                "resolved_at": item.resolved_at,
                "restore_seconds": restore,
                "deployment_external_id": item.deployment_external_id,
                "created_at": now,
                "updated_at": now,
            }
        )
    raced: set[str] = set()
    if writes:
        sent = {row["external_id"]: row["id"] for row in writes}
        rows = await session.exec(_upsert(session, INCIDENT_TABLE), params=writes)
        raced = {r.external_id for r in rows if r.id != sent[r.external_id]} - replace
    result = _counts(len(batch), new, len(replace), len(raced))
    return _record(session, actor, "incident", value_stream_id, result)


# -- reading back --------------------------------------------------------------------------


class WorkItemFilter(BaseModel):
    type: WorkItemType | None = None
    finished_since: AwareDatetime | None = None
    finished_until: AwareDatetime | None = None


class DeploymentFilter(BaseModel):
    succeeded: bool | None = None
    deployed_since: AwareDatetime | None = None
    deployed_until: AwareDatetime | None = None


class IncidentFilter(BaseModel):
    resolved_since: AwareDatetime | None = None
    resolved_until: AwareDatetime | None = None


def _in_period(statement: Any, column: Any, since: datetime | None, until: datetime | None) -> Any:
    """Half-open like every period of the service: since inclusive, until exclusive."""
    if since is not None:
        statement = statement.where(column >= since)
    if until is not None:
        statement = statement.where(column < until)
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
    page = await paginate(session, statement, keys=[WorkItem.id], limit=limit, cursor=cursor)
    states: dict[Any, list[StateChangeRead]] = defaultdict(list)
    if page.items:
        rows = await session.exec(
            select(
                STATE_TABLE.c.work_item_id,
                STATE_TABLE.c.at,
                STATE_TABLE.c.state,
                STATE_TABLE.c.flag,
            )
            .where(STATE_TABLE.c.work_item_id.in_([item.id for item in page.items]))
            .order_by(STATE_TABLE.c.work_item_id, STATE_TABLE.c.at, STATE_TABLE.c.id)
        )
        for row in rows:
            states[row.work_item_id].append(
                StateChangeRead(at=row.at, state=row.state, flag=row.flag)
            )
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
    page = await paginate(session, statement, keys=[Deployment.id], limit=limit, cursor=cursor)
    commits: dict[Any, list[datetime]] = defaultdict(list)
    if page.items:
        rows = await session.exec(
            select(CHANGE_TABLE.c.deployment_id, CHANGE_TABLE.c.committed_at)
            .where(CHANGE_TABLE.c.deployment_id.in_([item.id for item in page.items]))
            .order_by(CHANGE_TABLE.c.deployment_id, CHANGE_TABLE.c.committed_at)
        )
        for row in rows:
            commits[row.deployment_id].append(row.committed_at)
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
    page = await paginate(session, statement, keys=[Incident.id], limit=limit, cursor=cursor)
    items = [IncidentRead.model_validate(item.model_dump(warnings=False)) for item in page.items]
    return page.with_items(items)
