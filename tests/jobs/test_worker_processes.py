"""Workers as processes: `vsm worker` from another folder, and a worker killed mid-job."""

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel.ext.asyncio.session import AsyncSession

from core.actor import Actor
from core.jobs import queue
from core.jobs.kinds import KINDS, Environment
from core.jobs.queue import Claim, Outcome
from core.models.token import Role
from tests.api_client import Api
from tests.cli import run_vsm, vsm_environment
from tests.clock import ManualClock
from tests.conftest import Tenant, run_in_db
from tests.factories import Factory
from tests.job_runner import run_due_jobs, worker_of

BLOCKING = "test.blocking"

WORKER_THAT_HANGS = """
import asyncio, sys
from core.config import Settings
from core.db import Database
from core.jobs.kinds import KINDS, Environment
from core.jobs.worker import Worker

async def hang(claim, env):
    print("running", claim.job_id, claim.attempt, flush=True)
    await asyncio.Event().wait()

KINDS[sys.argv[2]] = hang

async def main():
    settings = Settings(database_url=sys.argv[1], _env_file=None)
    database = Database.from_settings(settings)
    await Worker(Environment(database, settings), name="doomed").run_once()

asyncio.run(main())
"""


async def finish(claim: Claim, _env: Environment) -> Outcome:
    return Outcome(result={"finished_by_attempt": claim.attempt})


@pytest.fixture
def blocking_kind() -> Iterator[None]:
    """In this process the kind finishes at once; the doomed worker's copy hangs."""
    KINDS[BLOCKING] = finish
    yield
    del KINDS[BLOCKING]


def test_a_worker_killed_mid_job_loses_nothing(
    database_url: str, tenant: Tenant, admin: Api, blocking_kind: None, tmp_path: Path
) -> None:
    actor = Actor(organization_id=tenant.organization.id, role=Role.editor)

    async def work(session: AsyncSession) -> str:
        return str((await queue.enqueue(session, actor, BLOCKING, {})).id)

    ident = run_in_db(database_url, work)
    doomed = subprocess.Popen(
        [sys.executable, "-c", WORKER_THAT_HANGS, database_url, BLOCKING],
        cwd=tmp_path,
        env=vsm_environment() | {"PYTHONPATH": os.getcwd()},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert doomed.stdout is not None
        started = doomed.stdout.readline()
        mid_job = dict(admin.ok(admin.get(f"/api/v1/jobs/{ident}")))
    finally:
        doomed.send_signal(signal.SIGKILL)
        doomed.wait(timeout=30)
    clock = ManualClock()
    survivor = worker_of(admin, clock=clock)

    before_the_lease_ran_out = run_due_jobs(admin, survivor)
    clock.advance(survivor.lease + timedelta(seconds=1))
    after = run_due_jobs(admin, survivor)

    done = admin.ok(admin.get(f"/api/v1/jobs/{ident}"))
    assert started.split()[:3] == ["running", ident, "1"], doomed.stderr
    assert (mid_job["status"], mid_job["attempts"]) == ("running", 1)
    assert before_the_lease_ran_out == []
    assert [(c.attempt, ok) for c, ok in after] == [(2, True)]
    assert (done["status"], done["result"]) == ("succeeded", {"finished_by_attempt": 2})


def test_vsm_worker_once_runs_the_due_jobs_from_another_folder(
    database_url: str, editor: Api, factory: Factory, tmp_path: Path
) -> None:
    job = factory.export_job(id=factory.value_stream(name="Claims")["id"], format="markdown")

    ran = run_vsm("worker", "--once", cwd=tmp_path, database_url=database_url)

    done = editor.ok(editor.get(f"/api/v1/jobs/{job['id']}"))
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.strip() == "1 job(s) run"
    assert ran.stderr == ""
    assert done["status"] == "succeeded"
    assert "Claims" in editor.get(f"/api/v1/jobs/{job['id']}/output").text


def test_vsm_worker_refuses_once_with_concurrency(database_url: str, tmp_path: Path) -> None:
    ran = run_vsm("worker", "--once", "--concurrency", "2", cwd=tmp_path, database_url=database_url)

    assert ran.returncode == 2
    assert ran.stderr.startswith("error: --once runs one worker")
