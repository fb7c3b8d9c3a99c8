import math

import pytest

from core.durations import DurationError, format_duration, parse_duration
from core.errors import ValidationFailed

HOUR = 3600.0
DAY = 86400.0


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("PT39S", 39),
        ("P5D", 5 * DAY),
        ("PT1H30M", 5400),
        ("P1DT2H", DAY + 2 * HOUR),
        ("P2W", 14 * DAY),
        ("PT0.5S", 0.5),
        ("PT1,5H", 1.5 * HOUR),
        ("pt1h", HOUR),
        ("  PT15M  ", 900),
        ("P1W2D", 9 * DAY),
        ("PT0S", 0),
    ],
)
def test_iso_8601(text: str, seconds: float) -> None:
    assert parse_duration(text) == pytest.approx(seconds)


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("90 s", 90),
        ("90s", 90),
        ("1 sec", 1),
        ("2 seconds", 2),
        ("2.5h", 2.5 * HOUR),
        ("1 hr", HOUR),
        ("3 hours", 3 * HOUR),
        ("15 min", 900),
        ("30 m", 1800),
        ("1 minute", 60),
        ("3 days", 3 * DAY),
        ("1 d", DAY),
        ("1 week", 7 * DAY),
        ("2w", 14 * DAY),
        ("2 wd", 16 * HOUR),
        ("2 working days", 16 * HOUR),
        ("1 working-day", 8 * HOUR),
        ("1 Working  Day", 8 * HOUR),
        (".5 h", 1800),
        ("+5 s", 5),
        ("90", 90),
        ("  45 ", 45),
        ("2.25", 2.25),
    ],
)
def test_number_and_unit(text: str, seconds: float) -> None:
    assert parse_duration(text) == pytest.approx(seconds)


@pytest.mark.parametrize(("value", "seconds"), [(90, 90.0), (1.5, 1.5), (0, 0.0)])
def test_bare_numbers_are_seconds(value: float, seconds: float) -> None:
    result = parse_duration(value)
    assert result == seconds
    assert isinstance(result, float)


def test_working_days_follow_the_hours_per_working_day() -> None:
    assert parse_duration("2 wd", hours_per_working_day=7.5) == 15 * HOUR
    assert parse_duration("1 working day", hours_per_working_day=6) == 6 * HOUR


def test_days_are_calendar_days_unless_the_map_says_working_days() -> None:
    assert parse_duration("P5D") == 5 * DAY
    assert parse_duration("P5D", days_are_working_days=True) == 40 * HOUR
    assert parse_duration("3 d", days_are_working_days=True, hours_per_working_day=7) == 21 * HOUR
    assert parse_duration("P1DT2H", days_are_working_days=True) == 10 * HOUR


def test_a_working_week_is_five_working_days() -> None:
    assert parse_duration("P2W", days_are_working_days=True) == 80 * HOUR
    assert parse_duration("1 week", days_are_working_days=True) == 40 * HOUR


def test_working_days_ignore_the_days_flag() -> None:
    assert parse_duration("1 wd", days_are_working_days=False) == 8 * HOUR


def test_unknown_unit_has_a_clear_message() -> None:
    with pytest.raises(DurationError) as caught:
        parse_duration("5 fortnights")
    message = str(caught.value)
    assert message.startswith("'5 fortnights' is not a duration: use ISO 8601 like PT39S")
    assert "'3 h'" in message


@pytest.mark.parametrize("text", ["P1Y", "P2M", "P1Y2M3D", "P1MT5H"])
def test_years_and_months_are_ambiguous(text: str) -> None:
    with pytest.raises(DurationError, match="years and months"):
        parse_duration(text)


@pytest.mark.parametrize("value", ["-5 h", "-PT5S", "- 3 days", -3, -0.5])
def test_negative_durations_are_rejected(value: str | float) -> None:
    with pytest.raises(DurationError, match="negative"):
        parse_duration(value)


@pytest.mark.parametrize(
    "value", ["", "   ", "P", "PT", "PT5", "abc", "5 h 30", "1h30m", "h", "P5DT", "5..5 h"]
)
def test_garbage_is_rejected(value: str) -> None:
    with pytest.raises(DurationError, match="is not a duration"):
        parse_duration(value)


@pytest.mark.parametrize("value", [float("nan"), float("inf"), True, None, [5]])
def test_non_numbers_are_rejected(value: object) -> None:
    with pytest.raises(DurationError):
        parse_duration(value)  # type: ignore[arg-type]


@pytest.mark.parametrize("hours", [0, -1, 25])
def test_hours_per_working_day_must_be_a_day(hours: float) -> None:
    with pytest.raises(DurationError, match="hours_per_working_day"):
        parse_duration("1 wd", hours_per_working_day=hours)


def test_duration_error_is_a_value_error_and_a_validation_failure() -> None:
    with pytest.raises(ValueError):
        parse_duration("soon")
    with pytest.raises(ValidationFailed):
        parse_duration("soon")


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (5400, "PT1H30M"),
        (2 * DAY + 3 * HOUR, "P2DT3H"),
        (39, "PT39S"),
        (0, "PT0S"),
        (1.5, "PT1.5S"),
        (DAY, "P1D"),
        (DAY + 1, "P1DT1S"),
        (59.9999, "PT1M"),
        (0.25, "PT0.25S"),
        (3 * HOUR + 0.001, "PT3H0.001S"),
    ],
)
def test_format_duration(seconds: float, text: str) -> None:
    assert format_duration(seconds) == text


@pytest.mark.parametrize("seconds", [0, 1, 39, 90.5, 5400, 93600, 1_234_567.125, 14 * DAY])
def test_format_then_parse_round_trips(seconds: float) -> None:
    assert math.isclose(parse_duration(format_duration(seconds)), seconds, abs_tol=1e-9)


@pytest.mark.parametrize("seconds", [-1, float("nan"), float("inf")])
def test_format_rejects_what_is_not_a_duration(seconds: float) -> None:
    with pytest.raises(DurationError):
        format_duration(seconds)
