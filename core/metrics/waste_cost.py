"""What a finding of waste costs the flow, and the order a team should take findings in.

People's hours are one cost of waste; the customer's is time. A handoff that leaves
work waiting 14 days costs the flow 14 days of lead time, while a 20-minute manual step
costs it 20 minutes, however many hours a week the manual step takes from people. So
findings rank by the time they add to the flow first and by people-hours second:

1. **flow cost**: the wait of the finding's step when the step lies on the critical path
   (where the wait lengthens lead time), plus the rework expected of it wherever it is
   (its own (1 - %C&A) * (wait + process), and any rework loop it starts), longest
   first;
2. then **people-hours per week** (the finding's estimated cost), most first;
3. then the finding's id, so the order is always the same.

A finding at a handoff is charged the wait of the step the work is handed to, which is
where it waits; a finding at a rework loop is charged the loop's expected rework.
Findings at the map as a whole have no flow cost and rank by people-hours among
themselves, after any finding that costs the flow time.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from core.metrics.map_metrics import MapMetrics

RANKING_RULE = (
    "by flow cost: the wait of the finding's step when on the critical path plus the "
    "rework expected of that step (or of the rework loop it is about), longest first; then by "
    "people-hours per week, most first; then by id. A finding at a handoff is charged the "
    "wait of the step the work is handed to"
)


@dataclass(frozen=True)
class Located:
    """A finding as the ranking sees it: where it is and what people said it costs."""

    finding_id: str
    step_id: str | None
    handoff_id: str | None
    people_hours_per_week: float | None


@dataclass(frozen=True)
class Handed:
    """A handoff's ends and whether it is a rework loop."""

    to_step_id: str
    rework: bool


@dataclass(frozen=True)
class FlowCost:
    finding_id: str
    charged_step_id: str | None
    on_critical_path: bool
    wait_seconds: float
    share_of_lead_time: float | None
    rework_seconds: float
    share_of_rework: float | None
    flow_cost_seconds: float
    people_hours_per_week: float | None


def counted_waits(
    measured: Iterable[tuple[str, float | None]], metrics: MapMetrics, seconds_per_day: float
) -> dict[str, float]:
    """Each step's wait as the metrics counted it: the measured one, else the days of
    demand its inventory holds (`MapMetrics.inventory_days`), else none."""
    return {
        step_id: wait
        if wait is not None
        else metrics.inventory_days.get(step_id, 0.0) * seconds_per_day
        for step_id, wait in measured
    }


def _share(part: float, whole: float) -> float | None:
    return part / whole if whole > 0 else None


def flow_costs(
    findings: list[Located],
    metrics: MapMetrics,
    waits: dict[str, float],
    handoffs: dict[str, Handed],
) -> list[FlowCost]:
    """Each finding's cost to the flow, ranked by `RANKING_RULE`.

    `waits` holds each step's wait in seconds as the metrics counted it
    (`counted_waits`). Wait counts only on the critical path, where it
    lengthens lead time; rework counts wherever it is expected.
    """
    on_path = set(metrics.critical_path)
    loops_from: dict[str, float] = defaultdict(float)
    loop_seconds: dict[str, float] = {}
    for loop in metrics.rework_loops:
        loop_seconds[loop.handoff_id] = loop.expected_seconds or 0.0
        loops_from[loop.from_step_id] += loop.expected_seconds or 0.0
    all_rework = sum(metrics.step_rework_seconds.values()) + sum(loop_seconds.values())
    costs = []
    for finding in findings:
        step_id, rework = _charged(finding, handoffs, loop_seconds)
        if step_id is not None:
            rework = metrics.step_rework_seconds.get(step_id, 0.0) + loops_from[step_id]
        counted = step_id in on_path
        wait = waits.get(step_id, 0.0) if counted and step_id is not None else 0.0
        costs.append(
            FlowCost(
                finding_id=finding.finding_id,
                charged_step_id=step_id,
                on_critical_path=counted,
                wait_seconds=wait,
                share_of_lead_time=_share(wait, metrics.lead_time_seconds),
                rework_seconds=rework,
                share_of_rework=_share(rework, all_rework),
                flow_cost_seconds=wait + rework,
                people_hours_per_week=finding.people_hours_per_week,
            )
        )
    costs.sort(
        key=lambda cost: (
            -cost.flow_cost_seconds,
            -(cost.people_hours_per_week or 0.0),
            cost.finding_id,
        )
    )
    return costs


def _charged(
    finding: Located, handoffs: dict[str, Handed], loop_seconds: dict[str, float]
) -> tuple[str | None, float]:
    """The step a finding is charged to, or the rework of the loop it is about."""
    handed = handoffs.get(finding.handoff_id) if finding.handoff_id else None
    if handed is None:
        return finding.step_id, 0.0
    if handed.rework:
        return None, loop_seconds.get(finding.handoff_id or "", 0.0)
    return handed.to_step_id, 0.0
