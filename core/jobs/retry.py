"""When a failed job runs again: pure, so the policy is tested without a clock or a worker."""

import random
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with jitter: attempt n waits between half and all of
    `base * 2**(n-1)` seconds, at most `cap`; the jitter keeps jobs that failed together
    (a database restart) from all coming back in the same second."""

    base_seconds: float = 2.0
    cap_seconds: float = 3600.0

    def delay(self, attempt: int, rng: random.Random) -> timedelta:
        """The wait after the `attempt`-th attempt (1 for the first) failed."""
        if attempt < 1:
            raise ValueError("attempts count from 1")
        ceiling = min(self.cap_seconds, self.base_seconds * 2 ** min(attempt - 1, 62))
        return timedelta(seconds=ceiling / 2 + rng.random() * ceiling / 2)

    def next_run(
        self, attempt: int, max_attempts: int, now: datetime, rng: random.Random
    ) -> datetime | None:
        """When to try again, or None when that was the last attempt (dead letter)."""
        if attempt >= max_attempts:
            return None
        return now + self.delay(attempt, rng)


DEFAULT_POLICY = RetryPolicy()
