"""REST for a kind of value-stream record: a collection under its stream, items by id.

`/value-streams/{id}/participants` lists and creates; `/participants/{id}` reads,
changes (If-Match) and deletes (If-Match). Every kind gets exactly the same contract.
"""

import uuid
from collections.abc import Callable
from typing import Annotated, Any

from litestar import Controller, Response, delete, get, patch, post
from litestar.di import Provide
from litestar.params import FromPath
from sqlmodel import SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession

from api.rest.common import DEFAULT_LIMIT, CursorParam, LimitParam, PageOut, page_out, versioned
from core.actor import Actor
from core.services.children import ChildService


def child_resource(
    *,
    segment: str,
    noun: str,
    service: ChildService[Any],
    create_model: type[SQLModel],
    update_model: type[SQLModel],
    read_model: type[SQLModel],
    filters: Callable[..., dict[str, Any]],
    parent_segment: str = "value-streams",
    shape: Callable[[Any], Any] | None = None,
) -> list[type[Controller]]:
    """Two controllers for one kind; `filters` is a dependency declaring its query parameters.

    `shape` turns a stored row into the answer when the read model needs more than
    the row's attributes (a step's durations in ISO 8601, say).
    """
    read: Any = read_model
    to_read = shape or (lambda obj: read_model.model_validate(obj, from_attributes=True))
    create_body: Any = create_model
    update_body: Any = update_model
    tag = segment.replace("-", " ")

    class Collection(Controller):
        path = f"/{parent_segment}/{{parent_id:uuid}}/{segment}"
        tags = [tag]
        dependencies = {"filters": Provide(filters, sync_to_thread=False)}

        @get(operation_id=f"list_{noun}s", summary=f"List the {tag} of a value stream")
        async def list_children(
            self,
            session: AsyncSession,
            actor: Actor,
            parent_id: FromPath[uuid.UUID],
            filters: dict[str, Any],
            limit: Annotated[int, LimitParam] = DEFAULT_LIMIT,
            cursor: Annotated[str | None, CursorParam] = None,
        ) -> PageOut[read]:
            page = await service.list_page(
                session, actor, parent_id, filters=filters, limit=limit, cursor=cursor
            )
            return page_out(page, to_read)

        @post(operation_id=f"create_{noun}", summary=f"Add a {noun.replace('_', ' ')}")
        async def create_child(
            self,
            session: AsyncSession,
            actor: Actor,
            parent_id: FromPath[uuid.UUID],
            data: create_body,
        ) -> Response[read]:
            obj = await service.create(session, actor, parent_id, data)
            return versioned(
                to_read(obj), obj.version, status_code=201, location=f"/api/v1/{segment}/{obj.id}"
            )

    class Item(Controller):
        path = f"/{segment}/{{item_id:uuid}}"
        tags = [tag]

        @get(operation_id=f"get_{noun}", summary=f"Get a {noun.replace('_', ' ')}")
        async def get_child(
            self, session: AsyncSession, actor: Actor, item_id: FromPath[uuid.UUID]
        ) -> Response[read]:
            obj = await service.get(session, actor, item_id)
            return versioned(to_read(obj), obj.version)

        @patch(operation_id=f"update_{noun}", summary="Change it (If-Match required)")
        async def update_child(
            self,
            session: AsyncSession,
            actor: Actor,
            item_id: FromPath[uuid.UUID],
            data: update_body,
            expected_version: int,
        ) -> Response[read]:
            obj = await service.update(
                session, actor, item_id, data, expected_version=expected_version
            )
            return versioned(to_read(obj), obj.version)

        @delete(operation_id=f"delete_{noun}", summary="Delete it (If-Match required)")
        async def delete_child(
            self,
            session: AsyncSession,
            actor: Actor,
            item_id: FromPath[uuid.UUID],
            expected_version: int,
        ) -> None:
            await service.delete(session, actor, item_id, expected_version=expected_version)

    Collection.__name__ = f"{noun.title().replace('_', '')}CollectionController"
    Item.__name__ = f"{noun.title().replace('_', '')}Controller"
    return [Collection, Item]
