"""Lean metrics of one value stream map, and how a desired state compares to the current.

Units: every time is in seconds exactly as stored on the steps; nothing here converts a
wait between calendar and working time, because the durations were already normalized
to seconds when they were entered (see ``core.durations``). The map's calendar matters
only for reporting in days: a lead time in days is ``seconds / 86400`` when the map
counts waits in calendar days, and ``seconds / (hours_per_working_day * 3600)`` when it
counts them in working days, so "5 days" reads back as the team said it.

Where the flow branches, lead time is the longest path through it (the critical path):
parallel work does not add up, the slowest branch decides when value arrives. Process
time, the bottleneck and each step's share of lead time are taken on that same path,
so that activity ratio = process / lead compares like with like. Rolled %C&A is the
exception: every step's rework degrades the whole flow, so it multiplies over all steps.

Steps without a measured process or wait time count as zero in the sums; the
``steps_missing_*`` fields say which ones, so a gate can refuse an incomplete map. A
wait not measured but given as inventory in front of a step counts as the days of
demand that inventory holds, once the map states demand (``FlowMap.with_inventory_waits``).

Two different steps answer "where is the problem": the **longest queue** (the step of
the critical path with the longest wait plus process, the old ``bottleneck``) and the
**constraint** (the step whose capacity falls shortest of demand, ``core.metrics.capacity``).
Rework loops stay off the longest path; what they and each step's %C&A add is the
expected rework (``core.metrics.rework``).
"""

import uuid

from pydantic import BaseModel, ConfigDict

from core.maps.flowmap import FlowMap, Step
from core.metrics.capacity import StepCapacity, capacity
from core.metrics.definitions import MAP, described
from core.metrics.rework import LoopRework, expected_rework


@described(MAP)
class MapMetrics(BaseModel):
    """The lean metrics of one map; times in seconds unless the name says days."""

    model_config = ConfigDict(frozen=True)

    lead_time_seconds: float
    process_time_seconds: float
    activity_ratio: float | None
    rolled_pca_percent: float
    handoffs: int
    cross_team_handoffs: int
    manual_steps: int
    step_count: int
    total_people: int
    bottleneck_step_id: str | None
    critical_path: tuple[str, ...]
    step_shares: dict[str, float]
    lead_time_days: float
    process_time_days: float
    steps_missing_role: tuple[str, ...]
    steps_missing_process_time: tuple[str, ...]
    steps_missing_wait_time: tuple[str, ...]
    longest_queue_step_id: str | None = None
    constraint_step_id: str | None = None
    takt_time_seconds: float | None = None
    daily_demand: float | None = None
    available_seconds_per_day: float | None = None
    step_capacity: tuple[StepCapacity, ...] = ()
    steps_short_of_demand: tuple[str, ...] = ()
    steps_wait_from_inventory: tuple[str, ...] = ()
    inventory_days: dict[str, float] = {}
    expected_rework_seconds: float = 0.0
    lead_time_with_rework_seconds: float | None = None
    lead_time_with_rework_days: float | None = None
    step_rework_seconds: dict[str, float] = {}
    rework_loops: tuple[LoopRework, ...] = ()


class MetricChange(BaseModel):
    """One metric from current to desired state; percent is of the current value."""

    model_config = ConfigDict(frozen=True)

    current: float | None
    desired: float | None
    absolute_change: float | None
    percent_change: float | None


COMPARED_METRICS: tuple[str, ...] = (
    "lead_time_seconds",
    "process_time_seconds",
    "activity_ratio",
    "rolled_pca_percent",
    "handoffs",
    "cross_team_handoffs",
    "manual_steps",
    "step_count",
    "expected_rework_seconds",
    "lead_time_with_rework_seconds",
)


def critical_path(flow_map: FlowMap) -> tuple[tuple[str, ...], float]:
    """The longest path by process + wait, and its length, in linear time.

    Dynamic programming over a topological order: each step's longest arrival is its
    own time plus the longest among its predecessors. Ties go to the predecessor with
    the lower position, and the path ends at the longest sink (lowest position on a
    tie), so the same map always gives the same path.
    """
    ordered = flow_map.ordered_steps()
    if not ordered:
        return (), 0.0
    rank = {step.id: index for index, step in enumerate(ordered)}
    by_id = {step.id: step for step in ordered}
    predecessors = flow_map.predecessors()
    successors = flow_map.successors()
    longest: dict[str, float] = {}
    came_from: dict[str, str | None] = {}
    for step_id in flow_map.topological_order():
        best: str | None = None
        for previous in predecessors[step_id]:
            if (
                best is None
                or longest[previous] > longest[best]
                or (longest[previous] == longest[best] and rank[previous] < rank[best])
            ):
                best = previous
        came_from[step_id] = best
        longest[step_id] = by_id[step_id].flow_seconds + (longest[best] if best else 0.0)

    sinks = [step_id for step_id in longest if not successors[step_id]]
    end: str | None = min(sinks, key=lambda step_id: (-longest[step_id], rank[step_id]))
    path: list[str] = []
    while end is not None:
        path.append(end)
        end = came_from[end]
    path.reverse()
    return tuple(path), longest[path[-1]]


def _bottleneck(path: tuple[str, ...], by_id: dict[str, Step], lead: float) -> str | None:
    """The slowest step of the critical path; an unmeasured map has no bottleneck."""
    if lead <= 0:
        return None
    return min(path, key=lambda step_id: (-by_id[step_id].flow_seconds, by_id[step_id].position))


def compute_map_metrics(flow_map: FlowMap) -> MapMetrics:
    """All map metrics at once, from one pass over the graph."""
    flow_map = flow_map.with_inventory_waits()
    ordered = flow_map.ordered_steps()
    by_id = {step.id: step for step in ordered}
    path, lead = critical_path(flow_map)
    on_path = set(path)
    process = sum(by_id[step_id].process_seconds or 0.0 for step_id in path)

    rolled = 1.0
    for step in ordered:
        if step.percent_complete_accurate is not None:
            rolled *= step.percent_complete_accurate / 100.0

    shares = {
        step.id: (step.flow_seconds / lead if lead > 0 and step.id in on_path else 0.0)
        for step in ordered
    }
    seconds_per_day = flow_map.calendar.seconds_per_day
    longest_queue = _bottleneck(path, by_id, lead)
    capacities = capacity(flow_map)
    rework = expected_rework(flow_map, path)
    daily = capacities.daily_demand
    with_rework = lead + rework.expected_seconds
    return MapMetrics(
        lead_time_seconds=lead,
        process_time_seconds=process,
        activity_ratio=process / lead if lead > 0 else None,
        rolled_pca_percent=rolled * 100.0,
        handoffs=len(flow_map.forward_handoffs),
        cross_team_handoffs=sum(1 for handoff in flow_map.forward_handoffs if handoff.cross_team),
        manual_steps=sum(1 for step in ordered if not step.automated),
        step_count=len(ordered),
        total_people=sum(step.people or 0 for step in ordered),
        bottleneck_step_id=longest_queue,
        critical_path=path,
        step_shares=shares,
        lead_time_days=lead / seconds_per_day,
        process_time_days=process / seconds_per_day,
        steps_missing_role=tuple(step.id for step in ordered if not (step.role or "").strip()),
        steps_missing_process_time=tuple(
            step.id for step in ordered if step.process_seconds is None
        ),
        steps_missing_wait_time=tuple(step.id for step in ordered if step.wait_seconds is None),
        longest_queue_step_id=longest_queue,
        constraint_step_id=capacities.constraint_step_id,
        takt_time_seconds=capacities.takt_seconds,
        daily_demand=daily,
        available_seconds_per_day=capacities.available_seconds_per_day,
        step_capacity=capacities.steps,
        steps_short_of_demand=capacities.short_of_demand,
        steps_wait_from_inventory=tuple(step.id for step in ordered if step.wait_from_inventory),
        inventory_days={
            step.id: step.queue_size / daily
            for step in ordered
            if daily and step.queue_size is not None
        },
        expected_rework_seconds=rework.expected_seconds,
        lead_time_with_rework_seconds=with_rework,
        lead_time_with_rework_days=with_rework / seconds_per_day,
        step_rework_seconds=rework.step_seconds,
        rework_loops=rework.loops,
    )


def _change(current: float | None, desired: float | None) -> MetricChange:
    if current is None or desired is None:
        return MetricChange(
            current=current, desired=desired, absolute_change=None, percent_change=None
        )
    absolute = desired - current
    percent = absolute / current * 100.0 if current != 0 else None
    return MetricChange(
        current=current, desired=desired, absolute_change=absolute, percent_change=percent
    )


def compare(current: MapMetrics, desired: MapMetrics) -> dict[str, MetricChange]:
    """How the desired state moves each headline metric, keyed by the metric's field name.

    ``percent_change`` is relative to the current value (-50.0 means halved) and is
    ``None`` when there is no current value to be relative to.
    """
    return {
        name: _change(getattr(current, name), getattr(desired, name)) for name in COMPARED_METRICS
    }


class MapComparison(BaseModel):
    """A cycle's chosen desired-state map against its current-state map, metric by metric."""

    current_map_id: uuid.UUID
    desired_map_id: uuid.UUID
    current: MapMetrics
    desired: MapMetrics
    changes: dict[str, MetricChange]


class Change(BaseModel):
    """One metric from an earlier map to a later one; percent is of the earlier value."""

    model_config = ConfigDict(frozen=True)

    before: float | None
    after: float | None
    absolute_change: float | None
    percent_change: float | None


def changes_between(before: MapMetrics, after: MapMetrics) -> dict[str, Change]:
    """`compare`'s changes, named for two maps that follow each other in time."""
    return {
        name: Change(
            before=change.current,
            after=change.desired,
            absolute_change=change.absolute_change,
            percent_change=change.percent_change,
        )
        for name, change in compare(before, after).items()
    }


class MapsCompared(BaseModel):
    """Any two maps of one value stream, the later against the earlier, metric by metric:
    a cycle's current state against a later cycle's, or a desired map against the current
    map that followed it (what was planned against what came about)."""

    before_map_id: uuid.UUID
    after_map_id: uuid.UUID
    before: MapMetrics
    after: MapMetrics
    changes: dict[str, Change]
