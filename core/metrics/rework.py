"""Expected rework: the time a map's %C&A and its rework loops add to the flow.

Percent complete and accurate (%C&A) is the share of a step's output the next step
can use as it comes (Martin & Osterling, *Value Stream Mapping*, 2014). The rest is
done again, and that time is what the lead time on the map leaves out. Two kinds:

- **implicit**: a step's own wait and process time are re-done with probability
  1 - %C&A, so it adds (1 - %C&A) * (wait + process) to the flow on average;
- **explicit**: a rework loop is a handoff back from a later step to an earlier one.
  The share of work sent back (the loop's ``rework_percent``, or else 100 - the later
  step's %C&A) waits the loop's own wait and runs again through the steps from the
  earlier one to the later one (the longest such path), so the loop adds
  share * (loop wait + those steps' wait and process) on average.

A step that starts a rework loop sends what it gets wrong along the loop, so its
implicit rework is not counted a second time. The lead time including rework adds to
the lead time the implicit rework of the critical path's steps and the loops that go
back along the critical path; loops elsewhere are reported but do not lengthen it.
Steps without a %C&A add no rework (it is not measured), and a loop whose share is
unknown, or whose later step the flow does not reach from its earlier one (a map whose
handoffs are still being drawn), is listed with no expected time.
"""

from collections import defaultdict
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict

from core.maps.flowmap import FlowMap, Handoff, Step
from core.metrics.definitions import REWORK_LOOP, described


@described(REWORK_LOOP)
class LoopRework(BaseModel):
    """One rework loop and the time it adds to the flow on average."""

    model_config = ConfigDict(frozen=True)

    handoff_id: str
    from_step_id: str
    to_step_id: str
    rework_percent: float | None
    rerun_step_ids: tuple[str, ...]
    seconds_per_pass: float
    expected_seconds: float | None
    on_critical_path: bool


@dataclass(frozen=True)
class Rework:
    step_seconds: dict[str, float]
    """Each step's expected implicit rework; zero for steps that start a loop."""
    loops: tuple[LoopRework, ...]
    expected_seconds: float
    """What the rework adds to the critical path on average."""


def implicit_seconds(step: Step) -> float:
    """(1 - %C&A) * (wait + process); zero when %C&A is not measured."""
    if step.percent_complete_accurate is None:
        return 0.0
    return (1.0 - step.percent_complete_accurate / 100.0) * step.flow_seconds


def loop_share(
    loop: Handoff, starts: dict[str, list[Handoff]], by_id: dict[str, Step]
) -> float | None:
    """The percent of work a loop sends back: stated, or what its only-loop start gets wrong."""
    if loop.rework_percent is not None:
        return loop.rework_percent
    accurate = by_id[loop.from_step].percent_complete_accurate
    if len(starts[loop.from_step]) == 1 and accurate is not None:
        return 100.0 - accurate
    return None


def longest_between(flow_map: FlowMap, start: str) -> tuple[dict[str, float], dict[str, str]]:
    """Longest forward path lengths from `start` to every step it reaches, and the way back."""
    by_id = {step.id: step for step in flow_map.steps}
    successors = flow_map.successors()
    longest = {start: by_id[start].flow_seconds}
    came_from: dict[str, str] = {}
    for step_id in flow_map.topological_order():
        if step_id not in longest:
            continue
        for next_id in successors[step_id]:
            candidate = longest[step_id] + by_id[next_id].flow_seconds
            if candidate > longest.get(next_id, -1.0):
                longest[next_id] = candidate
                came_from[next_id] = step_id
    return longest, came_from


def expected_rework(flow_map: FlowMap, critical_path: tuple[str, ...]) -> Rework:
    by_id = {step.id: step for step in flow_map.steps}
    on_path = set(critical_path)
    starts: dict[str, list[Handoff]] = defaultdict(list)
    for loop in flow_map.rework_loops:
        starts[loop.from_step].append(loop)
    step_seconds = {
        step.id: 0.0 if step.id in starts else implicit_seconds(step) for step in flow_map.steps
    }
    by_target: dict[str, list[Handoff]] = defaultdict(list)
    for loop in flow_map.rework_loops:
        by_target[loop.to_step].append(loop)
    loops: list[LoopRework] = []
    for target, targeted in by_target.items():
        longest, came_from = longest_between(flow_map, target)
        for loop in targeted:
            rerun: list[str] = []
            cursor: str | None = loop.from_step if loop.from_step in longest else None
            while cursor is not None:
                rerun.append(cursor)
                cursor = came_from.get(cursor) if cursor != target else None
            rerun.reverse()
            per_pass = (loop.wait_seconds or 0.0) + longest.get(loop.from_step, 0.0)
            share = loop_share(loop, starts, by_id) if rerun else None
            loops.append(
                LoopRework(
                    handoff_id=loop.id,
                    from_step_id=loop.from_step,
                    to_step_id=loop.to_step,
                    rework_percent=share,
                    rerun_step_ids=tuple(rerun),
                    seconds_per_pass=per_pass,
                    expected_seconds=None if share is None else share / 100.0 * per_pass,
                    on_critical_path=loop.from_step in on_path and loop.to_step in on_path,
                )
            )
    loops.sort(key=lambda row: row.handoff_id)
    expected = sum(step_seconds[step_id] for step_id in critical_path) + sum(
        row.expected_seconds or 0.0 for row in loops if row.on_critical_path
    )
    return Rework(step_seconds=step_seconds, loops=tuple(loops), expected_seconds=expected)
