"""What each request of the load objective's mix costs the server, in CPU, one at a time.

    python -m bench.request_costs                     # SQLite
    python -m bench.request_costs --database-url postgresql+asyncpg://postgres@127.0.0.1/test

The load objective (`bench.load_objective`) says whether one worker holds a rate; this
says why: a worker is one process, so the rate it can hold is at most one second over
the CPU time of its average request. Here the app runs in this process, as a worker runs
it, and an in-process client sends each kind of the mix (`bench.overload.MIX`) one after
the other, `--requests` times per round; the CPU time of the process per request is
measured, with the bare route (no token, no database) measured the same way in the same
round as the yardstick of what the client and the HTTP stack cost before the service does
anything. Medians over `--rounds` interleaved rounds. The data are the load objective's
(`--streams` value streams with maps of 20 steps and 40 backlog items each), without the
work items, which no request of the mix reads.

The table ends with the mix itself, its kinds drawn at random in their shares as the load
test sends them. It costs more than the kinds' average measured apart: a write moves its
stream's revision, and the next portfolio read computes that stream's gate and counts
afresh, which no kind alone ever makes it do. From the mix's cost follows the rate one
worker could hold if it did nothing else at all (a core entirely its own): an upper bound,
since the objective's p99 needs headroom and the load generator shares the machine.
"""

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from bench import load_objective
from bench.app import BARE_PATH, create_bench_app
from bench.http_read import machine, prepare_database
from bench.overload import MIX, Data, kind_of, send
from bench.results import add_output_arguments, machine_line, write_section
from core.config import Settings

BARE = "bare route"
MIXED = "the mix, interleaved"


class InProcess:
    """`bench.overload.Requester` over an httpx client bound to the app in this process."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        json_body: Any = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        return await self.client.request(
            method, path, params=params, json=json_body, headers=headers
        )


async def cpu_per_request(count: int, one: Callable[[], Awaitable[Any]]) -> float:
    """CPU seconds of this process per call of `one`, each answer checked."""
    started = time.process_time()
    for _ in range(count):
        answer = await one()
        if answer.status_code not in (200, 412):
            raise RuntimeError(f"{answer.status_code}: {answer.text[:300]}")
    return (time.process_time() - started) / count


async def measure(args: argparse.Namespace, database_url: str) -> dict[str, list[float]]:
    token = await asyncio.to_thread(prepare_database, database_url)
    app = create_bench_app(
        Settings(database_url=database_url, rate_limit_requests=0, log_level="warning")
    )
    seeding = argparse.Namespace(streams=args.streams, steps=20, items=40, work_items=0)
    async with (
        app.lifespan(),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://bench", timeout=300
        ) as client,
    ):
        client.headers["Authorization"] = f"Bearer {token}"
        data: Data = await load_objective.seed(client, seeding)
        del client.headers["Authorization"]
        requester = InProcess(client)
        rng = random.Random(2026)

        def of(kind: str) -> Callable[[], Awaitable[Any]]:
            if kind == BARE:
                return lambda: client.get(BARE_PATH)
            if kind == MIXED:
                return lambda: send(requester, data, kind_of(rng.random()), rng)
            return lambda: send(requester, data, kind, rng)

        kinds = [BARE, *(kind for kind, _ in MIX), MIXED]
        for kind in kinds:
            await cpu_per_request(args.warmup, of(kind))
        costs: dict[str, list[float]] = {kind: [] for kind in kinds}
        for n in range(args.rounds):
            for kind in kinds:
                costs[kind].append(await cpu_per_request(args.requests, of(kind)))
            print(f"round {n + 1}/{args.rounds} done", flush=True)
        return costs


def section(
    database: str,
    when: str,
    info: dict[str, str],
    costs: dict[str, list[float]],
    args: argparse.Namespace,
) -> str:
    median = {kind: statistics.median(values) * 1000 for kind, values in costs.items()}
    bare = median[BARE]
    shares = dict(MIX)
    average = sum(median[kind] * share for kind, share in shares.items())
    mixed = median[MIXED]
    lines = [
        f"## CPU per request of the load objective's mix: {database}, {when}",
        "",
        f"{args.streams} value streams with maps of 20 steps and 40 backlog items each; the "
        f"app in process, one request at a time, {args.requests} requests per kind and round, "
        f"medians of {args.rounds} interleaved rounds; the bare route measured the same way "
        "in the same rounds is the yardstick (client and HTTP stack without the service).",
        "",
        "| request | share of the mix | CPU ms per request | the service's part (less the bare "
        "route) | x bare route |",
        "|---|---:|---:|---:|---:|",
        f"| {BARE} (yardstick) | | {bare:.2f} | | 1.0 |",
    ]
    for kind, share in MIX:
        lines.append(
            f"| {kind} | {share:.0%} | {median[kind]:.2f} | {median[kind] - bare:.2f} "
            f"| {median[kind] / bare:.1f} |"
        )
    lines += [
        f"| {MIXED} | 100% | {mixed:.2f} | {mixed - bare:.2f} | {mixed / bare:.1f} |",
        "",
        f"- each kind apart, weighted by its share: **{average:.2f} ms** of CPU per request; "
        f"the mix interleaved: **{mixed:.2f} ms**. The difference is what the kinds cost each "
        "other: a write moves its stream's revision, so the next portfolio read computes that "
        "stream's gate, backlog and target counts afresh",
        f"- one worker with a core to itself and nothing else to do could answer at most "
        f"**{1000 / mixed:.0f} requests/s** of the interleaved mix (the objective asks 200 with "
        "p99 under 250 ms, which needs headroom, and the load generator shares the machine)",
        "- the GraphQL portfolio's share of the mix's CPU: "
        f"{median['GraphQL portfolio'] * shares['GraphQL portfolio'] / average:.0%}",
        *(
            [
                "- PostgreSQL's own CPU (its server processes) is not counted: on one machine it "
                "takes from the same cores"
            ]
            if database == "PostgreSQL"
            else []
        ),
        "",
        machine_line(info),
        "",
    ]
    return "\n".join(lines)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--streams", type=int, default=100, help="value streams (at least 50)")
    parser.add_argument("--requests", type=int, default=200, help="per kind and round")
    parser.add_argument("--warmup", type=int, default=30, help="requests per kind first")
    parser.add_argument("--rounds", type=int, default=3)
    add_output_arguments(parser)
    args = parser.parse_args(argv)
    if args.streams < 50 or not 1 <= args.rounds <= 10 or args.requests < 10:
        parser.error("--streams at least 50, --rounds 1..10, --requests at least 10")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="vsm-costs-") as folder:
        database_url = args.database_url or f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}"
        info = machine()
        costs = asyncio.run(measure(args, database_url))
    database = "PostgreSQL" if args.database_url else "SQLite"
    when = datetime.now(UTC).strftime("%Y-%m-%d")
    text = section(database, when, info, costs, args)
    print(text)
    if not args.no_write:
        write_section(args.results, "request_costs", f"{database} {when}", text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
