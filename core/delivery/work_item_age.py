"""Work item age of a value stream at an instant (`core.metrics.work_item_age`), aggregated
in the database: each type's flow-time distribution over the history, the ages of the
items in progress per type and over all, and the oldest items (`core.delivery.ranks`
takes the percentiles)."""

import uuid
from datetime import datetime, timedelta
from typing import Any

from pydantic import Field
from sqlalchemy import and_, case, func, literal, or_, select
from sqlmodel.ext.asyncio.session import AsyncSession

from core.actor import Actor
from core.delivery.flow_metrics import (
    DEFAULT_HISTORY_DAYS,
    ITEMS,
    age_seconds,
    aware,
    check_history_days,
)
from core.delivery.ranks import Percentiles, distribution_of
from core.errors import ValidationFailed
from core.metrics.percentiles import (
    DEFAULT_PERCENTILE_METHOD,
    METHOD_DESCRIPTIONS,
    PERCENTILE_METHOD_HELP,
    Distribution,
    PercentileMethod,
)
from core.metrics.work_item_age import (
    MAX_OLDEST,
    AgeByType,
    AgeSummary,
    InProgress,
    aging_item,
    finished_in,
)
from core.models.value_stream import ValueStream
from core.services import crud
from core.types import UTCDateTime, utcnow

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
    """Items in progress at `at` (now by default), the `oldest` of them listed.

    Counts and distributions are aggregated in the database: only the listed items come
    back as rows, however much work is in progress.
    """
    instant = _checked(at, history_days, oldest)
    await crud.get(session, actor, ValueStream, value_stream_id)
    way = Percentiles.of(session)
    history_start = instant - timedelta(days=history_days)
    stream = literal(value_stream_id, ITEMS.c.value_stream_id.type)
    flow_times: dict[str, Distribution] = {}
    statement = _flow_times(stream, history_start, instant, percentile_method, way)
    for row in await session.exec(statement):
        spread = distribution_of(row)
        if spread is not None:
            flow_times[row.type] = spread
    wip = _in_progress(stream, instant)
    age = age_seconds(literal(instant, UTCDateTime()), way)
    ages: dict[str, Any] = {}
    for row in await session.exec(_ages(wip, age, flow_times, percentile_method, way)):
        ages[row.type] = row
    overall = _ages(wip, age, {}, percentile_method, way, by_type=False)
    (whole,) = (await session.exec(overall)).all()
    listed = [
        aging_item(InProgress(*row), flow_times.get(row.type), instant)
        for row in await session.exec(_oldest(wip, oldest))
    ]
    types = sorted(set(ages) | set(flow_times))
    by_type = [
        AgeByType(
            type=kind,
            in_progress=int(ages[kind].n) if kind in ages else 0,
            age=distribution_of(ages.get(kind)),
            finished=finished_in(flow_times, kind),
            flow_time=flow_times.get(kind),
            over_p85=int(ages[kind].over or 0) if kind in ages else 0,
        )
        for kind in types
    ]
    return WorkItemAgeReport(
        in_progress=int(whole.n),
        age=distribution_of(whole),
        over_p85=sum(t.over_p85 for t in by_type),
        by_type=by_type,
        oldest=listed,
        value_stream_id=value_stream_id,
        at=instant,
        history_start=history_start,
        percentile_method=percentile_method,
        median_method=METHOD_DESCRIPTIONS[percentile_method],
    )


def _checked(at: datetime | None, history_days: int, oldest: int) -> datetime:
    if at is not None:
        aware("at", at)
    check_history_days(history_days)
    if not 1 <= oldest <= MAX_OLDEST:
        raise ValidationFailed(f"oldest must be between 1 and {MAX_OLDEST}", field="oldest")
    return at if at is not None else utcnow()


def _in_progress(stream: Any, at: datetime) -> list[Any]:
    """Begun before `at` and not finished before it, as flow load counts them."""
    return [
        ITEMS.c.value_stream_id == stream,
        ITEMS.c.start_at < at,
        or_(ITEMS.c.finished_at.is_(None), ITEMS.c.finished_at >= at),
    ]


def _ages(
    wip: list[Any],
    age: Any,
    flow_times: dict[str, Distribution],
    method: PercentileMethod,
    way: Percentiles,
    *,
    by_type: bool = True,
) -> Any:
    """The ages' distribution of the items in progress, per type (with how many are older
    than their type's p85 flow time) or over all of them."""
    group = ITEMS.c.type if by_type else None
    grouped = (
        select(ITEMS.c.type.label("type"), age.label("x"), *way.ranks(group, age))
        .where(*wip)
        .subquery()
    )
    late = [
        (and_(grouped.c.type == kind, grouped.c.x > spread.p85), 1)
        for kind, spread in flow_times.items()
    ]
    over = func.sum(case(*late, else_=0)) if late else literal(0)
    columns = [func.count().label("n"), *way.spread(grouped, method), over.label("over")]
    if not by_type:
        return select(*columns).select_from(grouped)
    return select(grouped.c.type, *columns).group_by(grouped.c.type)


def _oldest(wip: list[Any], limit: int) -> Any:
    return (
        select(ITEMS.c.external_id, ITEMS.c.type, ITEMS.c.title, ITEMS.c.start_at)
        .where(*wip)
        .order_by(ITEMS.c.start_at, ITEMS.c.external_id)
        .limit(limit)
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
