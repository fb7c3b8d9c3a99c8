"""How the built-in plugins write what people read: numbers, durations, value classes and
user text.

Shared by the map picture, the readout and the tabular exports, so a number reads the
same in each; no plugin reaches into another for it. Every value a row may hold, however
extreme, reads sensibly, and user text is made safe for XML and HTML.
"""

import math
import re
from html import escape
from typing import Any

from core.exports.snapshots import MapSnapshot

VALUE_CLASS_LABELS = {
    "value_add": "value-add",
    "necessary_non_value_add": "necessary non-value-add",
    "unnecessary_non_value_add": "unnecessary non-value-add",
}

_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def text(value: Any, limit: int | None = None) -> str:
    """User text made safe for XML and HTML: control characters dropped, then escaped."""
    clean = _NOT_XML.sub("", "" if value is None else str(value))
    clean = " ".join(clean.split())
    if limit is not None and len(clean) > limit:
        clean = clean[: max(limit - 1, 1)].rstrip() + "…"
    return escape(clean, quote=True)


HUGE = 1e15
"""From this size on a number is written in scientific notation: 1.5e+20, not 21 digits."""
TINY = 0.005
"""Below this size (and above zero) too: 4.9e-324, not a misleading 0."""


def number(value: float | None, digits: int = 1) -> str:
    """A short number: 12, 3.5, 0.25; no trailing zeros.

    Any value that may be stored reads sensibly: 1e+308, -4.9e-324, ∞, -∞, NaN.
    """
    if value is None:
        return "—"
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "∞" if value > 0 else "-∞"
    if abs(value) >= HUGE or 0 < abs(value) < TINY:
        return f"{value:.3g}"
    if abs(value) >= 100:
        digits = 0
    elif abs(value) < 1 and value != 0:
        digits = max(digits, 2)
    shown = f"{value:,.{digits}f}"
    if "." in shown:
        shown = shown.rstrip("0").rstrip(".")
    return "0" if shown == "-0" else shown


def duration(seconds: float | None, seconds_per_day: float = 86400.0) -> str:
    """Seconds in the unit a person would say: 40 s, 25 min, 3.5 h, 12 d."""
    if seconds is None:
        return "—"
    if not math.isfinite(seconds):
        return f"{number(seconds)} s"
    if seconds < 60:
        return f"{number(seconds)} s"
    if seconds < 3600:
        return f"{number(seconds / 60)} min"
    if seconds < seconds_per_day:
        return f"{number(seconds / 3600)} h"
    return f"{number(seconds / seconds_per_day)} d"


def per_unit(seconds: float | None, seconds_per_day: float = 86400.0) -> str:
    """A cycle or takt time: seconds up to ten minutes (62 s, not 1 min), since one second
    more than takt is what makes a step the constraint."""
    if seconds is not None and math.isfinite(seconds) and 60 <= seconds < 600:
        return f"{number(seconds)} s"
    return duration(seconds, seconds_per_day)


def percent(value: float | None) -> str:
    return "—" if value is None else f"{number(value)} %"


def seconds_per_day(snapshot: MapSnapshot) -> float:
    if snapshot.map.waits_in == "working":
        return snapshot.map.hours_per_working_day * 3600.0
    return 86400.0
