"""The ranges every number a client sends must fall in, by kind of value.

A number is stored in a column and drawn by the readouts: a float beyond what either
handles (1e308 and its neighbours overflow every sum, chart scale and spreadsheet cell)
or an integer beyond its column (PostgreSQL's INTEGER is 32 bits, SQLite's 64) turned
into a 500 far from the request that brought it. So the edge refuses them, as 422
naming the field, with bounds wide enough for any real value stream:

* metric values (targets, measurements, expected effects): within ±1e12, finite;
* durations (a step's process and wait time): up to ten years;
* integers stored as INTEGER (cycles, positions, counts): within 32 bits.
"""

import math
from typing import Annotated, Any

from pydantic import Field

from core.errors import ValidationFailed

METRIC_LIMIT = 1e12
"""Largest magnitude of a metric value, in whatever unit it is given."""

MAX_DURATION_SECONDS = 10 * 365 * 86_400.0
"""Ten years: longer than any step of any value stream."""

INT32_MAX = 2**31 - 1
INT32_MIN = -(2**31)

MetricValue = Annotated[
    float,
    Field(
        ge=-METRIC_LIMIT,
        le=METRIC_LIMIT,
        allow_inf_nan=False,
        description=f"a finite number within ±{METRIC_LIMIT:g}",
    ),
]
Cycle = Annotated[int, Field(ge=1, le=INT32_MAX)]


def _where(path: tuple[str | int, ...], root: str) -> str:
    text = root
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text or "body"


def number_problem(value: Any) -> str | None:
    """Why a number from a client's document cannot be stored, or None when it can."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        if not INT32_MIN <= value <= INT32_MAX:
            return f"must be a whole number within 32 bits ({INT32_MIN} to {INT32_MAX})"
        return None
    if isinstance(value, float) and (not math.isfinite(value) or abs(value) > METRIC_LIMIT):
        return f"must be a finite number within ±{METRIC_LIMIT:g}"
    return None


def check_numbers(document: Any, *, root: str) -> None:
    """Refuse a document (an import, say) holding a number no column or readout can take.

    For documents whose numbers are not each described by an input model; the field
    named is the path to the first offending number.
    """
    stack: list[tuple[Any, tuple[str | int, ...]]] = [(document, ())]
    while stack:
        item, path = stack.pop()
        if isinstance(item, dict):
            stack.extend((child, (*path, str(key))) for key, child in item.items())
        elif isinstance(item, list):
            stack.extend((child, (*path, index)) for index, child in enumerate(item))
        else:
            problem = number_problem(item)
            if problem is not None:
                where = _where(path, root)
                raise ValidationFailed(f"{where} {problem}", field=where)
