"""a value stream's records page through an index on (stream, order key, id)

The lists of a stream's participants, deliverables, risks, action items, sign-offs,
targets and maps, a map's handoffs and a target's measurements were found
through an index on the parent alone and sorted for every page (SQLite's temporary
B-tree). Each such index now ends with the list's order, so a page is read in order.
Milestones keep theirs: they sort by due date with the undated last, an expression no
index of both databases serves, and a stream has a few of them.

Revision ID: 0009f_record_list_indexes
Revises: 0009e_stream_changes
Create Date: 2026-12-07 14:00:00.000000

"""

from collections.abc import Sequence

from alembic import op

revision: str = "0009f_record_list_indexes"
down_revision: str | None = "0009e_stream_changes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NEW = [
    ("ix_value_stream_map_stream_id", "value_stream_map", ["value_stream_id", "id"]),
]

WIDENED = [
    (name, table, [parent], [parent, *order, "id"])
    for name, table, parent, order in [
        ("ix_participant_value_stream_id", "participant", "value_stream_id", []),
        ("ix_deliverable_value_stream_id", "deliverable", "value_stream_id", []),
        ("ix_risk_value_stream_id", "risk", "value_stream_id", []),
        ("ix_action_item_value_stream_id", "action_item", "value_stream_id", []),
        ("ix_sponsor_signoff_value_stream_id", "sponsor_signoff", "value_stream_id", []),
        ("ix_flow_target_value_stream_id", "flow_target", "value_stream_id", []),
        ("ix_map_handoff_map_id", "map_handoff", "map_id", []),
    ]
] + [
    (
        "ix_measurement_target_at",
        "measurement",
        ["target_id", "measured_at"],
        ["target_id", "measured_at", "id"],
    )
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
