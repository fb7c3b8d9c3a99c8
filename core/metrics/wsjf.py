"""Weighted Shortest Job First: the order that delivers the most cost of delay soonest.

Scores are relative estimates on the SAFe modified Fibonacci scale; its gaps are there to
stop false precision, so strict mode refuses values off the scale. Teams that estimate on
another relative scale can pass ``strict=False`` and use any whole number from 1 to 100.
"""

from decimal import ROUND_HALF_UP, Decimal

FIBONACCI_SCALE: tuple[int, ...] = (1, 2, 3, 5, 8, 13, 20)
LOOSE_RANGE = range(1, 101)


def validate_score(field: str, value: int, *, strict: bool = True) -> int:
    """Reject a score off the scale, naming the field so a client can point at it."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{field} must be a whole number, got {value!r}")
    if strict and value not in FIBONACCI_SCALE:
        scale = ", ".join(str(v) for v in FIBONACCI_SCALE)
        raise ValueError(f"{field} must be one of {scale}, got {value}")
    if value not in LOOSE_RANGE:
        raise ValueError(f"{field} must be between 1 and 100, got {value}")
    return value


def cost_of_delay(business_value: int, time_criticality: int, risk_reduction: int) -> int:
    """Risk reduction includes opportunity enablement, as in SAFe."""
    return business_value + time_criticality + risk_reduction


def wsjf(
    business_value: int | None,
    time_criticality: int | None,
    risk_reduction: int | None,
    job_size: int | None,
    *,
    strict: bool = True,
) -> float | None:
    """Cost of delay divided by job size, rounded half up to 2 decimals.

    Half up (not Python's half-to-even) so the figure matches what SQL ``ROUND`` and a
    spreadsheet show for the same scores. Values given are validated even when another
    is missing, so a bad estimate is refused when entered, not when the last one arrives.
    ``None`` when any score is still missing: an unscored item has no rank yet.
    """
    scores = {
        "business_value": business_value,
        "time_criticality": time_criticality,
        "risk_reduction": risk_reduction,
        "job_size": job_size,
    }
    for field, value in scores.items():
        if value is not None:
            validate_score(field, value, strict=strict)
    if (
        business_value is None
        or time_criticality is None
        or risk_reduction is None
        or job_size is None
    ):
        return None
    delay = cost_of_delay(business_value, time_criticality, risk_reduction)
    ratio = Decimal(delay) / Decimal(job_size)
    return float(ratio.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))
