"""Monte Carlo forecasts of a value stream (`core.metrics.forecast`) from one of two
throughput histories: its delivery (work items finished per UTC day) or its
transformation backlog (backlog items done per UTC day, by the time each last reached
done). The trials run off the event loop."""

import enum
import uuid
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import Column, func, literal, select
from sqlmodel.ext.asyncio.session import AsyncSession

from core import offload
from core.actor import Actor
from core.backlog.ownership import BacklogStatus
from core.delivery.flow_metrics import (
    DEFAULT_HISTORY_DAYS,
    ITEMS,
    calendar_windows,
    check_history_days,
    in_window,
    windows_table,
)
from core.errors import ValidationFailed
from core.metrics import forecast as simulation
from core.models.backlog import BacklogItem
from core.models.base import table_of
from core.models.value_stream import ValueStream
from core.services import crud
from core.types import utcnow

DEFAULT_TRIALS = 10_000
MAX_REMAINING = 100_000
MAX_SEED = 2**31 - 1
MAX_START_OFFSET_DAYS = 3_650
"""A forecast starts within ten years of today, so its dates stay in the calendar."""
METHOD = (
    "Monte Carlo: each trial replays the future day by day, each day's throughput drawn at "
    "random (with replacement) from the days of the history, zeros included; a confidence "
    "is read from the trials by nearest rank"
)


class ForecastSource(enum.StrEnum):
    """Whose throughput history a forecast replays."""

    delivery = "delivery"
    backlog = "backlog"


SOURCE_HELP = (
    "whose throughput history to replay: delivery (work items finished per day, from the "
    "ingested delivery data) or backlog (transformation backlog items done per day, by "
    "the time each last reached done). For the backlog, remaining defaults to its open "
    "items: those neither done nor dropped"
)
BACKLOG = table_of(BacklogItem)
THROUGHPUT: dict[ForecastSource, tuple[Column[Any], Column[Any], str]] = {
    ForecastSource.delivery: (ITEMS.c.value_stream_id, ITEMS.c.finished_at, "work item finished"),
    ForecastSource.backlog: (BACKLOG.c.value_stream_id, BACKLOG.c.done_at, "backlog item done"),
}
"""Per source: the stream column, the moment an item counts as finished, and its words."""


class ForecastDate(BaseModel):
    confidence: int = Field(description="percent of the trials that finished by `on`")
    days: int | None = Field(
        description="days from `start`, the first counted; null when that share of the "
        f"trials had not finished within {simulation.MAX_HORIZON_DAYS} days"
    )
    on: date | None = Field(description="the day they finished on or before")


class ForecastCount(BaseModel):
    confidence: int = Field(description="percent of the trials that finished at least `items`")
    items: int


class Forecast(BaseModel):
    """When the remaining items will be done, and how many will be done by a date."""

    value_stream_id: uuid.UUID
    source: ForecastSource = Field(
        default=ForecastSource.delivery, description="whose throughput history was replayed"
    )
    start: date = Field(description="the first day forecast (UTC)")
    history_start: date = Field(description="the first day of the throughput history")
    history_days: int = Field(description="days of history, ending the day before `start`")
    history_items: int = Field(
        description="items finished in the history: work items for the delivery, backlog "
        "items done for the backlog"
    )
    trials: int
    seed: int = Field(description="the same seed, history and parameters give the same answer")
    method: str = Field(examples=[METHOD])
    remaining: int | None = Field(description="the items the `when` answer is for")
    remaining_counted: bool = Field(
        default=False,
        description="true when remaining was not asked for and is the backlog's open items "
        "(neither done nor dropped) at the time of asking",
    )
    when: list[ForecastDate] | None = Field(
        description="by which day the remaining items are done, at each confidence"
    )
    by: date | None = Field(description="the last day the `how_many` answer counts")
    how_many: list[ForecastCount] | None = Field(
        description="how many items are done from `start` to `by`, at each confidence"
    )


async def forecast(
    session: AsyncSession,
    actor: Actor,
    value_stream_id: uuid.UUID,
    *,
    remaining: int | None = None,
    by: date | None = None,
    start: date | None = None,
    history_days: int = DEFAULT_HISTORY_DAYS,
    trials: int = DEFAULT_TRIALS,
    seed: int = 0,
    source: ForecastSource = ForecastSource.delivery,
) -> Forecast:
    """A forecast of when `remaining` items are done and of how many are done by `by`.

    The backlog knows what remains of it, so there `remaining` defaults to its open
    items; the delivery data does not, so there it must be asked for.
    """
    first = start or utcnow().date()
    counted = source is ForecastSource.backlog and remaining is None
    _check(remaining, by, first, history_days, trials, seed, may_count=counted)
    await crud.get(session, actor, ValueStream, value_stream_id)
    if counted:
        remaining = await open_items(session, value_stream_id) or None
        if remaining is None and by is None:
            raise ValidationFailed(
                "the backlog has no open items left to forecast: ask for remaining or by",
                field="remaining",
            )
    history_start = first - timedelta(days=history_days)
    history = await _daily_throughput(session, source, value_stream_id, history_start, first)
    if sum(history) == 0:
        raise ValidationFailed(
            f"no {THROUGHPUT[source][2]} in the history to forecast from: widen history_days",
            field="history_days",
        )
    span = None if by is None else (by - first).days + 1
    try:
        simulated = await offload.off_loop(
            offload.in_process, simulation.simulate, history, remaining, span, trials, seed
        )
    except simulation.ForecastTooCostly as exc:
        raise ValidationFailed(
            f"the forecast would draw more than {simulation.MAX_DRAWS:,} days: ask for fewer "
            "trials, fewer items or a nearer date",
            field="trials",
        ) from exc
    when = how_many = None
    if simulated.days is not None:
        when = [_finished(first, simulated.days, c) for c in simulation.CONFIDENCES]
    if simulated.totals is not None:
        how_many = [
            ForecastCount(confidence=c, items=simulation.items_at(simulated.totals, c))
            for c in simulation.CONFIDENCES
        ]
    return Forecast(
        value_stream_id=value_stream_id,
        source=source,
        start=first,
        history_start=history_start,
        history_days=history_days,
        history_items=sum(history),
        trials=trials,
        seed=seed,
        method=METHOD,
        remaining=remaining,
        remaining_counted=counted and remaining is not None,
        when=when,
        by=by,
        how_many=how_many,
    )


def _finished(first: date, days: list[int | None], confidence: int) -> ForecastDate:
    needed = simulation.days_at(days, confidence)
    on = None if needed is None else first + timedelta(days=needed - 1)
    return ForecastDate(confidence=confidence, days=needed, on=on)


def _check(
    remaining: int | None,
    by: date | None,
    first: date,
    history_days: int,
    trials: int,
    seed: int,
    *,
    may_count: bool = False,
) -> None:
    today = utcnow().date()
    if abs((first - today).days) > MAX_START_OFFSET_DAYS:
        raise ValidationFailed(
            f"start must be within {MAX_START_OFFSET_DAYS} days of today", field="start"
        )
    if not 0 <= seed <= MAX_SEED:
        raise ValidationFailed(f"seed must be between 0 and {MAX_SEED}", field="seed")
    if remaining is None and by is None and not may_count:
        raise ValidationFailed(
            "ask for remaining (when), by (how many), or both", field="remaining"
        )
    if remaining is not None and not 1 <= remaining <= MAX_REMAINING:
        raise ValidationFailed(
            f"remaining must be between 1 and {MAX_REMAINING:,}", field="remaining"
        )
    if by is not None and not first <= by <= first + timedelta(days=simulation.MAX_HORIZON_DAYS):
        raise ValidationFailed(
            f"by must be from the start day to {simulation.MAX_HORIZON_DAYS} days after it",
            field="by",
        )
    check_history_days(history_days)
    if not 1 <= trials <= simulation.MAX_TRIALS:
        raise ValidationFailed(
            f"trials must be between 1 and {simulation.MAX_TRIALS:,}", field="trials"
        )


async def open_items(session: AsyncSession, value_stream_id: uuid.UUID) -> int:
    """The stream's backlog items still to do: neither done nor dropped."""
    closed = [BacklogStatus.done.value, BacklogStatus.dropped.value]
    statement: Any = select(func.count()).where(
        BACKLOG.c.value_stream_id == literal(value_stream_id, BACKLOG.c.value_stream_id.type),
        BACKLOG.c.status.not_in(closed),
    )
    return int((await session.exec(statement)).scalar_one())


async def _daily_throughput(
    session: AsyncSession,
    source: ForecastSource,
    value_stream_id: uuid.UUID,
    start: date,
    end: date,
) -> list[int]:
    """Items of `source` finished on each UTC day of ``[start, end)``, zeros included: the
    flow report's day buckets."""
    stream_column, finished, _words = THROUGHPUT[source]
    windows = calendar_windows(_midnight(start), _midnight(end), "day")
    w = windows_table(windows)
    stream = literal(value_stream_id, stream_column.type)
    statement: Any = (
        select(w.c.b, func.count())
        .select_from(
            w.join(stream_column.table, (stream_column == stream) & in_window(w, finished))
        )
        .group_by(w.c.b)
    )
    counts = dict((await session.exec(statement)).all())
    return [int(counts.get(index, 0)) for index in range(len(windows))]


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(), UTC)
