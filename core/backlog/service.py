"""The transformation backlog: ranked items, WSJF, owners and RACI, dependencies, milestones."""

import uuid
from collections import defaultdict
from collections.abc import Sequence
from typing import Any, Literal

from pydantic import Field
from sqlmodel import col, func, or_, select
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.expression import SelectOfScalar

from core.actor import Actor
from core.backlog.ownership import BacklogStatus, RaciRole, has_cycle, is_committed
from core.backlog.ranking import key_between
from core.errors import Conflict, ValidationFailed, not_found
from core.metrics.wsjf import wsjf
from core.models.backlog import (
    BacklogDependency,
    BacklogItem,
    BacklogMove,
    ItemType,
    Milestone,
    MilestoneProgress,
    MilestoneRead,
    RaciAssignment,
    RaciCreate,
)
from core.models.person import Person
from core.models.team import Team
from core.models.value_stream import ValueStream
from core.models.value_stream_map import MapStep, ValueStreamMap
from core.models.waste_finding import WasteFinding
from core.pagination import Page, paginate
from core.services import crud
from core.services.children import ChildService
from core.services.filters import ListFilter
from core.types import utcnow

WSJF_INPUTS = ("business_value", "time_criticality", "risk_reduction", "job_size")


class BacklogFilter(ListFilter):
    status: BacklogStatus | None = Field(default=None, description="where the item stands")
    owner_id: uuid.UUID | None = Field(default=None, description="the person accountable for it")
    milestone_id: uuid.UUID | None = Field(
        default=None, description="the milestone it is planned for"
    )
    type: ItemType | None = Field(default=None, description="the kind of change it makes")
    overdue: bool | None = Field(
        default=None, description="true: past its due date and neither done nor dropped"
    )
    q: str | None = Field(default=None, max_length=200, description="text in title or description")
    sort: Literal["rank", "wsjf"] = Field(default="rank", description="rank or wsjf")


class BacklogService(ChildService[BacklogItem]):
    """Items keep their place by a rank key, so moving one rewrites only that one.

    A rank is chosen from the ranks around it, so two writers that read the same
    neighbours would choose the same rank: appends and moves take the stream's lock
    first (`crud.lock`) and so take turns; the schema refuses a shared rank besides.
    """

    async def prepare(
        self, session: AsyncSession, actor: Actor, parent: Any, values: dict[str, Any]
    ) -> dict[str, Any]:
        stream: ValueStream = parent
        await crud.lock(session, stream)
        after_id = values.pop("after_id", None)
        values = await self._checked(session, actor, stream.id, values)
        if is_committed(values["status"]) and values.get("owner_id") is None:
            raise _needs_owner()
        values["rank"] = await self._rank_after(session, actor, stream.id, after_id)
        values["wsjf_sort"] = _wsjf_sort(values)
        return values

    async def create(
        self, session: AsyncSession, actor: Actor, parent_id: uuid.UUID, data: Any
    ) -> Any:
        item = await super().create(session, actor, parent_id, data)
        if item.owner_id is not None:
            await _assign(session, actor, item, item.owner_id, RaciRole.A)
        return item

    async def list_page(
        self,
        session: AsyncSession,
        actor: Actor,
        parent_id: uuid.UUID,
        *,
        filters: ListFilter | None = None,
        limit: int,
        cursor: str | None,
    ) -> Page[BacklogItem]:
        return await list_items(
            session, actor, parent_id, _backlog_filter(filters), limit=limit, cursor=cursor
        )

    async def for_parents(
        self,
        session: AsyncSession,
        actor: Actor,
        parent_ids: Sequence[uuid.UUID],
        filters: ListFilter | None = None,
    ) -> dict[uuid.UUID, list[BacklogItem]]:
        """The backlogs of many streams in one query, narrowed and ordered as `list_items` is."""
        chosen = _backlog_filter(filters)
        grouped: dict[uuid.UUID, list[BacklogItem]] = defaultdict(list)
        if not parent_ids:
            return grouped
        statement = crud.scoped(BacklogItem, actor).where(
            col(BacklogItem.value_stream_id).in_(list(parent_ids))
        )
        keys = _sort_keys(chosen)
        if chosen.sort == "wsjf":
            ordered = _narrowed(statement, chosen).order_by(*(key.desc() for key in keys))
        else:
            ordered = _narrowed(statement, chosen).order_by(*keys)
        for row in await session.exec(ordered):
            grouped[row.value_stream_id].append(row)
        return grouped

    async def check_change(
        self, session: AsyncSession, actor: Actor, obj: BacklogItem, changes: dict[str, Any]
    ) -> None:
        checked = await self._checked(session, actor, obj.value_stream_id, dict(changes))
        changes.clear()
        changes.update(checked)
        status = changes.get("status", obj.status)
        owner = changes.get("owner_id", obj.owner_id) if "owner_id" in changes else obj.owner_id
        if is_committed(status) and owner is None:
            raise _needs_owner()
        if any(name in changes for name in WSJF_INPUTS):
            merged = {name: changes.get(name, getattr(obj, name)) for name in WSJF_INPUTS}
            changes["wsjf_sort"] = _wsjf_sort(merged)
        if "owner_id" in changes and changes["owner_id"] != obj.owner_id:
            await _replace_accountable(session, actor, obj, changes["owner_id"])

    async def _checked(
        self, session: AsyncSession, actor: Actor, stream_id: uuid.UUID, values: dict[str, Any]
    ) -> dict[str, Any]:
        await crud.require_reference(session, actor, Team, values.get("team_id"), field="team_id")
        if values.get("milestone_id") is not None:
            milestone = await crud.require_reference(
                session, actor, Milestone, values["milestone_id"], field="milestone_id"
            )
            if milestone is not None and milestone.value_stream_id != stream_id:
                raise ValidationFailed(
                    "milestone_id is a milestone of another value stream", field="milestone_id"
                )
        if values.get("finding_ids") is not None:
            values["finding_ids"] = await _same_stream_ids(
                session, actor, WasteFinding, values["finding_ids"], stream_id, "finding_ids"
            )
        if values.get("step_ids") is not None:
            values["step_ids"] = await _stream_step_ids(
                session, actor, values["step_ids"], stream_id
            )
        if values.get("expected_effects") is not None:
            values["expected_effects"] = [
                e if isinstance(e, dict) else e.model_dump() for e in values["expected_effects"]
            ]
        return values

    async def _rank_after(
        self, session: AsyncSession, actor: Actor, stream_id: uuid.UUID, after_id: uuid.UUID | None
    ) -> str:
        if after_id is None:
            last = await _neighbour_rank(session, stream_id, None, above=False)
            return key_between(last, None)
        anchor = await _item_of_stream(session, actor, after_id, stream_id, "after_id")
        upper = await _neighbour_rank(session, stream_id, anchor.rank, above=True)
        return key_between(anchor.rank, upper)


def _needs_owner() -> ValidationFailed:
    return ValidationFailed(
        "a committed item (ready, in progress, blocked or done) needs its accountable owner",
        field="owner_id",
    )


def _wsjf_sort(values: dict[str, Any]) -> float:
    score = wsjf(*(values.get(name) for name in WSJF_INPUTS), strict=False)
    return score if score is not None else 0.0


async def _same_stream_ids(
    session: AsyncSession,
    actor: Actor,
    model: Any,
    ids: Sequence[uuid.UUID],
    stream_id: uuid.UUID,
    field: str,
) -> list[str]:
    found = await crud.get_many(session, actor, model, list(ids))
    for ident in ids:
        row = found.get(ident)
        if row is None or row.value_stream_id != stream_id:
            raise ValidationFailed(f"{field}: {ident} is not in this value stream", field=field)
    return [str(i) for i in dict.fromkeys(ids)]


async def _stream_step_ids(
    session: AsyncSession, actor: Actor, ids: Sequence[uuid.UUID], stream_id: uuid.UUID
) -> list[str]:
    steps = await crud.get_many(session, actor, MapStep, list(ids))
    maps = await crud.get_many(
        session, actor, ValueStreamMap, list({s.map_id for s in steps.values()})
    )
    for ident in ids:
        step = steps.get(ident)
        if step is None or maps[step.map_id].value_stream_id != stream_id:
            raise ValidationFailed(
                f"step_ids: {ident} is not in this value stream", field="step_ids"
            )
    return [str(i) for i in dict.fromkeys(ids)]


async def _item_of_stream(
    session: AsyncSession, actor: Actor, item_id: uuid.UUID, stream_id: uuid.UUID, field: str
) -> BacklogItem:
    item = (await crud.get_many(session, actor, BacklogItem, [item_id])).get(item_id)
    if item is None or item.value_stream_id != stream_id:
        raise ValidationFailed(f"{field} names no item of this backlog", field=field)
    return item


async def _neighbour_rank(
    session: AsyncSession,
    stream_id: uuid.UUID,
    rank: str | None,
    *,
    above: bool,
    exclude: uuid.UUID | None = None,
) -> str | None:
    """The nearest rank above (or below) `rank` in the stream; None is the open end."""
    column = col(BacklogItem.rank)
    statement = select(func.min(column) if above else func.max(column)).where(
        BacklogItem.value_stream_id == stream_id
    )
    if rank is not None:
        statement = statement.where(column > rank if above else column < rank)
    if exclude is not None:
        statement = statement.where(BacklogItem.id != exclude)
    return (await session.exec(statement)).one()


items = BacklogService(BacklogItem, person_fields=["owner_id"], filters=BacklogFilter)


async def list_items(
    session: AsyncSession,
    actor: Actor,
    value_stream_id: uuid.UUID,
    filters: BacklogFilter,
    *,
    limit: int,
    cursor: str | None,
) -> Page[BacklogItem]:
    """In rank order, or by WSJF (highest first)."""
    await crud.get(session, actor, ValueStream, value_stream_id)
    statement = crud.scoped(BacklogItem, actor).where(
        BacklogItem.value_stream_id == value_stream_id
    )
    keys = _sort_keys(filters)
    return await paginate(
        session,
        _narrowed(statement, filters),
        keys=keys,
        limit=limit,
        cursor=cursor,
        descending=filters.sort == "wsjf",
    )


def _backlog_filter(filters: ListFilter | None) -> BacklogFilter:
    if filters is None:
        return BacklogFilter()
    if not isinstance(filters, BacklogFilter):
        raise TypeError(f"backlog items take BacklogFilter, not {type(filters).__name__}")
    return filters


def _sort_keys(filters: BacklogFilter) -> list[Any]:
    """Rank order, or WSJF; the id breaks ties so pages and batches order alike."""
    if filters.sort == "wsjf":
        return [col(BacklogItem.wsjf_sort), col(BacklogItem.id)]
    return [col(BacklogItem.rank), col(BacklogItem.id)]


def _narrowed(
    statement: SelectOfScalar[BacklogItem], filters: BacklogFilter
) -> SelectOfScalar[BacklogItem]:
    """The items a backlog filter keeps, for a page and for a batch of streams alike."""
    for name in ("status", "owner_id", "milestone_id", "type"):
        value = getattr(filters, name)
        if value is not None:
            statement = statement.where(getattr(BacklogItem, name) == value)
    if filters.q:
        statement = statement.where(
            or_(
                crud.contains(BacklogItem.title, filters.q),
                crud.contains(BacklogItem.description, filters.q),
            )
        )
    if filters.overdue is not None:
        late = (col(BacklogItem.due_date) < utcnow().date()) & col(BacklogItem.status).not_in(
            [BacklogStatus.done.value, BacklogStatus.dropped.value]
        )
        statement = statement.where(
            late if filters.overdue else ~late | col(BacklogItem.due_date).is_(None)
        )
    return statement


async def move(
    session: AsyncSession,
    actor: Actor,
    item_id: uuid.UUID,
    where: BacklogMove,
    *,
    expected_version: crud.ExpectedVersion,
) -> BacklogItem:
    """Give the item a rank between its new neighbours; nothing else is renumbered.

    After `after_id`, before `before_id`, or to the top when neither is given.
    """
    item = await items.get(session, actor, item_id)
    crud.check_version(item, expected_version)
    if where.after_id is not None and where.before_id is not None:
        raise ValidationFailed("give after_id or before_id, not both", field="after_id")
    if item.id in (where.after_id, where.before_id):
        raise ValidationFailed("an item cannot move next to itself", field="after_id")
    stream_id = item.value_stream_id
    await crud.lock(session, await crud.get(session, actor, ValueStream, stream_id))
    if where.after_id is not None:
        anchor = await _item_of_stream(session, actor, where.after_id, stream_id, "after_id")
        lower: str | None = anchor.rank
        upper = await _neighbour_rank(session, stream_id, lower, above=True, exclude=item.id)
    else:
        upper = None
        if where.before_id is not None:
            anchor = await _item_of_stream(session, actor, where.before_id, stream_id, "before_id")
            upper = anchor.rank
        else:
            upper = await _neighbour_rank(session, stream_id, None, above=True, exclude=item.id)
        lower = (
            await _neighbour_rank(session, stream_id, upper, above=False, exclude=item.id)
            if upper is not None
            else None
        )
    rank = key_between(lower, upper)
    return await crud.update(
        session, actor, item, {"rank": rank}, expected_version=expected_version, action="move"
    )


async def _assign(
    session: AsyncSession, actor: Actor, item: BacklogItem, person_id: uuid.UUID, role: RaciRole
) -> RaciAssignment:
    return await crud.create(
        session, actor, RaciAssignment, {"item_id": item.id, "person_id": person_id, "role": role}
    )


async def _replace_accountable(
    session: AsyncSession, actor: Actor, item: BacklogItem, person_id: uuid.UUID | None
) -> None:
    """The owner is the item's A: changing one changes the other."""
    for assignment in await raci_of(session, actor, item.id):
        if assignment.role == RaciRole.A:
            await crud.delete(session, actor, assignment, expected_version=None)
    if person_id is not None:
        await _assign(session, actor, item, person_id, RaciRole.A)


async def raci_of(session: AsyncSession, actor: Actor, item_id: uuid.UUID) -> list[RaciAssignment]:
    rows = await session.exec(
        crud.scoped(RaciAssignment, actor)
        .where(RaciAssignment.item_id == item_id)
        .order_by(col(RaciAssignment.id))
    )
    return list(rows)


async def raci_for_items(
    session: AsyncSession, actor: Actor, item_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[RaciAssignment]]:
    grouped: dict[uuid.UUID, list[RaciAssignment]] = defaultdict(list)
    if item_ids:
        rows = await session.exec(
            crud.scoped(RaciAssignment, actor).where(
                col(RaciAssignment.item_id).in_(list(item_ids))
            )
        )
        for row in rows:
            grouped[row.item_id].append(row)
    return grouped


async def add_raci(
    session: AsyncSession, actor: Actor, item_id: uuid.UUID, data: RaciCreate
) -> RaciAssignment:
    """An A assignment makes the person the owner; there is never more than one A."""
    actor.require_write()
    item = await items.get(session, actor, item_id)
    await crud.require_reference(session, actor, Person, data.person_id, field="person_id")
    current = await raci_of(session, actor, item.id)
    if any(a.person_id == data.person_id and a.role == data.role for a in current):
        raise Conflict("this person already has that role on the item", field="person_id")
    if data.role == RaciRole.A:
        if any(a.role == RaciRole.A for a in current):
            raise Conflict(
                "the item already has an accountable person; change the owner instead",
                field="role",
            )
        await crud.update(session, actor, item, {"owner_id": data.person_id}, expected_version=None)
    return await _assign(session, actor, item, data.person_id, data.role)


async def remove_raci(
    session: AsyncSession,
    actor: Actor,
    assignment_id: uuid.UUID,
    *,
    expected_version: crud.ExpectedVersion,
) -> None:
    """Removing the A clears the item's owner; the version is compared before that change."""
    assignment = await crud.get(session, actor, RaciAssignment, assignment_id)
    crud.check_version(assignment, expected_version)
    if assignment.role == RaciRole.A:
        item = await items.get(session, actor, assignment.item_id)
        if is_committed(item.status):
            raise Conflict(
                "a committed item keeps its accountable person; name another owner first",
                field="role",
            )
        await crud.update(session, actor, item, {"owner_id": None}, expected_version=None)
    await crud.delete(session, actor, assignment, expected_version=expected_version)


async def dependencies_of(
    session: AsyncSession, actor: Actor, item_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[uuid.UUID]]:
    grouped: dict[uuid.UUID, list[uuid.UUID]] = defaultdict(list)
    if item_ids:
        rows = await session.exec(
            crud.scoped(BacklogDependency, actor).where(
                col(BacklogDependency.item_id).in_(list(item_ids))
            )
        )
        for row in rows:
            grouped[row.item_id].append(row.depends_on_id)
    return grouped


async def add_dependency(
    session: AsyncSession, actor: Actor, item_id: uuid.UUID, depends_on_id: uuid.UUID
) -> BacklogDependency:
    """Dependencies stay a DAG: an edge that would close a loop is refused."""
    actor.require_write()
    item = await items.get(session, actor, item_id)
    await _item_of_stream(session, actor, depends_on_id, item.value_stream_id, "depends_on_id")
    rows = await session.exec(
        select(BacklogDependency.item_id, BacklogDependency.depends_on_id)
        .join(BacklogItem, col(BacklogItem.id) == col(BacklogDependency.item_id))
        .where(BacklogItem.value_stream_id == item.value_stream_id)
    )
    edges = [(str(a), str(b)) for a, b in rows]
    if (str(item_id), str(depends_on_id)) in edges:
        raise Conflict("this dependency already exists", field="depends_on_id")
    if has_cycle(edges, (str(item_id), str(depends_on_id))):
        raise ValidationFailed("this dependency would make a cycle", field="depends_on_id")
    return await crud.create(
        session, actor, BacklogDependency, {"item_id": item_id, "depends_on_id": depends_on_id}
    )


async def remove_dependency(
    session: AsyncSession, actor: Actor, item_id: uuid.UUID, depends_on_id: uuid.UUID
) -> None:
    actor.require_write()
    await items.get(session, actor, item_id)
    row = (
        await session.exec(
            crud.scoped(BacklogDependency, actor)
            .where(BacklogDependency.item_id == item_id)
            .where(BacklogDependency.depends_on_id == depends_on_id)
        )
    ).first()
    if row is None:
        raise not_found("dependency", depends_on_id)
    await crud.delete(session, actor, row, expected_version=None)


milestones = ChildService(Milestone, order=("due_date", "id"))


async def milestone_progress(
    session: AsyncSession, actor: Actor, milestone_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, MilestoneProgress]:
    """Done items over live (not dropped) items, per milestone of the caller's organization."""
    return await _progress(session, actor, BacklogItem.milestone_id, milestone_ids)


async def milestone_reads(
    session: AsyncSession, actor: Actor, rows: Sequence[Milestone]
) -> list[MilestoneRead]:
    """Milestones as clients read them, each with its progress."""
    progress = await milestone_progress(session, actor, [m.id for m in rows])
    return [
        MilestoneRead.model_validate({**m.model_dump(warnings=False), "progress": progress[m.id]})
        for m in rows
    ]


async def backlog_progress(
    session: AsyncSession, actor: Actor, stream_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, MilestoneProgress]:
    """The same count per value stream: the whole backlog is one milestone."""
    return await _progress(session, actor, BacklogItem.value_stream_id, stream_ids)


async def _progress(
    session: AsyncSession, actor: Actor, column: Any, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, MilestoneProgress]:
    """Every id asked for gets an answer, zeros when nothing of the caller's counts for it.

    The ids come from the caller, so the count is scoped to the caller's organization
    here rather than trusting that they were checked before.
    """
    if not ids:
        return {}
    rows = await session.exec(
        select(column, BacklogItem.status, func.count())
        .where(col(column).in_(list(ids)))
        .where(BacklogItem.organization_id == actor.organization_id)
        .group_by(column, BacklogItem.status)
    )
    counts: dict[uuid.UUID, dict[str, int]] = defaultdict(dict)
    for ident, status, n in rows:
        counts[ident][status] = n
    return {ident: _counted(counts.get(ident, {})) for ident in ids}


def _counted(by_status: dict[str, int]) -> MilestoneProgress:
    live = sum(n for s, n in by_status.items() if s != BacklogStatus.dropped)
    done = by_status.get(BacklogStatus.done.value, 0)
    return MilestoneProgress(
        items=live, done=done, percent=round(100 * done / live, 1) if live else None
    )
