"""maps state demand and working time; steps their data box; handoffs may be rework loops

Learning to See's data boxes: a map's customer demand and available working time, a
step's cycle time, changeover time, uptime and batch size. A handoff can now go back
from a later step to an earlier one as a rework loop with its own wait and share.
Every new column is optional or has the default that keeps existing maps as they were.

Revision ID: 0010a_data_box_rework_loops
Revises: 0009f_record_list_indexes
Create Date: 2026-12-07 19:30:00.000000

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010a_data_box_rework_loops"
down_revision: str | None = "0009f_record_list_indexes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def columns() -> dict[str, list[sa.Column[object]]]:
    """Fresh columns per call: a column joins one table only."""
    return {
        "value_stream_map": [
            sa.Column("demand_units", sa.Float(), nullable=True),
            sa.Column("demand_working_days", sa.Float(), nullable=False, server_default="1"),
            sa.Column("shifts_per_day", sa.Integer(), nullable=False, server_default="1"),
            sa.Column("shift_hours", sa.Float(), nullable=True),
            sa.Column("break_minutes_per_shift", sa.Float(), nullable=False, server_default="0"),
        ],
        "map_step": [
            sa.Column("cycle_seconds", sa.Float(), nullable=True),
            sa.Column("changeover_seconds", sa.Float(), nullable=True),
            sa.Column("uptime_percent", sa.Float(), nullable=True),
            sa.Column("batch_size", sa.Integer(), nullable=True),
        ],
        "map_handoff": [
            sa.Column("rework", sa.Boolean(), nullable=False, server_default=sa.false()),
            sa.Column("wait_seconds", sa.Float(), nullable=True),
            sa.Column("rework_percent", sa.Float(), nullable=True),
        ],
    }


def upgrade() -> None:
    """Plain ALTER TABLE, not batch mode: SQLite rebuilding a table would drop the
    triggers that record each stream's changes (0009e)."""
    for table, added in columns().items():
        for column in added:
            op.add_column(table, column)


def downgrade() -> None:
    for table, added in reversed(columns().items()):
        for column in reversed(added):
            op.drop_column(table, column.name)
