"""The DORA performance tiers against the table of the report they come from."""

from dataclasses import dataclass
from typing import Any

import pytest
from pydantic import ValidationError

from core.metrics.dora_tiers import (
    DORA_2023,
    DoraBenchmark,
    DoraKey,
    DoraTier,
    DoraTiers,
    classify,
    tier_of,
)
from tests.factories import dora_benchmark

MINUTE = 60.0
HOUR = 60 * MINUTE
DAY = 24 * HOUR
WEEK = 7 * DAY
MONTH = 31 * DAY


@dataclass(frozen=True)
class Period:
    """A period's four values, as a flow bucket gives them."""

    deployments_per_day: float
    lead_time_for_changes_seconds: float | None
    change_failure_rate: float | None
    time_to_restore_seconds: float | None


# The software delivery performance clusters of the Accelerate State of DevOps Report 2023
# (DORA, Google Cloud, 5 October 2023), chapter 1, "How do you compare?": a team typical of
# each cluster, its values taken inside the cluster's bands.
REPORT_2023 = {
    # on demand (several a day); less than a day; 5 %; less than an hour
    DoraTier.elite: Period(3.0, 6 * HOUR, 0.05, 30 * MINUTE),
    # once a day to once a week; one day to one week; 10 %; less than one day
    DoraTier.high: Period(3 / 7, 3 * DAY, 0.10, 5 * HOUR),
    # once a week to once a month; one week to one month; 15 %; one day to one week
    DoraTier.medium: Period(2 / 30, 2 * WEEK, 0.15, 3 * DAY),
    # fewer than once a month; more than a month; 64 %; one month to six months
    DoraTier.low: Period(1 / 60, 2 * MONTH, 0.64, 2 * MONTH),
}


@pytest.mark.parametrize("tier", list(DoraTier))
def test_a_team_typical_of_each_2023_cluster_lands_in_its_tier(tier: DoraTier) -> None:
    """Accelerate State of DevOps Report 2023 (DORA, Google Cloud), chapter 1 "How do you
    compare?": elite teams deploy on demand with lead times under a day, a 5 % change
    failure rate and recovery within an hour; high teams deploy between daily and weekly,
    in a day to a week, 10 %, within a day; medium teams weekly to monthly, in a week to a
    month, 15 %, in a day to a week; low teams fail 64 % of changes and take one to six
    months to recover."""
    expected = DoraTiers(
        deployment_frequency=tier,
        lead_time_for_changes=tier,
        change_failure_rate=tier,
        time_to_restore=tier,
    )

    assert classify(REPORT_2023[tier], DORA_2023) == expected


def test_the_default_reproduces_the_2023_table_in_the_metrics_units() -> None:
    """Accelerate State of DevOps Report 2023, chapter 1: on demand / daily-weekly /
    weekly-monthly deployments; lead time under a day / a day to a week / a week to a
    month; change failure rate 5 / 10 / 15 %; recovery under an hour / under a day / a day
    to a week. Read as bounds: once a day, once a week, once a month (31 days)."""
    bounds = {key: dict(DORA_2023.bounds(key)) for key in _KEYS}

    assert bounds == {
        "deployment_frequency": {"elite": 1.0, "high": 1 / 7, "medium": 1 / 31},
        "lead_time_for_changes": {"elite": DAY, "high": WEEK, "medium": MONTH},
        "change_failure_rate": {"elite": 0.05, "high": 0.10, "medium": 0.15},
        "time_to_restore": {"elite": HOUR, "high": DAY, "medium": WEEK},
    }
    assert DORA_2023.name == "Accelerate State of DevOps Report 2023"
    assert DORA_2023.published.isoformat() == "2023-10-05"
    assert "How do you compare?" in DORA_2023.source


_KEYS: tuple[DoraKey, ...] = (
    "deployment_frequency",
    "lead_time_for_changes",
    "change_failure_rate",
    "time_to_restore",
)


@pytest.mark.parametrize(
    ("key", "value", "tier"),
    [
        # an edge two of the report's bands share goes to the better tier
        ("deployment_frequency", 1.0, DoraTier.elite),
        ("deployment_frequency", 1 / 7, DoraTier.high),
        ("deployment_frequency", 1 / 31, DoraTier.medium),
        ("lead_time_for_changes", DAY, DoraTier.elite),
        ("lead_time_for_changes", WEEK, DoraTier.high),
        ("lead_time_for_changes", MONTH, DoraTier.medium),
        ("change_failure_rate", 0.05, DoraTier.elite),
        ("time_to_restore", HOUR, DoraTier.elite),
        ("time_to_restore", WEEK, DoraTier.medium),
        # just past an edge is the worse tier
        ("deployment_frequency", 0.99, DoraTier.high),
        ("lead_time_for_changes", DAY + 1, DoraTier.high),
        ("change_failure_rate", 0.1500001, DoraTier.low),
        # the gap between the report's medium and low recovery times goes to low
        ("time_to_restore", 2 * WEEK, DoraTier.low),
        # no deployments at all is the least frequent deploying there is
        ("deployment_frequency", 0.0, DoraTier.low),
        ("change_failure_rate", 0.0, DoraTier.elite),
    ],
)
def test_a_value_takes_the_best_tier_whose_bound_it_meets(
    key: DoraKey, value: float, tier: DoraTier
) -> None:
    assert tier_of(key, value, DORA_2023) == tier


def test_the_2023_low_cluster_s_throughput_is_medium_s_so_it_reads_medium() -> None:
    """The 2023 report gives its low cluster the medium cluster's deployment frequency and
    lead time (once a week to once a month; one week to one month): only its stability
    sets it apart, and each key is classified on its own."""
    period = Period(2 / 30, 2 * WEEK, 0.64, 2 * MONTH)

    tiers = classify(period, DORA_2023)

    assert tiers.deployment_frequency == tiers.lead_time_for_changes == DoraTier.medium
    assert tiers.change_failure_rate == tiers.time_to_restore == DoraTier.low


def test_a_metric_without_a_value_has_no_tier() -> None:
    tiers = classify(Period(0.0, None, None, None), DORA_2023)

    assert tiers == DoraTiers(
        deployment_frequency=DoraTier.low,
        lead_time_for_changes=None,
        change_failure_rate=None,
        time_to_restore=None,
    )


def test_an_organization_s_own_thresholds_classify_the_same_values_otherwise() -> None:
    own = DoraBenchmark.model_validate(dora_benchmark())

    assert classify(REPORT_2023[DoraTier.elite], own) == DoraTiers(
        deployment_frequency=DoraTier.elite,
        lead_time_for_changes=DoraTier.high,
        change_failure_rate=DoraTier.high,
        time_to_restore=DoraTier.elite,
    )


def _problems(body: dict[str, Any]) -> dict[str, str]:
    with pytest.raises(ValidationError) as raised:
        DoraBenchmark.model_validate(body)
    return {".".join(map(str, e["loc"])): e["msg"] for e in raised.value.errors()}


def test_bounds_must_run_from_best_to_worst_in_the_metric_s_direction() -> None:
    problems = _problems(
        dora_benchmark(
            deployment_frequency={"elite": 0.1, "high": 0.5, "medium": 1.0},
            lead_time_for_changes={"elite": DAY, "high": DAY, "medium": WEEK},
        )
    )

    assert set(problems) == {"deployment_frequency", "lead_time_for_changes"}
    assert "fall from elite to high to medium" in problems["deployment_frequency"]
    assert "rise from elite to high to medium" in problems["lead_time_for_changes"]


def test_bounds_are_positive_and_a_failure_rate_at_most_one() -> None:
    problems = _problems(
        dora_benchmark(
            time_to_restore={"elite": 0, "high": HOUR, "medium": DAY},
            change_failure_rate={"elite": 0.5, "high": 0.9, "medium": 1.5},
        )
    )

    assert set(problems) == {"time_to_restore.elite", "change_failure_rate"}
    assert "at most 1" in problems["change_failure_rate"]


def test_a_benchmark_is_named_dated_and_cited() -> None:
    problems = _problems(dora_benchmark(name=" ", source="", published="someday", extra=1))

    assert set(problems) == {"name", "source", "published", "extra"}
