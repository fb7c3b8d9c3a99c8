"""`vsm worker`: job workers without a server, on as many machines as PostgreSQL serves."""

import asyncio
import signal
from typing import Annotated

import typer

from api.cli.exports import configured_exporters
from api.cli.runner import Runner, fail, load_settings, run
from core.jobs.kinds import Environment
from core.jobs.worker import Worker


def worker(
    concurrency: Annotated[
        int, typer.Option(min=1, max=64, help="jobs run at once in this process")
    ] = 1,
    once: Annotated[
        bool, typer.Option("--once", help="run the jobs due now, then exit (for a scheduler)")
    ] = False,
) -> None:
    """Run background jobs (exports...) until stopped with Ctrl-C or SIGTERM.

    `vsm serve` runs a worker in each server process already, unless
    VSM_JOBS_IN_PROCESS=false; start workers with this command to run jobs apart from
    the API, on this machine or others sharing its PostgreSQL database.
    """
    settings = load_settings()
    if once and concurrency != 1:
        raise fail("--once runs one worker; leave out --concurrency")
    exporters = configured_exporters(settings)

    async def main(runner: Runner) -> int:
        env = Environment(runner.database, settings, exporters)
        workers = [Worker(env) for _ in range(concurrency)]
        if once:
            ran = 0
            await workers[0].sweep()
            while await workers[0].run_once():
                ran += 1
            return ran
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        typer.echo(f"{concurrency} job worker(s) running; Ctrl-C stops them")
        await asyncio.gather(*(w.run(stop) for w in workers))
        return 0

    ran = run(main, settings)
    if once:
        typer.echo(f"{ran} job(s) run")
