"""every rule behind a classifier's finding, the lead rule in words, and a severity to list by

Revision ID: 0009d_finding_rules
Revises: 0009b_list_indexes
Create Date: 2026-12-07 08:30:00.000000

Findings stored before this keep severity 0 and no rules: they were suggested one rule at
a time, and nothing stored says how confident the other rules were. Classifying the map
again adds nothing for them (they are known), so they list after the new ones.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0009d_finding_rules"
down_revision: str | None = "0009b_list_indexes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("waste_finding", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "rule_statement", sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=True
            )
        )
        batch_op.add_column(
            sa.Column(
                "rules", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=True
            )
        )
        batch_op.add_column(sa.Column("severity", sa.Float(), server_default="0", nullable=False))
        batch_op.create_index(
            "ix_waste_finding_map_severity", ["map_id", "severity", "id"], unique=False
        )
        batch_op.drop_index("ix_waste_finding_map_status")
        batch_op.create_index(
            "ix_waste_finding_map_status", ["map_id", "status", "severity", "id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("waste_finding", schema=None) as batch_op:
        batch_op.drop_index("ix_waste_finding_map_status")
        batch_op.create_index(
            "ix_waste_finding_map_status", ["map_id", "status", "id"], unique=False
        )
        batch_op.drop_index("ix_waste_finding_map_severity")
        batch_op.drop_column("severity")
        batch_op.drop_column("rules")
        batch_op.drop_column("rule_statement")
