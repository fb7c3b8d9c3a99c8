"""what the event watcher last saw of each value stream

Revision ID: 0011d_stream_watch
Revises: 0011c_readout_schedules
Create Date: 2026-12-07 23:05:50.868516

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0011d_stream_watch"
down_revision: str | None = "0011c_readout_schedules"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "stream_watch",
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("value_stream_id", sa.Uuid(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("gate_passed", sa.Boolean(), nullable=False),
        sa.Column("overdue", sa.Boolean(), nullable=False),
        sa.Column(
            "target_statuses",
            sa.JSON().with_variant(postgresql.JSONB(), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "missed_milestones",
            sa.JSON().with_variant(postgresql.JSONB(), "postgresql"),
            nullable=False,
        ),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_stream_watch_organization_id_organization"),
        ),
        sa.ForeignKeyConstraint(
            ["value_stream_id"],
            ["value_stream.id"],
            name=op.f("fk_stream_watch_value_stream_id_value_stream"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("value_stream_id", name=op.f("pk_stream_watch")),
    )
    with op.batch_alter_table("stream_watch", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_stream_watch_checked_at"), ["checked_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_stream_watch_organization_id"), ["organization_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("stream_watch", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_stream_watch_organization_id"))
        batch_op.drop_index(batch_op.f("ix_stream_watch_checked_at"))

    op.drop_table("stream_watch")
