"""A value stream map as plain, read-only data.

Metrics and waste classifiers (including third-party plugins) receive this instead of
database rows, so they stay pure functions: easy to test, impossible to make issue
queries, and safe to call from any transport or background job.

The flow is a graph whose edges are the forward handoffs. A map without forward
handoff records is a chain of its steps in ``position`` order, which is how most
workshops first sketch it. The forward flow must be acyclic, or lead time would be
infinite: work that goes back to an earlier step is a handoff marked as a rework loop,
which the longest path leaves out and the expected rework counts
(``core.metrics.rework``).
"""

import heapq
import itertools
import math
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Literal

from core.errors import ValidationFailed
from core.graphs import reaches


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


def _check_non_negative(value: float | None, name: str, owner: str) -> None:
    if value is not None and (math.isnan(value) or math.isinf(value) or value < 0):
        raise FlowMapError(
            f"{owner}: {name} must be a finite number of 0 or more, not {value!r}",
            field=name,
        )


def _check_share(value: float | None, name: str, owner: str) -> None:
    if value is not None and not 0 < value <= 100:
        raise FlowMapError(
            f"{owner}: {name} must be more than 0 and at most 100, not {value!r}", field=name
        )


@dataclass(frozen=True)
class DataBox:
    """What the customer asks for and the time there is to make it: Learning to See's
    data box for the whole flow (Rother & Shook, 1999).

    ``demand_units`` arrive over ``demand_working_days`` working days (18,400 a month
    of 20 working days is 920 a day). A working day has ``shifts_per_day`` shifts of
    ``shift_hours`` hours (the map's working day when not given), less
    ``break_minutes_per_shift`` per shift. Without demand there is no takt time, and no
    step's inventory can be turned into days.
    """

    demand_units: float | None = None
    demand_working_days: float = 1.0
    shifts_per_day: int = 1
    shift_hours: float | None = None
    break_minutes_per_shift: float = 0.0

    def available_seconds_per_day(self, calendar: Calendar) -> float:
        hours = self.shift_hours if self.shift_hours is not None else calendar.hours_per_working_day
        return self.shifts_per_day * (hours * 3600.0 - self.break_minutes_per_shift * 60.0)

    @property
    def daily_demand(self) -> float | None:
        """Units per working day; None when no demand is stated."""
        if self.demand_units is None:
            return None
        return self.demand_units / self.demand_working_days

    def check(self, calendar: Calendar) -> None:
        """Raise on a data box whose numbers leave no working time or no days."""
        if self.demand_units is not None and not (
            math.isfinite(self.demand_units) and self.demand_units > 0
        ):
            raise FlowMapError("demand_units must be more than 0", field="demand_units")
        if not 0 < self.demand_working_days <= 366:
            raise FlowMapError(
                "demand_working_days must be more than 0 and at most 366",
                field="demand_working_days",
            )
        if not 1 <= self.shifts_per_day <= 24:
            raise FlowMapError("shifts_per_day must be from 1 to 24", field="shifts_per_day")
        hours = self.shift_hours if self.shift_hours is not None else calendar.hours_per_working_day
        if self.shifts_per_day * hours > 24:
            raise FlowMapError(
                f"{self.shifts_per_day} shifts of {hours:g} hours are more than a day",
                field="shift_hours",
            )
        if self.available_seconds_per_day(calendar) <= 0:
            raise FlowMapError(
                "the breaks take the whole shift: no working time is left",
                field="break_minutes_per_shift",
            )


@dataclass(frozen=True)
class Step:
    """One activity of the flow. Times are seconds; ``None`` means not measured yet.

    ``artifacts`` are what the step produces; ``queue_size`` counts the units of
    inventory waiting in front of it. The data box of the step (``cycle_seconds`` per
    unit, ``uptime_percent``, ``changeover_seconds``, ``batch_size``, and ``people`` as
    its operators) gives its capacity. ``wait_from_inventory`` says the wait was not
    measured but worked out from the inventory and the customer's daily demand. Lists
    are turned into tuples so a step stays immutable and hashable.
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
    cycle_seconds: float | None = None
    changeover_seconds: float | None = None
    uptime_percent: float | None = None
    batch_size: int | None = None
    wait_from_inventory: bool = False

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
        _check_non_negative(self.process_seconds, "process_seconds", f"step {self.id}")
        _check_non_negative(self.wait_seconds, "wait_seconds", f"step {self.id}")
        _check_non_negative(self.people, "people", f"step {self.id}")
        _check_non_negative(self.queue_size, "queue_size", f"step {self.id}")
        _check_non_negative(self.cycle_seconds, "cycle_seconds", f"step {self.id}")
        _check_non_negative(self.changeover_seconds, "changeover_seconds", f"step {self.id}")
        _check_non_negative(self.batch_size, "batch_size", f"step {self.id}")
        _check_share(self.uptime_percent, "uptime_percent", f"step {self.id}")
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
    """Work passing from one step to the next; ``artifact`` is what travels along it.

    A ``rework`` handoff goes back from a later step to an earlier one: the share
    ``rework_percent`` of the work (by default what the later step gets wrong, 100 - its
    %C&A) waits ``wait_seconds`` and runs through the steps between again.
    """

    id: str
    from_step: str
    to_step: str
    artifact: str | None = None
    cross_team: bool = False
    rework: bool = False
    wait_seconds: float | None = None
    rework_percent: float | None = None

    def __post_init__(self) -> None:
        _check_non_negative(self.wait_seconds, "wait_seconds", f"handoff {self.id}")
        _check_share(self.rework_percent, "rework_percent", f"handoff {self.id}")


@dataclass(frozen=True)
class FlowMap:
    """A current- or desired-state map, with the graph queries metrics need."""

    id: str
    name: str
    kind: Literal["current", "desired"]
    steps: tuple[Step, ...]
    handoffs: tuple[Handoff, ...] = ()
    calendar: Calendar = field(default_factory=Calendar)
    data_box: DataBox = field(default_factory=DataBox)

    def __post_init__(self) -> None:
        object.__setattr__(self, "steps", tuple(self.steps))
        object.__setattr__(self, "handoffs", tuple(self.handoffs))
        self.data_box.check(self.calendar)
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
    def forward_handoffs(self) -> tuple[Handoff, ...]:
        return tuple(handoff for handoff in self.handoffs if not handoff.rework)

    @property
    def rework_loops(self) -> tuple[Handoff, ...]:
        return tuple(handoff for handoff in self.handoffs if handoff.rework)

    @property
    def is_chain(self) -> bool:
        """No forward handoff records: the steps follow each other in position order."""
        return not self.forward_handoffs

    def with_inventory_waits(self) -> "FlowMap":
        """The map with each unmeasured wait worked out from the inventory in front of it.

        Inventory days = units waiting ÷ daily demand (Rother & Shook, *Learning to
        See*): 7,000 parts before a step of a plant shipping 920 a day wait 7.6 days.
        A measured wait stays as it is; without demand, or with no step to work out (a
        map worked out already), the map itself comes back.
        """
        daily = self.data_box.daily_demand
        if daily is None or not any(
            step.wait_seconds is None and step.queue_size is not None for step in self.steps
        ):
            return self
        day = self.calendar.seconds_per_day
        steps = tuple(
            replace(step, wait_seconds=step.queue_size / daily * day, wait_from_inventory=True)
            if step.wait_seconds is None and step.queue_size is not None
            else step
            for step in self.steps
        )
        return replace(self, steps=steps)

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
        return tuple((handoff.from_step, handoff.to_step) for handoff in self.forward_handoffs)

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
            f"the handoffs form a cycle: {path}; mark the handoff back to an earlier step "
            "as a rework loop (rework: true)"
        )

    def goes_back(self, loop: Handoff) -> bool:
        """Whether the work reaches the loop's start from its end along the forward flow:
        a rework loop goes back from a later step to an earlier one it came through."""
        return loop.to_step != loop.from_step and reaches(
            self.successors(), loop.to_step, loop.from_step
        )

    def check_handoff(self, handoff: Handoff) -> None:
        """Raise if adding `handoff` closes a forward cycle, or is a rework loop that does
        not go back. Loops already on the map are not checked again: when the forward
        handoffs are still being drawn, a loop may briefly span steps not yet joined."""
        if not handoff.rework:
            replace(self, handoffs=(*self.handoffs, handoff)).topological_order()
            return
        if not self.goes_back(handoff):
            raise FlowMapError(
                "a rework loop goes back from a later step to an earlier one the work came through",
                field="to_step_id",
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
