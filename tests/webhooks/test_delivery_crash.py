"""A worker killed mid-delivery: every event still reaches the receiver, signed, and the
only message it sees twice is the interrupted one, under the same `webhook-id`."""

import asyncio
import os
import signal
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

from tests.api_client import Api
from tests.cli import vsm_environment
from tests.clock import ManualClock
from tests.factories import Factory
from tests.job_runner import worker_of
from tests.webhook_receiver import receiving

DOOMED_WORKER = """
import asyncio, sys
from core.config import Settings
from core.db import Database
from core.jobs.kinds import Environment
from core.jobs.worker import Worker

async def main():
    settings = Settings(database_url=sys.argv[1], webhook_allow_loopback=True, _env_file=None)
    await Worker(Environment(Database.from_settings(settings), settings), name="doomed").run(
        asyncio.Event()
    )

asyncio.run(main())
"""
EVENTS = 8


def test_a_worker_killed_mid_delivery_loses_no_event_and_sends_none_twice_under_new_ids(
    app_with: Any, database_url: str, tmp_path: Path
) -> None:
    admin: Api = app_with(webhook_allow_loopback=True)
    with receiving() as receiver:
        subscription = admin.ok(
            admin.post(
                "/api/v1/webhook-subscriptions",
                {"url": receiver.url, "events": ["value_stream.created"]},
            ),
            201,
        )
        factory = Factory(admin)
        names = [factory.value_stream(name=f"Stream {n}")["name"] for n in range(EVENTS)]
        receiver.hold_next = True
        doomed = subprocess.Popen(
            [sys.executable, "-c", DOOMED_WORKER, database_url],
            cwd=tmp_path,
            env=vsm_environment() | {"PYTHONPATH": os.getcwd()},
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            assert receiver.holding.wait(timeout=60), "the doomed worker never sent"
        finally:
            doomed.send_signal(signal.SIGKILL)
            doomed.wait(timeout=30)
            receiver.release.set()
        clock = ManualClock()
        workers = [worker_of(admin, clock=clock, name=f"survivor {n}") for n in range(2)]

        async def until_idle() -> None:
            async def drain(worker: Any) -> None:
                while await worker.run_once():
                    pass

            await asyncio.gather(*(drain(w) for w in workers))

        clock.advance(workers[0].lease + timedelta(seconds=1))
        for _ in range(EVENTS + 2):
            admin.client.blocking_portal.call(until_idle)
            clock.advance(timedelta(seconds=6))
        arrived = receiver.wait_for(EVENTS + 1)

    ids = [m.headers["webhook-id"] for m in arrived]
    first_seen = list(dict.fromkeys(ids))
    by_id = {m.headers["webhook-id"]: m for m in arrived}
    repeated = [i for i in set(ids) if ids.count(i) > 1]
    stored = admin.ok(admin.get(f"/api/v1/webhook-subscriptions/{subscription['id']}/deliveries"))[
        "items"
    ]
    assert len(first_seen) == EVENTS
    assert repeated == [ids[0]], "only the interrupted message came again"
    assert [by_id[i].json["data"]["name"] for i in first_seen] == names
    assert all(m.verifies_with(subscription["secret"]) for m in arrived), (
        "signed, and within the receivers' five minutes of tolerance"
    )
    assert {d["status"] for d in stored} == {"delivered"}
