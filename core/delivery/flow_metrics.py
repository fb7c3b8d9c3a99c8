"""Flow metrics and the four DORA keys of a value stream, aggregated in the database.

The numbers are exactly those of the in-memory reference, `core.metrics.flow` (same
half-open windows clipped to the period, same percentiles, same ratios of sums), but
computed by a fixed handful of statements whatever the volume: the buckets go to the
database as a small VALUES table joined on each time column, and every metric is a
GROUP BY (or a window function) per bucket. Percentiles are PostgreSQL's own
ordered-set aggregates, and on SQLite, which has none, the rows at the ranks
`core.metrics.percentiles` defines (`core.delivery.ranks`). Flow load (WIP at each window's
end) is starts minus finishes before that instant, summed cumulatively from per-window
counts rather than scanned again per bucket.
"""

import itertools
import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeGuard, get_args

from pydantic import BaseModel, Field
from sqlalchemy import (
    Float,
    Integer,
    String,
    and_,
    case,
    cast,
    column,
    func,
    literal,
    or_,
    select,
    union_all,
    values,
)
from sqlmodel.ext.asyncio.session import AsyncSession

from core.actor import Actor
from core.delivery.dora_benchmark import DoraBenchmarkSetting, get_benchmark
from core.delivery.ranks import Percentiles, distribution_of
from core.errors import ValidationFailed
from core.metrics.dora_tiers import classify
from core.metrics.flow import (
    ITEM_TYPES,
    SECONDS_PER_DAY,
    BucketSize,
    FlowBucket,
    FlowDistribution,
    TimeInState,
    bucket_next,
    bucket_starts,
)
from core.metrics.percentiles import (
    DEFAULT_PERCENTILE_METHOD,
    METHOD_DESCRIPTIONS,
    PERCENTILE_METHOD_HELP,
    Distribution,
    PercentileMethod,
    median,
)
from core.metrics.work_item_age import AGING_HISTORY_DAYS, AgingAt
from core.models.base import table_of
from core.models.delivery import Deployment, DeploymentChange, Incident, WorkItem
from core.models.value_stream import ValueStream
from core.services import crud
from core.types import UTCDateTime

MAX_BUCKETS = 1_000
BUCKET_SIZES: tuple[BucketSize, ...] = get_args(BucketSize)
_SHORTEST_BUCKET = {
    "day": timedelta(days=1),
    "week": timedelta(weeks=1),
    "month": timedelta(days=28),
}

ITEMS = table_of(WorkItem)
DEPLOYMENTS = table_of(Deployment)
CHANGES = table_of(DeploymentChange)
INCIDENTS = table_of(Incident)


@dataclass(frozen=True)
class Window:
    """A bucket (its calendar label) and the part of it inside the period, which is counted."""

    bucket_start: datetime
    bucket_end: datetime
    start: datetime
    end: datetime


class FlowReport(BaseModel):
    value_stream_id: uuid.UUID
    start: datetime
    end: datetime
    bucket: str
    percentile_method: PercentileMethod = Field(description=PERCENTILE_METHOD_HELP)
    median_method: str = Field(
        description="what the percentile method means, in words",
        examples=[METHOD_DESCRIPTIONS[DEFAULT_PERCENTILE_METHOD]],
    )
    dora_benchmark: DoraBenchmarkSetting = Field(
        description="the benchmark each bucket's dora_tiers are taken by: the organization's "
        "own (REST dora-benchmark, GraphQL doraBenchmark), or the default"
    )
    buckets: list[FlowBucket]


AGING_HELP = (
    "also give each bucket's aging work in progress at its window's end (`aging`): the "
    "items in progress then, their ages, and those older than their type's p85 flow time "
    f"over the {AGING_HISTORY_DAYS} days before; off by default, as it costs more than every "
    "other metric together on a long report by day"
)
DEFAULT_HISTORY_DAYS = 90
MAX_HISTORY_DAYS = 730
"""The history a report looks back over (work item age, forecasts), in days."""


def check_history_days(days: int) -> None:
    if not 1 <= days <= MAX_HISTORY_DAYS:
        raise ValidationFailed(
            f"history_days must be between 1 and {MAX_HISTORY_DAYS}", field="history_days"
        )


def aware(name: str, value: datetime) -> None:
    """Refuses a time without a zone, naming the field it came in."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValidationFailed(
            f"{name} must carry a time zone (e.g. 2025-01-01T00:00:00Z): naive times are ambiguous",
            field=name,
        )


def _period(start: datetime, end: datetime) -> None:
    aware("start", start)
    aware("end", end)
    if start >= end:
        raise ValidationFailed("start must be before end", field="end")


def _is_bucket_size(bucket: str) -> TypeGuard[BucketSize]:
    return bucket in BUCKET_SIZES


def calendar_windows(start: datetime, end: datetime, bucket: str) -> list[Window]:
    """The calendar buckets overlapping ``[start, end)``, each clipped to the period.

    Refuses more than `MAX_BUCKETS` before building them, so a century by day costs
    nothing but the answer.
    """
    _period(start, end)
    if not _is_bucket_size(bucket):
        raise ValidationFailed(f"bucket must be one of {', '.join(BUCKET_SIZES)}", field="bucket")
    size = bucket
    if (end - start) / _SHORTEST_BUCKET[size] > MAX_BUCKETS + 2:
        raise _too_many(size)
    starts = bucket_starts(start, end, size)
    if len(starts) > MAX_BUCKETS:
        raise _too_many(size)
    windows = []
    for bucket_start in starts:
        bucket_end = bucket_next(bucket_start, size)
        windows.append(
            Window(bucket_start, bucket_end, max(bucket_start, start), min(bucket_end, end))
        )
    return windows


def _too_many(bucket: str) -> ValidationFailed:
    return ValidationFailed(
        f"the period holds more than {MAX_BUCKETS} buckets of a {bucket}: "
        "shorten it or choose a larger bucket",
        field="bucket",
    )


async def flow_metrics(
    session: AsyncSession,
    actor: Actor,
    value_stream_id: uuid.UUID,
    *,
    start: datetime,
    end: datetime,
    bucket: str,
    percentile_method: PercentileMethod = DEFAULT_PERCENTILE_METHOD,
    aging: bool = False,
) -> FlowReport:
    """Every flow metric and DORA key per calendar bucket of ``[start, end)``, oldest first,
    each key with its tier by the organization's benchmark, and with the aging work in
    progress at each bucket's end when asked (`_aging` costs more than all the rest on a
    long report by day, so a report without it stays cheap)."""
    windows = calendar_windows(start, end, bucket)
    await crud.get(session, actor, ValueStream, value_stream_id)
    setting = await get_benchmark(session, actor)
    buckets = await compute_windows(
        session, value_stream_id, windows, percentile_method, aging=aging
    )
    return FlowReport(
        value_stream_id=value_stream_id,
        start=start,
        end=end,
        bucket=bucket,
        percentile_method=percentile_method,
        median_method=METHOD_DESCRIPTIONS[percentile_method],
        dora_benchmark=setting,
        buckets=[
            b.model_copy(update={"dora_tiers": classify(b, setting.benchmark)}) for b in buckets
        ],
    )


async def has_delivery_data(session: AsyncSession, value_stream_id: uuid.UUID) -> bool:
    """Whether the stream has any work item, deployment or incident: one statement that
    spares a readout of a stream without delivery data the reports it would show empty."""
    found = [
        select(table.c.id).where(table.c.value_stream_id == value_stream_id).exists()
        for table in (ITEMS, DEPLOYMENTS, INCIDENTS)
    ]
    statement: Any = select(or_(*found))
    return bool((await session.exec(statement)).scalar())


async def window_metrics(
    session: AsyncSession,
    actor: Actor,
    value_stream_id: uuid.UUID,
    *,
    start: datetime,
    end: datetime,
) -> FlowBucket:
    """Every metric over one arbitrary window, e.g. to record a measurement for a target."""
    _period(start, end)
    await crud.get(session, actor, ValueStream, value_stream_id)
    (result,) = await compute_windows(session, value_stream_id, [Window(start, end, start, end)])
    return result


# -- SQL -----------------------------------------------------------------------------------


def windows_table(windows: list[Window]) -> Any:
    """`WITH w(b, ws, we) AS (VALUES ...)`: the one spelling SQLite and PostgreSQL share."""
    return (
        values(
            column("b", Integer),
            column("ws", UTCDateTime()),
            column("we", UTCDateTime()),
            name="w",
        )
        .data([(index, w.start, w.end) for index, w in enumerate(windows)])
        .cte("w")
    )


def in_window(w: Any, moment: Any) -> Any:
    return and_(moment >= w.c.ws, moment < w.c.we)


@dataclass(frozen=True)
class Spread:
    """What a report's distributions are taken by: the method, and the database's way."""

    method: PercentileMethod
    percentiles: Percentiles


def _ranked(
    w: Any, table: Any, moment: Any, value: Any, *where: Any, spread: Spread, extra: Any = ()
) -> Any:
    """The rows of each bucket with `value` as ``x``, ranked where percentiles need it."""
    return (
        select(
            w.c.b.label("b"),
            value.label("x"),
            *spread.percentiles.ranks(w.c.b, value),
            *extra,
        )
        .select_from(w.join(table, and_(in_window(w, moment), *where)))
        .subquery()
    )


def _spread_of(
    w: Any, table: Any, moment: Any, value: Any, *where: Any, tag: str, spread: Spread
) -> Any:
    ranked = _ranked(w, table, moment, value, *where, spread=spread)
    return select(
        literal(tag, String).label("tag"),
        ranked.c.b,
        func.count().label("n"),
        *spread.percentiles.spread(ranked, spread.method),
    ).group_by(ranked.c.b)


def _finished_items(w: Any, stream: Any, spread: Spread) -> Any:
    """Velocity, type counts, efficiency sums and the flow time's spread, per bucket."""
    ranked = _ranked(
        w,
        ITEMS,
        ITEMS.c.finished_at,
        ITEMS.c.flow_seconds,
        ITEMS.c.value_stream_id == stream,
        spread=spread,
        extra=(ITEMS.c.type.label("type"), ITEMS.c.active_seconds.label("active")),
    )
    measured = ranked.c.active.is_not(None)
    return select(
        ranked.c.b,
        func.count().label("n"),
        *spread.percentiles.spread(ranked, spread.method),
        func.count(ranked.c.active).label("measured"),
        func.sum(case((measured, ranked.c.active))).label("active"),
        func.sum(case((measured, ranked.c.x))).label("flow"),
        *(
            func.sum(case((ranked.c.type == kind, 1), else_=0)).label(f"n_{kind}")
            for kind in ITEM_TYPES
        ),
    ).group_by(ranked.c.b)


def _starts_and_finishes(w: Any, stream: Any, period_start: datetime) -> Any:
    """Items begun and finished in each window, and before the period (bucket -1)."""

    def per_window(tag: str, moment: Any) -> Any:
        return (
            select(literal(tag, String).label("tag"), w.c.b, func.count().label("n"))
            .select_from(
                w.join(ITEMS, and_(ITEMS.c.value_stream_id == stream, in_window(w, moment)))
            )
            .group_by(w.c.b)
        )

    def before(tag: str, moment: Any) -> Any:
        return select(
            literal(tag, String).label("tag"), literal(-1, Integer).label("b"), func.count()
        ).where(ITEMS.c.value_stream_id == stream, moment < period_start)

    return union_all(
        per_window("started", ITEMS.c.start_at),
        per_window("finished", ITEMS.c.finished_at),
        before("started", ITEMS.c.start_at),
        before("finished", ITEMS.c.finished_at),
    )


def _linked_to_an_incident(stream: Any) -> Any:
    """An incident of the stream that the deployment names, or that names the deployment.

    Both lookups are index probes (the incident's unique external id, and its deployment
    link), so the failure rate costs one probe pair per deployment in the period.
    """

    def incident_where(link: Any) -> Any:
        return select(INCIDENTS.c.id).where(INCIDENTS.c.value_stream_id == stream, link).exists()

    return or_(
        incident_where(INCIDENTS.c.external_id == DEPLOYMENTS.c.incident_external_id),
        incident_where(INCIDENTS.c.deployment_external_id == DEPLOYMENTS.c.external_id),
    )


def _deployments(w: Any, stream: Any) -> Any:
    """Deployments and failed changes per bucket, failed as `core.metrics.flow.failed_changes`."""
    failed = case(
        (
            ~DEPLOYMENTS.c.succeeded
            | DEPLOYMENTS.c.caused_incident
            | _linked_to_an_incident(stream),
            1,
        ),
        else_=0,
    )
    return (
        select(w.c.b, func.count().label("n"), func.sum(failed).label("failed"))
        .select_from(
            w.join(
                DEPLOYMENTS,
                and_(
                    DEPLOYMENTS.c.value_stream_id == stream,
                    in_window(w, DEPLOYMENTS.c.deployed_at),
                ),
            )
        )
        .group_by(w.c.b)
    )


def age_seconds(moment: Any, way: Percentiles) -> Any:
    """Seconds from an item's start to `moment` (a time in SQL), in SQL. SQLite counts whole
    seconds since the epoch and adds the fractions (to the millisecond) apart, so
    whole-second times give whole-second ages, as Python's do, and an age equal to a p85
    compares equal."""
    if way.native:
        return cast(func.extract("epoch", moment - ITEMS.c.start_at), Float)
    start = ITEMS.c.start_at

    def fraction(value: Any) -> Any:
        return func.strftime("%f", value) - func.strftime("%S", value)

    whole = cast(func.strftime("%s", moment), Integer) - cast(func.strftime("%s", start), Integer)
    return whole + fraction(moment) - fraction(start)


def _aging(windows: list[Window], stream: Any, spread: Spread) -> Any:
    """The work in progress at each window's end, its ages' spread, and how many are older
    than the p85 flow time of their type's items finished in the `AGING_HISTORY_DAYS`
    before that end, per bucket, in one statement.

    The windows go in as a VALUES table of their ends and history starts; each end joins
    the items in progress then (a range join: an item counts in every bucket it spans)
    and the items finished in its history, so the cost grows with the buckets times the
    items a history holds, not with queries.
    """
    ends = (
        values(
            column("b", Integer),
            column("hs", UTCDateTime()),
            column("we", UTCDateTime()),
            name="aw",
        )
        .data(
            [
                (index, w.end - timedelta(days=AGING_HISTORY_DAYS), w.end)
                for index, w in enumerate(windows)
            ]
        )
        .cte("aw")
    )
    way = spread.percentiles
    finished = (
        select(
            ends.c.b.label("b"),
            ITEMS.c.type.label("type"),
            ITEMS.c.flow_seconds.label("x"),
            *way.ranks((ends.c.b, ITEMS.c.type), ITEMS.c.flow_seconds),
        )
        .select_from(
            ends.join(
                ITEMS,
                and_(
                    ITEMS.c.value_stream_id == stream,
                    ITEMS.c.finished_at >= ends.c.hs,
                    ITEMS.c.finished_at < ends.c.we,
                ),
            )
        )
        .subquery()
    )
    reference = (
        select(finished.c.b, finished.c.type, *way.spread(finished, spread.method))
        .group_by(finished.c.b, finished.c.type)
        .subquery()
    )
    age = age_seconds(ends.c.we, way)
    wip = (
        select(
            ends.c.b.label("b"),
            ITEMS.c.type.label("type"),
            age.label("x"),
            *way.ranks(ends.c.b, age),
        )
        .select_from(
            ends.join(
                ITEMS,
                and_(
                    ITEMS.c.value_stream_id == stream,
                    ITEMS.c.start_at < ends.c.we,
                    or_(ITEMS.c.finished_at.is_(None), ITEMS.c.finished_at >= ends.c.we),
                ),
            )
        )
        .subquery()
    )
    late = case((wip.c.x > reference.c.p85, 1), else_=0)
    return (
        select(
            wip.c.b,
            func.count().label("n"),
            *way.spread(wip, spread.method),
            func.sum(late).label("over"),
        )
        .select_from(
            wip.outerjoin(reference, and_(reference.c.b == wip.c.b, reference.c.type == wip.c.type))
        )
        .group_by(wip.c.b)
    )


NOTHING_IN_PROGRESS = AgingAt(in_progress=0, over_p85=0, age=None)

STATE_SECONDS = {
    "active": ITEMS.c.active_seconds,
    "waiting": ITEMS.c.waiting_seconds,
    "blocked": ITEMS.c.blocked_seconds,
}
"""Each kind of state and the column of an item's seconds in it."""


def _spreads(w: Any, stream: Any, spread: Spread) -> Any:
    """The distributions besides flow time, one tagged row per bucket: lead time for
    changes, time to restore and the time in each kind of state."""
    return union_all(
        *(
            _spread_of(
                w,
                ITEMS,
                ITEMS.c.finished_at,
                seconds,
                ITEMS.c.value_stream_id == stream,
                ITEMS.c.active_seconds.is_not(None),
                tag=state,
                spread=spread,
            )
            for state, seconds in STATE_SECONDS.items()
        ),
        _spread_of(
            w,
            CHANGES,
            CHANGES.c.deployed_at,
            CHANGES.c.lead_seconds,
            CHANGES.c.value_stream_id == stream,
            CHANGES.c.succeeded.is_(True),
            tag="lead",
            spread=spread,
        ),
        _spread_of(
            w,
            INCIDENTS,
            INCIDENTS.c.resolved_at,
            INCIDENTS.c.restore_seconds,
            INCIDENTS.c.value_stream_id == stream,
            tag="restore",
            spread=spread,
        ),
    )


async def compute_windows(
    session: AsyncSession,
    value_stream_id: uuid.UUID,
    windows: list[Window],
    method: PercentileMethod = DEFAULT_PERCENTILE_METHOD,
    *,
    aging: bool = False,
) -> list[FlowBucket]:
    """All metrics of contiguous windows in four statements (five with the `aging`); the
    caller checked the stream.

    Flow load adds per-window starts and finishes onto the counts before the first
    window, which is exact because ingest never stores a finish before its start.
    """
    for before, after in itertools.pairwise(windows):
        if before.end != after.start:
            raise ValueError("windows must be contiguous, oldest first")
    w = windows_table(windows)
    stream = literal(value_stream_id, ITEMS.c.value_stream_id.type)

    spread = Spread(method, Percentiles.of(session))
    finished = {row.b: row for row in await session.exec(_finished_items(w, stream, spread))}
    flows: dict[str, dict[int, int]] = defaultdict(dict)
    for row in await session.exec(_starts_and_finishes(w, stream, windows[0].start)):
        flows[row[0]][row[1]] = int(row[2])
    deployed = {row.b: row for row in await session.exec(_deployments(w, stream))}
    spreads: dict[str, dict[int, Distribution | None]] = defaultdict(dict)
    for row in await session.exec(_spreads(w, stream, spread)):
        spreads[row.tag][row.b] = distribution_of(row)
    aged: dict[int, AgingAt] | None = None
    if aging:
        aged = {
            row.b: AgingAt(
                in_progress=int(row.n), over_p85=int(row.over or 0), age=distribution_of(row)
            )
            for row in await session.exec(_aging(windows, stream, spread))
        }

    started = flows["started"].get(-1, 0)
    ended = flows["finished"].get(-1, 0)
    results = []
    for index, window in enumerate(windows):
        started += flows["started"].get(index, 0)
        ended += flows["finished"].get(index, 0)
        results.append(
            _bucket(
                window,
                finished.get(index),
                deployed.get(index),
                load=started - ended,
                lead=spreads["lead"].get(index),
                restore=spreads["restore"].get(index),
                states=_time_in_state(spreads, index),
                aging=None if aged is None else aged.get(index, NOTHING_IN_PROGRESS),
            )
        )
    return results


def _time_in_state(
    spreads: dict[str, dict[int, Distribution | None]], index: int
) -> TimeInState | None:
    active, waiting, blocked = (spreads[state].get(index) for state in STATE_SECONDS)
    if active is None or waiting is None or blocked is None:
        return None
    return TimeInState(active=active, waiting=waiting, blocked=blocked)


def _bucket(
    window: Window,
    items: Any,
    deployments: Any,
    *,
    load: int,
    lead: Distribution | None,
    restore: Distribution | None,
    states: TimeInState | None,
    aging: AgingAt | None,
) -> FlowBucket:
    velocity = int(items.n) if items is not None else 0
    distribution: dict[str, float] = dict.fromkeys(ITEM_TYPES, 0.0)
    efficiency = None
    flow_time = distribution_of(items)
    if items is not None:
        for kind in ITEM_TYPES:
            distribution[kind] = int(getattr(items, f"n_{kind}")) / velocity
        if items.measured and items.flow is not None and items.flow > 0:
            efficiency = float(items.active) / float(items.flow)
    count = int(deployments.n) if deployments is not None else 0
    days = (window.end - window.start).total_seconds() / SECONDS_PER_DAY
    return FlowBucket(
        start=window.bucket_start,
        end=window.bucket_end,
        window_start=window.start,
        window_end=window.end,
        flow_velocity=velocity,
        flow_time_seconds=median(flow_time),
        flow_time=flow_time,
        flow_efficiency=efficiency,
        flow_load=load,
        flow_distribution=FlowDistribution(**distribution),
        deployment_count=count,
        deployments_per_day=count / days,
        lead_time_for_changes_seconds=median(lead),
        lead_time_for_changes=lead,
        change_failure_rate=int(deployments.failed) / count if count else None,
        time_to_restore_seconds=median(restore),
        time_to_restore=restore,
        time_in_state=states,
        aging=aging,
    )
