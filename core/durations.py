"""Durations as people write them in a mapping workshop, normalized to seconds.

Facilitators type what is on the sticky note: ``PT39S`` from a tool export, ``2.5h``,
``3 days``. Everything downstream (metrics, classifiers, storage) works in seconds so
that no two places interpret units differently. Years and months are refused: their
length varies, and a lead time that changes with the month it was entered in is wrong.

A "day" is ambiguous in a value stream: a wait of "3 days" in a ticket queue is three
calendar days, while "3 days" of effort is three working days. The caller says which
one a map means (``days_are_working_days``); a working day always means
``hours_per_working_day`` hours.
"""

import math
import re
from fractions import Fraction

from core.errors import ValidationFailed
from core.ranges import MAX_DURATION_SECONDS

SECONDS_PER_MINUTE = 60.0
SECONDS_PER_HOUR = 3600.0
SECONDS_PER_DAY = 86400.0
WORKING_DAYS_PER_WEEK = 5

_HINT = "use ISO 8601 like PT39S or a number and unit like '3 h' (units: s, min, h, d, wd, w)"


class DurationError(ValidationFailed, ValueError):
    """A duration that cannot be read.

    It is a ``ValueError`` so pydantic validators turn it into a field error, and a
    domain ``ValidationFailed`` so the transports answer it as invalid input.
    """


_NUMBER = r"\d+(?:[.,]\d+)?"
_ISO = re.compile(
    rf"""
    P(?!$)
    (?:(?P<years>{_NUMBER})Y)?
    (?:(?P<months>{_NUMBER})M)?
    (?:(?P<weeks>{_NUMBER})W)?
    (?:(?P<days>{_NUMBER})D)?
    (?:T(?=\d)
        (?:(?P<hours>{_NUMBER})H)?
        (?:(?P<minutes>{_NUMBER})M)?
        (?:(?P<seconds>{_NUMBER})S)?
    )?
    """,
    re.VERBOSE | re.IGNORECASE,
)
_NUMBER_AND_UNIT = re.compile(r"(?P<number>\d+(?:\.\d*)?|\.\d+)\s*(?P<unit>[a-z][a-z ]*)?")

_UNITS: dict[str, str] = {
    **dict.fromkeys(("s", "sec", "secs", "second", "seconds"), "seconds"),
    **dict.fromkeys(("m", "min", "mins", "minute", "minutes"), "minutes"),
    **dict.fromkeys(("h", "hr", "hrs", "hour", "hours"), "hours"),
    **dict.fromkeys(("d", "day", "days"), "days"),
    **dict.fromkeys(("wd", "working day", "working days", "workday", "workdays"), "working_days"),
    **dict.fromkeys(("w", "wk", "wks", "week", "weeks"), "weeks"),
}


def _unit_table(*, hours_per_working_day: float, days_are_working_days: bool) -> dict[str, float]:
    """Seconds per unit; a week follows the map's notion of a day: 7 calendar or 5 working days."""
    working_day = hours_per_working_day * SECONDS_PER_HOUR
    day = working_day if days_are_working_days else SECONDS_PER_DAY
    week = WORKING_DAYS_PER_WEEK * working_day if days_are_working_days else 7 * SECONDS_PER_DAY
    return {
        "seconds": 1.0,
        "minutes": SECONDS_PER_MINUTE,
        "hours": SECONDS_PER_HOUR,
        "days": day,
        "working_days": working_day,
        "weeks": week,
    }


def _check_finite(value: float, text: object) -> float:
    if math.isnan(value) or math.isinf(value):
        raise DurationError(f"{_shown(text)} is not a duration: it must be a finite number")
    if value < 0:
        raise DurationError(f"{_shown(text)} is not a duration: durations cannot be negative")
    return float(value)


def _check_seconds(value: float, text: object) -> float:
    """A duration read from a client: finite, not negative, and at most ten years."""
    _check_finite(value, text)
    if value > MAX_DURATION_SECONDS:
        raise DurationError(
            f"{_shown(text)} is not a duration of a step: it is longer than ten years"
        )
    return float(value)


def _shown(text: object) -> str:
    """The value as the client sent it, cut short: a hostile number can be very long."""
    shown = repr(text)
    return shown if len(shown) <= 40 else shown[:37] + "..."


def _seconds_of(number: float | int, text: object) -> float:
    try:
        return float(number)
    except OverflowError as exc:
        raise DurationError(f"{_shown(text)} is not a duration: it is far too large") from exc


def _parse_iso(match: re.Match[str], text: str, seconds_per: dict[str, float]) -> float:
    parts = {
        name: float(value.replace(",", "."))
        for name, value in match.groupdict().items()
        if value is not None
    }
    if "years" in parts or "months" in parts:
        raise DurationError(
            f"{text!r} is not a duration: years and months have no fixed length; "
            "give weeks, days or hours instead"
        )
    return sum(amount * seconds_per[unit] for unit, amount in parts.items())


def parse_duration(
    text: str | float | int,
    *,
    hours_per_working_day: float = 8.0,
    days_are_working_days: bool = False,
) -> float:
    """Read a duration and return it in seconds.

    Accepts ISO 8601 (``PT1H30M``, ``P1DT2H``, ``P2W``), a number and unit (``90 s``,
    ``2.5h``, ``3 days``, ``2 working days``) or a bare number of seconds. With
    ``days_are_working_days``, ``d``, ``day(s)``, ``P5D`` and weeks count working time.
    """
    if not 0 < hours_per_working_day <= 24:
        raise DurationError(
            f"hours_per_working_day must be more than 0 and at most 24, "
            f"not {hours_per_working_day!r}"
        )
    seconds_per = _unit_table(
        hours_per_working_day=hours_per_working_day, days_are_working_days=days_are_working_days
    )
    if isinstance(text, bool) or not isinstance(text, str | int | float):
        raise DurationError(f"{text!r} is not a duration: {_HINT}")
    if not isinstance(text, str):
        return _check_seconds(_seconds_of(text, text), text)

    cleaned = " ".join(text.strip().lower().split())
    if not cleaned:
        raise DurationError(f"{text!r} is not a duration: it is empty; {_HINT}")
    if cleaned.startswith("-"):
        raise DurationError(f"{text!r} is not a duration: durations cannot be negative")
    cleaned = cleaned.removeprefix("+").strip()

    iso = _ISO.fullmatch(cleaned.replace(" ", ""))
    if iso is not None:
        return _check_seconds(_parse_iso(iso, text, seconds_per), text)

    plain = _NUMBER_AND_UNIT.fullmatch(cleaned.replace("-", " "))
    if plain is None:
        raise DurationError(f"{text!r} is not a duration: {_HINT}")
    unit = _UNITS.get((plain["unit"] or "s").strip())
    if unit is None:
        raise DurationError(f"{text!r} is not a duration: {_HINT}")
    return _check_seconds(float(plain["number"]) * seconds_per[unit], text)


_EXACT_ABOVE = 1e300
"""Beyond this many seconds, milliseconds are counted exactly: `seconds * 1000` would
overflow to infinity near the largest float."""


def format_duration(seconds: float, *, days: bool = True) -> str:
    """Write seconds as ISO 8601, the one form every client and spreadsheet can read back.

    Days are 24-hour days, so ``parse_duration(format_duration(x)) == x`` with the
    default calendar. With ``days=False`` no day part is written (``PT37H30M``), which
    reads back the same under any calendar: a map counting working days would read a
    ``D`` as a working day. Precision is one millisecond, which is far below anything a
    map measures, and it keeps float noise such as 59.99999 s out of the text.
    """
    if isinstance(seconds, bool) or not isinstance(seconds, int | float):
        raise DurationError(f"{seconds!r} is not a number of seconds")
    _check_finite(float(seconds), seconds)
    millis = round(seconds * 1000) if seconds < _EXACT_ABOVE else round(Fraction(seconds) * 1000)
    whole_days, millis = divmod(millis, 86_400_000) if days else (0, millis)
    hours, millis = divmod(millis, 3_600_000)
    minutes, millis = divmod(millis, 60_000)
    whole_seconds, millis = divmod(millis, 1000)

    date_part = f"{whole_days}D" if whole_days else ""
    time_part = ""
    if hours:
        time_part += f"{hours}H"
    if minutes:
        time_part += f"{minutes}M"
    if whole_seconds or millis:
        fraction = f".{millis:03d}".rstrip("0") if millis else ""
        time_part += f"{whole_seconds}{fraction}S"
    if not date_part and not time_part:
        return "PT0S"
    return f"P{date_part}" + (f"T{time_part}" if time_part else "")
