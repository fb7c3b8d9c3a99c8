"""Backlog order keys: strict order under any insert sequence, and short keys in practice."""

import random

import pytest

from core.backlog.ranking import DIGITS, distinct_keys, initial_keys, key_between, keys_between


def test_digits_sort_by_their_value_in_ascii() -> None:
    assert list(DIGITS) == sorted(DIGITS)
    assert len(DIGITS) == 62
    assert DIGITS.isascii() and DIGITS.isalnum()


def test_first_key_and_neighbours() -> None:
    assert key_between(None, None) == "a0"
    assert key_between("a0", None) == "a1"
    assert key_between(None, "a0") == "Zz"
    assert key_between("a0", "a1") == "a0V"


def test_key_between_sorts_strictly_between() -> None:
    for before, after in [
        ("a0", "a1"),
        ("a0", "a0V"),
        ("Zz", "a0"),
        ("a0V", "a0W"),
        ("a1", "c000"),
    ]:
        key = key_between(before, after)
        assert before < key < after


@pytest.mark.parametrize(("before", "after"), [("a1", "a0"), ("a1", "a1")])
def test_key_between_refuses_bounds_out_of_order(before: str, after: str) -> None:
    with pytest.raises(ValueError, match="must sort before"):
        key_between(before, after)


@pytest.mark.parametrize("bad", ["", "a", "a0!", "a00", "b0", "-", "é0"])
def test_key_between_refuses_malformed_keys(bad: str) -> None:
    with pytest.raises(ValueError):
        key_between(bad, None)
    with pytest.raises(ValueError):
        key_between(None, bad)


def test_appending_ten_thousand_keeps_keys_short() -> None:
    keys: list[str] = []
    last: str | None = None
    for _ in range(10_000):
        last = key_between(last, None)
        keys.append(last)
    assert keys == sorted(keys)
    assert len(set(keys)) == len(keys)
    assert max(len(k) for k in keys) <= 4


def test_prepending_a_thousand_keeps_keys_short() -> None:
    keys = ["a0"]
    for _ in range(1_000):
        keys.insert(0, key_between(None, keys[0]))
    assert keys == sorted(keys)
    assert len(set(keys)) == len(keys)
    assert max(len(k) for k in keys) <= 3


def test_inserting_into_one_gap_grows_about_a_character_per_five_inserts() -> None:
    low, high = "a0", "a1"
    for _ in range(600):
        high = key_between(low, high)
        assert low < high
    assert len(high) <= 130
    low, high = "a0", "a1"
    for _ in range(600):
        low = key_between(low, high)
        assert low < high
    assert len(low) <= 130


def test_initial_keys_are_ascending_and_short() -> None:
    assert initial_keys(0) == []
    assert initial_keys(3) == ["a0", "a1", "a2"]
    keys = initial_keys(5_000)
    assert keys == sorted(keys)
    assert len(set(keys)) == 5_000
    assert max(len(k) for k in keys) <= 4


@pytest.mark.parametrize(
    ("before", "after"), [(None, None), ("a0", None), (None, "a0"), ("a0", "a1"), ("Zz", "a0V")]
)
@pytest.mark.parametrize("n", [1, 2, 7, 100])
def test_keys_between_are_ascending_and_inside_bounds(
    before: str | None, after: str | None, n: int
) -> None:
    keys = keys_between(before, after, n)
    assert len(keys) == n
    assert keys == sorted(keys)
    assert len(set(keys)) == n
    assert before is None or before < keys[0]
    assert after is None or keys[-1] < after


def test_keys_between_spreads_evenly_in_a_bounded_gap() -> None:
    keys = keys_between("a0", "a1", 1_000)
    assert max(len(k) for k in keys) <= 5


def test_keys_between_rejects_negative_count() -> None:
    with pytest.raises(ValueError):
        keys_between(None, None, -1)
    assert keys_between("a0", "a1", 0) == []


@pytest.mark.parametrize("seed", range(20))
def test_random_inserts_keep_strict_order(seed: int) -> None:
    rng = random.Random(seed)
    keys: list[str] = []
    for _ in range(400):
        position = rng.randint(0, len(keys))
        before = keys[position - 1] if position > 0 else None
        after = keys[position] if position < len(keys) else None
        key = key_between(before, after)
        assert (before is None or before < key) and (after is None or key < after)
        keys.insert(position, key)
    assert keys == sorted(keys)
    assert len(set(keys)) == len(keys)


@pytest.mark.parametrize("seed", range(10))
def test_random_moves_and_bulk_inserts_keep_strict_order(seed: int) -> None:
    rng = random.Random(1_000 + seed)
    keys = initial_keys(20)
    for _ in range(300):
        if rng.random() < 0.2:
            position = rng.randint(0, len(keys))
            before = keys[position - 1] if position > 0 else None
            after = keys[position] if position < len(keys) else None
            batch = keys_between(before, after, rng.randint(1, 5))
            keys[position:position] = batch
        else:
            keys.pop(rng.randrange(len(keys)))
            position = rng.randint(0, len(keys))
            before = keys[position - 1] if position > 0 else None
            after = keys[position] if position < len(keys) else None
            keys.insert(position, key_between(before, after))
        assert keys == sorted(keys)
        assert len(set(keys)) == len(keys)


def test_keys_sort_like_a_binary_collation() -> None:
    """Python compares str by code point, as SQL does under a binary / C collation."""
    keys = initial_keys(200) + keys_between("a0", "a1", 50)
    assert sorted(keys) == sorted(keys, key=lambda k: k.encode("ascii"))


def test_distinct_keys_keeps_the_first_holder_and_spreads_the_repeats() -> None:
    shared = ["a0", "a1", "a1", "a1", "a2", "a2"]

    keys = distinct_keys(shared)

    assert keys[:2] == ["a0", "a1"]
    assert keys[4] == "a2"
    assert keys == sorted(keys)
    assert len(set(keys)) == len(keys)
    assert "a1" < keys[2] < keys[3] < "a2" < keys[5]


def test_distinct_keys_leaves_distinct_keys_alone() -> None:
    assert distinct_keys(["Zz", "a0", "a0V", "a1"]) == ["Zz", "a0", "a0V", "a1"]
    assert distinct_keys([]) == []


def test_distinct_keys_replaces_keys_that_are_not_order_keys() -> None:
    assert distinct_keys(["", "a0", "zz"]) == initial_keys(3)


def test_distinct_keys_needs_sorted_input() -> None:
    with pytest.raises(ValueError, match="sorted"):
        distinct_keys(["a1", "a0"])
