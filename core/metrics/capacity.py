"""Takt time, each step's capacity, and the constraint: what Learning to See's data boxes say.

A step's capacity per working day is the available time over its cycle time, derated
by its uptime (Rother & Shook, *Learning to See*, 1999): Acme Stamping's second
assembly cell, at 62 s a part and 100 % uptime in two shifts of 27,600 s, makes
55,200 / 62 = 890 brackets a day against a demand of 920. That step is the
**constraint**: the one whose capacity falls shortest of demand, or is lowest relative
to it when every step keeps up. It is a different question from the step with the
longest wait plus process time (the **longest queue**), which on that plant is the
weld cell behind 7.6 days of stamped parts: the queue is long because of the schedule
upstream, not because the weld cell cannot keep up.

Changeover time and batch size are stated for people to read; the capacity formula
follows the book and leaves them inside the uptime figure.
"""

from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict

from core.maps.flowmap import FlowMap, Step
from core.metrics.definitions import CAPACITY, described


@described(CAPACITY)
class StepCapacity(BaseModel):
    """How much one step can make in a working day, and how that compares with demand."""

    model_config = ConfigDict(frozen=True)

    step_id: str
    cycle_seconds: float
    uptime_percent: float
    units_per_day: float
    demand_ratio: float | None
    cycle_to_takt: float | None


@dataclass(frozen=True)
class Capacity:
    """The flow's takt and every step's capacity that has a cycle time."""

    available_seconds_per_day: float
    daily_demand: float | None
    takt_seconds: float | None
    steps: tuple[StepCapacity, ...]
    constraint_step_id: str | None

    @property
    def short_of_demand(self) -> tuple[str, ...]:
        return tuple(
            s.step_id for s in self.steps if s.demand_ratio is not None and s.demand_ratio < 1
        )


def takt_seconds(available_seconds_per_day: float, daily_demand: float | None) -> float | None:
    """Takt time = available working time ÷ customer demand, in the same period."""
    if daily_demand is None or daily_demand <= 0:
        return None
    return available_seconds_per_day / daily_demand


def units_per_day(available_seconds_per_day: float, step: Step) -> float | None:
    """Available time ÷ cycle time * uptime; None without a cycle time, or with one of
    zero (a step that takes no time per unit never limits the flow)."""
    if not step.cycle_seconds:
        return None
    uptime = (step.uptime_percent if step.uptime_percent is not None else 100.0) / 100.0
    return available_seconds_per_day / step.cycle_seconds * uptime


def capacity(flow_map: FlowMap) -> Capacity:
    """Every step's capacity, and the constraint (lowest capacity; lower position on a tie)."""
    available = flow_map.data_box.available_seconds_per_day(flow_map.calendar)
    daily = flow_map.data_box.daily_demand
    takt = takt_seconds(available, daily)
    rows: list[tuple[Step, StepCapacity]] = []
    for step in flow_map.ordered_steps():
        made = units_per_day(available, step)
        if made is None or step.cycle_seconds is None:
            continue
        rows.append(
            (
                step,
                StepCapacity(
                    step_id=step.id,
                    cycle_seconds=step.cycle_seconds,
                    uptime_percent=step.uptime_percent
                    if step.uptime_percent is not None
                    else 100.0,
                    units_per_day=made,
                    demand_ratio=made / daily if daily else None,
                    cycle_to_takt=step.cycle_seconds / takt if takt else None,
                ),
            )
        )
    constraint = (
        min(rows, key=lambda pair: (pair[1].units_per_day, pair[0].position, pair[0].id))[0].id
        if rows
        else None
    )
    return Capacity(
        available_seconds_per_day=available,
        daily_demand=daily,
        takt_seconds=takt,
        steps=tuple(row for _, row in rows),
        constraint_step_id=constraint,
    )
