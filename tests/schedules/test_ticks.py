"""When a schedule runs, in its own time zone, and how missed ticks are caught up."""

from datetime import UTC, datetime, timedelta

import pytest

from core.errors import ValidationFailed
from core.schedules import ticks


def test_the_next_run_is_read_in_the_schedules_time_zone() -> None:
    winter = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
    summer = datetime(2026, 7, 7, 12, 0, tzinfo=UTC)

    assert ticks.next_run("0 8 * * *", "Europe/Berlin", winter) == datetime(
        2026, 12, 8, 7, 0, tzinfo=UTC
    )
    assert ticks.next_run("0 8 * * *", "Europe/Berlin", summer) == datetime(
        2026, 7, 8, 6, 0, tzinfo=UTC
    )
    assert ticks.next_run("0 8 * * MON", "UTC", winter) == datetime(2026, 12, 14, 8, 0, tzinfo=UTC)


def test_missed_ticks_are_caught_up_once_with_the_latest_of_them() -> None:
    first_missed = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
    now = datetime(2026, 12, 6, 9, 30, tzinfo=UTC)

    tick, following = ticks.due("0 8 * * *", "UTC", first_missed, now)

    assert tick == datetime(2026, 12, 6, 8, 0, tzinfo=UTC)
    assert following == datetime(2026, 12, 7, 8, 0, tzinfo=UTC)


def test_a_tick_due_just_now_is_that_tick() -> None:
    due = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)

    tick, following = ticks.due("0 8 * * *", "UTC", due, due + timedelta(seconds=1))

    assert (tick, following) == (due, due + timedelta(days=1))


@pytest.mark.parametrize(("cron", "zone", "field"), [
    ("61 * * * *", "UTC", "cron"),
    ("every monday", "UTC", "cron"),
    ("0 8 * * *", "Mars/Olympus", "timezone"),
])  # fmt: skip
def test_what_is_not_a_schedule_is_refused_by_its_field(cron: str, zone: str, field: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        ticks.check_cron(cron)
        ticks.zone(zone)

    assert refused.value.problems[0].field == field


def test_a_schedule_every_minute_down_for_a_year_catches_up_with_its_latest_minute() -> None:
    first_missed = datetime(2025, 12, 7, 8, 0, tzinfo=UTC)
    now = datetime(2026, 12, 7, 9, 30, 42, tzinfo=UTC)

    tick, following = ticks.due("* * * * *", "Europe/Berlin", first_missed, now)

    assert (tick, following) == (
        datetime(2026, 12, 7, 9, 30, tzinfo=UTC),
        datetime(2026, 12, 7, 9, 31, tzinfo=UTC),
    )
