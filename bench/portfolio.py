"""The portfolio of 100 value streams over HTTP, REST and GraphQL, against a one-row GET.

    python -m bench.portfolio                  # SQLite; --database-url for PostgreSQL

A fresh organization gets `--streams` value streams made through the REST API, each as
an engagement in its measurement phase looks: an owner and participants, deliverables,
risks, a current-state map of `--steps` steps and a desired map of half as many (imported
as documents, handoffs in a chain plus forward skips), waste findings, backlog items in
every status, and targets with measurements. The server runs as `vsm serve` runs it
(granian, one worker, ASGI).

Three requests are timed one at a time from one client, in interleaved rounds (yardstick,
REST, GraphQL, yardstick, ...), so a burst of load from elsewhere hits each alike:

- the yardstick: `GET /api/v1/value-streams/{id}`, one row through the same server,
  authentication and serialization;
- `GET /api/v1/portfolio?limit=100`;
- GraphQL `portfolio(first: 100)` with each entry's stream, gate criteria, backlog and
  target counts.

The figures are p50 and p95 over every timed request, and each portfolio's p50 as a
multiple of the yardstick's. The goal: p95 under 50 ms for both transports.
"""

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from bench.copies import copy_streams
from bench.http_read import free_port, machine, prepare_database, server_process
from bench.results import RESULTS, machine_line, write_section

GOAL_P95_MS = 50.0
"""Issue 12's goal for a portfolio of 100 streams."""
SCALE_STREAMS, SCALE_GOAL_P95_MS = 10_000, 100.0
"""And for the first page of a portfolio of 10,000 streams."""


def goal_ms(args: argparse.Namespace) -> float:
    return SCALE_GOAL_P95_MS if total_streams(args) >= SCALE_STREAMS else GOAL_P95_MS


GRAPHQL_PORTFOLIO = """
{ portfolio(first: 100) { edges { node {
    valueStream { id name phase cycle version }
    phaseName daysInPhase timeboxDays overdue blockingCriteria
    gate { passed criteria { key passed reason } }
    backlog { items done percent }
    targets { onTrack atRisk offTrack achieved noData }
} } pageInfo { hasNextPage endCursor } } }
"""


def map_document(steps: int, kind: str, name: str) -> dict[str, Any]:
    """A map of `steps` steps in a chain with a forward skip every fourth step."""
    edges = [(i, i + 1) for i in range(steps - 1)]
    edges += [(i, i + 2) for i in range(0, steps - 2, 4)]
    return {
        "name": name,
        "kind": kind,
        "steps": [
            {
                "key": f"s{i}",
                "name": f"Step {i}",
                "role": ["Developer", "Tester", "Operations", ""][i % 4],
                "team": ["Build", "Run"][i % 2],
                "process_time": f"PT{1 + i % 5}H",
                "wait_time": None if i % 9 == 8 else f"P{1 + i % 3}D",
                "percent_complete_accurate": 70 + i % 30,
            }
            for i in range(steps)
        ],
        "handoffs": [{"from": f"s{a}", "to": f"s{b}"} for a, b in edges],
    }


class Seeder:
    """Makes the streams through the REST API, failing on any answer but the expected one."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client

    async def post(self, path: str, body: dict[str, Any], status: int = 201) -> Any:
        answer = await self.client.post(path, json=body)
        if answer.status_code != status:
            raise RuntimeError(f"POST {path} answered {answer.status_code}: {answer.text}")
        return answer.json()

    async def stream(self, n: int, steps: int) -> str:
        owner = await self.post("/api/v1/people", {"name": f"Owner {n}"})
        stream = await self.post(
            "/api/v1/value-streams", {"name": f"Stream {n:03d}", "owner_id": owner["id"]}
        )
        base = f"/api/v1/value-streams/{stream['id']}"
        for role in ("sponsor", "facilitator", "participant", "participant"):
            person = await self.post("/api/v1/people", {"name": f"{role} of {n}"})
            await self.post(f"{base}/participants", {"person_id": person["id"], "role": role})
        for kind in ("business_case", "goals_and_purpose"):
            await self.post(f"{base}/deliverables", {"kind": kind, "status": "done"})
        for r in range(2):
            await self.post(f"{base}/risks", {"title": f"Risk {r} of {n}"})
        current = await self.post(
            f"{base}/maps/import", map_document(steps, "current", f"As is {n}")
        )
        await self.post(
            f"{base}/maps/import", map_document(max(2, steps // 2), "desired", f"To be {n}")
        )
        map_id = current["id"]
        step_ids = [s["id"] for s in (await self.steps(map_id))[:3]]
        for step_id in step_ids:
            await self.post(
                f"/api/v1/maps/{map_id}/findings",
                {"category": "delays", "description": f"Waiting at {step_id}", "step_id": step_id},
            )
        for i, status in enumerate(["proposed", "ready", "in_progress", "done", "done"] * 2):
            body: dict[str, Any] = {"title": f"Item {i} of {n}", "status": status}
            if status != "proposed":
                body["owner_id"] = owner["id"]
            await self.post(f"{base}/backlog-items", body)
        for metric, baseline, goal in (("lead_time", 20, 10), ("process_time", 8, 4)):
            target = await self.post(
                f"{base}/targets",
                {
                    "metric": metric,
                    "baseline": baseline,
                    "target": goal,
                    "direction": "lower_is_better",
                    "unit": "days",
                    "due_date": "2027-06-30",
                },
            )
            for month, value in ((9, baseline * 0.9), (10, baseline * 0.8)):
                await self.post(
                    f"/api/v1/targets/{target['id']}/measurements",
                    {"value": value, "measured_at": f"2026-{month:02d}-01T00:00:00Z"},
                )
        return str(stream["id"])

    async def steps(self, map_id: str) -> list[dict[str, Any]]:
        answer = await self.client.get(f"/api/v1/maps/{map_id}/steps", params={"limit": 10})
        answer.raise_for_status()
        return list(answer.json()["items"])


async def seed(client: httpx.AsyncClient, streams: int, steps: int) -> list[str]:
    seeder = Seeder(client)
    ids: list[str] = []
    for first in range(0, streams, 4):
        batch = range(first, min(streams, first + 4))
        ids += await asyncio.gather(*(seeder.stream(n, steps) for n in batch))
    return ids


async def timed(
    send: Callable[[], Awaitable[httpx.Response]], check: Callable[[Any], None]
) -> float:
    start = time.perf_counter()
    answer = await send()
    elapsed = (time.perf_counter() - start) * 1000
    if answer.status_code != 200:
        raise RuntimeError(f"answered {answer.status_code}: {answer.text[:500]}")
    check(answer.json())
    return elapsed


def summary(latencies: list[float]) -> dict[str, float]:
    ordered = sorted(latencies)
    return {
        "n": len(ordered),
        "p50": statistics.median(ordered),
        "p95": ordered[round(0.95 * (len(ordered) - 1))],
        "max": ordered[-1],
    }


async def run(
    base: str, token: str, database_url: str, args: argparse.Namespace
) -> dict[str, dict[str, float]]:
    client = httpx.AsyncClient(
        base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=httpx.Timeout(300)
    )
    async with client:
        started = time.perf_counter()
        ids = await seed(client, args.streams, args.steps)
        print(f"seeded {len(ids)} streams in {time.perf_counter() - started:.0f} s", flush=True)
        if args.copies:
            started = time.perf_counter()
            rows = await copy_streams(database_url, [uuid.UUID(i) for i in ids], args.copies)
            print(f"copied them {args.copies} times ({rows:,} rows) in "
                  f"{time.perf_counter() - started:.0f} s", flush=True)  # fmt: skip
        page = min(100, total_streams(args))

        def rest_rows(body: Any) -> None:
            if len(body["items"]) != page:
                raise RuntimeError(f"REST portfolio has {len(body['items'])} rows")

        def graphql_rows(body: Any) -> None:
            if body.get("errors") or len(body["data"]["portfolio"]["edges"]) != page:
                raise RuntimeError(f"GraphQL portfolio answered {str(body)[:500]}")

        requests: dict[str, tuple[Callable[[], Awaitable[httpx.Response]], Callable[[Any], None]]]
        requests = {
            "yardstick": (lambda: client.get(f"/api/v1/value-streams/{ids[0]}"), lambda _: None),
            "rest": (lambda: client.get("/api/v1/portfolio", params={"limit": 100}), rest_rows),
            "graphql": (
                lambda: client.post("/graphql", json={"query": GRAPHQL_PORTFOLIO}),
                graphql_rows,
            ),
        }
        first: dict[str, float] = {}
        for key, (send, check) in requests.items():
            first[key] = await timed(send, check)
        for _ in range(args.warmup):
            for send, check in requests.values():
                await timed(send, check)
        latencies: dict[str, list[float]] = {key: [] for key in requests}
        for _ in range(args.rounds):
            for key, (send, check) in requests.items():
                for _ in range(args.per_round):
                    latencies[key].append(await timed(send, check))
    results = {key: summary(values) for key, values in latencies.items()}
    for key, ms in first.items():
        results[key]["first"] = ms
    return results


LABELS = {
    "yardstick": "`GET /api/v1/value-streams/{id}` (yardstick)",
    "rest": "`GET /api/v1/portfolio?limit=100`",
    "graphql": "GraphQL `portfolio(first: 100)`",
}


def section(
    when: str, info: dict[str, str], args: argparse.Namespace, results: Any, database: str
) -> str:
    yard = results["yardstick"]["p50"]
    made = (
        f"{args.streams} value streams made through the API, then copied {args.copies} times "
        "in SQL (`bench/copies.py`)"
        if args.copies
        else f"{args.streams} value streams"
    )
    lines = [
        f"## Portfolio of {total_streams(args):,} value streams: {database}, {when}",
        "",
        f"{made}, each with a {args.steps}-step current map and a "
        f"{max(2, args.steps // 2)}-step desired map, 3 findings, 10 backlog items, 2 targets "
        "with 2 measurements each, 4 participants, 2 deliverables and 2 risks; granian, one "
        f"worker. One client, one request at a time, {args.rounds} interleaved rounds of "
        f"{args.per_round} requests per endpoint after {args.warmup} warm-up round(s).",
        "",
        "| request | requests | first ms | p50 ms | p95 ms | max ms | p50 vs yardstick |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for key, label in LABELS.items():
        r = results[key]
        lines.append(
            f"| {label} | {r['n']} | {r['first']:.1f} | {r['p50']:.1f} | {r['p95']:.1f} | "
            f"{r['max']:.1f} | {r['p50'] / yard:.1f}x |"
        )
    goal = goal_ms(args)
    met = all(results[k]["p95"] < goal for k in ("rest", "graphql"))
    lines += [
        "",
        f"Goal: both portfolios' p95 under {goal:g} ms: **{'met' if met else 'not met'}**.",
        "`first` is the first request after the data was written, before any warm-up.",
        "",
        machine_line(info),
        "",
    ]
    return "\n".join(lines)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--streams", type=int, default=100)
    parser.add_argument("--steps", type=int, default=60, help="steps of each current map")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--per-round", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=3, help="untimed rounds of each request")
    parser.add_argument(
        "--copies", type=int, default=0, help="copies of the streams made in SQL afterwards"
    )
    parser.add_argument("--no-write", action="store_true")
    return parser.parse_args(argv)


def total_streams(args: argparse.Namespace) -> int:
    return args.streams * (1 + args.copies)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="vsm-portfolio-") as folder:
        database_url = args.database_url or f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}"
        token = prepare_database(database_url)
        info = machine()
        with server_process(database_url, free_port(), 1, Path(folder) / "server.log") as (
            base,
            _group,
        ):
            results = asyncio.run(run(base, token, database_url, args))
    database = "PostgreSQL" if args.database_url else "SQLite"
    when = datetime.now(UTC).strftime("%Y-%m-%d")
    text = section(when, info, args, results, database)
    print(text)
    if not args.no_write:
        size = f" {total_streams(args)}" if args.copies else ""
        write_section(RESULTS, "portfolio", f"{database} {when}{size}", text)
    return 0 if all(results[k]["p95"] < goal_ms(args) for k in ("rest", "graphql")) else 1


if __name__ == "__main__":
    sys.exit(main())
