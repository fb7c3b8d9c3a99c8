"""WSJF scores: worked examples, rounding, scale validation and missing estimates."""

import pytest

from core.metrics.wsjf import FIBONACCI_SCALE, cost_of_delay, validate_score, wsjf


def test_worked_examples() -> None:
    assert wsjf(8, 5, 3, 8) == 2.0
    assert wsjf(20, 13, 8, 5) == 8.2


def test_cost_of_delay_is_the_sum_of_its_parts() -> None:
    assert cost_of_delay(8, 5, 3) == 16


def test_rounds_half_up_to_two_decimals() -> None:
    assert wsjf(1, 1, 3, 8) == 0.63
    assert wsjf(1, 1, 1, 8, strict=False) == 0.38
    assert wsjf(1, 1, 2, 3) == 1.33
    assert wsjf(2, 2, 1, 3) == 1.67


def test_smaller_jobs_rank_higher_for_the_same_cost_of_delay() -> None:
    small = wsjf(13, 8, 5, 2)
    large = wsjf(13, 8, 5, 13)
    assert small is not None and large is not None
    assert small > large


@pytest.mark.parametrize("missing", range(4))
def test_missing_score_gives_no_wsjf(missing: int) -> None:
    scores: list[int | None] = [8, 5, 3, 8]
    scores[missing] = None
    assert wsjf(*scores) is None


def test_all_missing_gives_no_wsjf() -> None:
    assert wsjf(None, None, None, None) is None


@pytest.mark.parametrize(
    ("position", "field"),
    [(0, "business_value"), (1, "time_criticality"), (2, "risk_reduction"), (3, "job_size")],
)
def test_off_scale_value_names_the_field(position: int, field: str) -> None:
    scores: list[int | None] = [8, 5, 3, 8]
    scores[position] = 4
    with pytest.raises(ValueError, match=field):
        wsjf(*scores)


def test_present_values_are_validated_even_when_another_is_missing() -> None:
    with pytest.raises(ValueError, match="job_size"):
        wsjf(None, 5, 3, 7)


@pytest.mark.parametrize("value", FIBONACCI_SCALE)
def test_every_scale_value_is_accepted(value: int) -> None:
    assert validate_score("job_size", value) == value


@pytest.mark.parametrize("value", [0, 4, 21, 40, 100, -1])
def test_strict_mode_refuses_values_off_the_scale(value: int) -> None:
    with pytest.raises(ValueError, match="business_value"):
        validate_score("business_value", value)


def test_loose_mode_accepts_any_whole_number_from_1_to_100() -> None:
    assert wsjf(4, 7, 1, 10, strict=False) == 1.2
    assert wsjf(100, 100, 100, 1, strict=False) == 300.0
    assert validate_score("job_size", 100, strict=False) == 100


@pytest.mark.parametrize("value", [0, 101, -5])
def test_loose_mode_still_bounds_values(value: int) -> None:
    with pytest.raises(ValueError, match="time_criticality"):
        wsjf(1, value, 1, 1, strict=False)


@pytest.mark.parametrize("value", [True, 2.5, "8"])
def test_non_integers_are_refused(value: object) -> None:
    with pytest.raises(ValueError, match="risk_reduction"):
        wsjf(8, 5, value, 8, strict=False)  # type: ignore[arg-type]
