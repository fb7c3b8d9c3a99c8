"""Target units: a closed set per metric, canonical storage, values shown as given."""

import pytest

from core.metrics.units import (
    QUANTITIES,
    UnknownUnit,
    describe_units,
    from_canonical,
    human_unit,
    to_canonical,
    unit_for,
)
from core.models.target import MetricKey


def test_every_metric_but_custom_has_a_closed_set_of_units() -> None:
    assert set(QUANTITIES) == {m.value for m in MetricKey} - {"custom"}
    for quantity in QUANTITIES.values():
        assert quantity.units[quantity.canonical] == 1.0
        assert set(quantity.ladder) <= set(quantity.units)


@pytest.mark.parametrize(
    ("metric", "unit", "value", "stored"),
    [
        ("lead_time", "hours", 58.5, 210_600.0),
        ("lead_time", "days", 2, 172_800.0),
        ("flow_time", "weeks", 1, 604_800.0),
        ("time_to_restore", "minutes", 90, 5_400.0),
        ("change_failure_rate", "percent", 40, 0.4),
        ("flow_efficiency", "ratio", 0.25, 0.25),
        ("deployment_frequency", "deployments per week", 14, 2.0),
        ("flow_velocity", "items per week", 7, 1.0),
        ("flow_load", "items", 12, 12.0),
        ("handoffs", "handoffs", 4, 4.0),
    ],
)
def test_values_are_stored_canonically_and_shown_as_given(
    metric: str, unit: str, value: float, stored: float
) -> None:
    assert to_canonical(metric, unit, value) == pytest.approx(stored)
    assert from_canonical(metric, unit, to_canonical(metric, unit, value)) == value


@pytest.mark.parametrize("value", [0.1, 1.1, 3.3, 58.5, 0.0001, 123456.789, 1e12])
@pytest.mark.parametrize(("metric", "unit"), [("lead_time", "minutes"), ("rolled_pca", "percent")])
def test_a_value_reads_back_exactly_as_it_was_typed(metric: str, unit: str, value: float) -> None:
    assert from_canonical(metric, unit, to_canonical(metric, unit, value)) == value


def test_no_unit_means_the_canonical_unit() -> None:
    assert unit_for("lead_time", None) == "seconds"
    assert unit_for("deployment_frequency", None) == "deployments per day"
    assert unit_for("change_failure_rate", None) == "ratio"


def test_units_are_read_whatever_their_case_and_spacing() -> None:
    assert unit_for("deployment_frequency", "  Deployments  per WEEK ") == "deployments per week"


@pytest.mark.parametrize(
    ("metric", "unit"),
    [
        ("lead_time", "hrs"),
        ("lead_time", "business days"),
        ("lead_time", "percent"),
        ("deployment_frequency", "per month"),
        ("change_failure_rate", "%"),
        ("flow_load", "seconds"),
    ],
)
def test_an_unknown_unit_lists_the_units_of_its_metric(metric: str, unit: str) -> None:
    with pytest.raises(UnknownUnit) as refused:
        unit_for(metric, unit)
    assert refused.value.allowed == list(QUANTITIES[metric].units)
    assert f"not a unit of {metric}" in str(refused.value)


def test_a_custom_metric_keeps_its_own_unit_and_values() -> None:
    assert unit_for("custom", "approvals per sprint") == "approvals per sprint"
    assert to_canonical("custom", "approvals per sprint", 7.5) == 7.5
    assert from_canonical("custom", "approvals per sprint", 7.5) == 7.5
    assert human_unit("custom", [1.0]) is None


@pytest.mark.parametrize(
    ("metric", "seconds", "unit"),
    [
        ("lead_time", [16 * 3600, 8 * 3600], "hours"),
        ("lead_time", [1_936_200, 864_000], "days"),
        ("lead_time", [3 * 86_400, 12 * 3600], "hours"),
        ("process_time", [600, 90], "minutes"),
        ("process_time", [30, 0], "seconds"),
        ("activity_ratio", [0.05, 0.4], "percent"),
        ("deployment_frequency", [2.0, 5.0], "deployments per day"),
        ("deployment_frequency", [0.2, 1.0], "deployments per week"),
        ("handoffs", [9, 3], "handoffs"),
    ],
)
def test_the_human_unit_keeps_numbers_at_one_or_more(
    metric: str, seconds: list[float], unit: str
) -> None:
    assert human_unit(metric, seconds) == unit


def test_the_units_are_documented_with_their_canonical_unit() -> None:
    text = describe_units()
    assert "seconds | minutes | hours | days | weeks (stored in seconds)" in text
    assert "deployments per day | deployments per week" in text
