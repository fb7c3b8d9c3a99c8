"""a change log per value stream, written by triggers on every write to what its gate reads

Revision ID: 0009e_stream_changes
Revises: 0009d_finding_rules
Create Date: 2026-12-07 10:30:00.000000

`stream_change` holds weighted rows per value stream; the sum of a stream's weights is
its revision (`core.models.stream_change`). Triggers on the value stream and on the
tables its gate facts, backlog progress and target counts are read from add to it in the
transaction of every INSERT, UPDATE and DELETE, whatever made it (the ORM, a multi-row
INSERT, a foreign key's cascade or `SET NULL`).

PostgreSQL: statement triggers over transition tables insert one row per changed stream
and transaction (`transaction_id`), so two open transactions never wait on each other for
it, and a 5,000-step import adds one row. When a stream has more than 32 rows, the
transaction that adds one folds those no other transaction holds into one row of the
same total weight.

SQLite: its writers take turns, so row triggers add to one row per stream.

Existing value streams get a row of weight 0.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009e_stream_changes"
down_revision: str | None = "0009d_finding_rules"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LINKS: dict[str, str] = {
    "value_stream": "{row}.id",
    "participant": "{row}.value_stream_id",
    "deliverable": "{row}.value_stream_id",
    "risk": "{row}.value_stream_id",
    "action_item": "{row}.value_stream_id",
    "sponsor_signoff": "{row}.value_stream_id",
    "value_stream_map": "{row}.value_stream_id",
    "waste_finding": "{row}.value_stream_id",
    "flow_target": "{row}.value_stream_id",
    "milestone": "{row}.value_stream_id",
    "backlog_item": "{row}.value_stream_id",
    "map_step": "(SELECT m.value_stream_id FROM value_stream_map m WHERE m.id = {row}.map_id)",
    "map_handoff": "(SELECT m.value_stream_id FROM value_stream_map m WHERE m.id = {row}.map_id)",
    "measurement": "(SELECT t.value_stream_id FROM flow_target t WHERE t.id = {row}.target_id)",
}
"""Each watched table, and how one of its rows names its value stream."""

EVENTS = {"insert": ("NEW",), "update": ("OLD", "NEW"), "delete": ("OLD",)}

FOLD_AFTER = 32
"""Rows a stream may have on PostgreSQL before a write folds them into one."""


def _events(table: str) -> dict[str, tuple[str, ...]]:
    """The events watched on `table` (a deleted stream takes its log with it)."""
    return {e: rows for e, rows in EVENTS.items() if (table, e) != ("value_stream", "delete")}


def _triggers() -> list[tuple[str, str]]:
    """Every trigger's name and table."""
    return [
        (f"stream_change_{table}_{event}", table) for table in LINKS for event in _events(table)
    ]


def _sqlite_triggers() -> None:
    op.execute(
        "CREATE TRIGGER stream_change_new_stream AFTER INSERT ON value_stream BEGIN "
        "INSERT INTO stream_change (organization_id, value_stream_id, weight) "
        "VALUES (NEW.organization_id, NEW.id, 0); END"
    )
    for table, link in LINKS.items():
        for event, rows in _events(table).items():
            streams = ", ".join(link.format(row=row) for row in rows)
            op.execute(
                f"CREATE TRIGGER stream_change_{table}_{event} AFTER {event.upper()} "
                f"ON {table} BEGIN UPDATE stream_change SET weight = weight + 1 "
                f"WHERE value_stream_id IN ({streams}); END"
            )


NOTE = f"""
CREATE FUNCTION stream_change_note(streams uuid[]) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    noted uuid[];
BEGIN
    WITH fresh AS (
        INSERT INTO stream_change (organization_id, value_stream_id, weight, transaction_id)
        SELECT v.organization_id, v.id, 1, txid_current() FROM value_stream v
        WHERE v.id = ANY(streams) AND NOT EXISTS (
            SELECT 1 FROM stream_change c
            WHERE c.value_stream_id = v.id AND c.transaction_id = txid_current()
        )
        RETURNING value_stream_id
    )
    SELECT array_agg(value_stream_id) INTO noted FROM fresh;
    IF noted IS NULL THEN
        RETURN;
    END IF;
    WITH piled AS (
        SELECT value_stream_id FROM stream_change WHERE value_stream_id = ANY(noted)
        GROUP BY value_stream_id HAVING count(*) > {FOLD_AFTER}
    ), gone AS (
        DELETE FROM stream_change WHERE id IN (
            SELECT id FROM stream_change
            WHERE value_stream_id IN (SELECT value_stream_id FROM piled)
            FOR UPDATE SKIP LOCKED
        )
        RETURNING organization_id, value_stream_id, weight
    )
    INSERT INTO stream_change (organization_id, value_stream_id, weight, transaction_id)
    SELECT organization_id, value_stream_id, sum(weight), txid_current() FROM gone
    GROUP BY organization_id, value_stream_id;
END $$
"""
"""Notes a change of `streams` that still exist (a cascade from a deleted stream has none),
once per transaction: a transaction's first write to a stream adds its row, and its
others, such as each row of a multi-row INSERT that the driver runs row by row, find it
there. One row per committed transaction is all a revision needs to move."""


def _postgresql_triggers() -> None:
    op.execute(NOTE)
    for table, link in LINKS.items():
        for event, rows in _events(table).items():
            name = f"stream_change_{table}_{event}"
            streams = " UNION ".join(
                f"SELECT {link.format(row='changed')} FROM {row.lower()}_rows AS changed"
                for row in rows
            )
            referencing = " ".join(f"{row} TABLE AS {row.lower()}_rows" for row in rows)
            op.execute(
                f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ "
                f"BEGIN PERFORM stream_change_note(ARRAY({streams})); RETURN NULL; END $$"
            )
            op.execute(
                f"CREATE TRIGGER {name} AFTER {event.upper()} ON {table} "
                f"REFERENCING {referencing} FOR EACH STATEMENT EXECUTE FUNCTION {name}()"
            )


def upgrade() -> None:
    op.create_table(
        "stream_change",
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("value_stream_id", sa.Uuid(), nullable=False),
        sa.Column("weight", sa.Integer(), nullable=False),
        sa.Column("transaction_id", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_stream_change_organization_id_organization"),
        ),
        sa.ForeignKeyConstraint(
            ["value_stream_id"],
            ["value_stream.id"],
            name=op.f("fk_stream_change_value_stream_id_value_stream"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stream_change")),
    )
    with op.batch_alter_table("stream_change", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_stream_change_organization_id"), ["organization_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_stream_change_value_stream_id"), ["value_stream_id"], unique=False
        )
    op.execute(
        "INSERT INTO stream_change (organization_id, value_stream_id, weight) "
        "SELECT organization_id, id, 0 FROM value_stream"
    )
    if op.get_bind().dialect.name == "postgresql":
        _postgresql_triggers()
    else:
        _sqlite_triggers()


def downgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    for name, table in _triggers():
        if postgresql:
            op.execute(f"DROP TRIGGER {name} ON {table}")
            op.execute(f"DROP FUNCTION {name}()")
        else:
            op.execute(f"DROP TRIGGER {name}")
    if postgresql:
        op.execute("DROP FUNCTION stream_change_note(uuid[])")
    else:
        op.execute("DROP TRIGGER stream_change_new_stream")
    with op.batch_alter_table("stream_change", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_stream_change_value_stream_id"))
        batch_op.drop_index(batch_op.f("ix_stream_change_organization_id"))
    op.drop_table("stream_change")
