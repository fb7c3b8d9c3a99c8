"""Percentiles of durations by both methods, against worked examples and numpy."""

import random

import numpy
import pytest

from core.metrics.percentiles import (
    LEVELS,
    PERCENTILE_METHODS,
    PercentileMethod,
    distribution,
    method_named,
    percentile,
)

WIKIPEDIA_LIST = [15.0, 20.0, 35.0, 40.0, 50.0]


@pytest.mark.parametrize(
    ("percent", "expected"), [(5, 15.0), (30, 20.0), (40, 20.0), (50, 35.0), (100, 50.0)]
)
def test_nearest_rank_reproduces_the_worked_example(percent: int, expected: float) -> None:
    """Wikipedia, "Percentile", section "The nearest-rank method", first worked example:
    the 5th, 30th, 40th, 50th and 100th percentiles of 15, 20, 35, 40, 50."""
    assert percentile(WIKIPEDIA_LIST, percent, "nearest_rank") == expected


def test_linear_interpolation_reproduces_the_worked_example() -> None:
    """Wikipedia, "Percentile", section "The linear interpolation between closest ranks
    method", second variant (C = 1, Excel's PERCENTILE.INC, numpy's default): the 40th
    percentile of 15, 20, 35, 40, 50 is 29. Hyndman and Fan (1996), "Sample Quantiles in
    Statistical Packages", The American Statistician 50(4), define it as their type 7."""
    assert percentile(WIKIPEDIA_LIST, 40, "linear") == 29.0


def test_the_median_of_one_to_six_hours_is_three_and_a_half_by_default() -> None:
    """The even count that made the lower median read low: most tools say 3.5 h."""
    hours = [float(h) for h in range(1, 7)]

    assert distribution(hours, "linear") == distribution(hours, method_named("linear"))
    linear = distribution(hours, "linear")
    nearest = distribution(hours, "nearest_rank")

    assert linear is not None and nearest is not None
    assert (linear.p50, linear.p85, linear.p95) == (3.5, 5.25, 5.75)
    assert (nearest.p50, nearest.p85, nearest.p95) == (3.0, 6.0, 6.0)
    assert linear.mean == nearest.mean == 3.5
    assert linear.count == 6


NUMPY_METHOD: dict[PercentileMethod, str] = {"linear": "linear", "nearest_rank": "inverted_cdf"}


@pytest.mark.parametrize("method", PERCENTILE_METHODS)
def test_both_methods_agree_with_numpy_on_random_samples(method: PercentileMethod) -> None:
    """numpy's `linear` and `inverted_cdf` are Hyndman and Fan's types 7 and 1."""
    rng = random.Random(13)
    for size in (*range(1, 12), 50, 101, 1000):
        values = [float(rng.randrange(0, 10_000)) for _ in range(size)]
        got = distribution(values, method)
        assert got is not None
        for level in LEVELS:
            expected = numpy.percentile(values, level, method=NUMPY_METHOD[method])
            assert getattr(got, f"p{level}") == pytest.approx(expected, rel=1e-12), (size, level)
        assert got.mean == pytest.approx(numpy.mean(values), rel=1e-12)


def test_nothing_measured_has_no_distribution() -> None:
    assert distribution([], "linear") is None
    with pytest.raises(ValueError, match="no values"):
        percentile([], 50, "linear")


def test_an_unknown_method_is_refused() -> None:
    with pytest.raises(ValueError, match="linear, nearest_rank"):
        method_named("average")
