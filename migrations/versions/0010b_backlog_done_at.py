"""backlog items keep when they were done

Revision ID: 0010b_backlog_done_at
Revises: 0010a_data_box_rework_loops
Create Date: 2026-12-07 19:00:00.000000

An item's realised effect is measured before and after the day it was done, and the
backlog's throughput is the items done per day, so an item now keeps the time it last
reached done (`done_at`), cleared when it is reopened.

Items already done get theirs from the audit trail, which holds every earlier write of
an item with its status before and after: the last event that took the item to done
from another status (or created it done) dates it, unless a later event took it away
from done. An item done without such an event keeps null, which the service shows as
"done, but when is not known" rather than a guessed date.
"""

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.engine import Connection

from core.types import UTCDateTime

revision: str = "0010b_backlog_done_at"
down_revision: str | None = "0010a_data_box_rework_loops"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DONE = "done"
BATCH = 500

backlog_item = sa.table(
    "backlog_item",
    sa.column("id", sa.Uuid()),
    sa.column("status", sa.String()),
    sa.column("done_at", UTCDateTime()),
)
audit_event = sa.table(
    "audit_event",
    sa.column("id", sa.Uuid()),
    sa.column("entity_type", sa.String()),
    sa.column("entity_id", sa.Uuid()),
    sa.column("before", sa.JSON()),
    sa.column("after", sa.JSON()),
    sa.column("at", UTCDateTime()),
)


def _status(picture: Any) -> str | None:
    return picture.get("status") if isinstance(picture, dict) else None


def last_done(events: Sequence[Any]) -> datetime | None:
    """When the events (oldest first) last took an item to done and left it there."""
    found: datetime | None = None
    for event in events:
        after = _status(event.after)
        if after == DONE and _status(event.before) != DONE:
            found = event.at
        elif after is not None and after != DONE:
            found = None
    return found


def backfill_done_at(connection: Connection) -> int:
    """Date every done item its audit trail can date; answers how many were dated."""
    done_ids = list(
        connection.execute(
            sa.select(backlog_item.c.id).where(backlog_item.c.status == DONE)
        ).scalars()
    )
    dated = []
    for offset in range(0, len(done_ids), BATCH):
        chunk = done_ids[offset : offset + BATCH]
        events = connection.execute(
            sa.select(
                audit_event.c.entity_id, audit_event.c.before, audit_event.c.after, audit_event.c.at
            )
            .where(audit_event.c.entity_type == "backlog_item")
            .where(audit_event.c.entity_id.in_(chunk))
            .order_by(audit_event.c.entity_id, audit_event.c.at, audit_event.c.id)
        ).all()
        by_item: dict[Any, list[Any]] = {}
        for event in events:
            by_item.setdefault(event.entity_id, []).append(event)
        for item_id, trail in by_item.items():
            when = last_done(trail)
            if when is not None:
                dated.append({"item_id": item_id, "when": when})
    if dated:
        connection.execute(
            backlog_item.update()
            .where(backlog_item.c.id == sa.bindparam("item_id"))
            .values(done_at=sa.bindparam("when", type_=UTCDateTime())),
            dated,
        )
    return len(dated)


def upgrade() -> None:
    """A plain ALTER on both databases: SQLite's batch mode would rebuild the table and
    lose the stream-change triggers on it (0009e)."""
    op.add_column("backlog_item", sa.Column("done_at", sa.DateTime(timezone=True), nullable=True))
    backfill_done_at(op.get_bind())


def downgrade() -> None:
    op.drop_column("backlog_item", "done_at")
