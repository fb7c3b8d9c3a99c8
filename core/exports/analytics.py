"""The delivery analytics and the cycles compared that a value stream's readout shows.

A readout answers a leader's questions with the numbers the API gives, computed by the
same services when the snapshot is taken, so the stored readout is what the API said
then: the spread of every duration over the last weeks and how the work in progress
aged week by week, the work item age now, when the work in progress now is likely done,
and how this cycle's current state compares with the previous cycle's maps.
"""

import uuid
from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from core.actor import Actor
from core.delivery import flow_metrics
from core.delivery import forecast as forecasts
from core.delivery.work_item_age import work_item_age
from core.errors import ValidationFailed
from core.exports.snapshots import (
    CyclesCompared,
    DeliveryAnalytics,
    MapSnapshot,
    ValueStreamSnapshot,
)
from core.metrics.flow import bucket_floor
from core.metrics.map_metrics import MapMetrics, changes_between
from core.metrics.percentiles import DEFAULT_PERCENTILE_METHOD, METHOD_DESCRIPTIONS

READOUT_WEEKS = 12
"""Weeks of delivery a readout shows: this week so far and the eleven before it."""
READOUT_OLDEST = 5
"""The oldest items in progress a readout lists."""
FORECAST_SEED = 0
"""One fixed seed: the same data give the same forecast in every readout."""
FORECAST_QUESTION = (
    "When will the {count} work items in progress now be done? Counted from today, with "
    "no new work started, from the daily throughput of the last {history} days"
)

HISTORY_DAYS = flow_metrics.DEFAULT_HISTORY_DAYS
FORECAST_REFUSED = {
    "history_days": f"No work item finished in the last {HISTORY_DAYS} days: there is no "
    "throughput to forecast from.",
    "trials": "The forecast would take too long to simulate: the throughput of the last "
    "days is too low for this much work in progress.",
}


async def delivery_analytics(
    session: AsyncSession, actor: Actor, value_stream_id: uuid.UUID, now: datetime
) -> DeliveryAnalytics | None:
    """The stream's delivery over the `READOUT_WEEKS` weeks to `now`; None when it has no
    delivery data then (nothing finished, deployed, restored or in progress), found out
    before the week-by-week report with its aging, the costly part, is asked for."""
    if not await flow_metrics.has_delivery_data(session, value_stream_id):
        return None
    start = bucket_floor(now, "week") - timedelta(weeks=READOUT_WEEKS - 1)
    method = DEFAULT_PERCENTILE_METHOD
    overall = await flow_metrics.window_metrics(
        session, actor, value_stream_id, start=start, end=now
    )
    age = await work_item_age(session, actor, value_stream_id, at=now, oldest=READOUT_OLDEST)
    measured = (
        overall.flow_velocity
        or overall.deployment_count
        or overall.time_to_restore is not None
        or age.in_progress
    )
    if not measured:
        return None
    report = await flow_metrics.flow_metrics(
        session, actor, value_stream_id, start=start, end=now, bucket="week", aging=True
    )
    history = HISTORY_DAYS
    forecast, note = None, None
    if age.in_progress:
        try:
            forecast = await forecasts.forecast(
                session,
                actor,
                value_stream_id,
                remaining=age.in_progress,
                start=now.date(),
                history_days=history,
                seed=FORECAST_SEED,
            )
        except ValidationFailed as refused:
            note = FORECAST_REFUSED.get(refused.problems[0].field if refused.problems else "")
            note = note or refused.detail
    else:
        note = "Nothing is in progress, so there is nothing to forecast."
    return DeliveryAnalytics(
        start=start,
        end=now,
        bucket="week",
        percentile_method=method,
        median_method=METHOD_DESCRIPTIONS[method],
        overall=overall,
        buckets=report.buckets,
        work_item_age=age,
        forecast_question=FORECAST_QUESTION.format(count=age.in_progress, history=history),
        forecast=forecast,
        forecast_note=note,
    )


def cycles_compared(snapshot: ValueStreamSnapshot) -> list[CyclesCompared]:
    """This cycle's current state against the previous cycle's current state, and against
    the previous cycle's chosen desired state (what was planned against what came about);
    empty in a stream's first cycle, and without a pair whose maps have no metrics."""
    current, _desired = snapshot.current_maps()
    if current is None or current.metrics is None:
        return []
    earlier = [m for m in snapshot.maps if m.map.cycle < current.map.cycle]
    if not earlier:
        return []
    previous = max(m.map.cycle for m in earlier)
    before_current = _last(
        m for m in earlier if m.map.cycle == previous and m.map.kind == "current"
    )
    before_desired = _last(
        m for m in earlier if m.map.cycle == previous and m.map.kind != "current" and m.map.chosen
    )
    pairs = [
        (
            "previous_current",
            "The previous cycle's current state against this cycle's",
            before_current,
        ),
        (
            "previous_desired",
            "The previous cycle's chosen desired state (planned) against this cycle's current "
            "state (what came about)",
            before_desired,
        ),
    ]
    return [
        _compared(key, question, before, current)
        for key, question, before in pairs
        if before is not None and before.metrics is not None
    ]


def _last(maps: Iterable[MapSnapshot]) -> MapSnapshot | None:
    """The last of the maps, as `ValueStreamSnapshot.current_maps` picks a cycle's."""
    found = list(maps)
    return found[-1] if found else None


def _compared(key: str, question: str, before: MapSnapshot, after: MapSnapshot) -> CyclesCompared:
    changes = changes_between(MapMetrics(**before.metrics or {}), MapMetrics(**after.metrics or {}))
    return CyclesCompared(
        key=key,
        question=question,
        before_map_id=before.map.id,
        before_name=before.map.name,
        before_cycle=before.map.cycle,
        after_map_id=after.map.id,
        after_name=after.map.name,
        after_cycle=after.map.cycle,
        changes=changes,
    )
