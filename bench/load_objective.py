"""The service-level objective: an open-loop load test on an organization of realistic size.

    python -m bench.load_objective                          # SQLite, 1 and 2 workers
    python -m bench.load_objective --database-url postgresql+asyncpg://postgres@127.0.0.1/test
    python -m bench.load_objective --soak-minutes 10        # the memory run's length

The data: 500 value streams, each with a current-state map of 20 steps and 40 backlog
items (20,000), and 200 work items each (100,000), all made through the API. One
stream is made item by item and exported; the others are imports of that export under
their own names, which is how an organization copies a template, and is quicker than
20,000 single requests.

The traffic is `bench.overload`'s: requests arrive at a fixed rate whatever the server
does (open loop), 80 % reads (a value stream, a page of 50 backlog items, the REST
portfolio, the GraphQL portfolio with gates) and 20 % renames of a backlog item with
If-Match. An error is any answer but 2xx and 412 (a write that lost a race to another
write, which is the answer it should get), or no answer.

For each worker count (`--workers`, default 1 and 2) it measures:
1. the objective: `--rate` requests/s (200) for `--seconds`; it holds when p99 of all
   answers is under 250 ms with no error;
2. the highest rate that holds the objective, stepping through `--search-rates` for
   `--search-seconds` each and stopping at the first that fails;
3. with one worker, memory: the server's resident memory every 10 s over
   `--soak-minutes` at `--rate`; it holds when, after the first fifth of the run
   (warm-up), it never grows more than 10 % above where the warm-up ended.

The yardstick, measured in the same run at the same rates by the same generator, is
the bench app's bare route (no token, no database): its p99 is what the machine, the
generator and the HTTP stack cost before the service does anything.
"""

import argparse
import asyncio
import contextlib
import os
import random
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from bench.flow_metrics import generate_work_items
from bench.http_read import free_port, machine, prepare_database, server_process
from bench.noisy_neighbour import map_document
from bench.overload import Data, Sample, one_request, percentile
from bench.raw_http import HTTPFailure, RawClient
from bench.results import RESULTS, machine_line, write_section

OBJECTIVE_P99_SECONDS = 0.250
MEMORY_GROWTH_LIMIT = 0.10
MEMORY_SAMPLE_SECONDS = 10.0
SEED_CONCURRENCY = 4


@dataclass
class Outcome:
    """What one rate gave: the answers and how long each took."""

    rate: float
    seconds: float
    samples: list[Sample]

    @property
    def statuses(self) -> Counter[int | str]:
        return Counter(s.status for s in self.samples)

    @property
    def errors(self) -> int:
        return sum(
            n
            for status, n in self.statuses.items()
            if not (isinstance(status, int) and (200 <= status < 300 or status == 412))
        )

    @property
    def p99(self) -> float:
        return percentile([s.seconds for s in self.samples], 0.99)

    @property
    def held(self) -> bool:
        return bool(self.samples) and self.errors == 0 and self.p99 < OBJECTIVE_P99_SECONDS

    def row(self, label: str, yardstick: "Outcome | None") -> str:
        every = [s.seconds for s in self.samples]
        shown = ", ".join(f"{code}: {n}" for code, n in sorted(self.statuses.items(), key=str))
        bare = f"{yardstick.p99 * 1000:.1f}" if yardstick else "-"
        return (
            f"| {label} | {self.rate:g} | {len(every)} | {len(every) / self.seconds:.1f} | "
            f"{statistics.median(every) * 1000:.0f} | {self.p99 * 1000:.0f} | "
            f"{max(every) * 1000:.0f} | {self.errors} | {shown} | {bare} | "
            f"{'yes' if self.held else '**no**'} |"
        )


@dataclass
class WorkerReport:
    workers: int
    objective: Outcome
    objective_bare: Outcome
    search: list[tuple[Outcome, Outcome]] = field(default_factory=list)
    memory: list[tuple[float, float]] = field(default_factory=list)

    @property
    def highest(self) -> float | None:
        held = [outcome.rate for outcome, _bare in self.search if outcome.held]
        return max(held) if held else None


async def _gathered(jobs: list[Callable[[], Awaitable[None]]], at_once: int) -> None:
    gate = asyncio.Semaphore(at_once)

    async def one(job: Callable[[], Awaitable[None]]) -> None:
        async with gate:
            await job()

    await asyncio.gather(*(one(job) for job in jobs))


async def seed(client: httpx.AsyncClient, args: argparse.Namespace) -> Data:
    """The organization: one template stream made by hand, the rest imported from it."""
    template = (await client.post("/api/v1/value-streams", json={"name": "Stream 0"})).json()
    base = f"/api/v1/value-streams/{template['id']}"
    made = await client.post(f"{base}/maps/import", json=map_document(args.steps, "Now"))
    made.raise_for_status()
    for m in range(args.items):
        (await client.post(f"{base}/backlog-items", json={"title": f"Item {m}"})).raise_for_status()
    exported = await client.get(f"{base}/export", params={"format": "json"})
    exported.raise_for_status()
    document = exported.json()
    streams = [template["id"]]

    async def copy(n: int) -> None:
        answer = await client.post("/api/v1/import", json=document, params={"name": f"Stream {n}"})
        answer.raise_for_status()
        streams.append(answer.json()["id"])

    await _gathered([lambda n=n: copy(n) for n in range(1, args.streams)], SEED_CONCURRENCY)
    items: list[str] = []
    versions: dict[str, int] = {}

    async def backlog_and_work(stream: str, rng: random.Random) -> None:
        page = await client.get(
            f"/api/v1/value-streams/{stream}/backlog-items", params={"limit": args.items}
        )
        page.raise_for_status()
        for item in page.json()["items"]:
            items.append(item["id"])
            versions[item["id"]] = item["version"]
        if args.work_items:
            batch = {"items": generate_work_items(rng, args.work_items)}
            sent = await client.post(f"/api/v1/value-streams/{stream}/work-items/bulk", json=batch)
            sent.raise_for_status()

    rng = random.Random(2026)
    await _gathered(
        [lambda s=s: backlog_and_work(s, random.Random(rng.random())) for s in streams],
        SEED_CONCURRENCY,
    )
    tokens = []
    for n in range(20):
        token = await client.post("/api/v1/tokens", json={"name": f"client {n}", "role": "editor"})
        token.raise_for_status()
        tokens.append(token.json()["secret"])
    data = Data(streams, items, tokens)
    data.versions.update(versions)
    return data


async def _bare_request(client: RawClient, _data: Data, _rng: random.Random) -> Sample:
    start = time.perf_counter()
    try:
        status: int | str = (await client.request("GET", "/bench/bare")).status_code
    except HTTPFailure as exc:
        status = str(exc)
    return Sample("bare", status, time.perf_counter() - start)


async def offer(
    base: str,
    data: Data,
    rate: float,
    seconds: float,
    send: Callable[[RawClient, Data, random.Random], Coroutine[Any, Any, Sample]] = one_request,
) -> Outcome:
    """A request every 1/rate seconds for `seconds`, never waiting for an answer first."""
    rng = random.Random(rate)
    client = RawClient(base, timeout=60)
    try:
        tasks = []
        start = time.perf_counter()
        for n in range(int(rate * seconds)):
            delay = start + n / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(send(client, data, rng)))
        return Outcome(rate, seconds, list(await asyncio.gather(*tasks)))
    finally:
        client.close()


def resident_mib(group: int) -> float:
    """Resident memory of every process of the server's process group, in MiB."""
    page = os.sysconf("SC_PAGE_SIZE")
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[2]) == group:
                total += int((stat.parent / "statm").read_text().split()[1]) * page
    return total / 2**20


async def soak(base: str, data: Data, group: int, rate: float, minutes: float) -> Any:
    """Offer `rate` for `minutes` while sampling the server's memory every 10 s."""
    samples: list[tuple[float, float]] = []
    start = time.perf_counter()

    async def watch() -> None:
        while True:
            samples.append((time.perf_counter() - start, resident_mib(group)))
            await asyncio.sleep(MEMORY_SAMPLE_SECONDS)

    watcher = asyncio.create_task(watch())
    try:
        outcome = await offer(base, data, rate, minutes * 60)
    finally:
        watcher.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await watcher
    samples.append((time.perf_counter() - start, resident_mib(group)))
    return outcome, samples


def memory_verdict(samples: list[tuple[float, float]]) -> tuple[float, float, float, bool]:
    """Where the warm-up (the first fifth) ended, the peak after it, its growth, and whether
    that growth stayed within the limit."""
    end = samples[-1][0]
    after = [mib for at, mib in samples if at >= end / 5]
    warm = after[0]
    peak = max(after)
    growth = (peak - warm) / warm
    return warm, peak, growth, growth <= MEMORY_GROWTH_LIMIT


async def measure(
    base: str, data: Data, group: int, workers: int, args: argparse.Namespace
) -> WorkerReport:
    bare = await offer(base, data, args.rate, args.seconds, _bare_request)
    report = WorkerReport(workers, await offer(base, data, args.rate, args.seconds), bare)
    print(report.objective.row(f"{workers} worker(s), objective", bare), flush=True)
    for rate in args.search_rates:
        bare = await offer(base, data, rate, args.search_seconds, _bare_request)
        outcome = await offer(base, data, rate, args.search_seconds)
        report.search.append((outcome, bare))
        print(outcome.row(f"{workers} worker(s), search", bare), flush=True)
        if not outcome.held:
            break
    if workers == 1 and args.soak_minutes > 0:
        _outcome, report.memory = await soak(base, data, group, args.rate, args.soak_minutes)
    return report


def section(database: str, when: str, info: dict[str, str], reports: list[WorkerReport],
            args: argparse.Namespace) -> str:  # fmt: skip
    header = (
        "| run | offered req/s | requests | answered/s | p50 ms | p99 ms | slowest ms | "
        "errors | answers | bare route p99 ms (yardstick) | objective held |"
    )
    lines = [
        f"## Load objective: {database}, {when}",
        "",
        f"{args.streams} value streams with maps of {args.steps} steps, "
        f"{args.streams * args.items:,} backlog items, "
        f"{args.streams * args.work_items:,} work items; open-loop arrivals, 80 % reads "
        "(value stream, 50 backlog items, REST and GraphQL portfolio), 20 % If-Match "
        f"renames; 20 tokens. Objective: p99 under {OBJECTIVE_P99_SECONDS * 1000:g} ms with "
        f"no error at {args.rate:g} req/s ({args.seconds:g} s); the search offers each rate "
        f"for {args.search_seconds:g} s. The yardstick is the bare route at the same rate, "
        "in the same run.",
        "",
        header,
        "|---|---:|---:|---:|---:|---:|---:|---:|---|---:|---|",
    ]
    for report in reports:
        lines.append(report.objective.row(f"{report.workers} worker(s), objective",
                                          report.objective_bare))  # fmt: skip
        lines += [o.row(f"{report.workers} worker(s), search", b) for o, b in report.search]
    lines.append("")
    for report in reports:
        highest = report.highest
        lines.append(
            f"- highest rate holding the objective with {report.workers} worker(s): "
            + (f"**{highest:g} req/s**" if highest else "**none of the rates tried**")
            + (
                f" (the search stopped at {report.search[-1][0].rate:g} req/s, which failed)"
                if report.search and not report.search[-1][0].held
                else ""
            )
        )
        if report.memory:
            warm, peak, growth, held = memory_verdict(report.memory)
            lines.append(
                f"- memory over {args.soak_minutes:g} min at {args.rate:g} req/s, "
                f"{report.workers} worker(s): {warm:.0f} MiB when the warm-up ended, "
                f"peak {peak:.0f} MiB after it ({growth:+.1%}; limit "
                f"{MEMORY_GROWTH_LIMIT:+.0%}): {'held' if held else '**not held**'}; "
                "samples (s: MiB) " + ", ".join(f"{at:.0f}: {mib:.0f}" for at, mib in report.memory)
            )
    lines += ["", machine_line(info), ""]
    return "\n".join(lines)


async def seeded(base: str, token: str, args: argparse.Namespace) -> Data:
    async with httpx.AsyncClient(
        base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=300
    ) as admin:
        return await seed(admin, args)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    def rates(text: str) -> list[float]:
        return [float(r) for r in text.split(",") if r]

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--workers", type=lambda t: [int(w) for w in t.split(",")], default=[1, 2])
    parser.add_argument("--rate", type=float, default=200, help="the objective's req/s")
    parser.add_argument("--seconds", type=float, default=60, help="the objective's run")
    parser.add_argument("--search-rates", type=rates, default=[100, 150, 200, 300, 400, 600])
    parser.add_argument("--search-seconds", type=float, default=20)
    parser.add_argument("--soak-minutes", type=float, default=10)
    parser.add_argument("--streams", type=int, default=500)
    parser.add_argument("--steps", type=int, default=20, help="steps of each stream's map")
    parser.add_argument("--items", type=int, default=40, help="backlog items per stream")
    parser.add_argument("--work-items", type=int, default=200, help="work items per stream")
    parser.add_argument("--no-write", action="store_true")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    reports = []
    with tempfile.TemporaryDirectory(prefix="vsm-load-") as folder:
        database_url = args.database_url or f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}"
        token = prepare_database(database_url)
        info = machine()
        data: Data | None = None
        for workers in args.workers:
            log = Path(folder) / f"server-{workers}.log"
            with server_process(database_url, free_port(), workers, log) as (base, group):
                if data is None:
                    started = time.perf_counter()
                    data = asyncio.run(seeded(base, token, args))
                    print(f"seeded in {time.perf_counter() - started:.0f} s", flush=True)
                reports.append(asyncio.run(measure(base, data, group, workers, args)))
    database = "PostgreSQL" if args.database_url else "SQLite"
    when = datetime.now(UTC).strftime("%Y-%m-%d")
    text = section(database, when, info, reports, args)
    print(text)
    if not args.no_write:
        write_section(RESULTS, "load_objective", f"{database} {when}", text)
    held = all(r.objective.held for r in reports) and all(
        memory_verdict(r.memory)[3] for r in reports if r.memory
    )
    return 0 if held else 1


if __name__ == "__main__":
    sys.exit(main())
