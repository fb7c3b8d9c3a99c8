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

Pure functions; the caller runs them off the event loop (they are CPU work) and keeps
them within `MAX_DRAWS`.
"""

import bisect
import itertools
import random
from collections.abc import Sequence

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
    """The trials would draw more days than `MAX_DRAWS`."""


def expected_draws(history: Sequence[int], remaining: int, trials: int) -> float:
    """Days a `days_to_finish` run is expected to draw, from the history's mean throughput."""
    mean = sum(history) / len(history) if history else 0.0
    if mean <= 0:
        return float("inf")
    return trials * min(remaining / mean + 1, MAX_HORIZON_DAYS)


def days_to_finish(
    history: Sequence[int], remaining: int, trials: int, seed: int
) -> list[int | None]:
    """Per trial, the days until `remaining` items are done (None past `MAX_HORIZON_DAYS`).

    Raises `ForecastTooCostly` when the trials would draw more than `MAX_DRAWS` days, and
    ValueError for a history without throughput, which no number of days finishes.
    """
    if not history or sum(history) <= 0:
        raise ValueError("the history has no finished items to forecast from")
    if expected_draws(history, remaining, trials) > MAX_DRAWS:
        raise ForecastTooCostly("the forecast would take too long")
    rng = random.Random(seed)
    days: list[int | None] = []
    for _ in range(trials):
        done, drawn, found = 0, 0, None
        while drawn < MAX_HORIZON_DAYS:
            chunk = rng.choices(history, k=min(_CHUNK, MAX_HORIZON_DAYS - drawn))
            totals = list(itertools.accumulate(chunk, initial=done))[1:]
            reached = bisect.bisect_left(totals, remaining)
            if reached < len(totals):
                found = drawn + reached + 1
                break
            done, drawn = totals[-1], drawn + len(chunk)
        days.append(found)
    return days


def items_done(history: Sequence[int], days: int, trials: int, seed: int) -> list[int]:
    """Per trial, the items done in `days` days."""
    if not history:
        raise ValueError("the history has no days to forecast from")
    if trials * days > MAX_DRAWS:
        raise ForecastTooCostly("the forecast would take too long")
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
