"""The realised effect of a done backlog item: a metric before it was done beside after.

A backlog item states what it should move ("lead time -5 days"). Once it is done, the
change it made shows as the difference between the metric measured over a window before
the moment it was done and over a window of the same length after it, as a before and
after comparison of an improvement does (Rother and Shook, Learning to See, 1999: map,
improve, map again). Equal windows keep the two sides alike: a longer window after would
count more deployments and call that a rise in frequency.

From the delivery data the windows are ``[done - days, done)`` and ``[done, done + days)``;
the after side is measured only once its window has ended, so a half-filled window never
reads as a change. Maps are pictures taken on a day rather than counts over a window:
the before side is the last current-state map created before the item was done and the
after side the first one created since (the current state mapped again), whatever the
window.

Pure functions; `core.backlog.effects` reads the data and answers both transports.
"""

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

DEFAULT_WINDOW_DAYS = 30
MAX_WINDOW_DAYS = 365


@dataclass(frozen=True)
class Windows:
    """The two windows compared: before ``[before_start, done)``, after ``[done, after_end)``."""

    before_start: datetime
    done: datetime
    after_end: datetime

    def after_is_over(self, now: datetime) -> bool:
        return self.after_end <= now


def windows_around(done: datetime, days: int) -> Windows:
    """Equal windows of `days` on either side of the moment an item was done."""
    length = timedelta(days=days)
    return Windows(done - length, done, done + length)


@dataclass(frozen=True)
class Realised:
    change: float
    share_of_expected: float | None


def realised(before: float, after: float, expected: float | None) -> Realised:
    """The change from before to after, and what share of the expected change it is.

    The share is 1 when the change is exactly the one expected, above 1 when it went
    further, between 0 and 1 when part of the way, and 0 or below when the metric did not
    move or moved the other way. Without an expected change (or one of 0) there is no
    share to give.
    """
    change = after - before
    share = change / expected if expected else None
    return Realised(change, share)


def maps_around(
    maps: Iterable[tuple[uuid.UUID, datetime]], done: datetime
) -> tuple[uuid.UUID | None, uuid.UUID | None]:
    """Of current-state maps (id, created), the last created before `done` and the first
    created at or after it; None where there is none."""
    before = after = None
    for ident, created in sorted(maps, key=lambda m: (m[1], m[0])):
        if created < done:
            before = ident
        elif after is None:
            after = ident
    return before, after
