"""Identifiers: UUIDv7, so primary keys sort by creation and make cheap keyset cursors."""

import secrets
import time
import uuid

from uuid6 import uuid7


def new_id() -> uuid.UUID:
    return uuid.UUID(bytes=uuid7().bytes)


def new_ids(count: int) -> list[uuid.UUID]:
    """`count` UUIDv7s of this millisecond, in order, for rows made in bulk.

    A classify of a large map makes tens of thousands of ids at once, where `new_id`
    costs about 50 µs each; these share the timestamp and one random start, counting up
    in the random bits (RFC 9562's method 2), so they still sort by creation.
    """
    millis = time.time_ns() // 1_000_000
    high = (millis << 80) | (0x7 << 76) | (secrets.randbits(12) << 64) | (0b10 << 62)
    start = secrets.randbits(61)
    return [uuid.UUID(int=high | (start + n)) for n in range(count)]
