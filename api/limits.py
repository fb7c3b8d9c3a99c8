"""Request budgets: per token, and for failed authentications per client address.

One organization's script in a loop must not take every other organization's
turn, and nobody may guess tokens at the speed of the network. Both budgets are
token buckets kept in this worker's memory: with N workers a caller gets up to N
times the budget, which bounds the harm without a shared store (documented in
the README). The clock is injected so tests advance it instead of sleeping.
"""

import math
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Decision:
    allowed: bool
    limit: int
    remaining: int
    reset_seconds: int
    retry_after: int


class TokenBuckets:
    """`capacity` requests per `window_seconds` per key, refilled continuously."""

    def __init__(
        self,
        capacity: int,
        window_seconds: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        max_keys: int = 100_000,
    ) -> None:
        self.capacity = capacity
        self.window_seconds = window_seconds
        self.rate = capacity / window_seconds if window_seconds > 0 else math.inf
        self.clock = clock
        self.max_keys = max_keys
        self._buckets: dict[object, tuple[float, float]] = {}

    @property
    def enabled(self) -> bool:
        return self.capacity > 0

    def _level(self, key: object, now: float) -> float:
        tokens, then = self._buckets.get(key, (float(self.capacity), now))
        return min(float(self.capacity), tokens + (now - then) * self.rate)

    def take(self, key: object) -> Decision:
        """Spend one request of `key`'s budget if there is one left."""
        now = self.clock()
        tokens = self._level(key, now)
        allowed = tokens >= 1
        if allowed:
            tokens -= 1
        if len(self._buckets) >= self.max_keys and key not in self._buckets:
            self._forget_full(now)
        self._buckets[key] = (tokens, now)
        return self._decision(allowed, tokens)

    def exhausted(self, key: object) -> Decision | None:
        """The refusal `key` would get now, without spending anything; None when it has budget."""
        tokens = self._level(key, self.clock())
        return None if tokens >= 1 else self._decision(False, tokens)

    def _decision(self, allowed: bool, tokens: float) -> Decision:
        missing = max(0.0, 1 - tokens)
        return Decision(
            allowed=allowed,
            limit=self.capacity,
            remaining=max(0, math.floor(tokens)),
            reset_seconds=math.ceil((self.capacity - tokens) / self.rate),
            retry_after=max(1, math.ceil(missing / self.rate)) if not allowed else 0,
        )

    def _forget_full(self, now: float) -> None:
        """Drop keys whose bucket has refilled: they carry no information any more."""
        full = [k for k in self._buckets if self._level(k, now) >= self.capacity]
        for key in full:
            del self._buckets[key]
        if len(self._buckets) >= self.max_keys:
            self._buckets.clear()


def rate_limit_headers(decision: Decision, window_seconds: float, policy: str) -> dict[str, str]:
    """The RateLimit and RateLimit-Policy fields of the IETF httpapi draft."""
    return {
        "RateLimit-Policy": f'"{policy}";q={decision.limit};w={math.ceil(window_seconds)}',
        "RateLimit": f'"{policy}";r={decision.remaining};t={decision.reset_seconds}',
    }
