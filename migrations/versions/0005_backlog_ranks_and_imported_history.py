"""backlog ranks unique per stream; imported history marked as imported

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06 22:30:00.000000

Concurrent writers on PostgreSQL could give two items of one stream the same rank.
Before the unique constraint goes on, every shared rank is repaired: the backlog
keeps the order it was shown in (rank, then id), the first item of each shared rank
keeps it and the others get ranks between it and the next one.

Phase transitions copied by an import now say so. Those copied by earlier imports are
marked too: they are the transitions of an imported stream older than the import's
audit event (ids are UUIDv7, so they sort by creation). Their actor columns are left
as they were, since nothing may be lost, but the mark says they are a document's word.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.engine import Connection

from core.backlog.ranking import distinct_keys

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

backlog_item = sa.table(
    "backlog_item",
    sa.column("id", sa.Uuid()),
    sa.column("value_stream_id", sa.Uuid()),
    sa.column("rank", sa.String()),
)


def repair_shared_ranks(connection: Connection) -> int:
    """Give every item of a stream its own rank, keeping the order; answers the items changed."""
    streams = connection.execute(
        sa.select(backlog_item.c.value_stream_id)
        .group_by(backlog_item.c.value_stream_id, backlog_item.c.rank)
        .having(sa.func.count() > 1)
        .distinct()
    ).scalars()
    changes = []
    for stream_id in sorted(set(streams)):
        rows = connection.execute(
            sa.select(backlog_item.c.id, backlog_item.c.rank).where(
                backlog_item.c.value_stream_id == stream_id
            )
        ).all()
        ordered = sorted(rows, key=lambda row: (row.rank, row.id))
        ranks = distinct_keys([row.rank for row in ordered])
        changes += [
            {"item_id": row.id, "new_rank": rank}
            for row, rank in zip(ordered, ranks, strict=True)
            if rank != row.rank
        ]
    if changes:
        connection.execute(
            backlog_item.update()
            .where(backlog_item.c.id == sa.bindparam("item_id"))
            .values(rank=sa.bindparam("new_rank")),
            changes,
        )
    return len(changes)


phase_transition = sa.table(
    "phase_transition",
    sa.column("id", sa.Uuid()),
    sa.column("value_stream_id", sa.Uuid()),
    sa.column("imported_at", sa.DateTime(timezone=True)),
    sa.column("imported_by_token_id", sa.Uuid()),
    sa.column("imported_by_person_id", sa.Uuid()),
)
audit_event = sa.table(
    "audit_event",
    sa.column("id", sa.Uuid()),
    sa.column("action", sa.String()),
    sa.column("entity_type", sa.String()),
    sa.column("entity_id", sa.Uuid()),
    sa.column("actor_token_id", sa.Uuid()),
    sa.column("actor_person_id", sa.Uuid()),
    sa.column("at", sa.DateTime(timezone=True)),
)


def mark_earlier_imports(connection: Connection) -> None:
    """Mark the transitions each earlier import copied, naming that import's caller."""
    imports = connection.execute(
        sa.select(audit_event)
        .where(audit_event.c.action == "import")
        .where(audit_event.c.entity_type == "value_stream")
    ).all()
    for event in imports:
        connection.execute(
            phase_transition.update()
            .where(phase_transition.c.value_stream_id == event.entity_id)
            .where(phase_transition.c.id < event.id)
            .where(phase_transition.c.imported_at.is_(None))
            .values(
                imported_at=event.at,
                imported_by_token_id=event.actor_token_id,
                imported_by_person_id=event.actor_person_id,
            )
        )


def upgrade() -> None:
    repair_shared_ranks(op.get_bind())
    with op.batch_alter_table("backlog_item", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_backlog_item_stream_rank"))
        batch_op.create_unique_constraint(
            batch_op.f("uq_backlog_item_value_stream_id_rank"), ["value_stream_id", "rank"]
        )

    with op.batch_alter_table("phase_transition", schema=None) as batch_op:
        batch_op.add_column(sa.Column("imported_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("imported_by_token_id", sa.Uuid(), nullable=True))
        batch_op.add_column(sa.Column("imported_by_person_id", sa.Uuid(), nullable=True))
    mark_earlier_imports(op.get_bind())


def downgrade() -> None:
    with op.batch_alter_table("phase_transition", schema=None) as batch_op:
        batch_op.drop_column("imported_by_person_id")
        batch_op.drop_column("imported_by_token_id")
        batch_op.drop_column("imported_at")

    with op.batch_alter_table("backlog_item", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_backlog_item_value_stream_id_rank"), type_="unique")
        batch_op.create_index(
            batch_op.f("ix_backlog_item_stream_rank"), ["value_stream_id", "rank"], unique=False
        )
