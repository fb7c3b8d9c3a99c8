import uuid
from typing import Annotated

from litestar import Controller, Response, delete, get, patch, post
from litestar.params import FromPath
from sqlmodel.ext.asyncio.session import AsyncSession

from api.rest.common import (
    DEFAULT_LIMIT,
    CursorParam,
    LimitParam,
    PageOut,
    created_response,
    page_response,
    read_response,
    versioned,
)
from api.rest.filters import query_filters
from api.urls import resource_url
from core.actor import Actor
from core.foundation import people
from core.models.person import PersonCreate, PersonRead, PersonUpdate
from core.services.context import Work
from core.services.crud import ExpectedVersion


class PeopleController(Controller):
    path = "/people"
    tags = ["people"]

    @get(summary="List people", dependencies={"filters": query_filters(people.PersonFilter)})
    async def list_people(
        self,
        work: Work,
        limit: Annotated[int, LimitParam] = DEFAULT_LIMIT,
        cursor: Annotated[str | None, CursorParam] = None,
        *,
        filters: people.PersonFilter,
    ) -> Response[PageOut[PersonRead]]:
        page = await people.read_people(work, filters, limit=limit, cursor=cursor)
        return page_response(page, PersonRead)

    @post(summary="Create a person")
    async def create_person(
        self, session: AsyncSession, actor: Actor, data: PersonCreate
    ) -> Response[PersonRead]:
        person = await people.create_person(session, actor, data)
        return created_response(person, PersonRead, resource_url("people", person.id))

    @get("/{person_id:uuid}", summary="Get a person")
    async def get_person(self, work: Work, person_id: FromPath[uuid.UUID]) -> Response[PersonRead]:
        person = await people.read_person(work, person_id)
        return versioned(person, person.version)

    @patch("/{person_id:uuid}", summary="Change a person (If-Match required)")
    async def update_person(
        self,
        session: AsyncSession,
        actor: Actor,
        person_id: FromPath[uuid.UUID],
        data: PersonUpdate,
        expected_version: ExpectedVersion,
    ) -> Response[PersonRead]:
        person = await people.update_person(
            session, actor, person_id, data, expected_version=expected_version
        )
        return read_response(person, PersonRead)

    @delete("/{person_id:uuid}", summary="Delete a person (If-Match required)")
    async def delete_person(
        self,
        session: AsyncSession,
        actor: Actor,
        person_id: FromPath[uuid.UUID],
        expected_version: ExpectedVersion,
    ) -> None:
        await people.delete_person(session, actor, person_id, expected_version=expected_version)
