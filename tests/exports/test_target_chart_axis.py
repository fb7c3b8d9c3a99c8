"""A target chart's time axis follows the measurements, not the whole target period."""

from datetime import UTC, datetime, timedelta

from plugins.readout.charts import MIN_SPAN, x_range

START = datetime(2026, 1, 1, tzinfo=UTC)
DUE = datetime(2026, 12, 31, tzinfo=UTC)


def test_a_few_weeks_of_data_fill_the_axis_and_the_far_due_date_is_named_instead() -> None:
    measured = [datetime(2026, 3, 2, tzinfo=UTC), datetime(2026, 3, 23, tzinfo=UTC)]

    first, last, due_shown = x_range(START, DUE, measured)

    assert (first, last, due_shown) == (measured[0], measured[1], False)


def test_a_due_date_close_after_the_data_is_on_the_axis() -> None:
    measured = [datetime(2026, 9, 1, tzinfo=UTC), datetime(2026, 12, 1, tzinfo=UTC)]

    first, last, due_shown = x_range(START, DUE, measured)

    assert (first, last, due_shown) == (measured[0], DUE, True)


def test_one_measurement_gets_a_readable_span() -> None:
    only = datetime(2026, 6, 1, tzinfo=UTC)

    first, last, _ = x_range(START, DUE, [only])

    assert (first, last) == (only, only + MIN_SPAN)


def test_without_measurements_the_axis_is_the_target_period() -> None:
    assert x_range(START, DUE, []) == (START, DUE, True)


def test_the_axis_never_runs_backwards() -> None:
    first, last, _ = x_range(START, START - timedelta(days=3), [])

    assert first <= last
