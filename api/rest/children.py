"""REST for a kind of value-stream record: a collection under its stream, items by id.

`/value-streams/{id}/participants` lists and creates; `/participants/{id}` reads,
changes (If-Match) and deletes (If-Match). Every kind gets exactly the same contract.
"""

import uuid
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from litestar import Controller, Response, delete, get, patch, post
from litestar.params import FromPath
from sqlmodel import SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession

from api.rest.common import (
    DEFAULT_LIMIT,
    CursorParam,
    LimitParam,
    PageOut,
    page_response,
    versioned,
)
from api.rest.filters import query_filters
from api.urls import resource_url
from core.actor import Actor
from core.services.children import ChildService
from core.services.context import Work
from core.services.crud import ExpectedVersion
from core.services.filters import ListFilter


def child_resource(
    *,
    segment: str,
    noun: str,
    service: ChildService[Any],
    create_model: type[SQLModel],
    update_model: type[SQLModel],
    read_model: type[SQLModel],
    parent_segment: str = "value-streams",
    shape: Callable[[Any], Any] | None = None,
    enrich: Callable[[AsyncSession, Actor, list[Any]], Awaitable[list[Any]]] | None = None,
) -> list[type[Controller]]:
    """Two controllers for one kind; the collection's query parameters are its service's filter.

    `shape` turns a stored row into the answer when the read model needs more than
    the row's attributes (a step's durations in ISO 8601, say); `enrich` does the same
    for many rows at once when it needs the database (a target's progress, say). A kind
    with neither, or whose service derives what `shape` adds (`ChildService.derived`),
    lists its rows as read models straight from the point reader, without an ORM
    object per row; the others need the objects their functions take.
    """
    read: Any = read_model
    to_read = shape or (lambda obj: read_model.model_validate(obj, from_attributes=True))

    async def answers(session: AsyncSession, actor: Actor, objs: list[Any]) -> list[Any]:
        if enrich is not None:
            return await enrich(session, actor, objs)
        return [to_read(obj) for obj in objs]

    async def answer(session: AsyncSession, actor: Actor, obj: Any, **kwargs: Any) -> Response[Any]:
        return versioned((await answers(session, actor, [obj]))[0], obj.version, **kwargs)

    create_body: Any = create_model
    update_body: Any = update_model
    tag = segment.replace("-", " ")

    class Collection(Controller):
        path = f"/{parent_segment}/{{parent_id:uuid}}/{segment}"
        tags = [tag]
        dependencies = {"filters": query_filters(service.filters)}

        if enrich is None and (shape is None or service.derived is not None):

            @get(operation_id=f"list_{noun}s", summary=f"List the {tag} of a value stream")
            async def list_children(
                self,
                work: Work,
                parent_id: FromPath[uuid.UUID],
                filters: ListFilter,
                limit: Annotated[int, LimitParam] = DEFAULT_LIMIT,
                cursor: Annotated[str | None, CursorParam] = None,
            ) -> Response[PageOut[read]]:
                page = await service.read_page(
                    work, parent_id, filters=filters, limit=limit, cursor=cursor, into=read_model
                )
                return page_response(page, read_model)

        else:

            @get(operation_id=f"list_{noun}s", summary=f"List the {tag} of a value stream")
            async def list_children(
                self,
                session: AsyncSession,
                actor: Actor,
                parent_id: FromPath[uuid.UUID],
                filters: ListFilter,
                limit: Annotated[int, LimitParam] = DEFAULT_LIMIT,
                cursor: Annotated[str | None, CursorParam] = None,
            ) -> PageOut[read]:
                page = await service.list_page(
                    session, actor, parent_id, filters=filters, limit=limit, cursor=cursor
                )
                return PageOut[read](
                    items=await answers(session, actor, page.items), next_cursor=page.next_cursor
                )

        @post(operation_id=f"create_{noun}", summary=f"Add a {noun.replace('_', ' ')}")
        async def create_child(
            self,
            session: AsyncSession,
            actor: Actor,
            parent_id: FromPath[uuid.UUID],
            data: create_body,
        ) -> Response[read]:
            obj = await service.create(session, actor, parent_id, data)
            location = resource_url(segment, obj.id)
            return await answer(session, actor, obj, status_code=201, location=location)

    class Item(Controller):
        path = f"/{segment}/{{item_id:uuid}}"
        tags = [tag]

        @get(operation_id=f"get_{noun}", summary=f"Get a {noun.replace('_', ' ')}")
        async def get_child(
            self, session: AsyncSession, actor: Actor, item_id: FromPath[uuid.UUID]
        ) -> Response[read]:
            return await answer(session, actor, await service.get(session, actor, item_id))

        @patch(operation_id=f"update_{noun}", summary="Change it (If-Match required)")
        async def update_child(
            self,
            session: AsyncSession,
            actor: Actor,
            item_id: FromPath[uuid.UUID],
            data: update_body,
            expected_version: ExpectedVersion,
        ) -> Response[read]:
            obj = await service.update(
                session, actor, item_id, data, expected_version=expected_version
            )
            return await answer(session, actor, obj)

        @delete(operation_id=f"delete_{noun}", summary="Delete it (If-Match required)")
        async def delete_child(
            self,
            session: AsyncSession,
            actor: Actor,
            item_id: FromPath[uuid.UUID],
            expected_version: ExpectedVersion,
        ) -> None:
            await service.delete(session, actor, item_id, expected_version=expected_version)

    Collection.__name__ = f"{noun.title().replace('_', '')}CollectionController"
    Item.__name__ = f"{noun.title().replace('_', '')}Controller"
    return [Collection, Item]
