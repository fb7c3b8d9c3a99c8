"""Units of flow-metric targets: a closed set per metric, and one canonical unit to store.

A target's unit used to be free text, so "hrs" or "business days" next to a number was
read as seconds by one path and as hours by another, and a leader saw a lead time of
"1,936,200 seconds". Now every metric measures one kind of quantity, each kind has a
short list of units a client may choose from, and every value is stored in the kind's
canonical unit (the unit the service computes it in: seconds, a ratio, a rate per day).
A target keeps the unit its owner chose and every answer converts back into it, so the
stored number never depends on how it was typed, and the number read is the one a
person expects.

Working days are deliberately not a unit: flow and DORA times run on the calendar
clock, where a working day has no fixed length, and a map's working day is a property
of that map (`hours_per_working_day`). A custom metric is its owner's own: its unit is
free text and its values are stored as given.
"""

import math
from collections.abc import Iterable
from dataclasses import dataclass

SIGNIFICANT_DIGITS = 15
"""Values shown in a target's unit are rounded to this many significant digits, which
every float carries exactly, so 1.1 hours is shown as 1.1 and not 1.1000000000000003."""


@dataclass(frozen=True)
class Quantity:
    """A kind of value, its canonical unit, and the units a target may be given in.

    ``units`` maps each unit to how many canonical units one of it is worth; ``ladder``
    lists, in order of preference, the units a person reads values of this kind in.
    """

    name: str
    canonical: str
    units: dict[str, float]
    ladder: tuple[str, ...]

    def allowed(self) -> list[str]:
        return list(self.units)


DURATION = Quantity(
    "duration",
    canonical="seconds",
    units={
        "seconds": 1.0,
        "minutes": 60.0,
        "hours": 3_600.0,
        "days": 86_400.0,
        "weeks": 604_800.0,
    },
    ladder=("days", "hours", "minutes", "seconds"),
)
SHARE = Quantity(
    "share", canonical="ratio", units={"ratio": 1.0, "percent": 0.01}, ladder=("percent",)
)
DEPLOYMENT_RATE = Quantity(
    "deployment rate",
    canonical="deployments per day",
    units={"deployments per day": 1.0, "deployments per week": 1 / 7},
    ladder=("deployments per day", "deployments per week"),
)
THROUGHPUT = Quantity(
    "throughput",
    canonical="items per day",
    units={"items per day": 1.0, "items per week": 1 / 7},
    ladder=("items per day", "items per week"),
)
ITEMS = Quantity("count of items", canonical="items", units={"items": 1.0}, ladder=("items",))
HANDOFFS = Quantity(
    "count of handoffs", canonical="handoffs", units={"handoffs": 1.0}, ladder=("handoffs",)
)

QUANTITIES: dict[str, Quantity] = {
    "lead_time": DURATION,
    "process_time": DURATION,
    "activity_ratio": SHARE,
    "rolled_pca": SHARE,
    "handoffs": HANDOFFS,
    "flow_velocity": THROUGHPUT,
    "flow_time": DURATION,
    "flow_efficiency": SHARE,
    "flow_load": ITEMS,
    "flow_distribution_feature": SHARE,
    "flow_distribution_defect": SHARE,
    "flow_distribution_risk": SHARE,
    "flow_distribution_debt": SHARE,
    "deployment_frequency": DEPLOYMENT_RATE,
    "lead_time_for_changes": DURATION,
    "change_failure_rate": SHARE,
    "time_to_restore": DURATION,
}
"""The quantity of every metric but ``custom``, whose unit is its owner's."""


class UnknownUnit(ValueError):
    """A unit the metric does not know; `allowed` lists the ones it does."""

    def __init__(self, metric: str, unit: str, allowed: list[str]) -> None:
        super().__init__(f"{unit!r} is not a unit of {metric}: use one of {', '.join(allowed)}")
        self.allowed = allowed


def quantity_of(metric: str) -> Quantity | None:
    """The quantity a metric measures; None for a custom metric, whose unit is free."""
    return QUANTITIES.get(metric)


def spelled(unit: str) -> str:
    """A unit as the closed sets spell it: lower case, single spaces."""
    return " ".join(unit.lower().split())


def unit_for(metric: str, unit: str | None) -> str | None:
    """The unit a target of `metric` is kept in: the one given, else the canonical one.

    Raises `UnknownUnit` for a unit the metric does not know. A custom metric keeps
    whatever unit its owner wrote.
    """
    quantity = quantity_of(metric)
    if quantity is None:
        return unit
    if unit is None:
        return quantity.canonical
    key = spelled(unit)
    if key not in quantity.units:
        raise UnknownUnit(metric, unit, quantity.allowed())
    return key


def to_canonical(metric: str, unit: str | None, value: float) -> float:
    """A value given in `unit` as the metric stores it."""
    quantity = quantity_of(metric)
    if quantity is None or unit is None:
        return value
    return value * quantity.units[unit]


def shown(value: float) -> float:
    return float(f"{value:.{SIGNIFICANT_DIGITS}g}")


def from_canonical(metric: str, unit: str | None, value: float) -> float:
    """A stored value in the unit its target is read in."""
    quantity = quantity_of(metric)
    if quantity is None or unit is None:
        return value
    return shown(value / quantity.units[unit])


def human_unit(metric: str, canonical_values: Iterable[float]) -> str | None:
    """The unit a person reads these values in: the first of the metric's ladder in
    which none of them (zeros aside) falls below one, else the ladder's last.

    16 and 8 hours read as hours, 22 and 10 days as days, a ratio as percent.
    """
    quantity = quantity_of(metric)
    if quantity is None:
        return None
    magnitudes = [abs(v) for v in canonical_values if v and math.isfinite(v)]
    for unit in quantity.ladder:
        if all(v / quantity.units[unit] >= 1 for v in magnitudes):
            return unit
    return quantity.ladder[-1]


def describe_units() -> str:
    """The closed sets, for the API documentation of a target's `unit`."""
    by_quantity: dict[str, tuple[Quantity, list[str]]] = {}
    for metric, quantity in QUANTITIES.items():
        by_quantity.setdefault(quantity.name, (quantity, []))[1].append(metric)
    parts = [
        f"{', '.join(metrics)}: {' | '.join(quantity.units)} (stored in {quantity.canonical})"
        for quantity, metrics in by_quantity.values()
    ]
    return "; ".join(parts)
