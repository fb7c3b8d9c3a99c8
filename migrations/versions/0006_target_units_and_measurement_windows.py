"""target units as a closed set; one flow measurement per target and window

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06 22:30:00.000000

"""

from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("incident", schema=None) as batch_op:
        batch_op.create_index(
            "ix_incident_stream_deployment",
            ["value_stream_id", "deployment_external_id"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("incident", schema=None) as batch_op:
        batch_op.drop_index("ix_incident_stream_deployment")
