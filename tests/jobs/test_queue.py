"""Claims, leases, retries and dead letters, with a kind of job the tests control."""

import asyncio
import random
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlmodel.ext.asyncio.session import AsyncSession

from core.actor import Actor
from core.jobs import queue
from core.jobs.kinds import KINDS, Environment, Permanent
from core.jobs.queue import Claim, Outcome
from core.jobs.retry import RetryPolicy
from core.models.token import Role
from tests.api_client import Api
from tests.clock import ManualClock
from tests.conftest import Tenant, run_in_db
from tests.job_runner import run_due_jobs, worker_of

KIND = "test.scripted"


class Script:
    """What the scripted kind does on each run: the next of `outcomes` ("ok", "fail",
    "permanent"), recording every payload it ran."""

    def __init__(self) -> None:
        self.outcomes: list[str] = []
        self.ran: list[dict[str, Any]] = []

    async def __call__(self, claim: Claim, _env: Environment) -> Outcome:
        self.ran.append(claim.payload)
        step = self.outcomes.pop(0) if self.outcomes else "ok"
        if step == "fail":
            raise RuntimeError("the receiver was down")
        if step == "permanent":
            raise Permanent("the record is gone")
        return Outcome(result={"n": claim.payload["n"]})


@pytest.fixture
def script() -> Iterator[Script]:
    KINDS[KIND] = scripted = Script()
    yield scripted
    del KINDS[KIND]


def queue_jobs(database_url: str, tenant: Tenant, count: int = 1, **options: Any) -> list[str]:
    actor = Actor(organization_id=tenant.organization.id, role=Role.editor)

    async def work(session: AsyncSession) -> list[str]:
        jobs = [
            await queue.enqueue(session, actor, KIND, {"n": n}, **options) for n in range(count)
        ]
        return [str(job.id) for job in jobs]

    return list(run_in_db(database_url, work))


def job(api: Api, ident: str) -> dict[str, Any]:
    return dict(api.ok(api.get(f"/api/v1/jobs/{ident}")))


def test_a_job_queued_in_a_transaction_that_rolled_back_never_exists(
    database_url: str, tenant: Tenant, admin: Api, script: Script
) -> None:
    actor = Actor(organization_id=tenant.organization.id, role=Role.editor)

    async def work(session: AsyncSession) -> None:
        await queue.enqueue(session, actor, KIND, {"n": 1})
        raise RuntimeError("the change that asked for it failed")

    with pytest.raises(RuntimeError):
        run_in_db(database_url, work)

    assert admin.ok(admin.get("/api/v1/jobs"))["items"] == []
    assert run_due_jobs(admin) == []


def test_a_failed_job_waits_its_backoff_then_runs_again_and_dies_after_its_last_attempt(
    database_url: str, tenant: Tenant, admin: Api, script: Script
) -> None:
    (ident,) = queue_jobs(database_url, tenant, max_attempts=3)
    script.outcomes = ["fail", "fail", "fail"]
    clock = ManualClock()
    worker = worker_of(admin, clock=clock)
    worker.policy = RetryPolicy(base_seconds=10, cap_seconds=10)

    first = run_due_jobs(admin, worker)
    waiting = job(admin, ident)
    too_early = run_due_jobs(admin, worker)
    clock.advance(timedelta(seconds=11))
    second = run_due_jobs(admin, worker)
    clock.advance(timedelta(seconds=11))
    third = run_due_jobs(admin, worker)
    dead = job(admin, ident)

    assert [ok for _c, ok in first + second + third] == [False, False, False]
    assert too_early == []
    assert (waiting["status"], waiting["attempts"]) == ("queued", 1)
    assert waiting["last_error"] == "RuntimeError: the receiver was down"
    assert (dead["status"], dead["attempts"], dead["finished_at"] is not None) == (
        "dead",
        3,
        True,
    )


def test_a_permanent_failure_dies_on_its_first_attempt(
    database_url: str, tenant: Tenant, admin: Api, script: Script
) -> None:
    (ident,) = queue_jobs(database_url, tenant)
    script.outcomes = ["permanent"]

    run_due_jobs(admin)

    assert (job(admin, ident)["status"], job(admin, ident)["attempts"]) == ("dead", 1)


def test_a_job_of_a_kind_no_worker_knows_dies_and_says_so(
    database_url: str, tenant: Tenant, admin: Api, script: Script
) -> None:
    (ident,) = queue_jobs(database_url, tenant)
    del KINDS[KIND]
    try:
        run_due_jobs(admin)
    finally:
        KINDS[KIND] = script

    assert job(admin, ident)["status"] == "dead"
    assert KIND in job(admin, ident)["last_error"]


def test_a_job_whose_worker_stopped_is_claimed_again_once_its_lease_ran_out(
    database_url: str, tenant: Tenant, admin: Api, script: Script
) -> None:
    """The first worker claims and then says nothing, as a process killed mid-job does; it
    cannot settle the job afterwards, since the second one holds it."""
    (ident,) = queue_jobs(database_url, tenant)
    clock = ManualClock()
    lost, second = worker_of(admin, clock=clock, name="lost"), worker_of(admin, clock=clock)
    portal = admin.client.blocking_portal
    lease = lost.lease

    held = portal.call(queue.claim, lost.env.database, "lost", lease, clock())
    while_held = run_due_jobs(admin, second)
    clock.advance(lease + timedelta(seconds=1))
    taken_over = run_due_jobs(admin, second)
    late = portal.call(
        queue.succeed, lost.env.database, held, Outcome(result={"late": True}), clock()
    )

    done = job(admin, ident)
    assert held is not None
    assert while_held == []
    assert [(c.attempt, ok) for c, ok in taken_over] == [(2, True)]
    assert late is False, "the lost claim settles nothing"
    assert (done["status"], done["attempts"], done["result"]) == ("succeeded", 2, {"n": 0})


def test_a_job_whose_workers_all_stopped_dies_after_its_last_attempt(
    database_url: str, tenant: Tenant, admin: Api, script: Script
) -> None:
    (ident,) = queue_jobs(database_url, tenant, max_attempts=2)
    clock = ManualClock()
    database = worker_of(admin).env.database
    portal = admin.client.blocking_portal
    lease = timedelta(seconds=30)

    for _ in range(2):
        assert portal.call(queue.claim, database, "crashing", lease, clock()) is not None
        clock.advance(lease + timedelta(seconds=1))
    third = portal.call(queue.claim, database, "crashing", lease, clock())

    assert third is None
    assert job(admin, ident)["status"] == "dead"
    assert script.ran == []


def test_two_workers_run_every_job_exactly_once(
    database_url: str, tenant: Tenant, admin: Api, script: Script
) -> None:
    queue_jobs(database_url, tenant, count=30)
    workers = [worker_of(admin, name=f"w{i}") for i in range(2)]
    settled: list[tuple[Claim, bool]] = []
    for worker in workers:
        worker.settled.append(lambda claim, ok: settled.append((claim, ok)))

    async def both() -> None:
        async def drain(worker: Any) -> None:
            while await worker.run_once():
                pass

        await asyncio.gather(*(drain(w) for w in workers))

    admin.client.blocking_portal.call(both)

    listed = admin.ok(admin.get("/api/v1/jobs", params={"limit": 100}))["items"]
    assert sorted(p["n"] for p in script.ran) == list(range(30))
    assert {c.worker for c, _ok in settled} == {"w0", "w1"}, "both took a share"
    assert {j["status"] for j in listed} == {"succeeded"}
    assert {j["attempts"] for j in listed} == {1}


def test_jitter_spreads_the_retries_of_jobs_that_failed_together() -> None:
    policy = RetryPolicy(base_seconds=60, cap_seconds=3600)
    rng = random.Random(5)

    waits = {policy.delay(3, rng) for _ in range(20)}

    assert len(waits) == 20
