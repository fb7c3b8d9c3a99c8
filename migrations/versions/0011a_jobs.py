"""background jobs kept in the application database

Revision ID: 0011a_jobs
Revises: 0010c_dora_benchmark
Create Date: 2026-12-07 22:31:28.177284

A job's file is kept in `job_output`, apart, so lists of jobs never read files.
Workers find due jobs by status and time (`ix_job_status_run_at`).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0011a_jobs"
down_revision: str | None = "0010c_dora_benchmark"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "job",
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=60), nullable=False),
        sa.Column("payload", JSON, nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("max_attempts", sa.Integer(), nullable=False),
        sa.Column("run_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("locked_by", sa.String(length=200), nullable=True),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(length=2000), nullable=True),
        sa.Column("result", JSON, nullable=True),
        sa.Column("output_bytes", sa.Integer(), nullable=True),
        sa.Column("output_media_type", sa.String(length=200), nullable=True),
        sa.Column("output_name", sa.String(length=300), nullable=True),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("token_id", sa.Uuid(), nullable=True),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_job_organization_id_organization"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_job")),
    )
    op.create_index(op.f("ix_job_organization_id"), "job", ["organization_id"], unique=False)
    op.create_index("ix_job_status_run_at", "job", ["status", "run_at"], unique=False)
    op.create_table(
        "job_output",
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("job_id", sa.Uuid(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["job_id"], ["job.id"], name=op.f("fk_job_output_job_id_job"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_job_output_organization_id_organization"),
        ),
        sa.PrimaryKeyConstraint("job_id", name=op.f("pk_job_output")),
    )
    op.create_index(
        op.f("ix_job_output_organization_id"), "job_output", ["organization_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_job_output_organization_id"), table_name="job_output")
    op.drop_table("job_output")
    op.drop_index("ix_job_status_run_at", table_name="job")
    op.drop_index(op.f("ix_job_organization_id"), table_name="job")
    op.drop_table("job")
