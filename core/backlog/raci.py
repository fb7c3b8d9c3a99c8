"""Who is Responsible, Accountable, Consulted and Informed for a backlog item.

The item's owner is its one A: assigning an A sets the owner and changing the owner
replaces the A, so the two never disagree.
"""

import uuid
from collections import defaultdict
from collections.abc import Sequence

from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from core.actor import Actor
from core.backlog.ownership import RaciRole, is_committed
from core.errors import Conflict
from core.models.backlog import BacklogItem, RaciAssignment, RaciCreate
from core.models.person import Person
from core.services import crud


async def assign(
    session: AsyncSession, actor: Actor, item: BacklogItem, person_id: uuid.UUID, role: RaciRole
) -> RaciAssignment:
    return await crud.create(
        session, actor, RaciAssignment, {"item_id": item.id, "person_id": person_id, "role": role}
    )


async def replace_accountable(
    session: AsyncSession, actor: Actor, item: BacklogItem, person_id: uuid.UUID | None
) -> None:
    """The owner is the item's A: changing one changes the other."""
    for assignment in await raci_of(session, actor, item.id):
        if assignment.role == RaciRole.A:
            await crud.delete(session, actor, assignment, expected_version=None)
    if person_id is not None:
        await assign(session, actor, item, person_id, RaciRole.A)


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
    item = await crud.get(session, actor, BacklogItem, item_id)
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
    return await assign(session, actor, item, data.person_id, data.role)


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
        item = await crud.get(session, actor, BacklogItem, assignment.item_id)
        if is_committed(item.status):
            raise Conflict(
                "a committed item keeps its accountable person; name another owner first",
                field="role",
            )
        await crud.update(session, actor, item, {"owner_id": None}, expected_version=None)
    await crud.delete(session, actor, assignment, expected_version=expected_version)
