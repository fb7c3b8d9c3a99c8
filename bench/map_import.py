"""How long other requests wait while a large map document is imported.

Run from the repository root with `python -m bench.map_import --help`.

A seeded map of 15,000 steps and 20,000 handoffs (`--steps`, `--handoffs`) is written
as a map document with every step field, once as YAML and once as JSON. granian serves
the app as `vsm serve` does (one worker, the helpers of `bench.http_read`) on a fresh
database with two organizations. Each document is posted to
`POST /api/v1/value-streams/{id}/maps/import` of the first organization from a thread;
meanwhile the main thread asks, one request after another on two keep-alive
connections, `GET /health` and the second organization's `GET /api/v1/value-streams`,
and records how long each took, until the import has answered. The same requests are
timed on the idle server first. The goal: `/health` answers in under 200 ms however
large the import.
"""

import argparse
import asyncio
import contextlib
import json
import statistics
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from bench.http_read import HOST, _create_organization, free_port, prepare_database, running_server
from bench.map_metrics import Client, MapSpec, expect, machine, random_dag
from bench.results import RESULTS, write_section

GOAL_MS = 200.0


def document_of(spec: MapSpec, name: str) -> dict[str, Any]:
    """A map document with every field a workshop fills in, durations in ISO 8601."""
    steps = []
    for s in spec.steps:
        step: dict[str, Any] = {
            "key": f"s{s.position}",
            "name": s.name,
            "position": s.position,
            "role": s.role,
            "team": s.team,
            "people": s.people,
            "process_time": f"PT{int(s.process_seconds)}S",
            "wait_time": f"PT{int(s.wait_seconds)}S",
            "percent_complete_accurate": s.percent_complete_accurate,
            "tools": list(s.tools),
            "artifacts": list(s.artifacts),
            "automated": s.automated,
            "cicd_stage": s.cicd_stage,
            "value_class": s.value_class,
            "queue_size": s.queue_size,
            "description": s.description,
        }
        steps.append({k: v for k, v in step.items() if v is not None})
    handoffs = []
    for e in spec.edges:
        handoff: dict[str, Any] = {"from": f"s{e.from_index}", "to": f"s{e.to_index}"}
        if e.artifact:
            handoff["artifact"] = e.artifact
        handoff["cross_team"] = e.cross_team
        handoffs.append(handoff)
    return {"name": name, "kind": "desired", "steps": steps, "handoffs": handoffs}


@dataclass
class Probe:
    """Latencies of one kind of request, in milliseconds."""

    label: str
    ms: list[float] = field(default_factory=list)

    def row(self) -> str:
        if not self.ms:
            return f"| {self.label} | 0 | | | | |"
        ordered = sorted(self.ms)

        def at(p: float) -> float:
            return ordered[min(len(ordered) - 1, int(p * len(ordered)))]

        return (
            f"| {self.label} | {len(ordered)} | {statistics.median(ordered):,.1f} | "
            f"{at(0.90):,.1f} | {at(0.99):,.1f} | {ordered[-1]:,.1f} |"
        )


def timed(client: Client, path: str, probe: Probe) -> None:
    started = time.perf_counter()
    expect(client.send("GET", path), 200, path)
    probe.ms.append((time.perf_counter() - started) * 1000)


@dataclass
class Imported:
    label: str
    size: int
    seconds: float = 0.0
    status: int = 0
    health: Probe = field(default_factory=lambda: Probe("GET /health"))
    other: Probe = field(default_factory=lambda: Probe("GET another organization's streams"))


def run_import(
    port: int, token: str, other: str, stream_id: str, body: bytes, media: str, label: str
) -> Imported:
    """Post the document from a thread; probe both routes until it has answered."""
    outcome = Imported(label, len(body))
    importer = Client(port, token)
    health, reader = Client(port, other), Client(port, other)

    def post() -> None:
        started = time.perf_counter()
        answer = importer.send(
            "POST", f"/api/v1/value-streams/{stream_id}/maps/import", body, media
        )
        outcome.seconds = time.perf_counter() - started
        outcome.status = answer.status
        if answer.status != 201:
            print(f"the import answered {answer.status}: {answer.body[:500]!r}", flush=True)

    thread = threading.Thread(target=post)
    try:
        thread.start()
        while thread.is_alive():
            timed(health, "/health", outcome.health)
            timed(reader, "/api/v1/value-streams", outcome.other)
        thread.join()
    finally:
        for client in (importer, health, reader):
            client.close()
    return outcome


def section(
    when: str,
    settings: dict[str, str],
    info: dict[str, str],
    idle: list[Probe],
    imports: list[Imported],
) -> str:
    worst = max((p for i in imports for p in i.health.ms), default=0.0)
    verdict = "met" if worst < GOAL_MS and all(i.status == 201 for i in imports) else "NOT met"
    header = [
        "| requests | n | p50 ms | p90 ms | p99 ms | max ms |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    body = [
        f"## Other requests during a large map import, {settings['database']} ({when})",
        "",
        f"A seeded map of {settings['steps']} steps and {settings['handoffs']} handoffs "
        "posted to `POST /api/v1/value-streams/{id}/maps/import` by one organization; "
        "meanwhile another organization's client asks `/health` and its own value streams, "
        "one request after another, until the import answers.",
        "",
        "| import | document | answer | seconds |",
        "|---|---:|---:|---:|",
        *(
            f"| {i.label} | {i.size / 1024 / 1024:,.1f} MiB | {i.status} | {i.seconds:,.1f} |"
            for i in imports
        ),
        "",
        "Idle server:",
        "",
        *header,
        *(p.row() for p in idle),
        "",
    ]
    for i in imports:
        body += [f"During the {i.label} import:", "", *header, i.health.row(), i.other.row(), ""]
    body += [
        f"- slowest `/health` during an import: **{worst:,.1f} ms** "
        f"(goal under {GOAL_MS:.0f} ms: {verdict})",
        "",
        "| setting | value |",
        "|---|---|",
        *(f"| {name} | {value} |" for name, value in settings.items()),
        *(f"| {name} | {value} |" for name, value in info.items()),
        "",
        "The client, the server and the database share the machine's cores (the load "
        "average line says how busy it was): compare the idle and the import figures "
        "within one section.",
    ]
    return "\n".join(body) + "\n"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.map_import",
        description="Latency of other requests while a large map document is imported.",
    )
    parser.add_argument("--steps", type=int, default=15_000, help="steps of the map")
    parser.add_argument("--handoffs", type=int, default=20_000, help="handoffs of the map")
    parser.add_argument("--seed", type=int, default=20260101, help="seed of the generator")
    parser.add_argument("--formats", default="yaml,json", help="documents to import, in order")
    parser.add_argument("--idle", type=int, default=50, help="timed requests on the idle server")
    parser.add_argument(
        "--database-url", default=None, help="a throwaway database; default: a temporary SQLite"
    )
    parser.add_argument("--no-write", action="store_true", help="leave bench/RESULTS.md alone")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    info = machine()
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    spec = random_dag(args.steps, args.handoffs, args.seed)
    formats = [f.strip() for f in args.formats.split(",") if f.strip()]
    imports: list[Imported] = []
    with tempfile.TemporaryDirectory(prefix="vsm-bench-") as scratch:
        database_url = args.database_url or f"sqlite+aiosqlite:///{scratch}/bench.db"
        database = "SQLite" if database_url.startswith("sqlite") else "PostgreSQL"
        token = prepare_database(database_url)
        other = asyncio.run(_create_organization(database_url))
        port = free_port()
        print(f"starting granian on {HOST}:{port} ({database}) ...", flush=True)
        with running_server(database_url, port, 1, Path(scratch) / "server.log"):
            admin, reader = Client(port, token), Client(port, other)
            try:
                expect(
                    reader.send(
                        "POST", "/api/v1/value-streams", b'{"name": "Other"}', "application/json"
                    ),
                    201,
                    "the other organization's stream",
                )
                idle = [Probe("GET /health"), Probe("GET another organization's streams")]
                for _ in range(args.idle):
                    timed(reader, "/health", idle[0])
                    timed(reader, "/api/v1/value-streams", idle[1])
                streams = [
                    expect(
                        admin.send(
                            "POST",
                            "/api/v1/value-streams",
                            json.dumps({"name": f"Import {fmt}"}).encode(),
                            "application/json",
                        ),
                        201,
                        "a value stream",
                    )["id"]
                    for fmt in formats
                ]
            finally:
                admin.close()
                reader.close()
            for fmt, stream_id in zip(formats, streams, strict=True):
                document = document_of(spec, f"Imported as {fmt}")
                if fmt == "yaml":
                    body = yaml.safe_dump(document, sort_keys=False, allow_unicode=True).encode()
                else:
                    body = json.dumps(document).encode()
                print(f"importing {len(body) / 1024 / 1024:,.1f} MiB of {fmt} ...", flush=True)
                imported = run_import(
                    port, token, other, stream_id, body, f"application/{fmt}", fmt.upper()
                )
                print(
                    f"  {imported.status} in {imported.seconds:,.1f} s; /health max "
                    f"{max(imported.health.ms, default=0):,.1f} ms over {len(imported.health.ms)}",
                    flush=True,
                )
                imports.append(imported)
    settings = {
        "database": database,
        "server": "granian, 1 worker, ASGI (as `vsm serve`), loopback",
        "steps": f"{args.steps:,}",
        "handoffs": f"{args.handoffs:,}",
        "seed": str(args.seed),
    }
    text = section(when, settings, info, idle, imports)
    print(text)
    if not args.no_write:
        key = f"{when[:10]} {database.lower()} {args.steps}x{args.handoffs}"
        write_section(RESULTS, "map_import", key, text)
        print(f"wrote {RESULTS}")
    return 0 if all(i.status == 201 for i in imports) else 1


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        raise SystemExit(main())
