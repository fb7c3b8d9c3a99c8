"""each organization's thresholds of the DORA performance tiers

Revision ID: 0010c_dora_benchmark
Revises: 0010b_backlog_done_at
Create Date: 2026-12-07 19:00:00.000000

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0010c_dora_benchmark"
down_revision: str | None = "0010b_backlog_done_at"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "dora_benchmark",
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("data", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=True),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_dora_benchmark_organization_id_organization"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dora_benchmark")),
        sa.UniqueConstraint("organization_id", name=op.f("uq_dora_benchmark_organization_id")),
    )
    with op.batch_alter_table("dora_benchmark", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_dora_benchmark_organization_id"), ["organization_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("dora_benchmark", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_dora_benchmark_organization_id"))

    op.drop_table("dora_benchmark")
