"""scheduled readouts: schedules and the history of their deliveries

Revision ID: 0011c_readout_schedules
Revises: 0011b_webhooks
Create Date: 2026-12-07 22:57:26.953878

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0011c_readout_schedules"
down_revision: str | None = "0011b_webhooks"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "readout_schedule",
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("cron", sa.String(length=100), nullable=False),
        sa.Column("timezone", sa.String(length=60), nullable=False),
        sa.Column("scope", sa.String(length=20), nullable=False),
        sa.Column(
            "value_stream_ids",
            sa.JSON().with_variant(postgresql.JSONB(), "postgresql"),
            nullable=False,
        ),
        sa.Column("format", sa.String(length=40), nullable=False),
        sa.Column("destination", sa.String(length=20), nullable=False),
        sa.Column(
            "recipients", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False
        ),
        sa.Column("directory", sa.String(length=500), nullable=True),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("next_run_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_readout_schedule_organization_id_organization"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_readout_schedule")),
    )
    with op.batch_alter_table("readout_schedule", schema=None) as batch_op:
        batch_op.create_index("ix_readout_schedule_due", ["enabled", "next_run_at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_readout_schedule_organization_id"), ["organization_id"], unique=False
        )

    op.create_table(
        "readout_delivery",
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("schedule_id", sa.Uuid(), nullable=False),
        sa.Column("tick", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "files", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False
        ),
        sa.Column("bytes", sa.Integer(), nullable=True),
        sa.Column("error", sa.String(length=2000), nullable=True),
        sa.Column("job_id", sa.Uuid(), nullable=True),
        sa.Column(
            "figures", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_readout_delivery_organization_id_organization"),
        ),
        sa.ForeignKeyConstraint(
            ["schedule_id"],
            ["readout_schedule.id"],
            name=op.f("fk_readout_delivery_schedule_id_readout_schedule"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_readout_delivery")),
        sa.UniqueConstraint(
            "schedule_id", "tick", name=op.f("uq_readout_delivery_schedule_id_tick")
        ),
    )
    with op.batch_alter_table("readout_delivery", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_readout_delivery_organization_id"), ["organization_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("readout_delivery", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_readout_delivery_organization_id"))

    op.drop_table("readout_delivery")
    with op.batch_alter_table("readout_schedule", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_readout_schedule_organization_id"))
        batch_op.drop_index("ix_readout_schedule_due")

    op.drop_table("readout_schedule")
