"""Expected effects of backlog items beside the change measured once they are done.

The rule is `core.metrics.effects`: delivery-flow metrics are measured from the
ingested delivery data over equal windows before and after the moment the item was
done; map metrics from the current-state maps created before and since. Whatever
cannot be measured yet, or at all, says why instead of showing a number.
"""

import enum
import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field
from sqlmodel.ext.asyncio.session import AsyncSession

from core.actor import Actor
from core.backlog.items import items
from core.backlog.listing import BacklogFilter
from core.backlog.ownership import BacklogStatus
from core.delivery.flow_metrics import Window, compute_windows
from core.errors import ValidationFailed
from core.maps import measuring
from core.maps.service import maps
from core.metrics import effects as rule
from core.metrics import units
from core.metrics.flow import FlowBucket
from core.metrics.map_metrics import MapMetrics
from core.models.backlog import BacklogItem
from core.models.target import MetricKey
from core.models.value_stream import ValueStream
from core.models.value_stream_map import MapKind, ValueStreamMap
from core.services import crud
from core.targets.service import FLOW_VALUES, MAP_METRICS
from core.types import utcnow

RULE = (
    "delivery-flow metrics are measured from the delivery data over the window_days before "
    "the moment the item was done and over as many days after it, the after side once that "
    "window has ended; map metrics compare the last current-state map created before the "
    "item was done with the first created since. Realised change = after - before, in the "
    "unit of the expectation"
)
MAX_STREAM_ITEMS = 200
"""A stream's effects answer at most this many done items, the most recently done first."""


class EffectStatus(enum.StrEnum):
    """Where a realised effect stands; only `measured` carries numbers."""

    measured = "measured"
    not_done = "not_done"
    done_date_unknown = "done_date_unknown"
    awaiting_data = "awaiting_data"
    no_data = "no_data"
    not_measurable = "not_measurable"


class RealisedEffect(BaseModel):
    """One expected effect of an item beside what was measured."""

    metric: str
    unit: str | None = Field(description="the unit of expected_change, before, after and change")
    expected_change: float | None
    note: str | None
    measured_from: Literal["delivery", "maps"] | None = Field(
        description="where the metric is measured: the delivery data or the maps"
    )
    status: EffectStatus
    reason: str = Field(description="what the numbers are, or why there are none")
    before: float | None = Field(description="the metric before the item was done")
    after: float | None = Field(description="the metric after the item was done")
    change: float | None = Field(description="after - before, in unit")
    share_of_expected: float | None = Field(
        description="change / expected_change: 1 is the expectation met, above 1 more than "
        "expected, 0 or below no change or the opposite; null without a non-zero expectation"
    )
    before_start: datetime | None = Field(
        default=None,
        description="delivery: the before window is [before_start, done_at)",
    )
    after_end: datetime | None = Field(
        default=None, description="delivery: the after window is [done_at, after_end)"
    )
    before_map_id: uuid.UUID | None = Field(
        default=None, description="maps: the current-state map measured before"
    )
    after_map_id: uuid.UUID | None = Field(
        default=None, description="maps: the current-state map measured after"
    )


class ItemEffects(BaseModel):
    """A backlog item's expected effects, each beside the change measured once it is done."""

    item_id: uuid.UUID
    value_stream_id: uuid.UUID
    title: str
    status: BacklogStatus
    done_at: datetime | None
    window_days: int = Field(description="the length of each window compared, in days")
    rule: str = Field(examples=[RULE])
    effects: list[RealisedEffect]


def check_window_days(days: int) -> None:
    if not 1 <= days <= rule.MAX_WINDOW_DAYS:
        raise ValidationFailed(
            f"window_days must be between 1 and {rule.MAX_WINDOW_DAYS}", field="window_days"
        )


async def item_effects(
    session: AsyncSession,
    actor: Actor,
    item_id: uuid.UUID,
    window_days: int = rule.DEFAULT_WINDOW_DAYS,
) -> ItemEffects:
    """The item's expected effects and, once it is done, the change each one measured."""
    check_window_days(window_days)
    item = await items.get(session, actor, item_id)
    return (await effects_of(session, actor, [item], window_days))[0]


async def stream_effects(
    session: AsyncSession,
    actor: Actor,
    value_stream_id: uuid.UUID,
    window_days: int = rule.DEFAULT_WINDOW_DAYS,
) -> list[ItemEffects]:
    """The stream's done items that state an expected effect, the most recently done
    first (those done at an unknown time last), at most `MAX_STREAM_ITEMS`."""
    check_window_days(window_days)
    await crud.get(session, actor, ValueStream, value_stream_id)
    done = (
        await items.for_parents(
            session, actor, [value_stream_id], BacklogFilter(status=BacklogStatus.done)
        )
    ).get(value_stream_id, [])
    chosen = sorted(
        (i for i in done if i.expected_effects),
        key=lambda i: (i.done_at is None, -(i.done_at.timestamp() if i.done_at else 0), i.rank),
    )[:MAX_STREAM_ITEMS]
    return await effects_of(session, actor, chosen, window_days)


async def effects_of(
    session: AsyncSession, actor: Actor, item_list: Sequence[BacklogItem], window_days: int
) -> list[ItemEffects]:
    """Each item's effects: one delivery read per done item that needs it, one read of
    the maps per stream."""
    now = utcnow()
    map_sides = await _map_sides(session, actor, [i for i in item_list if _measures_maps(i)])
    answers = []
    for item in item_list:
        flows = await _flow_sides(session, item, window_days, now)
        answers.append(
            ItemEffects(
                item_id=item.id,
                value_stream_id=item.value_stream_id,
                title=item.title,
                status=BacklogStatus(item.status),
                done_at=item.done_at,
                window_days=window_days,
                rule=RULE,
                effects=[
                    _effect(item, e, window_days, now, flows, map_sides.get(item.id))
                    for e in item.expected_effects
                ],
            )
        )
    return answers


def _is_done(item: BacklogItem) -> bool:
    return item.status == BacklogStatus.done and item.done_at is not None


def _metrics(item: BacklogItem) -> set[str]:
    return {str(e.get("metric")) for e in item.expected_effects}


def _measures_maps(item: BacklogItem) -> bool:
    return _is_done(item) and any(m in MAP_METRICS for m in _metrics(item))


FlowSides = tuple[FlowBucket, FlowBucket] | None
MapSides = tuple[tuple[uuid.UUID, Any] | None, tuple[uuid.UUID, Any] | None]
"""The maps before and after an item was done, each (id, its metrics or their error)."""


async def _flow_sides(
    session: AsyncSession, item: BacklogItem, days: int, now: datetime
) -> FlowSides:
    """The delivery metrics of the windows before and after, once the after one is over."""
    if not _is_done(item) or not any(m in FLOW_VALUES for m in _metrics(item)):
        return None
    assert item.done_at is not None
    windows = rule.windows_around(item.done_at, days)
    if not windows.after_is_over(now):
        return None
    before, after = await compute_windows(
        session,
        item.value_stream_id,
        [
            Window(windows.before_start, windows.done, windows.before_start, windows.done),
            Window(windows.done, windows.after_end, windows.done, windows.after_end),
        ],
    )
    return before, after


async def _map_sides(
    session: AsyncSession, actor: Actor, item_list: Sequence[BacklogItem]
) -> dict[uuid.UUID, MapSides]:
    if not item_list:
        return {}
    by_stream = await maps.for_parents(session, actor, list({i.value_stream_id for i in item_list}))
    current: dict[uuid.UUID, list[ValueStreamMap]] = defaultdict(list)
    for stream_id, stream_maps in by_stream.items():
        current[stream_id] = [m for m in stream_maps if m.kind == MapKind.current]
    sides: dict[uuid.UUID, tuple[uuid.UUID | None, uuid.UUID | None]] = {}
    for item in item_list:
        assert item.done_at is not None
        stream_maps = current[item.value_stream_id]
        sides[item.id] = rule.maps_around(((m.id, m.created_at) for m in stream_maps), item.done_at)
    wanted = {m.id: m for ms in current.values() for m in ms}
    needed = [wanted[i] for pair in sides.values() for i in pair if i is not None]
    known = await measuring.summaries(session, list({m.id: m for m in needed}.values()))

    def side(ident: uuid.UUID | None) -> tuple[uuid.UUID, Any] | None:
        return None if ident is None else (ident, known[ident][1])

    return {item_id: (side(before), side(after)) for item_id, (before, after) in sides.items()}


@dataclass
class _Stated:
    """One stated effect on its way to an answer: what it expects, in which unit."""

    metric: str
    unit: str | None
    expected: float | None
    note: str | None

    @property
    def measured_from(self) -> Literal["delivery", "maps"] | None:
        if self.metric in FLOW_VALUES:
            return "delivery"
        return "maps" if self.metric in MAP_METRICS else None

    def answer(self, status: EffectStatus, reason: str, **more: Any) -> RealisedEffect:
        numbers = dict.fromkeys(("before", "after", "change", "share_of_expected"))
        return RealisedEffect(
            **{**numbers, **more},
            metric=self.metric,
            unit=self.unit,
            expected_change=self.expected,
            note=self.note,
            measured_from=self.measured_from,
            status=status,
            reason=reason,
        )

    def measured(self, canonical: tuple[float, float], reason: str, **more: Any) -> RealisedEffect:
        before, after = (units.from_canonical(self.metric, self.unit, v) for v in canonical)
        found = rule.realised(before, after, self.expected)
        return self.answer(
            EffectStatus.measured,
            reason,
            before=before,
            after=after,
            change=units.shown(found.change),
            share_of_expected=found.share_of_expected,
            **more,
        )


def _effect(
    item: BacklogItem,
    given: dict[str, Any],
    days: int,
    now: datetime,
    flows: FlowSides,
    map_sides: MapSides | None,
) -> RealisedEffect:
    stated = _Stated(
        str(given.get("metric")), given.get("unit"), given.get("change"), given.get("note")
    )
    if stated.measured_from is None:
        return stated.answer(
            EffectStatus.not_measurable, f"{stated.metric} is not a metric the service measures"
        )
    try:
        stated.unit = units.unit_for(stated.metric, stated.unit)
    except units.UnknownUnit as exc:
        return stated.answer(EffectStatus.not_measurable, str(exc))
    if item.status != BacklogStatus.done:
        return stated.answer(
            EffectStatus.not_done, f"the item is not done yet (it is {item.status})"
        )
    if item.done_at is None:
        return stated.answer(
            EffectStatus.done_date_unknown,
            "the item is done but when is not known, so there is no before and after",
        )
    if stated.measured_from == "delivery":
        return _from_delivery(stated, item.done_at, days, now, flows)
    assert map_sides is not None
    return _from_maps(stated, map_sides)


def _from_delivery(
    stated: _Stated, done: datetime, days: int, now: datetime, flows: FlowSides
) -> RealisedEffect:
    windows = rule.windows_around(done, days)
    bounds = {"before_start": windows.before_start, "after_end": windows.after_end}
    if flows is None:
        return stated.answer(
            EffectStatus.awaiting_data,
            f"the {days} days after the item was done end at "
            f"{windows.after_end:%Y-%m-%d %H:%M} UTC; the change is measured then",
            **bounds,
        )
    metric = MetricKey(stated.metric)
    before, after = (FLOW_VALUES[metric](side) for side in flows)
    for label, side, value in (("before", flows[0], before), ("after", flows[1], after)):
        if _silent(side):
            return stated.answer(
                EffectStatus.no_data,
                f"the delivery data holds no work and no deployments in the {days} days "
                f"{label} the item was done, so a count of zero would say nothing",
                **bounds,
            )
        if value is None:
            return stated.answer(
                EffectStatus.no_data,
                f"the delivery data has no {metric} in the {days} days {label} the item was done",
                **bounds,
            )
    assert before is not None and after is not None
    return stated.measured(
        (float(before), float(after)),
        f"{metric} over the {days} days before the item was done and the {days} days after",
        **bounds,
    )


def _silent(window: FlowBucket) -> bool:
    """Nothing finished, nothing in progress and nothing deployed: no data, not zeros."""
    return window.flow_velocity == 0 and window.flow_load == 0 and window.deployment_count == 0


def _from_maps(stated: _Stated, sides: MapSides) -> RealisedEffect:
    before, after = sides
    ids = {"before_map_id": before and before[0], "after_map_id": after and after[0]}
    if before is None:
        return stated.answer(
            EffectStatus.no_data, "no current-state map was created before the item was done", **ids
        )
    if after is None:
        return stated.answer(
            EffectStatus.awaiting_data,
            "no current-state map has been created since the item was done: map the current "
            "state again to measure the change",
            **ids,
        )
    metric = MetricKey(stated.metric)
    attribute, _direction, map_unit = MAP_METRICS[metric]
    values = []
    for label, (_ident, metrics) in (("before", before), ("after", after)):
        value = getattr(metrics, attribute, None) if isinstance(metrics, MapMetrics) else None
        if value is None:
            return stated.answer(
                EffectStatus.no_data, f"the current-state map {label} has no {metric}", **ids
            )
        values.append(units.to_canonical(metric, map_unit, float(value)))
    return stated.measured(
        (values[0], values[1]),
        f"{metric} of the last current-state map created before the item was done and of "
        "the first created since",
        **ids,
    )
