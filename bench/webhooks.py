"""Event throughput: from the commit of a change to its webhook reaching a subscriber.

    python -m bench.webhooks                     # SQLite
    python -m bench.webhooks --database-url postgresql+asyncpg://postgres@127.0.0.1/test

`vsm serve`'s app runs under granian (one worker, with its in-process job worker, as
shipped) and a receiver listens on loopback in this process. `--clients` clients create
`--events` value streams as fast as the server answers; each creation commits a
`value_stream.created` event, which the worker delivers, signed, to the receiver. The delay
of an event runs from the creation's answer (its commit) to the receiver having the
message; the throughput is the events delivered over the time from the first creation to
the last delivery. Creations as fast as the server answers queue events faster than one
worker delivers them, so their delays measure the queue; a paced run (`--paced-rate`
events a second, open loop) measures the delay of an event when the worker keeps up.

The yardstick, measured in the same run on the same server, is the same creations with no
subscriber: what the writes cost before any event is sent. Medians of `--rounds`
interleaved rounds.
"""

import argparse
import asyncio
import http.server
import statistics
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from bench.http_read import free_port, machine, prepare_database, server_process
from bench.results import add_output_arguments, machine_line, write_section


class Arrivals:
    """When each message arrived, by its event's value stream name."""

    def __init__(self) -> None:
        self.at: dict[str, float] = {}
        self.done = threading.Condition()

    def wait_for(self, names: set[str], timeout: float) -> bool:
        with self.done:
            return self.done.wait_for(lambda: names <= self.at.keys(), timeout)


def start_receiver(arrivals: Arrivals) -> tuple[http.server.ThreadingHTTPServer, str]:
    import json

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length", 0)))
            now = time.perf_counter()
            self.send_response(204)
            self.end_headers()
            name = json.loads(body)["data"]["name"]
            with arrivals.done:
                arrivals.at.setdefault(name, now)
                arrivals.done.notify_all()

        def log_message(self, *_args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/hooks"


async def create_streams(
    base: str, token: str, names: list[str], clients: int, rate: float | None = None
) -> dict[str, float]:
    """Each stream's creation answered at; `clients` at a time, as fast as the server
    answers or, with `rate`, started at that many a second (open loop)."""
    answered: dict[str, float] = {}
    queue = list(reversed(names))
    headers = {"Authorization": f"Bearer {token}"}
    started = time.perf_counter()

    async def create(http: httpx.AsyncClient, name: str) -> None:
        answer = await http.post("/api/v1/value-streams", json={"name": name})
        if answer.status_code != 201:
            raise RuntimeError(f"{answer.status_code}: {answer.text[:200]}")
        answered[name] = time.perf_counter()

    async def client() -> None:
        async with httpx.AsyncClient(base_url=base, headers=headers, timeout=60) as http:
            while queue:
                await create(http, queue.pop())

    if rate is None:
        await asyncio.gather(*(client() for _ in range(clients)))
        return answered
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=60) as http:
        pending = []
        for n, name in enumerate(names):
            await asyncio.sleep(max(0.0, started + n / rate - time.perf_counter()))
            pending.append(asyncio.create_task(create(http, name)))
        await asyncio.gather(*pending)
    return answered


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


async def measure(args: argparse.Namespace, database_url: str, log: Path) -> dict[str, Any]:
    token = await asyncio.to_thread(prepare_database, database_url)
    arrivals = Arrivals()
    receiver, url = start_receiver(arrivals)
    settings = {"VSM_WEBHOOK_ALLOW_LOOPBACK": "true", "VSM_RATE_LIMIT_REQUESTS": "0"}
    rounds: dict[str, list[float]] = {
        "bare": [], "with": [], "events": [], "p50": [], "p95": [], "paced50": [], "paced95": []
    }  # fmt: skip
    try:
        with server_process(
            database_url, free_port(), 1, log, app="api.app:create_app_from_env", settings=settings
        ) as (base, _group):
            for n in range(args.rounds):
                started = time.perf_counter()
                await create_streams(
                    base, token, [f"bare {n}-{i}" for i in range(args.events)], args.clients
                )
                rounds["bare"].append(args.events / (time.perf_counter() - started))
                async with httpx.AsyncClient(base_url=base, timeout=60) as http:
                    made = await http.post(
                        "/api/v1/webhook-subscriptions",
                        json={"url": url, "events": ["value_stream.created"]},
                        headers={"Authorization": f"Bearer {token}"},
                    )
                    subscription = made.json()
                names = [f"event {n}-{i}" for i in range(args.events)]
                started = time.perf_counter()
                answered = await create_streams(base, token, names, args.clients)
                created = time.perf_counter()
                if not await asyncio.to_thread(arrivals.wait_for, set(names), 600):
                    raise RuntimeError("not every event arrived within ten minutes")
                last = max(arrivals.at[name] for name in names)
                delays = [(arrivals.at[name] - answered[name]) * 1000 for name in names]
                rounds["with"].append(args.events / (created - started))
                rounds["events"].append(args.events / (last - started))
                rounds["p50"].append(statistics.median(delays))
                rounds["p95"].append(percentile(delays, 0.95))
                paced = [f"paced {n}-{i}" for i in range(args.paced_events)]
                answered = await create_streams(base, token, paced, 1, rate=args.paced_rate)
                if not await asyncio.to_thread(arrivals.wait_for, set(paced), 600):
                    raise RuntimeError("not every paced event arrived within ten minutes")
                delays = [(arrivals.at[name] - answered[name]) * 1000 for name in paced]
                rounds["paced50"].append(statistics.median(delays))
                rounds["paced95"].append(percentile(delays, 0.95))
                async with httpx.AsyncClient(base_url=base, timeout=60) as http:
                    await http.delete(
                        f"/api/v1/webhook-subscriptions/{subscription['id']}",
                        headers={
                            "Authorization": f"Bearer {token}",
                            "If-Match": f'"{subscription["version"]}"',
                        },
                    )
                print(f"round {n + 1}/{args.rounds} done", flush=True)
    finally:
        receiver.shutdown()
    return {k: statistics.median(v) for k, v in rounds.items()}


def section(database: str, when: str, figures: dict[str, Any], args: argparse.Namespace) -> str:
    return "\n".join(
        [
            f"## Webhook event throughput, {database} ({when})",
            "",
            "`vsm serve`'s app under granian (1 worker, its in-process job worker), "
            f"{args.clients} clients creating {args.events} value streams per round, each "
            "creation committing one `value_stream.created` event delivered signed to a "
            "receiver on loopback; "
            f"medians of {args.rounds} interleaved rounds.",
            "",
            "| measure | value |",
            "|---|---:|",
            f"| creations/s, no subscriber (yardstick) | {figures['bare']:,.1f} |",
            f"| creations/s, with a subscriber | {figures['with']:,.1f} |",
            f"| events delivered/s, first creation to last delivery | {figures['events']:,.1f} |",
            f"| delay from commit to delivery, p50 ms | {figures['p50']:,.0f} |",
            f"| delay from commit to delivery, p95 ms | {figures['p95']:,.0f} |",
            f"| delay at {args.paced_rate:g} events/s, p50 ms | {figures['paced50']:,.0f} |",
            f"| delay at {args.paced_rate:g} events/s, p95 ms | {figures['paced95']:,.0f} |",
            "",
            f"- events delivered/s over creations/s without a subscriber: "
            f"**{figures['events'] / figures['bare']:.2f}**",
            "- creations/s with a subscriber over without: "
            f"{figures['with'] / figures['bare']:.2f}",
            "",
        ]
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=200, help="events per round")
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--paced-rate", type=float, default=10.0, help="events/s of the paced run (delay)"
    )
    parser.add_argument("--paced-events", type=int, default=50)
    add_output_arguments(parser)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="vsm-webhooks-") as folder:
        database_url = args.database_url or f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}"
        info = machine()
        figures = asyncio.run(measure(args, database_url, Path(folder) / "server.log"))
    database = "PostgreSQL" if args.database_url else "SQLite"
    when = datetime.now(UTC).strftime("%Y-%m-%d")
    text = section(database, when, figures, args) + "\n" + machine_line(info) + "\n"
    print(text)
    if not args.no_write:
        write_section(args.results, "webhooks", f"{database} {when}", text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
