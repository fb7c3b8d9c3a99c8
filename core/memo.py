"""Derived facts computed once per unit of work: gate facts and map metrics.

One GraphQL request may ask for the portfolio under thirty aliases, or for a stream's
gate, its maps' metrics and its export side by side; each would gather the same gate
facts and compute the same map metrics again (over every step of a 15,000-step map).
A memo keeps them for the session of that request, keyed by what determines them: the
value stream or map and its version.

The memo lives in the session's `info`, so it lasts exactly one unit of work. Anything
the session writes (a flush) and any transaction or savepoint that ends forgets it, so
a mutation never reads facts from before its own change, nor from a change that was
rolled back.
"""

import asyncio
import uuid
from collections.abc import Awaitable, Callable, Hashable
from typing import Any, TypeVar, cast

from sqlalchemy import event
from sqlalchemy.orm import Session
from sqlmodel.ext.asyncio.session import AsyncSession

from core.maps.flowmap import FlowMap
from core.metrics.map_metrics import MapMetrics, compute_map_metrics

INFO_KEY = "valuestream.memo"
K = TypeVar("K")
T = TypeVar("T")


class Memo:
    """Values by key; an exception raised while computing one is remembered too."""

    def __init__(self) -> None:
        self._values: dict[Hashable, Any] = {}

    def __len__(self) -> int:
        return len(self._values)

    def clear(self) -> None:
        self._values.clear()

    def get(self, key: Hashable, compute: Callable[[], T]) -> T:
        if key not in self._values:
            try:
                self._values[key] = compute()
            except Exception as exc:
                self._values[key] = _Raised(exc)
        value = self._values[key]
        if isinstance(value, _Raised):
            raise value.error
        # Values of every kind share the memo; a key names one kind, computed as `compute` does.
        return cast(T, value)

    async def batch(
        self, keys: dict[K, Hashable], compute: Callable[[list[K]], Awaitable[dict[K, Any]]]
    ) -> dict[K, Any]:
        """Values for many items at once, each under its key.

        Items known already, or being computed by a concurrent caller (aliases resolve
        side by side), are awaited; the rest are computed in one call of `compute`.
        """
        loop = asyncio.get_running_loop()
        futures: dict[K, asyncio.Future[Any]] = {}
        mine: list[K] = []
        for item, key in keys.items():
            if key not in self._values:
                self._values[key] = loop.create_future()
                mine.append(item)
            futures[item] = self._values[key]
        if mine:
            try:
                computed = await compute(mine)
            except BaseException as exc:
                for item in mine:
                    self._values.pop(keys[item], None)
                    _fail(futures[item], exc)
                raise
            for item in mine:
                futures[item].set_result(computed[item])
        return {item: await future for item, future in futures.items()}

    def known(self, values: dict[Hashable, Any]) -> None:
        """Values read along with something else, taken by `batch` as if it had computed them;
        a key being computed or known already keeps its value."""
        loop = asyncio.get_running_loop()
        for key, value in values.items():
            if key not in self._values:
                settled = self._values[key] = loop.create_future()
                settled.set_result(value)

    def map_metrics(self, map_id: uuid.UUID, version: int, picture: FlowMap) -> MapMetrics:
        """The metrics of a map as it stands at `version` (raises for a map with a loop)."""
        return self.get(("map_metrics", map_id, version), lambda: compute_map_metrics(picture))


def _fail(future: "asyncio.Future[Any]", error: BaseException) -> None:
    if isinstance(error, Exception):
        future.set_exception(error)
        future.exception()  # retrieved here: a future nobody else awaits is no leak
    else:
        future.cancel()


class _Raised:
    def __init__(self, error: Exception) -> None:
        self.error = error


def attach(session: AsyncSession, memo: Memo) -> None:
    """Use `memo` for this session (a GraphQL request keeps its memo in its context)."""
    session.sync_session.info[INFO_KEY] = memo


def memo_of(session: AsyncSession) -> Memo:
    """The session's memo, made on first use; empty again while changes wait to be flushed."""
    sync = session.sync_session
    memo = sync.info.get(INFO_KEY)
    if memo is None:
        memo = sync.info[INFO_KEY] = Memo()
    elif sync.new or sync.dirty or sync.deleted:
        memo.clear()
    return memo


def _forget(session: Session, *_args: Any) -> None:
    memo = session.info.get(INFO_KEY)
    if memo is not None:
        memo.clear()


event.listen(Session, "after_flush", _forget)
event.listen(Session, "after_transaction_end", _forget)
