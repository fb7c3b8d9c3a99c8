"""People of an organization: the owners, champions and participants of everything else."""

import uuid

from pydantic import Field
from sqlmodel import col, or_
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.expression import SelectOfScalar

from core.actor import Actor
from core.backlog.ownership import COMMITTED_STATUSES
from core.errors import Conflict
from core.models.backlog import BacklogItem
from core.models.person import Person, PersonCreate, PersonRead, PersonUpdate
from core.pagination import Page, paginate
from core.services import crud
from core.services.context import Work
from core.services.filters import ListFilter
from core.services.reads import get_one, read_page


class PersonFilter(ListFilter):
    q: str | None = Field(default=None, max_length=200, description="text in name or email")
    active: bool | None = Field(
        default=None, description="false: people who left, kept for the records they own"
    )
    email: str | None = Field(default=None, max_length=320, description="this email exactly")


async def create_person(session: AsyncSession, actor: Actor, data: PersonCreate) -> Person:
    return await crud.create(session, actor, Person, data)


async def get_person(session: AsyncSession, actor: Actor, person_id: uuid.UUID) -> Person:
    return await crud.get(session, actor, Person, person_id)


async def read_person(work: Work, person_id: uuid.UUID) -> PersonRead:
    return await get_one(work, Person, person_id, PersonRead)


async def list_people(
    session: AsyncSession, actor: Actor, filters: PersonFilter, *, limit: int, cursor: str | None
) -> Page[Person]:
    statement = _filtered(actor, filters)
    return await paginate(session, statement, keys=[col(Person.id)], limit=limit, cursor=cursor)


async def read_people(
    work: Work, filters: PersonFilter, *, limit: int, cursor: str | None
) -> Page[PersonRead]:
    statement = _filtered(work.actor, filters)
    return await read_page(
        work, Person, statement, keys=[col(Person.id)], limit=limit, cursor=cursor, into=PersonRead
    )


def _filtered(actor: Actor, filters: PersonFilter) -> SelectOfScalar[Person]:
    statement = crud.scoped(Person, actor)
    if filters.q:
        statement = statement.where(
            or_(crud.contains(Person.name, filters.q), crud.contains(Person.email, filters.q))
        )
    if filters.active is not None:
        statement = statement.where(Person.active == filters.active)
    if filters.email is not None:
        statement = statement.where(Person.email == filters.email)
    return statement


async def update_person(
    session: AsyncSession,
    actor: Actor,
    person_id: uuid.UUID,
    patch: PersonUpdate,
    *,
    expected_version: crud.ExpectedVersion,
) -> Person:
    person = await get_person(session, actor, person_id)
    return await crud.update(session, actor, person, patch, expected_version=expected_version)


async def delete_person(
    session: AsyncSession,
    actor: Actor,
    person_id: uuid.UUID,
    *,
    expected_version: crud.ExpectedVersion,
) -> None:
    person = await get_person(session, actor, person_id)
    owned = await session.exec(
        crud.scoped(BacklogItem, actor)
        .where(BacklogItem.owner_id == person.id)
        .where(col(BacklogItem.status).in_([s.value for s in COMMITTED_STATUSES]))
    )
    first = owned.first()
    if first is not None:
        raise Conflict(
            f"{person.name} is the accountable owner of committed backlog items such as "
            f"{first.title!r}; name other owners first",
            field="person_id",
        )
    await crud.delete(session, actor, person, expected_version=expected_version)
