"""What is derived from a value stream's records, kept between requests under its revision.

A portfolio of a hundred streams would otherwise gather every stream's gate facts,
backlog counts and targets on every request. The database keeps a revision per stream
(the sum of its weights in `core.models.stream_change`), which triggers move in the
transaction of every write to what those are read from, whatever code or foreign key
made it. A value kept here is
keyed by the stream, its version (phase, cycle and owner are the stream's own), its
revision and what else it was computed with (the playbook), so a key names exactly one
state of the stream: a write moves the revision and the next read computes afresh, in
every worker process, with nothing to forget.

Two rules keep it exact:

- the revision is read before what is derived from it, so a value kept under a
  revision never predates it (at worst, a read between a commit and its revision
  being read keeps a newer state under the older number, which no later read sees);
- only read-only units keep values or use kept ones. A writing unit sees its own
  uncommitted changes in its revision, which another transaction's different change
  may reach once this one rolls back, or before it commits; its gates (a transition's
  check) are always computed afresh.
"""

import threading
import uuid
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable, Sequence
from typing import Any, Generic, TypeVar

from sqlalchemy import ColumnElement, true
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.expression import Select

from core.memo import memo_of
from core.models.stream_change import StreamChange
from core.models.value_stream import ValueStream
from core.unit_of_work import UNIT, UnitOfWork

K = TypeVar("K", bound=Hashable)
T = TypeVar("T")
V = TypeVar("V")


class Recent(Generic[V]):
    """The most recently used values of this process, at most `size` of them."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._items: OrderedDict[Hashable, V] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> V | None:
        with self._lock:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
            return value

    def put(self, key: Hashable, value: V) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self._size:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


KEPT: Recent[Any] = Recent(10_000)
"""Two values per stream (its gate, its counts): a worker keeps 5,000 streams' worth, a
few kilobytes each."""


def _revision_key(stream: uuid.UUID) -> Hashable:
    return ("stream_change", stream)


async def revisions(session: AsyncSession, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, int]:
    """The streams' revisions, read once per unit of work until its next flush (or
    already read with the streams, `with_revisions`)."""

    async def read(missing: list[uuid.UUID]) -> dict[uuid.UUID, int | None]:
        rows = await session.exec(
            select(StreamChange.value_stream_id, func.sum(StreamChange.weight))
            .where(col(StreamChange.value_stream_id).in_(missing))
            .group_by(col(StreamChange.value_stream_id))
        )
        found: dict[uuid.UUID, int | None] = dict.fromkeys(missing)
        found.update(dict(rows.all()))
        return found

    read_ = await memo_of(session).batch({i: _revision_key(i) for i in ids}, read)
    return {i: r for i, r in read_.items() if r is not None}


def with_revisions(where: ColumnElement[bool] | None) -> Select[ValueStream, Any]:
    """The value streams `where` selects, each with its revision, in one statement.

    A page of the portfolio then reads its streams and their revisions together, instead
    of a statement for each: each costs the service more CPU than the database's work.
    It takes the WHERE clause of the streams' select rather than the select itself, so
    there is no FROM clause or join to lose; ordering and paging are added to the result.
    """
    revision = (
        select(func.sum(StreamChange.weight))
        .where(col(StreamChange.value_stream_id) == ValueStream.id)
        .scalar_subquery()
    )
    return select(ValueStream, revision).where(true() if where is None else where)


def read_with_streams(
    session: AsyncSession, rows: Sequence[tuple[ValueStream, int | None]]
) -> list[ValueStream]:
    """The streams of `with_revisions`'s rows; their revisions are this unit's from now on,
    read in the same snapshot as the streams, so before anything derived from them."""
    memo_of(session).known({_revision_key(stream.id): revision for stream, revision in rows})
    return [stream for stream, _ in rows]


def _may_keep(session: AsyncSession) -> bool:
    """Only a unit known to write nothing (a CLI's or a test's bare session is not one)."""
    unit = session.sync_session.info.get(UNIT)
    return isinstance(unit, UnitOfWork) and not unit.write


async def per_stream(
    session: AsyncSession,
    kind: Hashable,
    streams: Sequence[ValueStream],
    compute: Callable[[list[ValueStream]], Awaitable[dict[uuid.UUID, T]]],
) -> dict[uuid.UUID, T]:
    """`compute`'s answer per stream, kept ones taken as they are; `kind` names the value
    and everything besides the stream it depends on."""
    by_id = {s.id: s for s in streams}

    async def missing(ids: list[uuid.UUID]) -> dict[uuid.UUID, T]:
        return await compute([by_id[i] for i in ids])

    return await values(session, {s.id: (s.id, (kind, s.version)) for s in streams}, missing)


async def values(
    session: AsyncSession,
    keys: dict[K, tuple[uuid.UUID, Hashable]],
    compute: Callable[[list[K]], Awaitable[dict[K, T]]],
) -> dict[K, T]:
    """`compute`'s answer per item, kept ones taken as they are. `keys` gives each item's
    value stream and what else names its value (a kind, a version): a value derived from
    any of the stream's records, kept under the stream's revision."""
    if not keys:
        return {}
    if not _may_keep(session):
        return await compute(list(keys))
    current = await revisions(session, list({stream for stream, _ in keys.values()}))
    full = {
        item: (what, stream, current[stream])
        for item, (stream, what) in keys.items()
        if stream in current
    }
    found: dict[K, T] = {}
    for item, key in full.items():
        value = KEPT.get(key)
        if value is not None:
            found[item] = value
    missing = [item for item in keys if item not in found]
    if missing:
        computed = await compute(missing)
        for item in missing:
            if item in full and item in computed:
                KEPT.put(full[item], computed[item])
        found.update(computed)
    return found
