"""Migration 0010b dates the items already done from their audit trail.

Items and audit events are written as the code before it wrote them, then the migration
runs on SQLite or PostgreSQL like any upgrade.
"""

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy.engine import Connection

from core import migrate
from tests.runtime.test_migration_target_units import Rows
from tests.runtime.test_migrations import blank_database, on_connection  # noqa: F401  (fixture)

DAY = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


def history(connection: Connection) -> dict[str, uuid.UUID]:
    rows = Rows(connection)
    org = rows.add("organization")
    stream = rows.add("value_stream", organization_id=org)

    def item(status: str) -> uuid.UUID:
        return rows.add(
            "backlog_item",
            organization_id=org,
            value_stream_id=stream,
            status=status,
            finding_ids=[],
            step_ids=[],
            expected_effects=[],
        )

    def event(item_id: uuid.UUID, days: int, before: str | None, after: str) -> None:
        rows.add(
            "audit_event",
            organization_id=org,
            action="update" if before else "create",
            entity_type="backlog_item",
            entity_id=item_id,
            before=None if before is None else {"status": before, "title": "T"},
            after={"status": after, "title": "T"},
            at=DAY + timedelta(days=days),
        )

    ids = {
        name: item(status)
        for name, status in [
            ("finished", "done"),
            ("reopened and finished again", "done"),
            ("created done", "done"),
            ("done without a trail", "done"),
            ("reopened", "in_progress"),
        ]
    }
    event(ids["finished"], 0, None, "proposed")
    event(ids["finished"], 3, "proposed", "done")
    event(ids["finished"], 5, "done", "done")
    event(ids["reopened and finished again"], 1, "in_progress", "done")
    event(ids["reopened and finished again"], 2, "done", "in_progress")
    event(ids["reopened and finished again"], 7, "in_progress", "done")
    event(ids["created done"], 4, None, "done")
    event(ids["reopened"], 1, "ready", "done")
    event(ids["reopened"], 2, "done", "in_progress")
    return ids


@pytest.fixture
def upgraded(blank_database: str) -> tuple[str, dict[str, uuid.UUID]]:  # noqa: F811
    migrate.upgrade(blank_database, "0010a_data_box_rework_loops")

    def write(connection: Connection) -> dict[str, uuid.UUID]:
        ids = history(connection)
        connection.commit()
        return ids

    ids = on_connection(blank_database, write)
    migrate.upgrade(blank_database, "0010b_backlog_done_at")
    return blank_database, ids


def done_at(url: str, ident: uuid.UUID) -> Any:
    (row,) = on_connection(url, lambda c: Rows(c).all("backlog_item", id=ident))
    return row.done_at


def test_an_item_is_dated_by_the_last_time_it_reached_done(
    upgraded: tuple[str, dict[str, uuid.UUID]],
) -> None:
    url, ids = upgraded

    assert done_at(url, ids["finished"]) == DAY + timedelta(days=3)
    assert done_at(url, ids["reopened and finished again"]) == DAY + timedelta(days=7)
    assert done_at(url, ids["created done"]) == DAY + timedelta(days=4)


def test_an_item_no_trail_dates_or_not_done_keeps_no_date(
    upgraded: tuple[str, dict[str, uuid.UUID]],
) -> None:
    url, ids = upgraded

    assert done_at(url, ids["done without a trail"]) is None
    assert done_at(url, ids["reopened"]) is None
