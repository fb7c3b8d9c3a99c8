"""When a schedule runs: pure functions over its cron expression and time zone."""

import itertools
from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from cronsim import CronSim, CronSimError

from core.errors import ValidationFailed

MAX_MISSED = 100_000
"""Occurrences looked through to find the latest missed one: a schedule every minute, down
for more than two months."""


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValidationFailed(f"{name!r} is not an IANA time zone", field="timezone") from exc


def check_cron(cron: str) -> None:
    try:
        CronSim(cron, datetime(2026, 1, 1, tzinfo=UTC))
    except CronSimError as exc:
        raise ValidationFailed(f"not a cron expression: {exc}", field="cron") from exc


def next_run(cron: str, timezone: str, after: datetime) -> datetime:
    """The first occurrence strictly after `after`, read in the schedule's zone, in UTC."""
    local = after.astimezone(zone(timezone))
    return next(CronSim(cron, local)).astimezone(UTC)


def due(
    cron: str, timezone: str, next_run_at: datetime, now: datetime
) -> tuple[datetime, datetime]:
    """The tick to deliver now and the run after it, for a schedule due since `next_run_at`.

    Several missed ticks give one: the latest of them; the next run is the first after
    `now`, so a restart catches up once, not once per tick it missed."""
    local_zone = zone(timezone)
    tick = next_run_at
    occurrences = CronSim(cron, next_run_at.astimezone(local_zone))
    for occurrence in itertools.islice(occurrences, MAX_MISSED):
        moment = occurrence.astimezone(UTC)
        if moment > now:
            return tick, moment
        tick = moment
    return tick, next_run(cron, timezone, now)
