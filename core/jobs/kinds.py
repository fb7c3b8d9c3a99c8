"""What each kind of job does, by name: the worker looks its handler up here.

A handler gets the claim (its payload, and the actor it runs as: the organization and
role of whoever queued it) and the environment a worker runs in, and answers the job's
`Outcome`. It raises `Permanent` for a failure no retry can mend (the record it works on
was deleted, a format no longer offered): the job is dead at once instead of retried.
"""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from core.config import Settings
from core.db import Database
from core.exports.exporters import Exporter
from core.jobs.queue import Claim, Outcome
from core.jobs.retry import DEFAULT_POLICY, RetryPolicy


class Permanent(Exception):
    """A failure the job would meet again on every attempt."""


class Deferred(Exception):
    """Not yet: the job runs again after `after`, and this run does not count as an attempt
    (a webhook delivery waiting for the one before it to its subscriber)."""

    def __init__(self, after: timedelta, reason: str) -> None:
        super().__init__(reason)
        self.after = after


@dataclass
class Environment:
    """What jobs run with, in the server's process or in `vsm worker`'s."""

    database: Database
    settings: Settings
    exporters: dict[str, Exporter] = field(default_factory=dict)


Handler = Callable[[Claim, Environment], Awaitable[Outcome]]

KINDS: dict[str, Handler] = {}
POLICIES: dict[str, RetryPolicy] = {}


def kind(name: str, policy: RetryPolicy = DEFAULT_POLICY) -> Callable[[Handler], Handler]:
    """Register a handler under `name`, retried by `policy`; a name registered twice is a
    programming error."""

    def register(handler: Handler) -> Handler:
        if name in KINDS:
            raise ValueError(f"the job kind {name!r} is registered twice")
        KINDS[name] = handler
        POLICIES[name] = policy
        return handler

    return register


Sweep = Callable[[Database, datetime], Awaitable[int]]


@dataclass(frozen=True)
class Periodic:
    """What workers do between jobs: queue or emit what time has made due (scheduled
    readouts, watched events), at most once per `every` per worker. Answers a count."""

    work: Sweep
    every: timedelta


SWEEPS: list[Periodic] = []


def sweep(every: timedelta = timedelta(0)) -> Callable[[Sweep], Sweep]:
    def register(work: Sweep) -> Sweep:
        SWEEPS.append(Periodic(work, every))
        return work

    return register


def sweeps() -> list[Periodic]:
    _load_built_in_kinds()
    return list(SWEEPS)


def _load_built_in_kinds() -> None:
    import core.exports.export_jobs
    import core.schedules.delivery
    import core.webhooks.delivery
    import core.webhooks.watch  # noqa: F401


def policy_of(name: str) -> RetryPolicy:
    _load_built_in_kinds()
    return POLICIES.get(name, DEFAULT_POLICY)


def handler_of(name: str) -> Handler:
    _load_built_in_kinds()
    found = KINDS.get(name)
    if found is None:
        raise Permanent(f"no worker knows the job kind {name!r}")
    return found


Payload = dict[str, Any]
