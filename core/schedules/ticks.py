"""When a schedule runs: pure functions over its cron expression and time zone."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from cronsim import CronSim, CronSimError

from core.errors import ValidationFailed


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

    Several missed ticks give one: the latest of them, found by reading the expression
    backwards from `now`, however long the service was down; the next run is the first
    after `now`, so a restart catches up once, not once per tick it missed."""
    local_zone = zone(timezone)
    just_after = (now.replace(microsecond=0) + timedelta(seconds=1)).astimezone(local_zone)
    latest = next(CronSim(cron, just_after, reverse=True)).astimezone(UTC)
    return max(latest, next_run_at), next_run(cron, timezone, now)
