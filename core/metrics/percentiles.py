"""Percentiles of durations, by a method the caller names and every answer states.

A duration metric is a distribution, not one number: half the items take longer than
the median, and the 85th and 95th percentiles are what a delivery lead promises from.
Tools differ on what a percentile of a small sample is. Two definitions are offered,
each one PostgreSQL computes natively and SQLite computes the same way from ranks
(`core.delivery.flow_metrics`):

* ``linear`` (the default): linear interpolation between the two nearest ranks, at
  zero-based position ``(n - 1) * p``. PostgreSQL's ``percentile_cont``, definition 7 of
  Hyndman and Fan (1996), and the default of numpy, R and Excel's ``PERCENTILE.INC``:
  the median of 1..6 hours is 3.5 hours.
* ``nearest_rank``: the smallest value with at least the share ``p`` of the values at or
  below it, the value ranked ``ceil(p * n)``; never an average of two. PostgreSQL's
  ``percentile_disc`` and Hyndman and Fan's definition 1: the median of 1..6 hours is 3.

Levels are whole percents, so the ranks are integer arithmetic on both databases.
"""

import math
from collections.abc import Iterable, Sequence
from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict, Field

PercentileMethod = Literal["linear", "nearest_rank"]
PERCENTILE_METHODS: tuple[PercentileMethod, ...] = get_args(PercentileMethod)
DEFAULT_PERCENTILE_METHOD: PercentileMethod = "linear"
LEVELS: tuple[int, ...] = (50, 85, 95)
"""The percentiles every duration metric gives."""

METHOD_DESCRIPTIONS: dict[PercentileMethod, str] = {
    "linear": (
        "linear interpolation between the two nearest ranks (percentile_cont; Hyndman and "
        "Fan's definition 7, the default of numpy, R and Excel's PERCENTILE.INC)"
    ),
    "nearest_rank": (
        "nearest rank: the value ranked ceil(p * n), never an average of two "
        "(percentile_disc; Hyndman and Fan's definition 1)"
    ),
}

PERCENTILE_METHOD_HELP = (
    "how percentiles (and so medians) of durations are taken: `linear` (default) "
    f"interpolates, {METHOD_DESCRIPTIONS['linear']}; `nearest_rank` takes a value that "
    f"occurred, {METHOD_DESCRIPTIONS['nearest_rank']}"
)


def method_named(name: str) -> PercentileMethod:
    """The method of that name (a transport's enum value), typed as the core's."""
    for method in PERCENTILE_METHODS:
        if method == name:
            return method
    raise ValueError(f"percentile_method must be one of {', '.join(PERCENTILE_METHODS)}")


def nearest_rank(count: int, percent: int) -> int:
    """The one-based rank `nearest_rank` takes: ``ceil(percent * count / 100)``, at least 1."""
    return max(1, (percent * count + 99) // 100)


def linear_position(count: int, percent: int) -> tuple[int, float]:
    """The one-based rank below `linear`'s position and the fraction of the way to the next."""
    scaled = (count - 1) * percent
    return scaled // 100 + 1, (scaled % 100) / 100


def percentile(ordered: Sequence[float], percent: int, method: PercentileMethod) -> float:
    """The `percent` percentile of values sorted ascending (at least one)."""
    if not ordered:
        raise ValueError("a percentile of no values")
    if not 0 < percent <= 100:
        raise ValueError("percent must be in (0, 100]")
    if method == "nearest_rank":
        return float(ordered[nearest_rank(len(ordered), percent) - 1])
    rank, fraction = linear_position(len(ordered), percent)
    low = float(ordered[rank - 1])
    high = float(ordered[rank]) if rank < len(ordered) else low
    return low + fraction * (high - low)


class Distribution(BaseModel):
    """A duration metric's spread over the items it was measured on, in seconds."""

    model_config = ConfigDict(frozen=True)

    count: int = Field(description="how many durations were measured")
    mean: float = Field(description="their arithmetic mean, in seconds")
    p50: float = Field(description="the median, in seconds, by the answer's percentile method")
    p85: float = Field(description="the 85th percentile, in seconds")
    p95: float = Field(description="the 95th percentile, in seconds")


def median(spread: Distribution | None) -> float | None:
    """The distribution's median; None where nothing was measured."""
    return spread.p50 if spread is not None else None


def distribution(values: Iterable[float], method: PercentileMethod) -> Distribution | None:
    """The distribution of the values; None when there are none."""
    ordered = sorted(float(v) for v in values)
    if not ordered:
        return None
    p50, p85, p95 = (percentile(ordered, level, method) for level in LEVELS)
    return Distribution(
        count=len(ordered), mean=math.fsum(ordered) / len(ordered), p50=p50, p85=p85, p95=p95
    )
