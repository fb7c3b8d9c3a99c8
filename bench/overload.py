"""Past saturation the server sheds load quickly instead of collapsing: an open-loop load test.

    python -m bench.overload                    # SQLite; --database-url for PostgreSQL
    python -m bench.overload --rates 50,400     # requests per second to offer, in turn

A fresh database holds 50 value streams, each with a current-state map and 40 backlog
items (2,000 in all). The server runs as `vsm serve` runs it (one worker, default
limits). Requests arrive at a fixed rate whatever the server does (open loop, as
real clients do), spread over 20 tokens: 80 % reads (a value stream, a page of 50
backlog items, the REST portfolio, the GraphQL portfolio with gates) and 20 % writes
(renaming a backlog item with If-Match from the last version seen, so some meet a
412). For each rate the table gives what came back and how long it took. Past
saturation the answers must be only 2xx, 412 and 503 (never a 500), and nothing may
wait longer than the request deadline.
"""

import argparse
import asyncio
import itertools
import random
import statistics
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

import httpx

from bench.http_read import free_port, machine, prepare_database, server_process
from bench.noisy_neighbour import map_document
from bench.raw_http import HTTPFailure, RawClient
from bench.results import RESULTS, machine_line, write_section

ALLOWED = {200, 201, 412, 503}
DEADLINE_SECONDS = 30.0
GRAPHQL_PORTFOLIO = (
    "{ portfolio(first: 50) { edges { node { valueStream { name phase } blockingCriteria "
    "gate { criteria { key passed } } backlog { items done percent } } } } }"
)


@dataclass
class Sample:
    kind: str
    status: int | str
    seconds: float


class Data:
    def __init__(self, streams: list[str], items: list[str], tokens: list[str]) -> None:
        self.streams = streams
        self.items = items
        self.versions = dict.fromkeys(items, 1)
        self.tokens = itertools.cycle(tokens)


async def seed(client: httpx.AsyncClient, streams: int, items_each: int) -> Data:
    stream_ids, item_ids, tokens = [], [], []
    for n in range(streams):
        made = (await client.post("/api/v1/value-streams", json={"name": f"Stream {n}"})).json()
        stream_ids.append(made["id"])
        base = f"/api/v1/value-streams/{made['id']}"
        (await client.post(f"{base}/maps/import", json=map_document(20, "Now"))).raise_for_status()
        for m in range(items_each):
            item = await client.post(f"{base}/backlog-items", json={"title": f"Item {n}.{m}"})
            item.raise_for_status()
            item_ids.append(item.json()["id"])
    for n in range(20):
        made = await client.post("/api/v1/tokens", json={"name": f"client {n}", "role": "editor"})
        made.raise_for_status()
        tokens.append(made.json()["secret"])
    return Data(stream_ids, item_ids, tokens)


class Requester(Protocol):
    """What sends the mix's requests: `RawClient` over a socket, or an in-process client."""

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        json_body: Any = None,
        headers: dict[str, str] | None = None,
    ) -> Any: ...


MIX: tuple[tuple[str, float], ...] = (
    ("GET stream", 0.25),
    ("GET 50 backlog items", 0.25),
    ("GET portfolio", 0.10),
    ("GraphQL portfolio", 0.20),
    ("PATCH item (If-Match)", 0.20),
)
"""Each kind of request of the mix and its share of the traffic."""


def kind_of(roll: float) -> str:
    """The kind a roll in [0, 1) falls on, by the shares of `MIX`."""
    reached = 0.0
    for kind, share in MIX:
        reached += share
        if roll < reached:
            return kind
    return MIX[-1][0]


async def send(client: Requester, data: Data, kind: str, rng: random.Random) -> Any:
    """One request of `kind` for a stream (and, for a write, an item) that `rng` picks."""
    headers = {"Authorization": f"Bearer {next(data.tokens)}"}
    stream = rng.choice(data.streams)
    if kind == "GET stream":
        return await client.request("GET", f"/api/v1/value-streams/{stream}", headers=headers)
    if kind == "GET 50 backlog items":
        return await client.request(
            "GET",
            f"/api/v1/value-streams/{stream}/backlog-items",
            params={"limit": 50},
            headers=headers,
        )
    if kind == "GET portfolio":
        return await client.request(
            "GET", "/api/v1/portfolio", params={"limit": 50}, headers=headers
        )
    if kind == "GraphQL portfolio":
        return await client.request(
            "POST", "/graphql", json_body={"query": GRAPHQL_PORTFOLIO}, headers=headers
        )
    item = rng.choice(data.items)
    answer = await client.request(
        "PATCH",
        f"/api/v1/backlog-items/{item}",
        json_body={"title": f"Renamed {rng.random():.6f}"},
        headers={**headers, "If-Match": f'"{data.versions[item]}"'},
    )
    if answer.status_code == 200:
        data.versions[item] = answer.json()["version"]
    elif answer.status_code == 412:
        data.versions[item] = answer.json().get("current_version", data.versions[item])
    return answer


async def one_request(client: Requester, data: Data, rng: random.Random) -> Sample:
    kind = kind_of(rng.random())
    start = time.perf_counter()
    try:
        status: int | str = (await send(client, data, kind, rng)).status_code
    except HTTPFailure as exc:
        status = str(exc)
    return Sample(kind, status, time.perf_counter() - start)


async def offer(base: str, data: Data, rate: float, seconds: float) -> list[Sample]:
    """Start a request every 1/rate seconds for `seconds`, never waiting for answers first.

    The requests go out through `bench.raw_http`: with httpx the load generator itself
    ran out of CPU past about 100 requests a second and its own delays were measured.
    """
    rng = random.Random(rate)
    client = RawClient(base, timeout=DEADLINE_SECONDS * 3)
    try:
        tasks = []
        start = time.perf_counter()
        for n in range(int(rate * seconds)):
            delay = start + n / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one_request(client, data, rng)))
        return list(await asyncio.gather(*tasks))
    finally:
        client.close()


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[int(share * (len(ordered) - 1))] if ordered else float("nan")


def row(rate: float, seconds: float, samples: list[Sample]) -> tuple[str, bool]:
    statuses = Counter(s.status for s in samples)
    served = [s.seconds for s in samples if isinstance(s.status, int) and 200 <= s.status < 300]
    every = [s.seconds for s in samples]
    clean = set(statuses) <= ALLOWED and max(every) <= DEADLINE_SECONDS
    line = (
        f"| {rate:g} | {len(samples)} | {len(served) / seconds:.1f} | "
        f"{statistics.median(served) * 1000 if served else float('nan'):.0f} | "
        f"{percentile(served, 0.99) * 1000:.0f} | {max(every) * 1000:.0f} | "
        + ", ".join(f"{code}: {n}" for code, n in sorted(statuses.items(), key=str))
        + f" | {'yes' if clean else '**no**'} |"
    )
    return line, clean


def section(database: str, when: str, info: dict[str, str], rows: list[str], args: Any) -> str:
    return "\n".join(
        [
            f"## Overload: {database}, {when}",
            "",
            f"Open-loop arrivals for {args.seconds:g} s per rate; 50 value streams with maps, "
            "2,000 backlog items; 80 % reads (value stream, 50 backlog items, REST and "
            "GraphQL portfolio), 20 % If-Match writes; 20 tokens; one server worker with "
            f"default limits (deadline {DEADLINE_SECONDS:g} s).",
            "",
            "| offered req/s | requests | served 2xx/s | p50 ms (2xx) | p99 ms (2xx) | "
            "slowest ms (any) | answers | only 2xx/412/503, none past the deadline |",
            "|---:|---:|---:|---:|---:|---:|---|---|",
            *rows,
            "",
            machine_line(info),
            "",
        ]
    )


async def run(base: str, token: str, args: argparse.Namespace) -> list[tuple[str, bool]]:
    async with httpx.AsyncClient(
        base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=120
    ) as admin:
        data = await seed(admin, args.streams, args.items)
    results = []
    for rate in args.rates:
        samples = await offer(base, data, rate, args.seconds)
        results.append(row(rate, args.seconds, samples))
        print(results[-1][0], flush=True)
    return results


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=None)
    parser.add_argument(
        "--rates", type=lambda text: [float(r) for r in text.split(",")], default=[50, 400]
    )
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--streams", type=int, default=50)
    parser.add_argument("--items", type=int, default=40, help="backlog items per stream")
    parser.add_argument("--no-write", action="store_true")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="vsm-overload-") as folder:
        database_url = args.database_url or f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}"
        token = prepare_database(database_url)
        info = machine()
        with server_process(database_url, free_port(), 1, Path(folder) / "server.log") as (
            base,
            _group,
        ):
            results = asyncio.run(run(base, token, args))
    database = "PostgreSQL" if args.database_url else "SQLite"
    when = datetime.now(UTC).strftime("%Y-%m-%d")
    text = section(database, when, info, [line for line, _ in results], args)
    print(text)
    if not args.no_write:
        write_section(RESULTS, "overload", f"{database} {when}", text)
    return 0 if all(clean for _, clean in results) else 1


if __name__ == "__main__":
    sys.exit(main())
