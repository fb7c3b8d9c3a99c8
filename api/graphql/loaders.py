"""DataLoaders: each batches one kind of lookup per request, so lists cost one query a level.

The lookups themselves are core's batch functions, `(session, actor, ids) -> {id: answer}`,
which keep to the caller's organization; this module only wires them to the request.
"""

import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession
from strawberry.dataloader import DataLoader

from api.graphql.context import Context
from core.actor import Actor

Batch = Callable[[AsyncSession, Actor, list[uuid.UUID]], Awaitable[Mapping[uuid.UUID, Any]]]


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
