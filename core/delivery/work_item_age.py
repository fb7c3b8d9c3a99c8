"""Work item age of a value stream at an instant (`core.metrics.work_item_age`), read in
two statements: the items in progress, and each type's flow-time distribution over the
history, computed in the database from ranks (`core.delivery.ranks`)."""

import uuid
from datetime import datetime, timedelta
from typing import Any

from pydantic import Field
from sqlalchemy import func, literal, or_, select
from sqlmodel.ext.asyncio.session import AsyncSession

from core.actor import Actor
from core.delivery.flow_metrics import ITEMS
from core.delivery.ranks import Percentiles, distribution_of
from core.errors import ValidationFailed
from core.metrics.percentiles import (
    DEFAULT_PERCENTILE_METHOD,
    METHOD_DESCRIPTIONS,
    PERCENTILE_METHOD_HELP,
    Distribution,
    PercentileMethod,
)
from core.metrics.work_item_age import MAX_OLDEST, AgeSummary, InProgress, age_summary
from core.models.value_stream import ValueStream
from core.services import crud
from core.types import utcnow

DEFAULT_HISTORY_DAYS = 90
MAX_HISTORY_DAYS = 730
DEFAULT_OLDEST = 20


class WorkItemAgeReport(AgeSummary):
    """The work in progress at an instant, each item's age against its type's flow time."""

    value_stream_id: uuid.UUID
    at: datetime = Field(description="the instant the ages are measured at")
    history_start: datetime = Field(
        description="the start of the history whose finished items give each type's flow "
        "time; it ends at `at`"
    )
    percentile_method: PercentileMethod = Field(description=PERCENTILE_METHOD_HELP)
    median_method: str = Field(description="what the percentile method means, in words")


async def work_item_age(
    session: AsyncSession,
    actor: Actor,
    value_stream_id: uuid.UUID,
    *,
    at: datetime | None = None,
    history_days: int = DEFAULT_HISTORY_DAYS,
    percentile_method: PercentileMethod = DEFAULT_PERCENTILE_METHOD,
    oldest: int = DEFAULT_OLDEST,
) -> WorkItemAgeReport:
    """Items in progress at `at` (now by default), the `oldest` of them listed."""
    instant = _checked(at, history_days, oldest)
    await crud.get(session, actor, ValueStream, value_stream_id)
    history_start = instant - timedelta(days=history_days)
    stream = literal(value_stream_id, ITEMS.c.value_stream_id.type)
    in_progress = [InProgress(*row) for row in await session.exec(_in_progress(stream, instant))]
    flow_times: dict[str, Distribution] = {}
    finished: dict[str, int] = {}
    statement = _flow_times(
        stream, history_start, instant, percentile_method, Percentiles.of(session)
    )
    for row in await session.exec(statement):
        spread = distribution_of(row)
        if spread is not None:
            flow_times[row.type] = spread
            finished[row.type] = spread.count
    summary = age_summary(in_progress, flow_times, finished, instant, percentile_method, oldest)
    return WorkItemAgeReport(
        **dict(summary),
        value_stream_id=value_stream_id,
        at=instant,
        history_start=history_start,
        percentile_method=percentile_method,
        median_method=METHOD_DESCRIPTIONS[percentile_method],
    )


def _checked(at: datetime | None, history_days: int, oldest: int) -> datetime:
    if at is not None and (at.tzinfo is None or at.utcoffset() is None):
        raise ValidationFailed(
            "at must carry a time zone (e.g. 2025-01-01T00:00:00Z): naive times are ambiguous",
            field="at",
        )
    if not 1 <= history_days <= MAX_HISTORY_DAYS:
        raise ValidationFailed(
            f"history_days must be between 1 and {MAX_HISTORY_DAYS}", field="history_days"
        )
    if not 1 <= oldest <= MAX_OLDEST:
        raise ValidationFailed(f"oldest must be between 1 and {MAX_OLDEST}", field="oldest")
    return at if at is not None else utcnow()


def _in_progress(stream: Any, at: datetime) -> Any:
    """Begun before `at` and not finished before it, as flow load counts them."""
    return select(ITEMS.c.external_id, ITEMS.c.type, ITEMS.c.title, ITEMS.c.start_at).where(
        ITEMS.c.value_stream_id == stream,
        ITEMS.c.start_at < at,
        or_(ITEMS.c.finished_at.is_(None), ITEMS.c.finished_at >= at),
    )


def _flow_times(
    stream: Any, start: datetime, end: datetime, method: PercentileMethod, way: Percentiles
) -> Any:
    """Each type's flow-time distribution over the items finished in ``[start, end)``."""
    grouped = (
        select(
            ITEMS.c.type.label("type"),
            ITEMS.c.flow_seconds.label("x"),
            *way.ranks(ITEMS.c.type, ITEMS.c.flow_seconds),
        )
        .where(
            ITEMS.c.value_stream_id == stream,
            ITEMS.c.finished_at >= start,
            ITEMS.c.finished_at < end,
        )
        .subquery()
    )
    return select(grouped.c.type, func.count().label("n"), *way.spread(grouped, method)).group_by(
        grouped.c.type
    )
