"""Monte Carlo forecasts: exact cases, an independent distribution, and the API."""

import math
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from core.metrics.forecast import (
    MAX_DRAWS,
    MAX_HORIZON_DAYS,
    Budget,
    ForecastTooCostly,
    days_at,
    days_to_finish,
    items_at,
    items_done,
    simulate,
)
from tests.api_client import Api
from tests.factories import Factory
from tests.problems import assert_problem


def test_a_steady_throughput_forecasts_exactly() -> None:
    """Two items every day of the history: ten items take five days in every trial."""
    days = days_to_finish([2] * 30, remaining=10, trials=500, seed=1)

    assert {days_at(days, c) for c in (50, 85, 95)} == {5}
    assert {items_at(items_done([2] * 30, 7, 500, 1), c) for c in (50, 85, 95)} == {14}


def binomial_cdf(k: int, n: int) -> float:
    return sum(math.comb(n, i) for i in range(k + 1)) / 2**n


def test_how_many_follows_the_binomial_distribution_of_a_coin_flip_history() -> None:
    """Independent computation: with half the history's days at one item and half at none,
    the items done in 100 days are Binomial(100, 1/2). At 85 % confidence the forecast is
    the largest count at least 85 % of futures reach: the binomial's 15 % quantile."""
    expected = {
        c: next(k for k in range(101) if binomial_cdf(k, 100) >= 1 - c / 100) for c in (85, 95)
    }
    totals = items_done([0, 1] * 20, 100, 40_000, seed=7)

    for confidence, quantile in expected.items():
        assert abs(items_at(totals, confidence) - quantile) <= 1, confidence
    assert items_at(totals, 50) in (49, 50, 51)


def test_the_same_seed_gives_the_same_forecast() -> None:
    history = [0, 0, 1, 3, 0, 2, 5, 0, 1]

    first = days_to_finish(history, 40, 2_000, seed=42)

    assert first == days_to_finish(history, 40, 2_000, seed=42)
    assert first != days_to_finish(history, 40, 2_000, seed=43)


def test_a_forecast_past_the_horizon_says_so() -> None:
    """One item in a hundred days: forty items are 4,000 days away on average, past the
    ten-year horizon, which about a third of the trials still reach."""
    days = days_to_finish([1] + [0] * 99, remaining=40, trials=200, seed=1)

    finished = [d for d in days if d is not None]
    assert 0 < len(finished) < len(days) / 2
    assert max(finished) <= MAX_HORIZON_DAYS
    assert days_at(days, 50) is None


def test_a_forecast_that_would_take_too_long_is_refused() -> None:
    """The days drawn are counted, not estimated from the mean: a year whose items all
    finished on one day makes every trial wait for that day, about 180 draws each."""
    lumpy = [0] * 364 + [1000]

    with pytest.raises(ForecastTooCostly):
        days_to_finish(lumpy, remaining=1, trials=10_000, seed=1, budget=Budget(100_000))
    with pytest.raises(ForecastTooCostly):
        simulate([1, 2], remaining=None, span=MAX_DRAWS, trials=2, seed=1)
    with pytest.raises(ForecastTooCostly):
        days_to_finish([1] + [0] * 99, remaining=100_000, trials=100_000, seed=1)
    with pytest.raises(ValueError, match="no finished items"):
        days_to_finish([0, 0], remaining=1, trials=10, seed=1)


# -- through the API ---------------------------------------------------------------------------

START = date(2025, 3, 10)


def delivered(factory: Factory, per_day: list[int]) -> dict[str, Any]:
    """A stream whose items finished at noon, `per_day[i]` on the i-th day before START."""
    stream = factory.value_stream()
    items = []
    for back, count in enumerate(reversed(per_day), start=1):
        noon = datetime.combine(START - timedelta(days=back), datetime.min.time(), UTC)
        for n in range(count):
            finished = noon + timedelta(hours=12)
            items.append(
                {
                    "external_id": f"D{back}-{n}",
                    "type": "feature",
                    "created": (finished - timedelta(days=2)).isoformat(),
                    "finished": finished.isoformat(),
                }
            )
    factory.ingest(stream, "work-items", items)
    return stream


def test_the_forecast_of_a_steady_team(editor: Api, factory: Factory) -> None:
    stream = delivered(factory, [3] * 30)

    answer = editor.ok(
        editor.get(
            f"/api/v1/value-streams/{stream['id']}/forecast",
            params={
                "remaining": 30,
                "by": "2025-03-16",
                "start": START.isoformat(),
                "history_days": 30,
            },
        )
    )

    assert (answer["history_items"], answer["history_days"], answer["seed"]) == (90, 30, 0)
    assert [(w["confidence"], w["days"], w["on"]) for w in answer["when"]] == [
        (50, 10, "2025-03-19"),
        (85, 10, "2025-03-19"),
        (95, 10, "2025-03-19"),
    ]
    assert [c["items"] for c in answer["how_many"]] == [21, 21, 21]
    assert answer["method"].startswith("Monte Carlo")


def test_a_history_without_finished_items_cannot_forecast(editor: Api, factory: Factory) -> None:
    stream = factory.value_stream()

    answer = editor.get(f"/api/v1/value-streams/{stream['id']}/forecast", params={"remaining": 5})

    assert_problem(answer, 422, field="history_days")


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({}, "remaining"),
        ({"remaining": 0}, "remaining"),
        ({"remaining": 5, "trials": 0}, "trials"),
        ({"remaining": 5, "trials": 100_001}, "trials"),
        ({"remaining": 5, "history_days": 731}, "history_days"),
        ({"by": "2025-03-01", "start": "2025-03-10"}, "by"),
        ({"remaining": 5, "start": "0001-01-01"}, "start"),
        ({"by": "9999-12-31", "start": "9999-01-01"}, "start"),
        ({"remaining": 5, "seed": -1}, "seed"),
    ],
)
def test_bad_requests_are_refused(
    editor: Api, factory: Factory, params: dict[str, Any], field: str
) -> None:
    stream = delivered(factory, [1] * 5)

    answer = editor.get(f"/api/v1/value-streams/{stream['id']}/forecast", params=params)

    assert_problem(answer, 422, field=field)
