"""Fractional order keys for the transformation backlog.

Moving one item must write one row, not renumber the backlog, so each item carries a
string key and a move gets a fresh key between its new neighbours. Keys compare with
plain string ordering, so the SQL column must use a binary collation (SQLite's default,
``COLLATE "C"`` on PostgreSQL); locale collations ignore case and break the order.

The scheme is fractional indexing over base-62 digits (``0-9A-Za-z``, whose ASCII order
equals their digit value). A key is an integer part followed by an optional fraction:

* The integer part's head letter encodes its length, so integers of different lengths
  still sort as numbers: ``a``..``z`` head positive integers of 1..26 digits, ``Z``..``A``
  negative ones of 1..26 digits (``Z`` sorts just below ``a``). ``a0`` is the first key.
* Appending or prepending steps the integer (``a0``, ``a1``, .., ``az``, ``b00``, ..),
  which keeps keys at 4 characters for the first quarter million appends.
* Inserting between two neighbours bisects the fraction. Repeatedly inserting into the
  same gap grows keys by about one character per six inserts, as any such scheme does;
  `initial_keys` can rebalance a backlog whose keys grew long.

A fraction never ends in ``0``, so every key has a successor and a predecessor.
"""

from collections.abc import Sequence
from itertools import pairwise

DIGITS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
BASE = len(DIGITS)
_VALUE = {d: i for i, d in enumerate(DIGITS)}
_ZERO = DIGITS[0]
_TOP = DIGITS[-1]
_SMALLEST_INTEGER = "A" + _ZERO * 26


def _integer_length(head: str) -> int:
    if "a" <= head <= "z":
        return ord(head) - ord("a") + 2
    if "A" <= head <= "Z":
        return ord("Z") - ord(head) + 2
    raise ValueError(f"invalid order key head {head!r}")


def _split(key: str) -> tuple[str, str]:
    """Split and validate: an invalid stored key would silently misorder later inserts."""
    if not key:
        raise ValueError("an order key cannot be empty")
    if any(c not in _VALUE for c in key):
        raise ValueError(f"order key {key!r} has characters outside 0-9A-Za-z")
    length = _integer_length(key[0])
    if length > len(key):
        raise ValueError(f"order key {key!r} is shorter than its integer part")
    integer, fraction = key[:length], key[length:]
    if fraction.endswith(_ZERO):
        raise ValueError(f"order key {key!r} has a trailing zero")
    if integer == _SMALLEST_INTEGER and not fraction:
        raise ValueError(f"order key {key!r} is the reserved minimum")
    return integer, fraction


def _midpoint(low: str, high: str | None) -> str:
    """A fraction strictly between two fractions; ``None`` is the open end (1.0)."""
    if high is not None:
        common = 0
        while (low[common] if common < len(low) else _ZERO) == high[common]:
            common += 1
        if common > 0:
            return high[:common] + _midpoint(low[common:], high[common:])
    digit_low = _VALUE[low[0]] if low else 0
    digit_high = _VALUE[high[0]] if high is not None else BASE
    if digit_high - digit_low > 1:
        return DIGITS[(digit_low + digit_high + 1) // 2]
    if high is not None and len(high) > 1:
        return high[0]
    return DIGITS[digit_low] + _midpoint(low[1:], None)


def _increment(integer: str) -> str | None:
    head, digits = integer[0], list(integer[1:])
    for i in range(len(digits) - 1, -1, -1):
        value = _VALUE[digits[i]] + 1
        if value < BASE:
            digits[i] = DIGITS[value]
            return head + "".join(digits)
        digits[i] = _ZERO
    if head == "Z":
        return "a" + _ZERO
    if head == "z":
        return None
    new_head = chr(ord(head) + 1)
    if new_head > "a":
        digits.append(_ZERO)
    else:
        digits.pop()
    return new_head + "".join(digits)


def _decrement(integer: str) -> str | None:
    head, digits = integer[0], list(integer[1:])
    for i in range(len(digits) - 1, -1, -1):
        value = _VALUE[digits[i]] - 1
        if value >= 0:
            digits[i] = DIGITS[value]
            return head + "".join(digits)
        digits[i] = _TOP
    if head == "a":
        return "Z" + _TOP
    if head == "A":
        return None
    new_head = chr(ord(head) - 1)
    if new_head < "Z":
        digits.append(_TOP)
    else:
        digits.pop()
    return new_head + "".join(digits)


def key_between(before: str | None, after: str | None) -> str:
    """A key sorting strictly between two keys; ``None`` leaves that end open."""
    if before is not None and after is not None and before >= after:
        _split(before)
        _split(after)
        raise ValueError(f"order key {before!r} must sort before {after!r}")
    if after is None:
        return "a" + _ZERO if before is None else _key_after(before)
    if before is None:
        return _key_before(after)
    int_before, frac_before = _split(before)
    int_after, frac_after = _split(after)
    if int_before == int_after:
        return int_before + _midpoint(frac_before, frac_after)
    higher = _increment(int_before)
    if higher is not None and higher < after:
        return higher
    return int_before + _midpoint(frac_before, None)


def _key_before(after: str) -> str:
    integer, fraction = _split(after)
    if integer == _SMALLEST_INTEGER:
        return integer + _midpoint("", fraction)
    if integer < after:
        return integer
    lower = _decrement(integer)
    if lower is None:
        raise ValueError("no order key exists before the minimum")
    return lower


def _key_after(before: str) -> str:
    integer, fraction = _split(before)
    higher = _increment(integer)
    return integer + _midpoint(fraction, None) if higher is None else higher


def keys_between(before: str | None, after: str | None, n: int) -> list[str]:
    """``n`` ascending keys between two keys, for inserting a batch in one go.

    Between two bounds the keys are spread by bisection, so each lands about as far
    from its neighbours as the others; towards an open end they step the integer part,
    which keeps them short.
    """
    if n < 0:
        raise ValueError("n must not be negative")
    if n == 0:
        return []
    if n == 1:
        return [key_between(before, after)]
    if after is None:
        keys = [key_between(before, None)]
        for _ in range(n - 1):
            keys.append(key_between(keys[-1], None))
        return keys
    if before is None:
        keys = [key_between(None, after)]
        for _ in range(n - 1):
            keys.append(key_between(None, keys[-1]))
        keys.reverse()
        return keys
    middle = key_between(before, after)
    left = n // 2
    return [
        *keys_between(before, middle, left),
        middle,
        *keys_between(middle, after, n - left - 1),
    ]


def initial_keys(n: int) -> list[str]:
    """Keys for a fresh (or rebalanced) backlog of ``n`` items, all as short as possible."""
    return keys_between(None, None, n)


def distinct_keys(ordered: Sequence[str]) -> list[str]:
    """Keys in the same order as ``ordered`` (sorted, maybe with repeats), all distinct.

    For a backlog whose keys were shared by concurrent writers, or came from a document:
    the first holder of a key keeps it and the others get keys between it and the next
    key, so only the repeats change. Keys that are not valid order keys are all replaced.
    """
    if any(a > b for a, b in pairwise(ordered)):
        raise ValueError("the keys must be sorted")
    try:
        for key in set(ordered):
            _split(key)
    except ValueError:
        return initial_keys(len(ordered))
    result: list[str] = []
    start = 0
    while start < len(ordered):
        end = start
        while end < len(ordered) and ordered[end] == ordered[start]:
            end += 1
        upper = ordered[end] if end < len(ordered) else None
        result.append(ordered[start])
        result.extend(keys_between(ordered[start], upper, end - start - 1))
        start = end
    return result
