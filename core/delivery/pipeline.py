"""The one ingest every kind of delivery record goes through.

Read the batch, check it whole, read what is stored of it in one query, leave alone
what is sent again unchanged, upsert the rest and replace their children, and audit
the counts. What differs per kind (its rules, what a tracker sends about a record,
its row and children) is a `Kind`, in `kinds`.
"""

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, Protocol, TypeVar

from pydantic import TypeAdapter
from sqlalchemy import Table
from sqlmodel.ext.asyncio.session import AsyncSession

from core.actor import Actor
from core.delivery.batches import parse, refuse, repeated_external_ids
from core.delivery.upserts import existing, write
from core.errors import FieldProblem
from core.foundation import audit
from core.ids import new_id
from core.models.delivery_input import IngestCounts
from core.models.value_stream import ValueStream
from core.services import crud
from core.types import utcnow


class Sourced(Protocol):
    """A record as a source sends it: its external id names it in that source."""

    @property
    def external_id(self) -> str: ...


M = TypeVar("M", bound=Sourced)

StoredChildren = Callable[[AsyncSession, list[Any]], Awaitable[dict[Any, list[Any]]]]


async def _no_children(_session: AsyncSession, _ids: list[Any]) -> dict[Any, list[Any]]:
    return {}


@dataclass(frozen=True)
class Kind(Generic[M]):
    """One kind of delivery record, as the ingest pipeline needs to know it.

    `batch` is the domain's name of a batch of them, which problems are named under
    (`work_items[3].finished`); `what` is how messages say it. `sent` and `stored` give
    what a source says about a record, from the input and from the stored row with its
    stored children; equal ones are left alone.
    """

    what: str
    batch: str
    entity_type: str
    adapter: TypeAdapter[list[M]]
    table: Table
    rules: Callable[[str, list[M]], list[FieldProblem]]
    sent: Callable[[M], tuple[Any, ...]]
    stored: Callable[[Any, list[Any]], tuple[Any, ...]]
    row: Callable[[M, Actor, uuid.UUID, datetime], dict[str, Any]]
    children: Callable[[M, Actor, uuid.UUID], list[dict[str, Any]]] | None = None
    child_table: Table | None = None
    child_key: str = ""
    stored_children: StoredChildren = _no_children


async def ingest(
    session: AsyncSession,
    actor: Actor,
    value_stream_id: uuid.UUID,
    raw: Any,
    kind: Kind[M],
) -> IngestCounts:
    """Create or update a batch of `kind` of a value stream, by external id."""
    actor.require_write()
    await crud.get(session, actor, ValueStream, value_stream_id)
    batch = parse(kind.adapter, raw, what=kind.what, batch=kind.batch)
    problems = repeated_external_ids(kind.batch, batch) + kind.rules(kind.batch, batch)
    if problems:
        raise refuse(kind.what, problems)
    stored = await existing(
        session, kind.table, value_stream_id, [item.external_id for item in batch]
    )
    stored_children = (
        await kind.stored_children(session, [row.id for row in stored.values()]) if stored else {}
    )
    now = utcnow()
    writes: list[dict[str, Any]] = []
    children: dict[str, list[dict[str, Any]]] = {}
    replace: set[str] = set()
    new = 0
    for item in batch:
        old = stored.get(item.external_id)
        if old is not None:
            if kind.sent(item) == kind.stored(old, stored_children.get(old.id, [])):
                continue
            replace.add(item.external_id)
        else:
            new += 1
        row = kind.row(item, actor, value_stream_id, now)
        writes.append({"id": old.id if old is not None else new_id(), **row, "created_at": now})
        if kind.children is not None:
            children[item.external_id] = kind.children(item, actor, value_stream_id)
    raced = await write(
        session,
        parent_table=kind.table,
        child_table=kind.child_table,
        child_key=kind.child_key,
        rows=writes,
        children=children,
        replace=replace,
    )
    result = IngestCounts(
        created=new - len(raced),
        updated=len(replace) + len(raced),
        unchanged=len(batch) - new - len(replace),
    )
    if result.created or result.updated:
        audit.record(
            session,
            actor,
            action="ingest",
            entity_type=kind.entity_type,
            entity_id=value_stream_id,
            after=result.model_dump(),
        )
    return result
