"""The context of one GraphQL request: caller, work bundle, DataLoaders, memo."""

from typing import Any

import msgspec
from sqlmodel.ext.asyncio.session import AsyncSession
from strawberry.dataloader import DataLoader
from strawberry.litestar import BaseContext
from strawberry.types import Info as StrawberryInfo

from api.state import AppState
from core.actor import Actor
from core.errors import Unauthenticated
from core.memo import Memo
from core.services.context import Work


class Context(BaseContext, kw_only=True):
    state: AppState | None = None
    actor_or_none: Actor | None = None
    work: Work | None = None
    """The operation's bundle, opened by the unit-of-work extension before resolvers run."""
    loaders: dict[str, DataLoader[Any, Any]] = msgspec.field(default_factory=dict)
    memo: Memo = msgspec.field(default_factory=Memo)
    """Gate facts and map metrics, computed once per request however many aliases ask."""
    replayed: bool = False
    """The answer is the stored one of an earlier request with the same Idempotency-Key."""
    retry_after: int | None = None
    """Set when the database was unavailable for every root field: the answer is a 503."""

    @property
    def actor(self) -> Actor:
        if self.actor_or_none is None:
            raise Unauthenticated("send an API token as 'Authorization: Bearer <token>'")
        return self.actor_or_none

    @property
    def session(self) -> AsyncSession:
        if self.work is None:
            raise RuntimeError("the unit-of-work extension opens the session before resolvers run")
        return self.work.session

    def loader(self, name: str, factory: Any) -> DataLoader[Any, Any]:
        """One DataLoader per kind per request, created on first use."""
        existing = self.loaders.get(name)
        if existing is None:
            existing = self.loaders[name] = factory(self)
        return existing


Info = StrawberryInfo[Context, None]
