"""One organization at its limits must not slow another: a quiet tenant's GET, idle and under fire.

    python -m bench.noisy_neighbour            # SQLite; --database-url for PostgreSQL

A fresh database holds two organizations. The loud one has value streams with large
current-state maps; the quiet one has a page of people. The server runs as
`vsm serve` runs it (one worker, default limits). First the quiet organization's
`GET /api/v1/people` is timed alone (the yardstick); then again while the loud
organization keeps sending, on several connections at once, the costliest requests
the limits allow: GraphQL portfolios with as many aliases as the query-cost budget
admits, imports of the largest map documents, and PDF readouts of its largest stream.
The figure is the quiet GET's latency under load as a multiple of its idle latency
(goal: within 3x). Every refusal the loud organization gets (429, 503, a cost error)
is counted: refusing it is how the limits protect the other.
"""

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from bench.http_read import free_port, machine, prepare_database, server_process
from bench.results import RESULTS, machine_line, write_section

GOAL = 3.0


def map_document(steps: int, name: str, kind: str = "current") -> dict[str, Any]:
    """A map of `steps` steps in one line, as `GET /maps/{id}/document` writes it."""
    return {
        "format": "valuestream-map",
        "format_version": 1,
        "name": name,
        "kind": kind,
        "steps": [
            {
                "key": f"s{n}",
                "name": f"Step {n}",
                "role": "Developer",
                "process_time": "PT2H",
                "wait_time": "P1D",
                "percent_complete_accurate": 90,
            }
            for n in range(steps)
        ],
        "handoffs": [{"from": f"s{n}", "to": f"s{n + 1}"} for n in range(steps - 1)],
    }


async def seed_loud(client: httpx.AsyncClient, streams: int, steps: int) -> list[str]:
    ids = []
    for n in range(streams):
        made = await client.post("/api/v1/value-streams", json={"name": f"Loud stream {n}"})
        made.raise_for_status()
        stream_id = made.json()["id"]
        ids.append(stream_id)
        imported = await client.post(
            f"/api/v1/value-streams/{stream_id}/maps/import",
            json=map_document(steps, f"Map {n}"),
        )
        imported.raise_for_status()
    return ids


async def seed_quiet(client: httpx.AsyncClient, people: int) -> None:
    for n in range(people):
        (await client.post("/api/v1/people", json={"name": f"Quiet person {n}"})).raise_for_status()


PORTFOLIO_ALIAS = (
    "a{n}: portfolio(first: 100) {{ edges {{ node {{ valueStream {{ name }} "
    "gate {{ criteria {{ key passed reason }} }} blockingCriteria }} }} }}"
)


async def costliest_portfolio(client: httpx.AsyncClient) -> str:
    """The portfolio query with the most aliases the query-cost budget admits."""
    aliases = 30
    while aliases > 1:
        query = "{ " + " ".join(PORTFOLIO_ALIAS.format(n=n) for n in range(aliases)) + " }"
        answer = (await client.post("/graphql", json={"query": query})).json()
        codes = {e.get("extensions", {}).get("code") for e in answer.get("errors", [])}
        if not codes & {"QUERY_TOO_COSTLY", "GRAPHQL_VALIDATION_FAILED"}:
            return query
        aliases -= 1
    return "{ " + PORTFOLIO_ALIAS.format(n=0) + " }"


QUIET_INTERVAL = 0.05
"""Seconds between the quiet organization's GETs: 20 a second, well inside its rate limit."""


async def timed_gets(client: httpx.AsyncClient, seconds: float) -> list[float]:
    """The quiet organization's GET every `QUIET_INTERVAL`, for `seconds`; latencies in ms."""
    latencies = []
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        start = time.perf_counter()
        answer = await client.get("/api/v1/people", params={"limit": 20})
        latencies.append((time.perf_counter() - start) * 1000)
        answer.raise_for_status()
        await asyncio.sleep(max(0.0, start + QUIET_INTERVAL - time.perf_counter()))
    return latencies


async def keep_sending(
    send: Callable[[], Awaitable[httpx.Response]], stop: asyncio.Event, outcomes: Counter[str]
) -> None:
    while not stop.is_set():
        try:
            answer = await send()
            outcomes[str(answer.status_code)] += 1
        except httpx.HTTPError as exc:
            outcomes[type(exc).__name__] += 1


def stats(latencies: list[float]) -> dict[str, float]:
    ordered = sorted(latencies)
    return {
        "n": len(ordered),
        "p50": statistics.median(ordered),
        "p95": ordered[int(0.95 * (len(ordered) - 1))],
        "max": ordered[-1],
    }


async def run(base: str, quiet_token: str, loud_token: str, args: argparse.Namespace) -> Any:
    limits = httpx.Limits(max_connections=64)
    timeout = httpx.Timeout(120)
    loud = httpx.AsyncClient(
        base_url=base,
        headers={"Authorization": f"Bearer {loud_token}"},
        timeout=timeout,
        limits=limits,
    )
    quiet = httpx.AsyncClient(
        base_url=base, headers={"Authorization": f"Bearer {quiet_token}"}, timeout=timeout
    )
    async with loud, quiet:
        streams = await seed_loud(loud, args.streams, args.steps)
        await seed_quiet(quiet, 20)
        query = await costliest_portfolio(loud)
        big = json.dumps(map_document(args.import_steps, "Imported", "desired")).encode()

        def graphql() -> Awaitable[httpx.Response]:
            return loud.post("/graphql", json={"query": query})

        def import_map() -> Awaitable[httpx.Response]:
            return loud.post(
                f"/api/v1/value-streams/{streams[0]}/maps/import",
                content=big,
                headers={"Content-Type": "application/json"},
            )

        def readout() -> Awaitable[httpx.Response]:
            return loud.get(f"/api/v1/value-streams/{streams[0]}/export", params={"format": "pdf"})

        await timed_gets(quiet, 2)  # warm-up
        idle = await timed_gets(quiet, args.seconds)
        stop = asyncio.Event()
        outcomes: dict[str, Counter[str]] = {
            "graphql": Counter(),
            "import": Counter(),
            "pdf": Counter(),
        }
        senders = [
            *(keep_sending(graphql, stop, outcomes["graphql"]) for _ in range(args.loud)),
            *(keep_sending(import_map, stop, outcomes["import"]) for _ in range(args.loud)),
            *(keep_sending(readout, stop, outcomes["pdf"]) for _ in range(args.loud)),
        ]
        tasks = [asyncio.create_task(sender) for sender in senders]
        await asyncio.sleep(2)  # let the loud requests pile up before measuring
        loaded = await timed_gets(quiet, args.seconds)
        stop.set()
        await asyncio.gather(*tasks)
    return stats(idle), stats(loaded), outcomes, query.count("portfolio(")


def section(
    when: str, info: dict[str, str], args: argparse.Namespace, results: Any, database: str
) -> str:
    idle, loaded, outcomes, aliases = results
    ratio = loaded["p50"] / idle["p50"]
    lines = [
        f"## Noisy neighbour: {database}, {when}",
        "",
        "Another organization's `GET /api/v1/people?limit=20`, 20 a second, "
        "alone and while one organization sends on "
        f"{args.loud} connections each: a GraphQL query of {aliases} aliased "
        f"`portfolio(first: 100)` with gates (the most the cost budget admits), imports of "
        f"a {args.import_steps}-step map, and PDF readouts of a stream with a "
        f"{args.steps}-step map ({args.streams} streams in all). One server worker, "
        "default limits.",
        "",
        "| quiet GET | requests | p50 ms | p95 ms | max ms |",
        "|---|---:|---:|---:|---:|",
        f"| idle (yardstick) | {idle['n']} | {idle['p50']:.1f} | {idle['p95']:.1f} | "
        f"{idle['max']:.1f} |",
        f"| under load | {loaded['n']} | {loaded['p50']:.1f} | {loaded['p95']:.1f} | "
        f"{loaded['max']:.1f} |",
        "",
        f"**Median under load: {ratio:.2f}x idle** (goal: within {GOAL:g}x); p95 "
        f"{loaded['p95'] / idle['p95']:.2f}x.",
        "",
        "The loud organization's answers: "
        + "; ".join(
            f"{kind} " + ", ".join(f"{code}: {n}" for code, n in sorted(counts.items()))
            for kind, counts in outcomes.items()
        )
        + ".",
        "",
        machine_line(info),
        "",
    ]
    return "\n".join(lines)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--seconds", type=float, default=20, help="per measurement")
    parser.add_argument("--loud", type=int, default=2, help="connections per kind of request")
    parser.add_argument("--streams", type=int, default=20)
    parser.add_argument("--steps", type=int, default=2000, help="steps of each loud map")
    parser.add_argument("--import-steps", type=int, default=5000)
    parser.add_argument("--no-write", action="store_true")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="vsm-noisy-") as folder:
        database_url = args.database_url or f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}"
        loud_token = prepare_database(database_url)
        quiet_token = prepare_database(database_url)
        info = machine()
        with server_process(database_url, free_port(), 1, Path(folder) / "server.log") as (
            base,
            _group,
        ):
            results = asyncio.run(run(base, quiet_token, loud_token, args))
    database = "PostgreSQL" if args.database_url else "SQLite"
    when = datetime.now(UTC).strftime("%Y-%m-%d")
    text = section(when, info, args, results, database)
    print(text)
    if not args.no_write:
        write_section(RESULTS, "noisy-neighbour", f"{database} {when}", text)
    idle, loaded, _outcomes, _aliases = results
    return 0 if loaded["p50"] <= GOAL * idle["p50"] else 1


if __name__ == "__main__":
    sys.exit(main())
