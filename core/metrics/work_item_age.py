"""Work item age: how long the work in progress has been under way, against how long
finished work of its type took.

An item's age is the time from its start (or creation, if it was never started) to the
instant asked about; it says what flow time cannot yet, since flow time is known only once
an item finishes. Following Vacanti (Actionable Agile Metrics for Predictability, 2015,
the "aging work in progress" chart), each item's age is set beside the 85th percentile of
the flow time of the items of the same type finished in a recent history: an item older
than that is already slower than 85 % of its kind, the one to talk about at the stand-up.

Pure functions: `age_summary` is the in-memory reference that the service's SQL
aggregates (`core.delivery.work_item_age`) are tested against; `aging_item` is shared.
"""

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from core.metrics.percentiles import Distribution, PercentileMethod, distribution

MAX_OLDEST = 100
"""At most this many items are listed by age; the counts cover every item."""
AGING_HISTORY_DAYS = 90
"""The history a flow report's bucket compares its work in progress with, in days: the
work item age report's default, so a bucket's aging equals that report at the bucket's end."""


@dataclass(frozen=True)
class InProgress:
    """An item begun before the instant and not finished before it."""

    external_id: str
    type: str
    title: str | None
    start_at: datetime


class AgingItem(BaseModel):
    model_config = ConfigDict(frozen=True)

    external_id: str
    type: str
    title: str | None
    started: datetime = Field(description="its start, or its creation if it was never started")
    age_seconds: float = Field(description="from its start to the report's instant")
    type_p85_flow_seconds: float | None = Field(
        description="the 85th percentile flow time of its type's items finished in the "
        "history; null when none finished"
    )
    over_p85: bool | None = Field(
        description="older than that: slower already than 85 % of its kind; null without one"
    )


class AgeByType(BaseModel):
    model_config = ConfigDict(frozen=True)

    type: str
    in_progress: int = Field(description="its items in progress at the report's instant")
    age: Distribution | None = Field(description="their ages, in seconds; null when none")
    finished: int = Field(description="its items finished in the history")
    flow_time: Distribution | None = Field(
        description="the flow time of those finished items; null when none"
    )
    over_p85: int = Field(description="items in progress older than its flow time's p85")


class AgingAt(BaseModel):
    """The aging work in progress at one instant: a flow report's bucket end."""

    model_config = ConfigDict(frozen=True)

    in_progress: int = Field(
        description="work items in progress at the instant (begun before it, not finished "
        "before it), as flow load counts them"
    )
    over_p85: int = Field(
        description="those older than the 85th percentile flow time of their type's items "
        f"finished in the {AGING_HISTORY_DAYS} days before the instant (none for a type "
        "with no finished items there): already slower than 85 % of their kind (Vacanti, "
        "Actionable Agile Metrics for Predictability, 2015, aging work in progress)"
    )
    age: Distribution | None = Field(
        description="their ages at the instant, in seconds, from their start (or creation "
        "if never started), by the report's percentile_method; null when none"
    )


class AgeSummary(BaseModel):
    """Every item in progress, by type, and the oldest ones."""

    model_config = ConfigDict(frozen=True)

    in_progress: int
    age: Distribution | None
    over_p85: int
    by_type: list[AgeByType]
    oldest: list[AgingItem]


def aging_item(item: InProgress, reference: Distribution | None, at: datetime) -> AgingItem:
    """The item's age at `at` beside its type's flow time (`reference`), if any."""
    age = (at - item.start_at).total_seconds()
    return AgingItem(
        external_id=item.external_id,
        type=item.type,
        title=item.title,
        started=item.start_at,
        age_seconds=age,
        type_p85_flow_seconds=reference.p85 if reference else None,
        over_p85=None if reference is None else age > reference.p85,
    )


def age_summary(
    in_progress: Iterable[InProgress],
    flow_times: Mapping[str, Distribution],
    at: datetime,
    method: PercentileMethod,
    limit: int,
) -> AgeSummary:
    """The summary of the items in progress at `at`, against each type's `flow_times`
    from the history; the `limit` oldest listed."""
    items = sorted(in_progress, key=lambda i: (i.start_at, i.external_id))
    ages: dict[str, list[float]] = defaultdict(list)
    listed: list[AgingItem] = []
    over: dict[str, int] = defaultdict(int)
    for item in items:
        age = (at - item.start_at).total_seconds()
        ages[item.type].append(age)
        reference = flow_times.get(item.type)
        late = None if reference is None else age > reference.p85
        over[item.type] += bool(late)
        if len(listed) < limit:
            listed.append(aging_item(item, reference, at))
    types = sorted(set(ages) | set(flow_times))
    by_type = [
        AgeByType(
            type=kind,
            in_progress=len(ages.get(kind, [])),
            age=distribution(ages.get(kind, []), method),
            finished=finished_in(flow_times, kind),
            flow_time=flow_times.get(kind),
            over_p85=over.get(kind, 0),
        )
        for kind in types
    ]
    return AgeSummary(
        in_progress=len(items),
        age=distribution((age for values in ages.values() for age in values), method),
        over_p85=sum(over.values()),
        by_type=by_type,
        oldest=listed,
    )


def aging_at(
    in_progress: Iterable[InProgress],
    flow_times: Mapping[str, Distribution],
    at: datetime,
    method: PercentileMethod,
) -> AgingAt:
    """`age_summary`'s counts and ages at `at`, without the lists."""
    summary = age_summary(in_progress, flow_times, at, method, limit=0)
    return AgingAt(in_progress=summary.in_progress, over_p85=summary.over_p85, age=summary.age)


def finished_in(flow_times: Mapping[str, Distribution], kind: str) -> int:
    """How many items of the type finished in the history: its flow times' count."""
    spread = flow_times.get(kind)
    return spread.count if spread is not None else 0


def flow_times_by_type(
    finished: Iterable[tuple[str, float]], method: PercentileMethod
) -> dict[str, Distribution]:
    """Each type's flow-time distribution, from (type, flow seconds) pairs."""
    grouped: dict[str, list[float]] = defaultdict(list)
    for kind, seconds in finished:
        grouped[kind].append(seconds)
    spreads = {kind: distribution(values, method) for kind, values in grouped.items()}
    return {kind: spread for kind, spread in spreads.items() if spread is not None}
