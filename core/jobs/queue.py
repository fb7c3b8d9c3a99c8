"""Every statement about jobs: queueing one with a change, claiming, settling, retrying.

A claim is one UPDATE of the oldest due job, chosen by a subquery that PostgreSQL runs
with `FOR UPDATE SKIP LOCKED`, so workers on any number of machines each take a
different job without waiting on each other; on SQLite the claim runs in the one write
transaction SQLite allows at a time. A due job is a queued one whose time has come, or a
running one whose lease ran out: its worker died or hung. Settling a job names the claim
(worker and attempt), so a worker that lost its lease settles nothing.
"""

import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from pydantic import Field
from sqlalchemy import and_, func, or_, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.expression import SelectOfScalar

from core.actor import Actor
from core.db import Database
from core.errors import Conflict
from core.jobs.retry import DEFAULT_POLICY, RetryPolicy
from core.models.job import Job, JobOutput, JobRead, JobStatus
from core.models.token import Role
from core.pagination import Page, paginate
from core.services import crud
from core.services.context import Work
from core.services.filters import ListFilter
from core.services.reads import get_one, read_page
from core.types import utcnow
from core.unit_of_work import UnitOfWork

DEFAULT_MAX_ATTEMPTS = 5
ERROR_LENGTH = 2000

Waker = Callable[[], None]
_wakers: list[Waker] = []


def on_enqueue(waker: Waker) -> Callable[[], None]:
    """Call `waker` after each commit that queued a job in this process (an in-process
    worker starts at once instead of at its next poll); returns the undo."""
    _wakers.append(waker)
    return lambda: _wakers.remove(waker)


def _wake() -> None:
    for waker in list(_wakers):
        waker()


async def enqueue(
    session: AsyncSession,
    actor: Actor,
    kind: str,
    payload: dict[str, Any],
    *,
    max_attempts: int = DEFAULT_MAX_ATTEMPTS,
    run_at: datetime | None = None,
) -> Job:
    """A job in the caller's transaction: it exists if and only if that commits."""
    job = Job(
        organization_id=actor.organization_id,
        kind=kind,
        payload=payload,
        max_attempts=max_attempts,
        run_at=run_at or utcnow(),
        role=actor.role,
        token_id=actor.token_id,
    )
    session.add(job)
    await crud.flush(session)
    UnitOfWork.of(session).after_commit(_wake)
    return job


@dataclass(frozen=True)
class Claim:
    """A job as one worker holds it, for one attempt."""

    job_id: uuid.UUID
    attempt: int
    worker: str
    kind: str
    payload: dict[str, Any]
    max_attempts: int
    actor: Actor


def _due(now: datetime) -> Any:
    return or_(
        and_(col(Job.status) == JobStatus.queued, col(Job.run_at) <= now),
        and_(col(Job.status) == JobStatus.running, col(Job.locked_until) < now),
    )


async def any_due(database: Database, now: datetime) -> bool:
    async with UnitOfWork.on(database, write=False) as session:
        found = await session.exec(select(Job.id).where(_due(now)).limit(1))
        return found.first() is not None


async def claim(database: Database, worker: str, lease: timedelta, now: datetime) -> Claim | None:
    """The oldest due job, now this worker's until `now + lease`, or None when none is due.

    A job whose lease ran out on its last attempt is not claimed again but marked dead:
    its workers died with it every time. An idle worker asks every second: it looks with a
    read first, so on SQLite it takes the write lock only when there is a job to take."""
    if not await any_due(database, now):
        return None
    while True:
        async with UnitOfWork.on(database, write=True) as session:
            oldest = (
                select(Job.id)
                .where(_due(now))
                .order_by(col(Job.run_at))
                .limit(1)
                .with_for_update(skip_locked=True)
                .scalar_subquery()
            )
            row = (
                await session.exec(
                    update(Job)
                    .where(col(Job.id) == oldest)
                    .values(
                        status=JobStatus.running,
                        attempts=col(Job.attempts) + 1,
                        locked_by=worker,
                        locked_until=now + lease,
                        started_at=func.coalesce(col(Job.started_at), now),
                        updated_at=now,
                        version=col(Job.version) + 1,
                    )
                    .returning(
                        col(Job.id),
                        col(Job.attempts),
                        col(Job.kind),
                        col(Job.payload),
                        col(Job.max_attempts),
                        col(Job.organization_id),
                        col(Job.role),
                        col(Job.token_id),
                    )
                    .execution_options(synchronize_session=False)
                )
            ).first()
            if row is None:
                return None
            ident, attempt, kind, payload, max_attempts, organization, role, token = row
            found = Claim(
                job_id=ident,
                attempt=attempt,
                worker=worker,
                kind=kind,
                payload=payload,
                max_attempts=max_attempts,
                actor=Actor(organization_id=organization, role=Role(role), token_id=token),
            )
            if attempt <= max_attempts:
                return found
            await _settle(
                session,
                found,
                now,
                status=JobStatus.dead,
                finished_at=now,
                last_error=f"its worker stopped during each of its {max_attempts} attempts",
            )


async def _settle(session: AsyncSession, held: Claim, now: datetime, **values: Any) -> bool:
    result: Any = await session.exec(
        update(Job)
        .where(
            col(Job.id) == held.job_id,
            col(Job.locked_by) == held.worker,
            col(Job.attempts) == held.attempt,
            col(Job.status) == JobStatus.running,
        )
        .values(updated_at=now, version=col(Job.version) + 1, **values)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount == 1)


async def extend(database: Database, held: Claim, until: datetime, now: datetime) -> bool:
    """Keep the lease of a job still running; False when the claim was lost."""
    async with UnitOfWork.on(database, write=True) as session:
        return await _settle(session, held, now, locked_until=until)


@dataclass(frozen=True)
class Outcome:
    """What a finished job leaves: a small JSON result and, for files, the file."""

    result: dict[str, Any] | None = None
    output: bytes | None = None
    media_type: str | None = None
    name: str | None = None


async def succeed(database: Database, held: Claim, outcome: Outcome, now: datetime) -> bool:
    """The job done with its outcome, its file stored in the same transaction."""
    async with UnitOfWork.on(database, write=True) as session:
        settled = await _settle(
            session,
            held,
            now,
            status=JobStatus.succeeded,
            finished_at=now,
            locked_by=None,
            locked_until=None,
            last_error=None,
            result=outcome.result,
            output_bytes=len(outcome.output) if outcome.output is not None else None,
            output_media_type=outcome.media_type,
            output_name=outcome.name,
        )
        if settled and outcome.output is not None:
            session.add(
                JobOutput(
                    job_id=held.job_id,
                    organization_id=held.actor.organization_id,
                    data=outcome.output,
                )
            )
        return settled


async def fail(
    database: Database,
    held: Claim,
    error: str,
    now: datetime,
    *,
    retry: bool = True,
    policy: RetryPolicy = DEFAULT_POLICY,
    rng: random.Random | None = None,
) -> bool:
    """Queue the job again after its backoff, or mark it dead after its last attempt
    (or at once when `retry` is False: a failure no retry can mend)."""
    next_run = (
        policy.next_run(held.attempt, held.max_attempts, now, rng or random.Random())
        if retry
        else None
    )
    after = (
        {"status": JobStatus.queued, "run_at": next_run}
        if next_run is not None
        else {"status": JobStatus.dead, "finished_at": now}
    )
    async with UnitOfWork.on(database, write=True) as session:
        return await _settle(
            session,
            held,
            now,
            locked_by=None,
            locked_until=None,
            last_error=error[:ERROR_LENGTH],
            **after,
        )


async def defer(database: Database, held: Claim, run_at: datetime, now: datetime) -> bool:
    """Queue the job again for `run_at`, giving back the attempt this run used."""
    async with UnitOfWork.on(database, write=True) as session:
        return await _settle(
            session,
            held,
            now,
            status=JobStatus.queued,
            run_at=run_at,
            attempts=col(Job.attempts) - 1,
            locked_by=None,
            locked_until=None,
        )


class JobFilter(ListFilter):
    status: JobStatus | None = Field(default=None, description="only jobs in this state")
    kind: str | None = Field(default=None, max_length=60, description="only jobs of this kind")


def _filtered(actor: Actor, filters: JobFilter) -> SelectOfScalar[Job]:
    statement = crud.scoped(Job, actor)
    if filters.status is not None:
        statement = statement.where(col(Job.status) == filters.status)
    if filters.kind is not None:
        statement = statement.where(col(Job.kind) == filters.kind)
    return statement


async def read_jobs(
    work: Work, filters: JobFilter, *, limit: int, cursor: str | None
) -> Page[JobRead]:
    """Newest first: the job a client just started is on the first page."""
    return await read_page(
        work,
        Job,
        _filtered(work.actor, filters),
        keys=[col(Job.created_at), col(Job.id)],
        limit=limit,
        cursor=cursor,
        into=JobRead,
        descending=True,
    )


async def list_jobs(
    session: AsyncSession, actor: Actor, filters: JobFilter, *, limit: int, cursor: str | None
) -> Page[Job]:
    return await paginate(
        session,
        _filtered(actor, filters),
        keys=[col(Job.created_at), col(Job.id)],
        limit=limit,
        cursor=cursor,
        descending=True,
    )


async def read_job(work: Work, job_id: uuid.UUID) -> JobRead:
    return await get_one(work, Job, job_id, JobRead)


async def get_job(session: AsyncSession, actor: Actor, job_id: uuid.UUID) -> Job:
    return await crud.get(session, actor, Job, job_id)


async def retry_job(
    session: AsyncSession,
    actor: Actor,
    job_id: uuid.UUID,
    *,
    expected_version: crud.ExpectedVersion,
) -> Job:
    """A dead job queued again now, with as many attempts as a new job gets."""
    actor.require_write()
    job = await crud.get(session, actor, Job, job_id)
    crud.check_version(job, expected_version)
    if job.status != JobStatus.dead:
        raise Conflict(f"only a dead job is retried; this one is {job.status}")
    job = await crud.update(
        session,
        actor,
        job,
        {
            "status": JobStatus.queued,
            "run_at": utcnow(),
            "finished_at": None,
            "max_attempts": job.attempts + DEFAULT_MAX_ATTEMPTS,
        },
        expected_version=expected_version,
        action="retry",
    )
    UnitOfWork.of(session).after_commit(_wake)
    return job


async def job_output(session: AsyncSession, actor: Actor, job_id: uuid.UUID) -> tuple[Job, bytes]:
    """A succeeded job's file; a job with none, or not done yet, answers a conflict."""
    job = await crud.get(session, actor, Job, job_id)
    output = await session.get(JobOutput, job_id)
    if output is None or output.organization_id != actor.organization_id:
        raise Conflict(f"the job has no file: it is {job.status}")
    return job, output.data
