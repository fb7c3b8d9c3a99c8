"""What one running app holds: its settings, database, plugins and token cache."""

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from api.limits import TokenBuckets
from api.load import LoadGate, OrganizationTurns
from core.actor import Actor
from core.config import Settings
from core.db import Database
from core.exports.exporters import Exporter
from core.jobs.worker import Worker
from core.plugins import Plugins
from core.readiness import WriteHealth
from core.types import Clock

Verify = Callable[[], Awaitable[tuple[Actor, float | None]]]
Seconds = Callable[[], float]
"""A clock that counts seconds: `time.monotonic`, or a test's."""


def seconds_of(clock: Clock | None) -> Seconds:
    """The token cache's clock for an app's clock: monotonic for the system's."""
    if clock is None:
        return time.monotonic
    return lambda: clock().timestamp()


@dataclass
class TokenCache:
    """Verified tokens, trusted for a few seconds to spare the database a query per request.

    A revocation through this process evicts once it commits
    (`core.foundation.tokens.revoke_token` is handed the cache); other processes see it
    within `ttl` seconds (`VSM_AUTH_CACHE_SECONDS`, 0 turns the cache off), counted by
    `clock`.
    """

    ttl: float
    clock: Seconds = time.monotonic
    max_entries: int = 10_000
    _entries: dict[str, tuple[Actor, float]] = field(default_factory=dict)
    _verifying: dict[str, "asyncio.Future[Actor]"] = field(default_factory=dict)
    _evictions: int = 0

    def get(self, token_hash: str) -> Actor | None:
        hit = self._entries.get(token_hash)
        if hit is None:
            return None
        actor, expires = hit
        if expires < self.clock():
            self._entries.pop(token_hash, None)
            return None
        return actor

    def put(self, token_hash: str, actor: Actor, *, not_after: float | None = None) -> None:
        if self.ttl <= 0:
            return
        if len(self._entries) >= self.max_entries:
            self._entries.clear()
        expires = self.clock() + self.ttl
        if not_after is not None:
            expires = min(expires, not_after)
        self._entries[token_hash] = (actor, expires)

    async def verify_once(self, token_hash: str, verify: Verify) -> Actor:
        """Check a token once for all the requests that want it checked now, and keep it.

        When an entry expires under load, every request in flight finds it missing;
        without this each would ask the database (and write `last_used_at`) at once.
        The check is shielded, so one caller that goes away does not fail the others.
        `verify` returns the caller and, for a token that expires, the time by `clock`
        after which it must not be trusted.
        """
        pending = self._verifying.get(token_hash)
        if pending is None:
            pending = asyncio.ensure_future(self._verify_and_keep(token_hash, verify))
            self._verifying[token_hash] = pending
            pending.add_done_callback(lambda done: self._verified(token_hash, done))
        return await asyncio.shield(pending)

    async def _verify_and_keep(self, token_hash: str, verify: Verify) -> Actor:
        evictions = self._evictions
        actor, not_after = await verify()
        if evictions == self._evictions:  # a revocation meanwhile may have read it still valid
            self.put(token_hash, actor, not_after=not_after)
        return actor

    def _verified(self, token_hash: str, done: "asyncio.Future[Actor]") -> None:
        if self._verifying.get(token_hash) is done:
            del self._verifying[token_hash]
        if not done.cancelled():
            done.exception()  # retrieved here too, in case every waiter went away

    def evict_token(self, token_id: uuid.UUID) -> None:
        """Forget a revoked token now; checks still running are neither kept nor joined."""
        self._evictions += 1
        self._verifying.clear()
        for key, (actor, _) in list(self._entries.items()):
            if actor.token_id == token_id:
                self._entries.pop(key, None)


@dataclass
class AppState:
    settings: Settings
    plugins: Plugins
    tokens: TokenCache
    exporters: dict[str, Exporter] = field(default_factory=dict)
    db: Database | None = None
    write_health: WriteHealth = field(default_factory=WriteHealth)
    load_gate: LoadGate | None = None
    organization_turns: OrganizationTurns | None = None
    rate: TokenBuckets = field(default_factory=lambda: TokenBuckets(0, 60))
    failed_auth: TokenBuckets = field(default_factory=lambda: TokenBuckets(0, 60))
    query_rules: dict[Any, Any] = field(default_factory=dict)
    allowed_methods: dict[str, str] = field(default_factory=dict)
    job_worker: Worker | None = None

    @property
    def database(self) -> Database:
        if self.db is None:
            raise RuntimeError("the database is opened when the app starts")
        return self.db
