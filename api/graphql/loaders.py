"""DataLoaders: each batches one kind of lookup per request, so lists cost one query a level.

The lookups themselves are core's batch functions, `(session, actor, ids) -> {id: answer}`,
which keep to the caller's organization; this module only wires them to the request.
"""

import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, Protocol

from sqlmodel.ext.asyncio.session import AsyncSession
from strawberry.dataloader import DataLoader

from api.graphql.context import Context
from core.actor import Actor
from core.services.filters import ListFilter

Batch = Callable[[AsyncSession, Actor, list[uuid.UUID]], Awaitable[Mapping[uuid.UUID, Any]]]


class FilteredBatch(Protocol):
    """A batch function that also takes the list filter of its REST collection."""

    def __call__(
        self,
        session: AsyncSession,
        actor: Actor,
        ids: Sequence[uuid.UUID],
        /,
        filters: ListFilter | None = None,
    ) -> Awaitable[Mapping[uuid.UUID, Any]]: ...


def nothing() -> None:
    """The default of a loader whose missing keys answer None rather than an empty list."""
    return None


def grouped(
    fetch: Batch, default: Callable[[], Any] = list
) -> Callable[[Context], DataLoader[Any, Any]]:
    """A loader factory: `fetch` returns a dict by key; missing keys get `default()`."""

    def factory(context: Context) -> DataLoader[Any, Any]:
        async def load(keys: Sequence[Any]) -> list[Any]:
            ids = [uuid.UUID(str(k)) for k in keys]
            found = await fetch(context.session, context.actor, ids)
            return [found.get(i, default()) for i in ids]

        return DataLoader(load_fn=load)

    return factory


def load(
    context: Context, name: str, fetch: Batch, key: Any, default: Callable[[], Any] = list
) -> Any:
    """Load `key` through the request's loader called `name`, created on first use."""
    return context.loader(name, grouped(fetch, default)).load(key)


def load_filtered(
    context: Context, name: str, fetch: FilteredBatch, filters: ListFilter, key: Any
) -> Any:
    """Load `key` through a loader of its own per distinct filter, which core applies.

    Fields asking with different arguments in one request must not share a batch, so the
    loader's name carries the filters; fields asking alike still share one query.
    """
    given = filters.given()

    async def batch(
        session: AsyncSession, actor: Actor, ids: list[uuid.UUID]
    ) -> Mapping[uuid.UUID, Any]:
        return await fetch(session, actor, ids, filters)

    label = f"{name}?{sorted((field, repr(value)) for field, value in given.items())}"
    return load(context, label if given else name, batch, key)
