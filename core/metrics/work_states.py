"""Time a work item spent active, waiting and blocked, from its tracker's state changes.

Each change holds from its own time until the next change, or until the item
finished; every interval is clipped to the item's flow, ``[start, finish]``, so a
change recorded before the item started or after it finished counts only for the
part inside. Time between the start and the first change has no known state and
counts as none of the three: flow efficiency (active / flow time) then leans low,
never high, when a tracker's history is incomplete.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

FLAGS = ("active", "waiting", "blocked")


@dataclass(frozen=True)
class StateChange:
    at: datetime
    flag: str


class Timed(Protocol):
    @property
    def at(self) -> datetime: ...


@dataclass(frozen=True)
class StateSeconds:
    active: float
    waiting: float
    blocked: float


def first_out_of_order(changes: Sequence[Timed]) -> int | None:
    """Index of the first change earlier than the one before it; equal times are in order."""
    for index in range(1, len(changes)):
        if changes[index].at < changes[index - 1].at:
            return index
    return None


def state_seconds(
    changes: Sequence[StateChange], start: datetime, finish: datetime
) -> StateSeconds | None:
    """Seconds per flag inside ``[start, finish]``; ``None`` without any change to go by.

    `changes` must be in time order (see `first_out_of_order`). Two changes at the same
    instant are kept in the order given: the earlier lasts no time at all.
    """
    if not changes:
        return None
    totals = dict.fromkeys(FLAGS, 0.0)
    for index, change in enumerate(changes):
        until = changes[index + 1].at if index + 1 < len(changes) else finish
        begin = max(change.at, start)
        end = min(until, finish)
        if end > begin:
            totals[change.flag] += (end - begin).total_seconds()
    return StateSeconds(
        active=totals["active"], waiting=totals["waiting"], blocked=totals["blocked"]
    )
