"""How long a failed job waits before it runs again."""

import random
from datetime import UTC, datetime, timedelta

import pytest

from core.jobs.retry import RetryPolicy

NOW = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(("attempt", "ceiling"), [(1, 2), (2, 4), (3, 8), (6, 64), (30, 3600)])
def test_each_failure_waits_between_half_and_all_of_a_doubling_ceiling(
    attempt: int, ceiling: float
) -> None:
    policy = RetryPolicy(base_seconds=2, cap_seconds=3600)
    rng = random.Random(7)

    waits = [policy.delay(attempt, rng).total_seconds() for _ in range(200)]

    assert min(waits) >= ceiling / 2
    assert max(waits) <= ceiling
    assert len(set(waits)) > 100, "jittered, so jobs that failed together spread out"


def test_the_last_attempt_leaves_no_next_run() -> None:
    policy = RetryPolicy()
    rng = random.Random(1)

    assert policy.next_run(4, 5, NOW, rng) is not None
    assert policy.next_run(5, 5, NOW, rng) is None


def test_the_next_run_lies_after_now_by_the_delay() -> None:
    policy = RetryPolicy(base_seconds=10, cap_seconds=10)

    run = policy.next_run(3, 5, NOW, random.Random(3))

    assert run is not None
    assert NOW + timedelta(seconds=5) <= run <= NOW + timedelta(seconds=10)


def test_attempts_count_from_one() -> None:
    with pytest.raises(ValueError, match="from 1"):
        RetryPolicy().delay(0, random.Random())
