"""Stored times read back as aware UTC datetimes, whatever text SQLite holds for them."""

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy.dialects import postgresql, sqlite

from core.types import UTCDateTime


@pytest.mark.parametrize(
    ("stored", "read"),
    [
        ("2026-12-07 10:41:26.123456", datetime(2026, 12, 7, 10, 41, 26, 123456, tzinfo=UTC)),
        ("2026-12-07 10:41:26", datetime(2026, 12, 7, 10, 41, 26, tzinfo=UTC)),
        ("2026-12-07T12:41:26+02:00", datetime(2026, 12, 7, 10, 41, 26, tzinfo=UTC)),
        (None, None),
    ],
    ids=["as SQLAlchemy writes it", "whole seconds", "with an offset, written by hand", "none"],
)
def test_sqlite_text_reads_as_an_aware_utc_time(stored: str | None, read: datetime) -> None:
    dialect = sqlite.dialect()
    process = UTCDateTime().dialect_impl(dialect).result_processor(dialect, None)
    assert process is not None

    value = process(stored)

    assert value == read
    assert value is None or value.utcoffset() == timedelta(0)


def test_postgresql_times_in_another_zone_read_as_utc() -> None:
    dialect = postgresql.dialect()
    process = UTCDateTime().dialect_impl(dialect).result_processor(dialect, None)
    stored = datetime(2026, 12, 7, 12, 0, tzinfo=timezone(timedelta(hours=2)))

    value = process(stored) if process else UTCDateTime().process_result_value(stored, dialect)

    assert value == stored
    assert value is not None and value.tzinfo is UTC
