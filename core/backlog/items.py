"""Backlog items as records: the rules every create and change of one must keep.

A committed item has an accountable owner, who is also its RACI A; its WSJF is stored
for sorting; what it refers to lies in its own value stream. Where it sits in the
backlog is `placement`'s job, which lists show it `listing`'s.
"""

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from core.actor import Actor
from core.backlog import listing, placement, raci
from core.backlog.ownership import BacklogStatus, RaciRole, is_committed
from core.backlog.references import same_stream_ids, stream_step_ids
from core.errors import ValidationFailed
from core.models.backlog import (
    WSJF_INPUTS,
    BacklogItem,
    Milestone,
    backlog_derived,
    item_wsjf,
)
from core.models.team import Team
from core.models.value_stream import ValueStream
from core.models.waste_finding import WasteFinding
from core.pagination import PageOrder
from core.services import crud, reads
from core.services.children import ChildService
from core.services.filters import ListFilter
from core.types import utcnow
from core.webhooks import events


class BacklogService(ChildService[BacklogItem]):
    """Items keep their place by a rank key, so moving one rewrites only that one.

    A new item's rank is chosen from the ranks around it, so creating one takes the
    stream's lock first (`crud.lock`), as a move does (`placement`).
    """

    async def prepare(
        self, session: AsyncSession, actor: Actor, parent: Any, values: dict[str, Any]
    ) -> dict[str, Any]:
        stream: ValueStream = parent
        await crud.lock(session, stream)
        after_id = values.pop("after_id", None)
        values = await self._checked(session, actor, stream.id, values)
        if is_committed(values["status"]) and values.get("owner_id") is None:
            raise _needs_owner()
        values["rank"] = await placement.rank_for_new_item(session, actor, stream.id, after_id)
        values["wsjf_sort"] = _wsjf_sort(values)
        values["done_at"] = done_at(values["status"])
        return values

    async def create(
        self, session: AsyncSession, actor: Actor, parent_id: uuid.UUID, data: Any
    ) -> Any:
        item = await super().create(session, actor, parent_id, data)
        if item.owner_id is not None:
            await raci.assign(session, actor, item, item.owner_id, RaciRole.A)
        return item

    def page_order(
        self, actor: Actor, parent_id: uuid.UUID, filters: ListFilter | None
    ) -> PageOrder[BacklogItem]:
        """In rank order, or by WSJF, as every list of a backlog (`listing`)."""
        return listing.page_order(actor, parent_id, listing.backlog_filter(filters))

    async def for_parents(
        self,
        session: AsyncSession,
        actor: Actor,
        parent_ids: Sequence[uuid.UUID],
        filters: ListFilter | None = None,
    ) -> dict[uuid.UUID, list[BacklogItem]]:
        chosen = listing.backlog_filter(filters)
        return await listing.items_of_streams(session, actor, parent_ids, chosen)

    async def check_change(
        self, session: AsyncSession, actor: Actor, obj: BacklogItem, changes: dict[str, Any]
    ) -> None:
        checked = await self._checked(session, actor, obj.value_stream_id, dict(changes))
        changes.clear()
        changes.update(checked)
        status = changes.get("status", obj.status)
        owner = changes.get("owner_id", obj.owner_id) if "owner_id" in changes else obj.owner_id
        if is_committed(status) and owner is None:
            raise _needs_owner()
        if "status" in changes and changes["status"] != obj.status:
            changes["done_at"] = done_at(changes["status"])
        if any(name in changes for name in WSJF_INPUTS):
            merged = {name: changes.get(name, getattr(obj, name)) for name in WSJF_INPUTS}
            changes["wsjf_sort"] = _wsjf_sort(merged)
        if "owner_id" in changes and changes["owner_id"] != obj.owner_id:
            await raci.replace_accountable(session, actor, obj, changes["owner_id"])

    async def changed(
        self, session: AsyncSession, actor: Actor, obj: BacklogItem, before: dict[str, Any]
    ) -> None:
        if "status" in before and before["status"] != obj.status:
            await events.emit(
                session,
                actor,
                "backlog_item.status_changed",
                {
                    "backlog_item_id": str(obj.id),
                    "value_stream_id": str(obj.value_stream_id),
                    "title": obj.title,
                    "from_status": str(before["status"]),
                    "to_status": str(obj.status),
                },
            )

    async def _checked(
        self, session: AsyncSession, actor: Actor, stream_id: uuid.UUID, values: dict[str, Any]
    ) -> dict[str, Any]:
        await crud.require_reference(session, actor, Team, values.get("team_id"), field="team_id")
        if values.get("milestone_id") is not None:
            milestone = await crud.require_reference(
                session, actor, Milestone, values["milestone_id"], field="milestone_id"
            )
            if milestone is not None and milestone.value_stream_id != stream_id:
                raise ValidationFailed(
                    "milestone_id is a milestone of another value stream", field="milestone_id"
                )
        if values.get("finding_ids") is not None:
            values["finding_ids"] = await same_stream_ids(
                session, actor, WasteFinding, values["finding_ids"], stream_id, "finding_ids"
            )
        if values.get("step_ids") is not None:
            values["step_ids"] = await stream_step_ids(
                session, actor, values["step_ids"], stream_id
            )
        if values.get("expected_effects") is not None:
            values["expected_effects"] = [
                e if isinstance(e, dict) else e.model_dump() for e in values["expected_effects"]
            ]
        return values


def done_at(status: str) -> datetime | None:
    """When an item reaching `status` now was done: now for done, nothing otherwise.

    Reopening an item clears it, so a realised effect is measured from the last time
    the item was done, never from a finish it no longer has.
    """
    return utcnow() if status == BacklogStatus.done else None


def _needs_owner() -> ValidationFailed:
    return ValidationFailed(
        "a committed item (ready, in progress, blocked or done) needs its accountable owner",
        field="owner_id",
    )


def _wsjf_sort(values: dict[str, Any]) -> float:
    score = item_wsjf(values)
    return score if score is not None else 0.0


items = BacklogService(
    BacklogItem,
    person_fields=["owner_id"],
    filters=listing.BacklogFilter,
    derived=reads.Derived(frozenset({"wsjf", "overdue"}), backlog_derived),
)
