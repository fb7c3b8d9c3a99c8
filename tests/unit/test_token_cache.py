"""The token cache: many requests for an expired token ask the database once."""

import asyncio
import uuid

from api.state import TokenCache
from core.actor import Actor
from core.errors import Unauthenticated
from core.models.token import Role


def an_actor() -> Actor:
    return Actor(organization_id=uuid.uuid4(), role=Role.editor, token_id=uuid.uuid4())


def test_concurrent_requests_for_one_token_are_checked_once_and_kept() -> None:
    cache = TokenCache(ttl=5)
    checks = 0
    actor = an_actor()

    async def verify() -> tuple[Actor, None]:
        nonlocal checks
        checks += 1
        await asyncio.sleep(0.01)
        return actor, None

    async def burst() -> list[Actor]:
        return list(await asyncio.gather(*(cache.verify_once("h", verify) for _ in range(20))))

    answers = asyncio.run(burst())

    assert checks == 1
    assert answers == [actor] * 20
    assert cache.get("h") == actor


def test_a_refused_token_is_refused_to_every_waiting_request() -> None:
    cache = TokenCache(ttl=5)

    async def verify() -> tuple[Actor, None]:
        await asyncio.sleep(0.01)
        raise Unauthenticated("the token is not valid")

    async def burst() -> list[object]:
        calls = (cache.verify_once("h", verify) for _ in range(5))
        return list(await asyncio.gather(*calls, return_exceptions=True))

    answers = asyncio.run(burst())

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

    async def verify() -> tuple[Actor, None]:
        await asyncio.sleep(0.02)
        return actor, None

    async def scenario() -> Actor:
        leaving = asyncio.ensure_future(cache.verify_once("h", verify))
        staying = asyncio.ensure_future(cache.verify_once("h", verify))
        await asyncio.sleep(0)
        leaving.cancel()
        return await staying

    assert asyncio.run(scenario()) == actor


def test_a_check_that_ends_after_a_revocation_leaves_the_newer_check_joinable() -> None:
    cache = TokenCache(ttl=0)
    checks = 0

    async def verify(seconds: float) -> tuple[Actor, None]:
        nonlocal checks
        checks += 1
        await asyncio.sleep(seconds)
        return an_actor(), None

    async def scenario() -> None:
        first = asyncio.ensure_future(cache.verify_once("h", lambda: verify(0.01)))
        await asyncio.sleep(0)
        cache.evict_token(uuid.uuid4())
        second = asyncio.ensure_future(cache.verify_once("h", lambda: verify(0.05)))
        await first
        third = asyncio.ensure_future(cache.verify_once("h", lambda: verify(0.05)))
        await asyncio.gather(second, third)

    asyncio.run(scenario())

    assert checks == 2


def test_a_check_running_when_the_token_is_revoked_is_not_kept_or_joined() -> None:
    cache = TokenCache(ttl=5)
    actor = an_actor()
    revoked = False

    async def verify() -> tuple[Actor, None]:
        was_revoked = revoked
        await asyncio.sleep(0.02)
        if was_revoked:
            raise Unauthenticated("the token has been revoked")
        return actor, None

    async def scenario() -> list[object]:
        nonlocal revoked
        before = asyncio.ensure_future(cache.verify_once("h", verify))
        await asyncio.sleep(0.005)  # the check has begun and read the token as valid
        revoked = True
        assert actor.token_id is not None
        cache.evict_token(actor.token_id)
        after = asyncio.ensure_future(cache.verify_once("h", verify))
        return list(await asyncio.gather(before, after, return_exceptions=True))

    before, after = asyncio.run(scenario())

    assert before == actor
    assert isinstance(after, Unauthenticated)
    assert cache.get("h") is None
