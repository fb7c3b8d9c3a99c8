"""Monte Carlo forecasts of a value stream's delivery (`core.metrics.forecast`): the
throughput history is read as a count per UTC day of the work items finished, and the
trials run off the event loop."""

import uuid
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import func, literal, select
from sqlmodel.ext.asyncio.session import AsyncSession

from core import offload
from core.actor import Actor
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
    start: date = Field(description="the first day forecast (UTC)")
    history_start: date = Field(description="the first day of the throughput history")
    history_days: int = Field(description="days of history, ending the day before `start`")
    history_items: int = Field(description="work items finished in the history")
    trials: int
    seed: int = Field(description="the same seed, history and parameters give the same answer")
    method: str = Field(examples=[METHOD])
    remaining: int | None = Field(description="the items the `when` answer is for")
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
) -> Forecast:
    """A forecast of when `remaining` items are done and of how many are done by `by`."""
    first = start or utcnow().date()
    _check(remaining, by, first, history_days, trials, seed)
    await crud.get(session, actor, ValueStream, value_stream_id)
    history_start = first - timedelta(days=history_days)
    history = await _daily_throughput(session, value_stream_id, history_start, first)
    if sum(history) == 0:
        raise ValidationFailed(
            "no work item finished in the history to forecast from: widen history_days",
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
        start=first,
        history_start=history_start,
        history_days=history_days,
        history_items=sum(history),
        trials=trials,
        seed=seed,
        method=METHOD,
        remaining=remaining,
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
) -> None:
    today = utcnow().date()
    if abs((first - today).days) > MAX_START_OFFSET_DAYS:
        raise ValidationFailed(
            f"start must be within {MAX_START_OFFSET_DAYS} days of today", field="start"
        )
    if not 0 <= seed <= MAX_SEED:
        raise ValidationFailed(f"seed must be between 0 and {MAX_SEED}", field="seed")
    if remaining is None and by is None:
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


async def _daily_throughput(
    session: AsyncSession, value_stream_id: uuid.UUID, start: date, end: date
) -> list[int]:
    """Work items finished on each UTC day of ``[start, end)``, zeros included: the flow
    report's day buckets."""
    windows = calendar_windows(_midnight(start), _midnight(end), "day")
    w = windows_table(windows)
    stream = literal(value_stream_id, ITEMS.c.value_stream_id.type)
    statement: Any = (
        select(w.c.b, func.count())
        .select_from(
            w.join(ITEMS, (ITEMS.c.value_stream_id == stream) & in_window(w, ITEMS.c.finished_at))
        )
        .group_by(w.c.b)
    )
    counts = dict((await session.exec(statement)).all())
    return [int(counts.get(index, 0)) for index in range(len(windows))]


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(), UTC)
