"""Monte Carlo forecasts from throughput history: when will N items be done, and how many
items will be done by a date.

Each trial replays the future one day at a time, taking each day's throughput at random
(with replacement) from the days of the history, zeros included, as Magennis
(Forecasting and Simulating Software Development Projects, 2011) and Vacanti (When Will
It Be Done?, 2020) describe. Over many trials the answers form a distribution, read at
a confidence: "done within 23 days in 85 % of the trials". Confidences are read by
nearest rank (`core.metrics.percentiles`), so every answer is a number of days or items
some trial actually gave. A trial's random draws come from one seeded generator, so the
same history, parameters and seed give the same answer.

Pure functions, CPU work the service runs in a heavy process (`core.offload`); one
request's trials draw at most `MAX_DRAWS` days in all, counted as they are drawn.
"""

import bisect
import itertools
import random
from collections.abc import Sequence
from dataclasses import dataclass

from core.metrics.percentiles import nearest_rank

CONFIDENCES: tuple[int, ...] = (50, 85, 95)
MAX_TRIALS = 100_000
MAX_HORIZON_DAYS = 3_650
"""A trial that has not finished in ten years stops there: such a forecast says "not
within the horizon" rather than running on."""
MAX_DRAWS = 20_000_000
"""Days drawn over all trials at most (about two seconds of a core): more is refused."""
_CHUNK = 64


class ForecastTooCostly(ValueError):
    """The trials drew more days than their budget."""


class Budget:
    """Days the trials may still draw; spending past it raises `ForecastTooCostly`.

    Counted as drawn, not estimated: a history whose items finished on a few days makes
    each trial wait for those days, far longer than its mean throughput suggests.
    """

    def __init__(self, days: int = MAX_DRAWS) -> None:
        self.left = days

    def spend(self, days: int) -> None:
        self.left -= days
        if self.left < 0:
            raise ForecastTooCostly("the forecast would take too long")


def days_to_finish(
    history: Sequence[int],
    remaining: int,
    trials: int,
    seed: int,
    budget: Budget | None = None,
) -> list[int | None]:
    """Per trial, the days until `remaining` items are done (None past `MAX_HORIZON_DAYS`).

    Raises `ForecastTooCostly` once the trials draw more days than `budget`, and
    ValueError for a history without throughput, which no number of days finishes.
    """
    if not history or sum(history) <= 0:
        raise ValueError("the history has no finished items to forecast from")
    budget = budget or Budget()
    rng = random.Random(seed)
    days: list[int | None] = []
    for _ in range(trials):
        done, drawn, found = 0, 0, None
        while drawn < MAX_HORIZON_DAYS:
            chunk = rng.choices(history, k=min(_CHUNK, MAX_HORIZON_DAYS - drawn))
            budget.spend(len(chunk))
            totals = list(itertools.accumulate(chunk, initial=done))[1:]
            reached = bisect.bisect_left(totals, remaining)
            if reached < len(totals):
                found = drawn + reached + 1
                break
            done, drawn = totals[-1], drawn + len(chunk)
        days.append(found)
    return days


def items_done(
    history: Sequence[int], days: int, trials: int, seed: int, budget: Budget | None = None
) -> list[int]:
    """Per trial, the items done in `days` days."""
    if not history:
        raise ValueError("the history has no days to forecast from")
    (budget or Budget()).spend(trials * days)
    rng = random.Random(seed)
    return [sum(rng.choices(history, k=days)) for _ in range(trials)]


def days_at(days: list[int | None], confidence: int) -> int | None:
    """The days within which `confidence` % of the trials finished; None past the horizon."""
    ordered = sorted(days, key=lambda d: MAX_HORIZON_DAYS + 1 if d is None else d)
    return ordered[nearest_rank(len(ordered), confidence) - 1]


def items_at(totals: list[int], confidence: int) -> int:
    """The items that at least `confidence` % of the trials finished."""
    ordered = sorted(totals)
    return ordered[len(ordered) - nearest_rank(len(ordered), confidence)]


@dataclass(frozen=True)
class Simulated:
    """One request's trials: days to finish `remaining` items, and items done in a span."""

    days: list[int | None] | None
    totals: list[int] | None


def simulate(
    history: Sequence[int], remaining: int | None, span: int | None, trials: int, seed: int
) -> Simulated:
    """Both forecasts of a request, under one `Budget` of `MAX_DRAWS` days."""
    budget = Budget()
    return Simulated(
        days=None
        if remaining is None
        else days_to_finish(history, remaining, trials, seed, budget),
        totals=None if span is None else items_done(history, span, trials, seed, budget),
    )
