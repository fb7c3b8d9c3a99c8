"""Shapes shared by every REST controller: pages, ETags, created answers."""

import functools
from typing import Any, Generic, TypeVar

from litestar import MediaType, Response
from litestar.params import Parameter
from litestar.status_codes import HTTP_201_CREATED
from pydantic import BaseModel

from api.deps import etag
from core.pagination import DEFAULT_LIMIT, MAX_LIMIT, Page
from core.ranges import INT32_MAX

__all__ = [
    "DEFAULT_LIMIT",
    "CursorParam",
    "CycleParam",
    "LimitParam",
    "PageOut",
    "json_response",
    "page_out",
    "page_response",
    "versioned",
]

R = TypeVar("R", bound=BaseModel)

LimitParam = Parameter(ge=1, le=MAX_LIMIT, description=f"page size, at most {MAX_LIMIT}")
CursorParam = Parameter(max_length=512, description="`next_cursor` of the previous page")
CycleParam = Parameter(ge=1, le=INT32_MAX, description="a cycle of the engagement, from 1")


class PageOut(BaseModel, Generic[R]):
    items: list[R]
    next_cursor: str | None


def page_out(page: Page[Any], read: type[R]) -> PageOut[R]:
    items = [read.model_validate(item, from_attributes=True) for item in page.items]
    return PageOut[R](items=items, next_cursor=page.next_cursor)


@functools.cache
def _page_model(read: type[BaseModel]) -> type[PageOut[Any]]:
    """`PageOut[read]`, looked up here: subscribing a generic model costs pydantic more."""
    return PageOut[read]  # type: ignore[valid-type]


def page_response(page: Page[R], read: type[R]) -> Response[PageOut[R]]:
    """A page whose items are read models already: serialized once, by pydantic.

    The page model is made for the class the items are, which is the read model's
    plain twin when the rows came from the point reader (`core.services.reads`): pydantic
    passes an instance of the field's own class as it is, but validated a twin into the
    SQLModel read model again, which cost a quarter of a page of 100 people.
    """
    shown = type(page.items[0]) if page.items else read
    return json_response(_page_model(shown)(items=page.items, next_cursor=page.next_cursor))


def json_response(
    body: BaseModel, *, status_code: int = 200, headers: dict[str, str] | None = None
) -> Response[Any]:
    """The model as JSON by pydantic's own serializer: several times faster than
    Litestar's route through `model_dump` and msgspec, for the same document."""
    return Response(
        body.model_dump_json(by_alias=False).encode(),
        status_code=status_code,
        headers=headers,
        media_type=MediaType.JSON,
    )


def versioned(
    body: Any, version: int, *, status_code: int = 200, location: str | None = None
) -> Response[Any]:
    headers = {"ETag": etag(version)}
    if location:
        headers["Location"] = location
    if isinstance(body, BaseModel):
        return json_response(body, status_code=status_code, headers=headers)
    return Response(body, status_code=status_code, headers=headers)


def read_response(obj: Any, read: type[R]) -> Response[R]:
    return versioned(read.model_validate(obj, from_attributes=True), obj.version)


def created_response(obj: Any, read: type[R], location: str) -> Response[R]:
    return versioned(
        read.model_validate(obj, from_attributes=True),
        obj.version,
        status_code=HTTP_201_CREATED,
        location=location,
    )
