"""What one running app holds: its settings, database, plugins and token cache."""

import time
import uuid
from dataclasses import dataclass, field

import pluggy

from core.actor import Actor
from core.config import Settings
from core.db import Database
from core.exporting import Exporter


@dataclass
class TokenCache:
    """Verified tokens, trusted for a few seconds to spare the database a query per request.

    A revocation through this process evicts at once; other processes see it within
    `ttl` seconds (`VSM_AUTH_CACHE_SECONDS`, 0 turns the cache off).
    """

    ttl: float
    max_entries: int = 10_000
    _entries: dict[str, tuple[Actor, float]] = field(default_factory=dict)

    def get(self, token_hash: str) -> Actor | None:
        hit = self._entries.get(token_hash)
        if hit is None:
            return None
        actor, expires = hit
        if expires < time.monotonic():
            self._entries.pop(token_hash, None)
            return None
        return actor

    def put(self, token_hash: str, actor: Actor, *, not_after: float | None = None) -> None:
        if self.ttl <= 0:
            return
        if len(self._entries) >= self.max_entries:
            self._entries.clear()
        expires = time.monotonic() + self.ttl
        if not_after is not None:
            expires = min(expires, not_after)
        self._entries[token_hash] = (actor, expires)

    def evict_token(self, token_id: uuid.UUID) -> None:
        for key, (actor, _) in list(self._entries.items()):
            if actor.token_id == token_id:
                self._entries.pop(key, None)


@dataclass
class AppState:
    settings: Settings
    plugins: pluggy.PluginManager
    tokens: TokenCache
    exporters: dict[str, Exporter] = field(default_factory=dict)
    db: Database | None = None

    @property
    def database(self) -> Database:
        if self.db is None:
            raise RuntimeError("the database is opened when the app starts")
        return self.db
