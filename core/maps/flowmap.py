"""A value stream map as plain, read-only data.

Metrics and waste classifiers (including third-party plugins) receive this instead of
database rows, so they stay pure functions: easy to test, impossible to make issue
queries, and safe to call from any transport or background job.

The flow is a graph whose edges are the handoffs. A map without handoff records is a
chain of its steps in ``position`` order, which is how most workshops first sketch it.
A map with handoffs must be acyclic: rework loops belong in a step's percent complete
and accurate (%C&A), not in an edge back, or lead time would be infinite.
"""

import heapq
import itertools
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Literal

from core.errors import ValidationFailed


class FlowMapError(ValidationFailed):
    """A map whose shape makes its metrics meaningless, such as a cycle of handoffs."""


class ValueClass(StrEnum):
    value_add = "value_add"
    necessary_non_value_add = "necessary_non_value_add"
    unnecessary_non_value_add = "unnecessary_non_value_add"


@dataclass(frozen=True)
class Calendar:
    """How a map counts days, which only matters to parsing input and reporting in days.

    ``waits_in="working"`` means the team reports its lead time in working days (a
    day is ``hours_per_working_day`` hours); ``"calendar"`` means 24-hour days.
    """

    hours_per_working_day: float = 8.0
    waits_in: Literal["calendar", "working"] = "calendar"

    def __post_init__(self) -> None:
        if not 0 < self.hours_per_working_day <= 24:
            raise FlowMapError(
                "hours_per_working_day must be more than 0 and at most 24, "
                f"not {self.hours_per_working_day!r}",
                field="hours_per_working_day",
            )
        if self.waits_in not in ("calendar", "working"):
            raise FlowMapError(
                f"waits_in must be 'calendar' or 'working', not {self.waits_in!r}",
                field="waits_in",
            )

    @property
    def seconds_per_day(self) -> float:
        """The length of the day that lead times are reported in."""
        if self.waits_in == "working":
            return self.hours_per_working_day * 3600.0
        return 86400.0


def _check_non_negative(value: float | None, name: str, step_id: str) -> None:
    if value is not None and (math.isnan(value) or math.isinf(value) or value < 0):
        raise FlowMapError(
            f"step {step_id}: {name} must be a finite number of 0 or more, not {value!r}",
            field=name,
        )


@dataclass(frozen=True)
class Step:
    """One activity of the flow. Times are seconds; ``None`` means not measured yet.

    ``artifacts`` are what the step produces; ``queue_size`` counts the items waiting
    before it. Lists are turned into tuples so a step stays immutable and hashable.
    """

    id: str
    name: str
    position: int
    role: str | None = None
    team: str | None = None
    people: int | None = None
    process_seconds: float | None = None
    wait_seconds: float | None = None
    percent_complete_accurate: float | None = None
    tools: tuple[str, ...] = ()
    artifacts: tuple[str, ...] = ()
    automated: bool = False
    cicd_stage: bool = False
    value_class: ValueClass | None = None
    description: str | None = None
    queue_size: int | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "tools", tuple(self.tools))
        object.__setattr__(self, "artifacts", tuple(self.artifacts))
        if self.value_class is not None and not isinstance(self.value_class, ValueClass):
            try:
                object.__setattr__(self, "value_class", ValueClass(self.value_class))
            except ValueError:
                raise FlowMapError(
                    f"step {self.id}: value_class must be one of "
                    f"{', '.join(ValueClass)}, not {self.value_class!r}",
                    field="value_class",
                ) from None
        _check_non_negative(self.process_seconds, "process_seconds", self.id)
        _check_non_negative(self.wait_seconds, "wait_seconds", self.id)
        _check_non_negative(self.people, "people", self.id)
        _check_non_negative(self.queue_size, "queue_size", self.id)
        pca = self.percent_complete_accurate
        if pca is not None and not 0 <= pca <= 100:
            raise FlowMapError(
                f"step {self.id}: percent_complete_accurate must be from 0 to 100, not {pca!r}",
                field="percent_complete_accurate",
            )

    @property
    def flow_seconds(self) -> float:
        """Process plus wait, counting what is not measured yet as zero."""
        return (self.process_seconds or 0.0) + (self.wait_seconds or 0.0)


@dataclass(frozen=True)
class Handoff:
    """Work passing from one step to the next; ``artifact`` is what travels along it."""

    id: str
    from_step: str
    to_step: str
    artifact: str | None = None
    cross_team: bool = False


@dataclass(frozen=True)
class FlowMap:
    """A current- or desired-state map, with the graph queries metrics need."""

    id: str
    name: str
    kind: Literal["current", "desired"]
    steps: tuple[Step, ...]
    handoffs: tuple[Handoff, ...] = ()
    calendar: Calendar = field(default_factory=Calendar)

    def __post_init__(self) -> None:
        object.__setattr__(self, "steps", tuple(self.steps))
        object.__setattr__(self, "handoffs", tuple(self.handoffs))
        if self.kind not in ("current", "desired"):
            raise FlowMapError(
                f"kind must be 'current' or 'desired', not {self.kind!r}", field="kind"
            )
        _require_unique((step.id for step in self.steps), "step")
        _require_unique((handoff.id for handoff in self.handoffs), "handoff")
        step_ids = {step.id for step in self.steps}
        for handoff in self.handoffs:
            for end in (handoff.from_step, handoff.to_step):
                if end not in step_ids:
                    raise FlowMapError(
                        f"handoff {handoff.id} refers to step {end}, which is not on the map",
                        field="handoffs",
                    )

    @property
    def is_chain(self) -> bool:
        """No handoff records: the steps follow each other in position order."""
        return not self.handoffs

    def ordered_steps(self) -> tuple[Step, ...]:
        """Steps in position order; the id breaks ties so the order is always the same."""
        return tuple(sorted(self.steps, key=lambda step: (step.position, step.id)))

    def step(self, step_id: str) -> Step:
        for step in self.steps:
            if step.id == step_id:
                return step
        raise KeyError(step_id)

    def edges(self) -> tuple[tuple[str, str], ...]:
        """(from, to) pairs: the handoffs, or consecutive steps of a chain."""
        if self.is_chain:
            ordered = self.ordered_steps()
            return tuple((a.id, b.id) for a, b in itertools.pairwise(ordered))
        return tuple((handoff.from_step, handoff.to_step) for handoff in self.handoffs)

    def successors(self) -> dict[str, tuple[str, ...]]:
        return _adjacency(self.steps, self.edges(), reverse=False)

    def predecessors(self) -> dict[str, tuple[str, ...]]:
        return _adjacency(self.steps, self.edges(), reverse=True)

    def topological_order(self) -> tuple[str, ...]:
        """Step ids so that every step comes after all steps that hand off to it.

        Among steps that are ready at the same time, the lower position comes first,
        so the order (and everything computed from it) is deterministic. Raises
        ``FlowMapError`` naming the steps of a cycle.
        """
        rank = {step.id: index for index, step in enumerate(self.ordered_steps())}
        successors = self.successors()
        indegree = dict.fromkeys(rank, 0)
        for _, to_step in self.edges():
            indegree[to_step] += 1
        ready = [(rank[step_id], step_id) for step_id, count in indegree.items() if count == 0]
        heapq.heapify(ready)
        order: list[str] = []
        while ready:
            _, step_id = heapq.heappop(ready)
            order.append(step_id)
            for next_id in successors[step_id]:
                indegree[next_id] -= 1
                if indegree[next_id] == 0:
                    heapq.heappush(ready, (rank[next_id], next_id))
        if len(order) < len(rank):
            raise FlowMapError(self._describe_cycle(indegree), field="handoffs")
        return tuple(order)

    def _describe_cycle(self, indegree: dict[str, int]) -> str:
        """Name one actual cycle, so people know which handoff to remove.

        Every step left with incoming edges after the topological sort has a
        predecessor that is also left, so walking back along those must repeat a step.
        """
        left = {step_id for step_id, count in indegree.items() if count > 0}
        predecessors = self.predecessors()
        names = {step.id: step.name for step in self.steps}
        walk: list[str] = [min(left)]
        seen: dict[str, int] = {walk[0]: 0}
        while True:
            previous = next(p for p in predecessors[walk[-1]] if p in left)
            if previous in seen:
                cycle = list(reversed(walk[seen[previous] :]))
                break
            seen[previous] = len(walk)
            walk.append(previous)
        path = " -> ".join(f"'{names[step_id]}'" for step_id in [*cycle, cycle[0]])
        return (
            f"the handoffs form a cycle: {path}; model rework as percent complete and "
            "accurate (%C&A) on the step, not as a handoff back"
        )


def _require_unique(ids: Iterable[str], what: str) -> None:
    seen: set[str] = set()
    for ident in ids:
        if ident in seen:
            raise FlowMapError(f"{what} id {ident} appears more than once on the map")
        seen.add(ident)


def _adjacency(
    steps: Iterable[Step], edges: Iterable[tuple[str, str]], *, reverse: bool
) -> dict[str, tuple[str, ...]]:
    lists: dict[str, list[str]] = {step.id: [] for step in steps}
    for from_step, to_step in edges:
        if reverse:
            lists[to_step].append(from_step)
        else:
            lists[from_step].append(to_step)
    return {step_id: tuple(neighbours) for step_id, neighbours in lists.items()}
