"""Percentiles in SQL, from the ranks of a subquery: `core.metrics.percentiles` on SQLite,
which has no percentile functions, and PostgreSQL alike.

A ranked subquery has, per row of a group, the value ``x``, its one-based rank ``rn``
within the group and the group's size ``n`` (ROW_NUMBER and COUNT over one window). The
columns below aggregate such a group into its distribution, taking the rows at the ranks
the percentile definitions name (integer arithmetic on whole percents) and interpolating
for the linear method exactly as the in-memory reference does.
"""

from typing import Any

from sqlalchemy import Float, case, cast, func

from core.metrics.percentiles import LEVELS, Distribution, PercentileMethod


def ranked_value(ranked: Any, rank: Any) -> Any:
    """The group's value at a one-based rank (null past its last row)."""
    return func.max(case((ranked.c.rn == rank, ranked.c.x)))


def percentile_column(ranked: Any, percent: int, method: PercentileMethod) -> Any:
    """`core.metrics.percentiles.percentile` of the group, from its ranks."""
    if method == "nearest_rank":
        return ranked_value(ranked, (ranked.c.n * percent + 99) // 100)
    scaled = (ranked.c.n - 1) * percent
    low = ranked_value(ranked, scaled // 100 + 1)
    high = func.coalesce(ranked_value(ranked, scaled // 100 + 2), low)
    fraction = cast(((func.max(ranked.c.n) - 1) * percent) % 100, Float) / 100
    return low + fraction * (high - low)


def spread_columns(ranked: Any, method: PercentileMethod) -> list[Any]:
    """The group's `Distribution` but its count: mean and the `LEVELS` percentiles."""
    return [
        func.avg(ranked.c.x).label("mean"),
        *(percentile_column(ranked, level, method).label(f"p{level}") for level in LEVELS),
    ]


def distribution_of(row: Any) -> Distribution | None:
    """A row of `spread_columns` and its count `n` as a `Distribution`; None for none."""
    if row is None or not row.n:
        return None
    return Distribution(
        count=int(row.n),
        mean=float(row.mean),
        **{f"p{level}": float(getattr(row, f"p{level}")) for level in LEVELS},
    )
