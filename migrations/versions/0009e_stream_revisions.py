"""a revision per value stream, moved by triggers on every write to what its gate reads

Revision ID: 0009e_stream_revisions
Revises: 0009d_finding_rules
Create Date: 2026-12-07 08:30:00.000000

`stream_revision` holds one counter per value stream. Triggers on the tables the gate
facts, the backlog progress and the target counts are read from move it in the
transaction of every INSERT, UPDATE and DELETE, whatever made it (the ORM, a multi-row
INSERT, a foreign key's cascade or `SET NULL`), so what is kept under the counter is
known stale as soon as that transaction commits. PostgreSQL's triggers run once per
statement over its transition tables, so a map import of thousands of steps moves the
counter once; SQLite has only row triggers, whose UPDATE by primary key costs little.
Existing value streams get their row at 0.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009e_stream_revisions"
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


def _bump(streams: str) -> str:
    return (
        f"UPDATE stream_revision SET revision = revision + 1 WHERE value_stream_id IN ({streams})"
    )


def _sqlite_triggers() -> None:
    op.execute(
        "CREATE TRIGGER stream_revision_new_stream AFTER INSERT ON value_stream BEGIN "
        "INSERT INTO stream_revision (value_stream_id, organization_id, revision) "
        "VALUES (NEW.id, NEW.organization_id, 0); END"
    )
    for table, link in LINKS.items():
        for event, rows in EVENTS.items():
            streams = ", ".join(link.format(row=row) for row in rows)
            op.execute(
                f"CREATE TRIGGER stream_revision_{table}_{event} AFTER {event.upper()} "
                f"ON {table} BEGIN {_bump(streams)}; END"
            )


def _postgresql_triggers() -> None:
    op.execute(
        "CREATE FUNCTION stream_revision_new_stream() RETURNS trigger LANGUAGE plpgsql AS $$ "
        "BEGIN INSERT INTO stream_revision (value_stream_id, organization_id, revision) "
        "SELECT id, organization_id, 0 FROM new_rows; RETURN NULL; END $$"
    )
    op.execute(
        "CREATE TRIGGER stream_revision_new_stream AFTER INSERT ON value_stream "
        "REFERENCING NEW TABLE AS new_rows "
        "FOR EACH STATEMENT EXECUTE FUNCTION stream_revision_new_stream()"
    )
    for table, link in LINKS.items():
        for event, rows in EVENTS.items():
            name = f"stream_revision_{table}_{event}"
            streams = " UNION ".join(
                f"SELECT {link.format(row='changed')} FROM {row.lower()}_rows AS changed"
                for row in rows
            )
            referencing = " ".join(f"{row} TABLE AS {row.lower()}_rows" for row in rows)
            op.execute(
                f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ "
                f"BEGIN {_bump(streams)}; RETURN NULL; END $$"
            )
            op.execute(
                f"CREATE TRIGGER {name} AFTER {event.upper()} ON {table} "
                f"REFERENCING {referencing} FOR EACH STATEMENT EXECUTE FUNCTION {name}()"
            )


def upgrade() -> None:
    op.create_table(
        "stream_revision",
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("value_stream_id", sa.Uuid(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_stream_revision_organization_id_organization"),
        ),
        sa.ForeignKeyConstraint(
            ["value_stream_id"],
            ["value_stream.id"],
            name=op.f("fk_stream_revision_value_stream_id_value_stream"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("value_stream_id", name=op.f("pk_stream_revision")),
    )
    with op.batch_alter_table("stream_revision", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_stream_revision_organization_id"), ["organization_id"], unique=False
        )
    op.execute(
        "INSERT INTO stream_revision (value_stream_id, organization_id, revision) "
        "SELECT id, organization_id, 0 FROM value_stream"
    )
    if op.get_bind().dialect.name == "postgresql":
        _postgresql_triggers()
    else:
        _sqlite_triggers()


def downgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    names = ["stream_revision_new_stream"] + [
        f"stream_revision_{table}_{event}" for table in LINKS for event in EVENTS
    ]
    tables = ["value_stream"] + [table for table in LINKS for _ in EVENTS]
    for name, table in zip(names, tables, strict=True):
        if postgresql:
            op.execute(f"DROP TRIGGER {name} ON {table}")
            op.execute(f"DROP FUNCTION {name}()")
        else:
            op.execute(f"DROP TRIGGER {name}")
    with op.batch_alter_table("stream_revision", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_stream_revision_organization_id"))
    op.drop_table("stream_revision")
