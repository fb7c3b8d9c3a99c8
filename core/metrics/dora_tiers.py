"""DORA performance tiers: where each of the four keys of a period stands against a benchmark.

The State of DevOps reports of DORA (DevOps Research and Assessment) group the teams that
answered their survey into clusters (elite, high, medium, low) and publish, for each
cluster, the typical deployment frequency, lead time for changes, change failure rate and
time to restore. A benchmark here is such a table turned into thresholds: per metric, the
bound each of the three best tiers reaches, in the metric's own unit. It is data, so an
organization may replace it with its own (`core.delivery.dora_benchmark`).

The default is the **Accelerate State of DevOps Report 2023** (DORA, Google Cloud,
published 5 October 2023; chapter 1, "How do you compare?"), the most recent report with
four clusters whose bands can serve as thresholds: each metric's elite, high and medium
values are ordered. The 2019 report gives high, medium and elite the same change failure
rate (0-15 %) and high and medium the same time to restore (less than one day); the 2021
report gives high, medium and low the same change failure rate (16-30 %); the 2022 report
found no elite cluster. The 2023 table (dora.dev/research/2023/dora-report):

============  ======================  ===================  ===========  =========================
cluster       deployment frequency    lead time            change fail  failed deployment recovery
============  ======================  ===================  ===========  =========================
elite         on demand               less than one day    5 %          less than one hour
high          once a day - once a     one day - one week   10 %         less than one day
              week
medium        once a week - once a    one week - one month 15 %         one day - one week
              month
low           once a week - once a    one week - one month 64 %         one month - six months
              month
============  ======================  ===================  ===========  =========================

Read as thresholds (`DORA_2023`): deployment frequency at least 1, 1/7 and 1/31
deployments per day; lead time at most one day, one week and 31 days; change failure rate
at most 5, 10 and 15 %; time to restore at most one hour, one day and one week. "On
demand (multiple deploys per day)" is deploying at least once a day on average; a month
is 31 days, so whatever the report could call "once a month" or "one month" meets it.
The low cluster's own deployment frequency and lead time overlap the medium one's; a team
there meets medium's bound and is medium, since the tiers only need the bounds of the
three best.

**The rule.** A value meets a bound when it is at least the bound (deployment frequency,
where higher is better) or at most the bound (the other three, where lower is better).
A value's tier is the best of elite, high and medium whose bound it meets, and low when it
meets none. So a value on the edge two of the report's bands share goes to the better
tier, and one in a gap between two bands (a time to restore between one week and one
month) goes to the worse one. A metric without a value in the period has no tier.

**The statistic compared** is one number per period of the flow report: deployments per
day, the median lead time for changes, the change failure rate, and the median time to
restore; medians are taken by the report's percentile method. The 2023 report asked for
the recovery time after a failed deployment; the service's time to restore runs from an
incident's opening to its resolution, whatever caused it.
"""

import enum
from datetime import date
from typing import Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from core.ranges import MAX_DURATION_SECONDS, METRIC_LIMIT

DAY = 86_400.0
WEEK = 7 * DAY
MONTH = 31 * DAY
"""A month as the benchmark reads the report: the longest calendar month."""


class DoraTier(enum.StrEnum):
    """A DORA performance tier, best first."""

    elite = "elite"
    high = "high"
    medium = "medium"
    low = "low"


DoraKey = Literal[
    "deployment_frequency", "lead_time_for_changes", "change_failure_rate", "time_to_restore"
]
DORA_KEYS: tuple[DoraKey, ...] = (
    "deployment_frequency",
    "lead_time_for_changes",
    "change_failure_rate",
    "time_to_restore",
)
HIGHER_IS_BETTER: frozenset[DoraKey] = frozenset({"deployment_frequency"})
"""The keys where a larger value is better; for the others a smaller one is."""

UNITS: dict[DoraKey, str] = {
    "deployment_frequency": "in deployments per day; higher is better, a value meets a bound "
    "at or above it",
    "lead_time_for_changes": "in seconds, compared with the period's median lead time for "
    "changes; lower is better, a value meets a bound at or below it",
    "change_failure_rate": "as a ratio from 0 to 1; lower is better, a value meets a bound at "
    "or below it",
    "time_to_restore": "in seconds, compared with the period's median time to restore; lower is "
    "better, a value meets a bound at or below it",
}
_UPPER: dict[DoraKey, float] = {
    "deployment_frequency": METRIC_LIMIT,
    "lead_time_for_changes": MAX_DURATION_SECONDS,
    "change_failure_rate": 1.0,
    "time_to_restore": MAX_DURATION_SECONDS,
}

TIER_RULE = (
    "A value meets a bound when it is at least the bound (deployment frequency) or at most "
    "the bound (lead time for changes, change failure rate, time to restore). Its tier is "
    "the best of elite, high and medium whose bound it meets, else low: a value on an edge "
    "two bands share goes to the better tier, one in a gap between bands to the worse. "
    "Compared per period: deployments per day, the median lead time for changes, the "
    "change failure rate and the median time to restore. A metric without a value has no "
    "tier; a period without deployments deploys 0 a day, which is low."
)
DEFAULT_BENCHMARK_SOURCE = (
    "DORA, Accelerate State of DevOps Report 2023 (Google Cloud, 5 October 2023), chapter 1 "
    '"How do you compare?", the software delivery performance clusters'
)
"""Where the default thresholds come from."""


class TierBounds(BaseModel):
    """The bound each of the three best tiers reaches for one metric, in its unit; low is
    whatever meets none."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    elite: float = Field(gt=0, allow_inf_nan=False, description="the elite tier's bound")
    high: float = Field(gt=0, allow_inf_nan=False, description="the high tier's bound")
    medium: float = Field(gt=0, allow_inf_nan=False, description="the medium tier's bound")


def _bounds_help(key: DoraKey, name: str) -> str:
    return f"the elite, high and medium tiers' bounds for {name}, {UNITS[key]}"


class DoraBenchmark(BaseModel):
    """Thresholds of the DORA performance tiers, named after the report they come from.

    Each metric's bounds run from best to worst: elite above high above medium for
    deployment frequency, elite below high below medium for the others.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(
        min_length=1,
        max_length=200,
        pattern=r"\S",
        description="what the benchmark is called, e.g. the report's title",
        examples=["Accelerate State of DevOps Report 2023"],
    )
    publisher: str = Field(
        min_length=1, max_length=200, pattern=r"\S", description="who published it"
    )
    published: date = Field(description="when it was published")
    source: str = Field(
        min_length=1,
        max_length=1000,
        pattern=r"\S",
        description="the citation: where in the publication the thresholds are found",
    )
    deployment_frequency: TierBounds = Field(
        description=_bounds_help("deployment_frequency", "deployment frequency")
    )
    lead_time_for_changes: TierBounds = Field(
        description=_bounds_help("lead_time_for_changes", "lead time for changes")
    )
    change_failure_rate: TierBounds = Field(
        description=_bounds_help("change_failure_rate", "change failure rate")
    )
    time_to_restore: TierBounds = Field(
        description=_bounds_help("time_to_restore", "time to restore")
    )

    @field_validator(*DORA_KEYS)
    @classmethod
    def _ordered(cls, bounds: TierBounds, info: ValidationInfo) -> TierBounds:
        key: DoraKey = info.field_name  # type: ignore[assignment]
        upper = _UPPER[key]
        for tier in ("elite", "high", "medium"):
            if getattr(bounds, tier) > upper:
                raise ValueError(f"the {tier} bound must be at most {upper:g}")
        if key in HIGHER_IS_BETTER:
            if not bounds.elite > bounds.high > bounds.medium:
                raise ValueError(
                    "higher is better here: the bounds must fall from elite to high to medium"
                )
        elif not bounds.elite < bounds.high < bounds.medium:
            raise ValueError(
                "lower is better here: the bounds must rise from elite to high to medium"
            )
        return bounds

    def bounds(self, key: DoraKey) -> TierBounds:
        bounds: TierBounds = getattr(self, key)
        return bounds


DORA_2023 = DoraBenchmark(
    name="Accelerate State of DevOps Report 2023",
    publisher="DORA (DevOps Research and Assessment), Google Cloud",
    published=date(2023, 10, 5),
    source=DEFAULT_BENCHMARK_SOURCE,
    deployment_frequency=TierBounds(elite=1.0, high=1 / 7, medium=1 / 31),
    lead_time_for_changes=TierBounds(elite=DAY, high=WEEK, medium=MONTH),
    change_failure_rate=TierBounds(elite=0.05, high=0.10, medium=0.15),
    time_to_restore=TierBounds(elite=3_600.0, high=DAY, medium=WEEK),
)
"""The default benchmark: the 2023 report's clusters read as thresholds (see above)."""


_TIERS: dict[DoraKey, str] = {
    "deployment_frequency": "deployment frequency (deployments_per_day)",
    "lead_time_for_changes": "lead time for changes (its median, lead_time_for_changes_seconds)",
    "change_failure_rate": "change failure rate (change_failure_rate)",
    "time_to_restore": "time to restore (its median, time_to_restore_seconds)",
}


class DoraTiers(BaseModel):
    """The DORA performance tier of each key in one period, by the report's benchmark."""

    model_config = ConfigDict(frozen=True)

    deployment_frequency: DoraTier | None = Field(
        description=f"the tier of {_TIERS['deployment_frequency']}"
    )
    lead_time_for_changes: DoraTier | None = Field(
        description=f"the tier of {_TIERS['lead_time_for_changes']}; null when none shipped"
    )
    change_failure_rate: DoraTier | None = Field(
        description=f"the tier of {_TIERS['change_failure_rate']}; null without deployments"
    )
    time_to_restore: DoraTier | None = Field(
        description=f"the tier of {_TIERS['time_to_restore']}; null when no incident was resolved"
    )


class DoraValues(Protocol):
    """What a period gives the classification: a flow bucket has these."""

    @property
    def deployments_per_day(self) -> float: ...

    @property
    def lead_time_for_changes_seconds(self) -> float | None: ...

    @property
    def change_failure_rate(self) -> float | None: ...

    @property
    def time_to_restore_seconds(self) -> float | None: ...


def tier_of(key: DoraKey, value: float | None, benchmark: DoraBenchmark) -> DoraTier | None:
    """The best tier whose bound `value` meets (see the module's rule); None without a value."""
    if value is None:
        return None
    bounds = benchmark.bounds(key)
    higher = key in HIGHER_IS_BETTER
    for tier in (DoraTier.elite, DoraTier.high, DoraTier.medium):
        bound: float = getattr(bounds, tier.value)
        if (value >= bound) if higher else (value <= bound):
            return tier
    return DoraTier.low


def classify(values: DoraValues, benchmark: DoraBenchmark) -> DoraTiers:
    """Each key's tier for one period's values."""
    return DoraTiers(
        deployment_frequency=tier_of("deployment_frequency", values.deployments_per_day, benchmark),
        lead_time_for_changes=tier_of(
            "lead_time_for_changes", values.lead_time_for_changes_seconds, benchmark
        ),
        change_failure_rate=tier_of("change_failure_rate", values.change_failure_rate, benchmark),
        time_to_restore=tier_of("time_to_restore", values.time_to_restore_seconds, benchmark),
    )
