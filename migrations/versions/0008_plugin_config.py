"""each organization's configuration of its plugins

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-12 10:00:00.000000

"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "plugin_config",
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("plugin", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("data", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_plugin_config_organization_id_organization"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plugin_config")),
        sa.UniqueConstraint(
            "organization_id", "plugin", name=op.f("uq_plugin_config_organization_id_plugin")
        ),
    )
    with op.batch_alter_table("plugin_config", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_plugin_config_organization_id"), ["organization_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("plugin_config", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_plugin_config_organization_id"))

    op.drop_table("plugin_config")
