"""Running the due jobs of a test's app, in the app's own event loop, as its worker would."""

from typing import Any

from core.jobs.kinds import Environment
from core.jobs.worker import Worker
from core.types import Clock, system_clock
from tests.api_client import Api


def worker_of(api: Api, *, clock: Clock | None = None, name: str | None = None) -> Worker:
    """A worker on the database, settings and exporters of the app `api` calls."""
    state = api.client.app.state.vsm
    env = Environment(state.database, state.settings, state.exporters)
    return Worker(env, clock=clock or system_clock, name=name)


def run_due_jobs(api: Api, worker: Worker | None = None) -> list[tuple[Any, bool]]:
    """Every job due now, run one after another; each one's claim and whether it succeeded."""
    worker = worker or worker_of(api)
    ran: list[tuple[Any, bool]] = []

    def note(claim: Any, succeeded: bool) -> None:
        ran.append((claim, succeeded))

    worker.settled.append(note)

    async def all_due() -> None:
        while await worker.run_once():
            pass

    try:
        api.client.blocking_portal.call(all_due)
    finally:
        worker.settled.remove(note)
    return ran
