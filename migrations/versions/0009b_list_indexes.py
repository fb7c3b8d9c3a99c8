"""an index for each hot list's keyset pages: scope, then the sort key

A page is `WHERE scope AND key > cursor ORDER BY key LIMIT n`; without an index on
(scope, key) each page read and sorted every row of the scope. Three indexes that had
the scope and the sort key get the id too, which the order ends with. The backlog's rank
order gets one beside the unique (stream, rank): PostgreSQL does not take a unique
prefix as ordering the id after it, and sorted each page again.

Revision ID: 0009b_list_indexes
Revises: 0008
Create Date: 2026-12-07 08:30:00.000000

"""

from collections.abc import Sequence

from alembic import op

revision: str = "0009b_list_indexes"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NEW = [
    ("ix_work_item_stream_id", "work_item", ["value_stream_id", "id"]),
    ("ix_deployment_stream_id", "deployment", ["value_stream_id", "id"]),
    ("ix_incident_stream_id", "incident", ["value_stream_id", "id"]),
    ("ix_backlog_item_stream_rank_id", "backlog_item", ["value_stream_id", "rank", "id"]),
    ("ix_person_org_id", "person", ["organization_id", "id"]),
    ("ix_team_org_id", "team", ["organization_id", "id"]),
    ("ix_value_stream_org_id", "value_stream", ["organization_id", "id"]),
    ("ix_audit_event_org_id", "audit_event", ["organization_id", "id"]),
    ("ix_waste_finding_map_id", "waste_finding", ["map_id", "id"]),
]

WIDENED = [
    (
        "ix_backlog_item_stream_wsjf",
        "backlog_item",
        ["value_stream_id", "wsjf_sort"],
        ["value_stream_id", "wsjf_sort", "id"],
    ),
    ("ix_map_step_map_position", "map_step", ["map_id", "position"], ["map_id", "position", "id"]),
    (
        "ix_waste_finding_map_status",
        "waste_finding",
        ["map_id", "status"],
        ["map_id", "status", "id"],
    ),
]


def upgrade() -> None:
    for name, table, columns in NEW:
        op.create_index(name, table, columns, unique=False)
    for name, table, _narrow, wide in WIDENED:
        op.drop_index(name, table_name=table)
        op.create_index(name, table, wide, unique=False)


def downgrade() -> None:
    for name, table, narrow, _wide in WIDENED:
        op.drop_index(name, table_name=table)
        op.create_index(name, table, narrow, unique=False)
    for name, table, _columns in NEW:
        op.drop_index(name, table_name=table)
