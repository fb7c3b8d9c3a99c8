"""Large maps over the API: what they cost against the same work done without it.

Run from the repository root with `python -m bench.large_maps --help`.

Maps of `--sizes` steps (default 200, 2,000 and 20,000; handoffs 2.5 times the steps,
a seeded random DAG from `bench.map_metrics`) are stored each in a value stream of a
fresh database (a temporary SQLite file unless `--database-url` names another) and
classified through the API, so their findings are there too. Granian then serves the
app as `vsm serve` does, and in every round, for every size, one after another on one
keep-alive connection:

- the yardstick of the metrics: building the map's picture and computing its metrics
  in this process (`core.maps.flowmap.FlowMap`, `compute_map_metrics`);
- `GET /api/v1/maps/{id}/metrics`;
- the yardstick of GraphQL: the REST lists that hold the same data as the GraphQL
  answer (the stream, its maps, every page of 100 of the map's steps, handoffs and
  findings, and its metrics);
- GraphQL: the value stream with its maps, steps, handoffs, findings and metrics
  (`bench.map_metrics.GRAPHQL_QUERY`).

The table gives medians over the rounds, each ratio against its yardstick, and the cost
per step, which stays flat when the cost grows linearly with the map. Goals, as the
issue states them: at 2,000 steps (`--reference`), metrics over HTTP within 3x of the
in-process computation and GraphQL within 3x of the REST lists; from there to the
largest map, each costs at most 1.5x as much per step (linear, with room for noise).
"""

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.http_read import DEFAULT_APP, NO_BUDGET, free_port, server_process
from bench.map_metrics import (
    GRAPHQL_QUERY,
    Client,
    MapSpec,
    expect,
    flow_map_of,
    machine,
    random_dag,
    store,
)
from bench.results import add_output_arguments, machine_line, write_section

GOAL = 3.0
"""Each figure's largest multiple of its yardstick."""


@dataclass
class Figures:
    """One map size's timings, a list of seconds per measured thing."""

    steps: int
    handoffs: int
    findings: int = 0
    requests_per_listing: int = 0
    graphql_bytes: int = 0
    seconds: dict[str, list[float]] = field(default_factory=dict)

    def add(self, what: str, seconds: float) -> None:
        self.seconds.setdefault(what, []).append(seconds)

    def median_ms(self, what: str) -> float:
        return statistics.median(self.seconds[what]) * 1000

    def ratio(self, what: str, yardstick: str) -> float:
        return self.median_ms(what) / self.median_ms(yardstick)


def timed(work: Callable[[], Any]) -> float:
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def every_page(client: Client, path: str) -> int:
    """Reads a list to its end, 100 rows a page; answers how many requests it took."""
    cursor, requests = None, 0
    while True:
        query = "?limit=100" + (f"&cursor={cursor}" if cursor else "")
        page = expect(client.send("GET", path + query), 200, path)
        requests += 1
        cursor = page.get("next_cursor")
        if not cursor:
            return requests


def rest_lists(client: Client, stream_id: str, map_id: str) -> int:
    """The REST requests that hold what the GraphQL query asks for."""
    expect(client.send("GET", f"/api/v1/value-streams/{stream_id}"), 200, "stream")
    requests = 1 + every_page(client, f"/api/v1/value-streams/{stream_id}/maps")
    for kind in ("steps", "handoffs", "findings"):
        requests += every_page(client, f"/api/v1/maps/{map_id}/{kind}")
    expect(client.send("GET", f"/api/v1/maps/{map_id}/metrics"), 200, "metrics")
    return requests + 1


def measure(args: argparse.Namespace) -> tuple[str, list[Figures]]:
    from core.metrics.map_metrics import compute_map_metrics

    specs: dict[str, MapSpec] = {
        str(n): random_dag(n, round(n * 2.5), args.seed + n) for n in args.sizes
    }
    figures = {key: Figures(len(s.steps), len(s.edges)) for key, s in specs.items()}
    with tempfile.TemporaryDirectory(prefix="vsm-bench-") as scratch:
        database_url = args.database_url or f"sqlite+aiosqlite:///{scratch}/bench.db"
        database = "SQLite" if database_url.startswith("sqlite") else "PostgreSQL"
        print(f"storing maps of {', '.join(specs)} steps in {database} ...", flush=True)
        stored = store(database_url, specs)
        port = free_port()
        log = Path(scratch) / "server.log"
        # The REST lists of a 20,000-step map are 1,650 requests a round with one token.
        with server_process(database_url, port, 1, log, DEFAULT_APP, NO_BUDGET):
            client = Client(port, stored[next(iter(specs))].token)
            try:
                for key, ids in stored.items():
                    print(f"classifying {key} steps ...", flush=True)
                    answer = client.send("POST", f"/api/v1/maps/{ids.map_id}/classify")
                    figures[key].findings = len(expect(answer, 200, "classify")["created"])
                for round_ in range(args.warmup + args.rounds):
                    print(f"round {round_ + 1} of {args.warmup + args.rounds} ...", flush=True)
                    for key, ids in stored.items():
                        spec, figure = specs[key], figures[key]
                        results: dict[str, float] = {}

                        def in_process(spec: MapSpec = spec) -> None:
                            compute_map_metrics(flow_map_of(spec))

                        def metrics(map_id: str = ids.map_id) -> None:
                            answer = client.send("GET", f"/api/v1/maps/{map_id}/metrics")
                            expect(answer, 200, "metrics")

                        def listing(ids: Any = ids, figure: Figures = figure) -> None:
                            figure.requests_per_listing = rest_lists(
                                client, ids.stream_id, ids.map_id
                            )

                        def graphql(
                            stream_id: str = ids.stream_id, figure: Figures = figure
                        ) -> None:
                            answer = client.graphql(GRAPHQL_QUERY, {"id": stream_id})
                            expect(answer, 200, "GraphQL")
                            figure.graphql_bytes = len(answer.body)

                        results["in process"] = timed(in_process)
                        results["metrics"] = timed(metrics)
                        results["REST lists"] = timed(listing)
                        results["GraphQL"] = timed(graphql)
                        if round_ >= args.warmup:
                            for what, seconds in results.items():
                                figure.add(what, seconds)
            finally:
                client.close()
    return database, list(figures.values())


LINEAR = 1.5
"""The largest map's cost per step at most this multiple of the reference map's."""


def verdicts(figures: list[Figures], reference: int) -> list[tuple[str, bool]]:
    """The issue's goals: the ratios at the reference size (2,000 steps), and costs that
    grow no faster than the steps from there to the largest map."""
    at = next((f for f in figures if f.steps == reference), None)
    if at is None:
        return [(f"a map of {reference} steps was measured", False)]
    largest = max(figures, key=lambda f: f.steps)
    checks = [
        (
            f"metrics of {reference:,} steps within {GOAL:g}x of the in-process computation",
            at.ratio("metrics", "in process") <= GOAL,
        ),
        (
            f"GraphQL of {reference:,} steps within {GOAL:g}x of the REST lists",
            at.ratio("GraphQL", "REST lists") <= GOAL,
        ),
    ]
    for what in ("metrics", "GraphQL"):
        growth = (largest.median_ms(what) / largest.steps) / (at.median_ms(what) / at.steps)
        checks.append(
            (
                f"{what} per step at {largest.steps:,} steps at most {LINEAR:g}x of that at "
                f"{reference:,} (measured {growth:.2f}x)",
                growth <= LINEAR,
            )
        )
    return checks


def section(when: str, database: str, figures: list[Figures], args: argparse.Namespace) -> str:
    checks = verdicts(figures, args.reference)
    rows = [
        f"| {f.steps:,} | {f.handoffs:,} | {f.findings:,} "
        f"| {f.median_ms('in process'):,.1f} | {f.median_ms('metrics'):,.1f} "
        f"| {f.ratio('metrics', 'in process'):.2f}x "
        f"| {f.median_ms('REST lists'):,.0f} ({f.requests_per_listing}) "
        f"| {f.median_ms('GraphQL'):,.0f} ({f.graphql_bytes / 1024 / 1024:,.1f} MiB) "
        f"| {f.ratio('GraphQL', 'REST lists'):.2f}x "
        f"| {f.median_ms('metrics') * 1000 / f.steps:,.1f} "
        f"| {f.median_ms('GraphQL') * 1000 / f.steps:,.0f} |"
        for f in figures
    ]
    info = machine()
    return "\n".join(
        [
            f"## Large maps over the API: {database}, {when}",
            "",
            f"Random DAGs (handoffs 2.5 x steps, seed {args.seed} + steps), each classified "
            "through the API first; granian, one worker, one keep-alive connection. "
            f"Medians of {args.rounds} interleaved rounds after {args.warmup} warm-up "
            "round(s). Yardsticks in the same rounds: the metrics computed in this process "
            "(picture and metrics), and the REST lists holding the GraphQL answer's data "
            "(pages of 100; requests in brackets).",
            "",
            "| steps | handoffs | findings | in process ms | GET metrics ms | vs in process "
            "| REST lists ms | GraphQL ms | vs REST lists | metrics µs/step | GraphQL µs/step |",
            "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
            *rows,
            "",
            *(f"- {what}: **{'met' if ok else 'not met'}**" for what, ok in checks),
            "",
            machine_line(info),
            "",
        ]
    )


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.large_maps",
        description="Large maps' metrics and GraphQL answers against their yardsticks.",
    )
    parser.add_argument(
        "--sizes", type=int, nargs="+", default=[200, 2000, 20000], help="steps per map"
    )
    parser.add_argument(
        "--reference", type=int, default=2000, help="the size the ratios are judged at"
    )
    parser.add_argument("--rounds", type=int, default=5, help="timed rounds")
    parser.add_argument("--warmup", type=int, default=1, help="untimed rounds first")
    parser.add_argument("--seed", type=int, default=20260101, help="seed of the generator")
    add_output_arguments(parser)
    args = parser.parse_args(argv)
    if not all(2 <= n <= 100_000 for n in args.sizes) or not 1 <= args.rounds <= 100:
        parser.error("sizes must be 2..100000 steps and --rounds 1..100")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    when = datetime.now(UTC).strftime("%Y-%m-%d")
    database, figures = measure(args)
    text = section(when, database, figures, args)
    print()
    print(text)
    if not args.no_write:
        sizes = "+".join(str(n) for n in args.sizes)
        write_section(args.results, "large_maps", f"{when} {database.lower()} {sizes}", text)
        print(f"updated {args.results}")
    return 0 if all(ok for _, ok in verdicts(figures, args.reference)) else 1


if __name__ == "__main__":
    sys.exit(main())
