"""DataLoaders: each batches one kind of lookup per request, so lists cost one query a level."""

import uuid
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from strawberry.dataloader import DataLoader

from api.graphql.context import Context

Batch = Callable[[Context, list[uuid.UUID]], Awaitable[dict[uuid.UUID, Any]]]


def grouped(
    fetch: Batch, default: Callable[[], Any] = list
) -> Callable[[Context], DataLoader[Any, Any]]:
    """A loader factory: `fetch` returns a dict by key; missing keys get `default()`."""

    def factory(context: Context) -> DataLoader[Any, Any]:
        async def load(keys: Sequence[Any]) -> list[Any]:
            ids = [uuid.UUID(str(k)) for k in keys]
            found = await fetch(context, ids)
            return [found.get(i, default()) for i in ids]

        return DataLoader(load_fn=load)

    return factory


def load(
    context: Context, name: str, fetch: Batch, key: Any, default: Callable[[], Any] = list
) -> Any:
    """Load `key` through the request's loader called `name`, created on first use."""
    return context.loader(name, grouped(fetch, default)).load(key)
