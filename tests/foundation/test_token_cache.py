"""The token cache: many requests for an expired token ask the database once.

Checks of the database are stood in for by `Checks`: each one waits until the test lets
it finish, so the order of events is the test's, never the scheduler's or a timer's.
"""

import asyncio
import uuid
from collections import defaultdict
from collections.abc import Callable

from api.state import TokenCache
from core.actor import Actor
from core.errors import Unauthenticated
from core.models.token import Role


def an_actor() -> Actor:
    return Actor(organization_id=uuid.uuid4(), role=Role.editor, token_id=uuid.uuid4())


class Checks:
    """Database checks that each begin, then wait until the test finishes them."""

    def __init__(self, outcome: Callable[[int], Actor]) -> None:
        self.outcome = outcome
        self.count = 0
        self.begun: defaultdict[int, asyncio.Event] = defaultdict(asyncio.Event)
        self.finish: defaultdict[int, asyncio.Event] = defaultdict(asyncio.Event)
        self.all_free = False

    async def verify(self) -> tuple[Actor, None]:
        number = self.count
        self.count += 1
        self.begun[number].set()
        if not self.all_free:
            await self.finish[number].wait()
        return self.outcome(number), None

    async def has_begun(self, number: int) -> None:
        await self.begun[number].wait()

    def let_all_finish(self) -> None:
        """Finish every check, and any that begins from now on at once."""
        self.all_free = True
        for event in self.finish.values():
            event.set()


class Callers:
    """Requests that ask the cache for one token; `all_waiting` once each has asked.

    A caller asks, and joins or begins a check, in the same step of the event loop in
    which it sets the event, so whoever wakes on it finds every caller waiting.
    """

    def __init__(self, cache: TokenCache, verify: Callable[[], object], n: int) -> None:
        self.asked = 0
        self.all_waiting = asyncio.Event()
        self.tasks = [asyncio.ensure_future(self._ask(cache, verify, n)) for _ in range(n)]

    async def _ask(self, cache: TokenCache, verify: Callable[[], object], n: int) -> Actor:
        self.asked += 1
        if self.asked == n:
            self.all_waiting.set()
        return await cache.verify_once("h", verify)  # type: ignore[arg-type]


def test_concurrent_requests_for_one_token_are_checked_once_and_kept() -> None:
    cache = TokenCache(ttl=5)
    actor = an_actor()
    checks = Checks(lambda _n: actor)

    async def burst() -> list[object]:
        callers = Callers(cache, checks.verify, 20)
        await callers.all_waiting.wait()
        checks.let_all_finish()
        return list(await asyncio.gather(*callers.tasks))

    answers = asyncio.run(burst())

    assert checks.count == 1
    assert answers == [actor] * 20
    assert cache.get("h") == actor


def test_a_refused_token_is_refused_to_every_waiting_request() -> None:
    cache = TokenCache(ttl=5)

    def refuse(_n: int) -> Actor:
        raise Unauthenticated("the token is not valid")

    checks = Checks(refuse)

    async def burst() -> list[object]:
        callers = Callers(cache, checks.verify, 5)
        await callers.all_waiting.wait()
        checks.let_all_finish()
        return list(await asyncio.gather(*callers.tasks, return_exceptions=True))

    answers = asyncio.run(burst())

    assert checks.count == 1
    assert all(isinstance(answer, Unauthenticated) for answer in answers)
    assert cache.get("h") is None


def test_with_the_cache_off_every_finished_check_is_forgotten() -> None:
    cache = TokenCache(ttl=0)
    checks = 0

    async def verify() -> tuple[Actor, None]:
        nonlocal checks
        checks += 1
        return an_actor(), None

    async def twice() -> None:
        await cache.verify_once("h", verify)
        await cache.verify_once("h", verify)

    asyncio.run(twice())

    assert checks == 2


def test_a_caller_that_goes_away_does_not_fail_the_others() -> None:
    cache = TokenCache(ttl=5)
    actor = an_actor()
    checks = Checks(lambda _n: actor)

    async def scenario() -> Actor:
        callers = Callers(cache, checks.verify, 2)
        leaving, staying = callers.tasks
        await callers.all_waiting.wait()
        leaving.cancel()
        checks.let_all_finish()
        return await staying

    assert asyncio.run(scenario()) == actor
    assert checks.count == 1


def test_a_check_that_ends_after_a_revocation_leaves_the_newer_check_joinable() -> None:
    cache = TokenCache(ttl=0)
    checks = Checks(lambda _n: an_actor())

    async def scenario() -> None:
        first = asyncio.ensure_future(cache.verify_once("h", checks.verify))
        await checks.has_begun(0)
        cache.evict_token(uuid.uuid4())
        second = asyncio.ensure_future(cache.verify_once("h", checks.verify))
        await checks.has_begun(1)
        checks.finish[0].set()
        await first
        third = Callers(cache, checks.verify, 1)
        await third.all_waiting.wait()
        checks.let_all_finish()
        await asyncio.gather(second, *third.tasks)

    asyncio.run(scenario())

    assert checks.count == 2


def test_a_check_running_when_the_token_is_revoked_is_not_kept_or_joined() -> None:
    cache = TokenCache(ttl=5)
    actor = an_actor()
    assert actor.token_id is not None

    def outcome(number: int) -> Actor:
        if number > 0:  # every check that begins after the revocation reads it revoked
            raise Unauthenticated("the token has been revoked")
        return actor

    checks = Checks(outcome)

    async def scenario() -> list[object]:
        before = asyncio.ensure_future(cache.verify_once("h", checks.verify))
        await checks.has_begun(0)  # it has read the token as still valid
        cache.evict_token(actor.token_id)
        after = asyncio.ensure_future(cache.verify_once("h", checks.verify))
        await checks.has_begun(1)
        checks.let_all_finish()
        return list(await asyncio.gather(before, after, return_exceptions=True))

    before, after = asyncio.run(scenario())

    assert before == actor
    assert isinstance(after, Unauthenticated)
    assert cache.get("h") is None


# --- expiry, on the cache's clock


class Seconds:
    """A clock of seconds that stands still until a test moves it."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_kept_token_is_trusted_for_ttl_seconds_and_then_checked_again() -> None:
    clock = Seconds()
    cache = TokenCache(ttl=5, clock=clock)
    actor = an_actor()
    cache.put("h", actor)

    clock.now += 5
    still = cache.get("h")
    clock.now += 0.001
    after = cache.get("h")

    assert (still, after) == (actor, None)


def test_a_token_that_expires_sooner_than_ttl_is_trusted_only_until_it_expires() -> None:
    clock = Seconds()
    cache = TokenCache(ttl=60, clock=clock)
    actor = an_actor()
    cache.put("h", actor, not_after=clock.now + 2)

    clock.now += 2
    still = cache.get("h")
    clock.now += 0.001
    after = cache.get("h")

    assert (still, after) == (actor, None)
