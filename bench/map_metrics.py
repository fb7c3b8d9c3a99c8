"""Map metrics at scale: the pure computation, then the API over a large stored map.

Run from the repository root with `python -m bench.map_metrics --help`.

Part A, in process: a seeded random DAG of 2,000 steps and 5,000 handoffs is built as
a `core.maps.flowmap.FlowMap`, and `compute_map_metrics` is timed over `--runs` runs (the
built-in waste rules are timed on the same map for comparison).

Part B, through a real server: the same map is stored in a fresh database (a temporary
SQLite file unless `--database-url` names another), migrated with `core.migrate`, next
to a small map of 20 steps in another value stream. Rows are inserted with the
services' models in one unit of work, because creating 7,000 rows one request at a
time measures the write path, not the reads asked about here. Both maps are then
classified through the API, granian serves the app as `vsm serve` does (the helpers of
`bench.http_read`), and `GET /api/v1/maps/{id}/metrics` and a GraphQL query of the
value stream with its maps, steps, handoffs, findings and metrics are timed one request
after another over one keep-alive connection. SQL statements per GraphQL request are
counted in process (Litestar's TestClient on the same database), with a
`before_cursor_execute` listener on the app's engines. Last, map documents of growing
size are imported through the API, since each handoff of an import re-reads its map.
"""

import argparse
import asyncio
import contextlib
import http.client
import json
import math
import os
import platform
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from bench.http_read import HOST, free_port, running_server
from bench.results import add_output_arguments, write_section

ROLES = ("Product owner", "Developer", "Tester", "Ops engineer", "Architect", "Security")
TEAMS = ("Product", "Dev", "QA", "Platform", "Security")
TOOLS = ("Jira", "Git", "Jenkins", "Terraform", "Confluence", "Slack")
VALUE_CLASSES = ("value_add", "necessary_non_value_add", "unnecessary_non_value_add")
GRAPHQL_QUERY = """
query($id: ID!) {
  valueStream(id: $id) {
    id name
    maps {
      id kind name
      steps {
        id position name role team people processSeconds waitSeconds processTime waitTime
        percentCompleteAccurate tools artifacts automated cicdStage valueClass queueSize
      }
      handoffs { id fromStepId toStepId artifact crossTeam }
      findings { id stepId handoffId category status confidence rule }
      metrics {
        leadTimeSeconds processTimeSeconds activityRatio rolledPcaPercent handoffs
        crossTeamHandoffs bottleneckStepId criticalPath stepCount
      }
    }
  }
}
"""


# --- the generated map ------------------------------------------------------------------


@dataclass(frozen=True)
class StepSpec:
    name: str
    position: int
    role: str | None
    team: str
    people: int
    process_seconds: float
    wait_seconds: float
    percent_complete_accurate: float
    tools: tuple[str, ...]
    artifacts: tuple[str, ...]
    automated: bool
    cicd_stage: bool
    value_class: str
    queue_size: int
    description: str | None


@dataclass(frozen=True)
class EdgeSpec:
    from_index: int
    to_index: int
    artifact: str | None
    cross_team: bool


@dataclass(frozen=True)
class MapSpec:
    steps: list[StepSpec]
    edges: list[EdgeSpec]


def random_dag(steps: int, handoffs: int, seed: int) -> MapSpec:
    """A connected, acyclic flow: every step after the first has a predecessor before it,
    then random forward edges until there are `handoffs`; same seed, same map."""
    if steps < 2 or not steps - 1 <= handoffs <= steps * (steps - 1) // 2:
        raise ValueError(f"{handoffs} handoffs cannot join {steps} steps into one DAG")
    rng = random.Random(seed)
    specs = []
    for i in range(steps):
        artifacts = (f"artifact {rng.randrange(steps // 2 or 1)}",) if rng.random() < 0.6 else ()
        specs.append(
            StepSpec(
                name=f"Step {i:04d}" + (" status report" if rng.random() < 0.05 else ""),
                position=i,
                role=rng.choice(ROLES) if rng.random() < 0.97 else None,
                team=rng.choice(TEAMS),
                people=rng.randint(1, 5),
                process_seconds=float(rng.randint(5, 480) * 60),
                wait_seconds=float(rng.randint(0, 72) * 3600),
                percent_complete_accurate=float(rng.randint(60, 100)),
                tools=tuple(rng.sample(TOOLS, rng.randint(0, 4))),
                artifacts=artifacts,
                automated=rng.random() < 0.3,
                cicd_stage=rng.random() < 0.2,
                value_class=rng.choice(VALUE_CLASSES),
                queue_size=rng.randint(0, 20),
                description="Generated step." if rng.random() < 0.5 else None,
            )
        )
    pairs: set[tuple[int, int]] = {(rng.randrange(i), i) for i in range(1, steps)}
    while len(pairs) < handoffs:
        a, b = sorted(rng.sample(range(steps), 2))
        pairs.add((a, b))
    edges = [
        EdgeSpec(
            a,
            b,
            specs[a].artifacts[0] if specs[a].artifacts and rng.random() < 0.5 else None,
            specs[a].team != specs[b].team,
        )
        for a, b in sorted(pairs)
    ]
    return MapSpec(specs, edges)


def flow_map_of(spec: MapSpec) -> Any:
    from core.maps.flowmap import FlowMap, Handoff, Step

    steps = tuple(
        Step(
            id=f"s{s.position}",
            name=s.name,
            position=s.position,
            role=s.role,
            team=s.team,
            people=s.people,
            process_seconds=s.process_seconds,
            wait_seconds=s.wait_seconds,
            percent_complete_accurate=s.percent_complete_accurate,
            tools=s.tools,
            artifacts=s.artifacts,
            automated=s.automated,
            cicd_stage=s.cicd_stage,
            value_class=s.value_class,  # type: ignore[arg-type]
            description=s.description,
            queue_size=s.queue_size,
        )
        for s in spec.steps
    )
    handoffs = tuple(
        Handoff(f"h{n}", f"s{e.from_index}", f"s{e.to_index}", e.artifact, e.cross_team)
        for n, e in enumerate(spec.edges)
    )
    return FlowMap(id="bench", name="Generated", kind="current", steps=steps, handoffs=handoffs)


# --- timing -----------------------------------------------------------------------------


@dataclass
class Timing:
    label: str
    seconds: list[float] = field(default_factory=list)
    note: str = ""

    def percentile(self, p: float) -> float:
        ordered = sorted(self.seconds)
        return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]

    @property
    def median_ms(self) -> float:
        return statistics.median(self.seconds) * 1000

    @property
    def p95_ms(self) -> float:
        return self.percentile(95) * 1000


def time_calls(label: str, work: Callable[[], Any], runs: int, warmup: int = 2) -> Timing:
    for _ in range(warmup):
        work()
    timing = Timing(label)
    for _ in range(runs):
        start = time.perf_counter()
        work()
        timing.seconds.append(time.perf_counter() - start)
    return timing


# --- storing the maps -------------------------------------------------------------------


@dataclass(frozen=True)
class Stored:
    token: str
    stream_id: str
    map_id: str


def store(database_url: str, specs: dict[str, MapSpec]) -> dict[str, Stored]:
    """Migrate, then one organization with a value stream and current map per spec."""
    from core import migrate

    migrate.upgrade(database_url)
    return asyncio.run(_store(database_url, specs))


async def _store(database_url: str, specs: dict[str, MapSpec]) -> dict[str, Stored]:
    from sqlalchemy.ext.asyncio import async_sessionmaker
    from sqlmodel.ext.asyncio.session import AsyncSession

    from core.actor import Actor
    from core.db import make_oneshot_engine
    from core.engagement import value_streams
    from core.foundation import organizations
    from core.maps import service as maps
    from core.models.token import Role
    from core.models.value_stream import ValueStreamCreate
    from core.models.value_stream_map import MapCreate, MapHandoff, MapKind, MapStep
    from core.unit_of_work import UnitOfWork

    engine = make_oneshot_engine(database_url)
    try:
        maker = async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)
        async with UnitOfWork(maker) as session:
            org, token, secret = await organizations.create_organization(
                session, name="Benchmark", slug=f"bench-{uuid.uuid4().hex[:12]}"
            )
            actor = Actor(organization_id=org.id, role=Role.admin, token_id=token.id)
            stored = {}
            for key, spec in specs.items():
                stream = await value_streams.create_value_stream(
                    session,
                    actor,
                    ValueStreamCreate(name=f"Generated, {len(spec.steps)} steps ({key})"),
                )
                stream_map = await maps.maps.create(
                    session, actor, stream.id, MapCreate(kind=MapKind.current, name="As is")
                )
                rows = [
                    MapStep(
                        organization_id=org.id,
                        map_id=stream_map.id,
                        position=s.position,
                        name=s.name,
                        description=s.description,
                        role=s.role,
                        team=s.team,
                        people=s.people,
                        process_seconds=s.process_seconds,
                        wait_seconds=s.wait_seconds,
                        percent_complete_accurate=s.percent_complete_accurate,
                        tools=list(s.tools),
                        artifacts=list(s.artifacts),
                        automated=s.automated,
                        cicd_stage=s.cicd_stage,
                        value_class=s.value_class,
                        queue_size=s.queue_size,
                    )
                    for s in spec.steps
                ]
                session.add_all(rows)
                await session.flush()
                session.add_all(
                    MapHandoff(
                        organization_id=org.id,
                        map_id=stream_map.id,
                        from_step_id=rows[e.from_index].id,
                        to_step_id=rows[e.to_index].id,
                        artifact=e.artifact,
                        cross_team=e.cross_team,
                    )
                    for e in spec.edges
                )
                await session.flush()
                stored[key] = Stored(secret, str(stream.id), str(stream_map.id))
            return stored
    finally:
        await engine.dispose()


# --- HTTP -------------------------------------------------------------------------------


@dataclass
class Answer:
    status: int
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body or b"null")


class Client:
    """One keep-alive connection, so each timing is one request, not a TCP handshake."""

    def __init__(self, port: int, token: str) -> None:
        self.connection = http.client.HTTPConnection(HOST, port, timeout=900)
        self.headers = {"Authorization": f"Bearer {token}"}

    def send(
        self, method: str, path: str, body: bytes | None = None, content_type: str | None = None
    ) -> Answer:
        headers = dict(self.headers)
        if content_type:
            headers["Content-Type"] = content_type
        self.connection.request(method, path, body=body, headers=headers)
        response = self.connection.getresponse()
        return Answer(response.status, response.read())

    def graphql(self, query: str, variables: dict[str, Any]) -> Answer:
        body = json.dumps({"query": query, "variables": variables}).encode()
        return self.send("POST", "/graphql", body, "application/json")

    def close(self) -> None:
        self.connection.close()


def expect(answer: Answer, status: int, what: str) -> Any:
    if answer.status != status:
        raise RuntimeError(f"{what} answered {answer.status}: {answer.body[:2000]!r}")
    data = answer.json()
    if isinstance(data, dict) and data.get("errors"):
        raise RuntimeError(f"{what} answered errors: {data['errors']}")
    return data


def time_requests(
    label: str, call: Callable[[], Answer], what: str, runs: int, warmup: int = 2
) -> tuple[Timing, int]:
    size = 0

    def once() -> None:
        nonlocal size
        answer = call()
        expect(answer, 200, what)
        size = len(answer.body)

    timing = time_calls(label, once, runs, warmup)
    return timing, size


def document_of(spec: MapSpec, name: str) -> bytes:
    """A map document (value stream as code) for `POST .../maps/import`."""
    return json.dumps(
        {
            "name": name,
            "kind": "desired",
            "steps": [
                {
                    "key": f"s{s.position}",
                    "name": s.name,
                    "position": s.position,
                    "role": s.role,
                    "team": s.team,
                    "process_time": s.process_seconds,
                    "wait_time": s.wait_seconds,
                    "tools": list(s.tools),
                    "artifacts": list(s.artifacts),
                }
                for s in spec.steps
            ],
            "handoffs": [
                {"from": f"s{e.from_index}", "to": f"s{e.to_index}", "cross_team": e.cross_team}
                for e in spec.edges
            ],
        }
    ).encode()


# --- SQL statements per GraphQL request, in process -------------------------------------


@contextlib.contextmanager
def quiet_logs() -> Iterator[None]:
    import logging

    previous = logging.root.manager.disable
    logging.disable(logging.INFO)
    try:
        yield
    finally:
        logging.disable(previous)


def count_statements(database_url: str, token: str, stream_ids: dict[str, str]) -> dict[str, int]:
    from litestar.testing import TestClient
    from sqlalchemy import event

    from api.app import create_app
    from core.config import Settings

    # No token cache: a slow request would outlive it and add the token lookup to one
    # count but not another; without it every request counts the lookup alike.
    settings = Settings(
        database_url=database_url,
        auth_cache_seconds=0,
        _env_file=None,  # type: ignore[call-arg]
    )
    counts: dict[str, int] = {}
    with quiet_logs(), TestClient(create_app(settings)) as client:
        database = client.app.state.vsm.db
        engines = {id(e): e.sync_engine for e in (database.write_engine, database.read_engine)}
        statements: list[str] = []

        def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
            statements.append(statement)

        headers = {"Authorization": f"Bearer {token}"}
        for key, stream_id in stream_ids.items():
            body = {"query": GRAPHQL_QUERY, "variables": {"id": stream_id}}
            client.post("/graphql", json=body, headers=headers)  # warm-up
            for engine in engines.values():
                event.listen(engine, "before_cursor_execute", record)
            seen = []
            try:
                # The fewest of three: authentication writes a token's `last_used_at` at
                # most once a minute, which adds its own statements to one request.
                for _ in range(3):
                    statements.clear()
                    answer = client.post("/graphql", json=body, headers=headers)
                    if answer.status_code != 200 or answer.json().get("errors"):
                        raise RuntimeError(
                            f"GraphQL answered {answer.status_code}: {answer.text[:2000]}"
                        )
                    seen.append(len(statements))
            finally:
                for engine in engines.values():
                    event.remove(engine, "before_cursor_execute", record)
            counts[key] = min(seen)
    return counts


# --- report -----------------------------------------------------------------------------


def machine() -> dict[str, str]:
    def first_match(path: str, pattern: str) -> str:
        with contextlib.suppress(OSError):
            match = re.search(pattern, Path(path).read_text(), re.MULTILINE)
            if match:
                return match.group(1).strip()
        return "unknown"

    memory_kib = first_match("/proc/meminfo", r"^MemTotal:\s+(\d+) kB")
    memory = f"{int(memory_kib) / 1024 / 1024:.1f} GiB" if memory_kib.isdigit() else "unknown"
    date = subprocess.run(["date", "-u"], capture_output=True, text=True, check=False)
    return {
        "date -u": date.stdout.strip() or "unknown",
        "cpus (nproc)": str(len(os.sched_getaffinity(0))),
        "cpu model": first_match("/proc/cpuinfo", r"^model name\s*:\s*(.+)$"),
        "memory": memory,
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "granian": metadata.version("granian"),
        "litestar": metadata.version("litestar"),
        "strawberry-graphql": metadata.version("strawberry-graphql"),
        "sqlalchemy": metadata.version("sqlalchemy"),
        "load average before (1/5/15 min)": " / ".join(f"{v:.2f}" for v in os.getloadavg()),
    }


def timing_rows(timings: list[Timing]) -> list[str]:
    lines = ["| what | runs | median ms | p95 ms | note |", "|---|---:|---:|---:|---|"]
    for t in timings:
        lines.append(
            f"| {t.label} | {len(t.seconds)} | {t.median_ms:,.2f} | {t.p95_ms:,.2f} | {t.note} |"
        )
    return lines


def section(
    when: str,
    settings: dict[str, str],
    info: dict[str, str],
    pure: list[Timing],
    served: list[Timing],
    one_offs: list[tuple[str, str]],
    statements: dict[str, int],
    imports: list[tuple[str, float]],
) -> str:
    body = [
        f"## Map metrics at scale, {settings['database']} ({when})",
        "",
        f"A. In process, a random DAG of {settings['steps']} steps and {settings['handoffs']} "
        f"handoffs (seed {settings['seed']}):",
        "",
        *timing_rows(pure),
        "",
        "B. Through granian (1 worker), one request after another on one keep-alive "
        "connection, after both maps were classified:",
        "",
        *timing_rows(served),
        "",
        "| one-off request | value |",
        "|---|---|",
        *(f"| {label} | {value} |" for label, value in one_offs),
        "",
        "SQL statements per GraphQL request (value stream, maps, steps, handoffs, findings, "
        "metrics; counted in process on the app's engines, token lookup included):",
        "",
        "| map | statements |",
        "|---|---:|",
        *(f"| {label} | {n} |" for label, n in statements.items()),
        "",
        "Import of a map document through `POST /value-streams/{id}/maps/import` "
        "(steps, handoffs = 2.5 x steps):",
        "",
        "| document | seconds |",
        "|---|---:|",
        *(f"| {label} | {seconds:,.2f} |" for label, seconds in imports),
        "",
        "| setting | value |",
        "|---|---|",
        *(f"| {name} | {value} |" for name, value in settings.items()),
        *(f"| {name} | {value} |" for name, value in info.items()),
    ]
    return "\n".join(body) + "\n"


# --- main -------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.map_metrics",
        description="Map metrics on a large generated map: in process and through the API.",
    )
    parser.add_argument("--steps", type=int, default=2000, help="steps of the large map")
    parser.add_argument("--handoffs", type=int, default=5000, help="handoffs of the large map")
    parser.add_argument("--small-steps", type=int, default=20, help="steps of the small map")
    parser.add_argument("--seed", type=int, default=20260101, help="seed of the generator")
    parser.add_argument("--runs", type=int, default=50, help="in-process runs per figure")
    parser.add_argument("--requests", type=int, default=20, help="timed requests per endpoint")
    parser.add_argument(
        "--import-sizes",
        default="50,100,200",
        help="comma-separated step counts of the imported documents (empty: skip)",
    )
    add_output_arguments(parser)
    args = parser.parse_args(argv)
    if not 2 <= args.small_steps <= args.steps or not 1 <= args.runs <= 1000:
        parser.error("need 2 <= --small-steps <= --steps and 1 <= --runs <= 1000")
    if not 1 <= args.requests <= 1000:
        parser.error("--requests must be 1..1000")
    try:
        args.import_sizes = [int(n) for n in args.import_sizes.split(",") if n.strip()]
    except ValueError:
        parser.error("--import-sizes takes whole numbers separated by commas")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    from core.metrics.map_metrics import compute_map_metrics
    from plugins.waste_rules.classifier import classify

    info = machine()
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    large = random_dag(args.steps, args.handoffs, args.seed)
    small_edges = min(round(args.small_steps * 2.5), args.small_steps * (args.small_steps - 1) // 2)
    small = random_dag(args.small_steps, small_edges, args.seed)

    print(f"A. {args.steps} steps, {args.handoffs} handoffs, {args.runs} runs ...", flush=True)
    picture = flow_map_of(large)
    metrics = compute_map_metrics(picture)
    pure = [
        time_calls("build the FlowMap (validation)", lambda: flow_map_of(large), args.runs),
        time_calls("compute_map_metrics", lambda: compute_map_metrics(picture), args.runs),
        time_calls("waste_rules.classify", lambda: classify(picture), args.runs),
    ]
    pure[
        1
    ].note = f"lead time {metrics.lead_time_days:,.1f} d over {len(metrics.critical_path)} steps"
    pure[2].note = f"{len(classify(picture))} suggestions"

    with tempfile.TemporaryDirectory(prefix="vsm-bench-") as scratch:
        database_url = args.database_url or f"sqlite+aiosqlite:///{scratch}/bench.db"
        database = "SQLite" if database_url.startswith("sqlite") else "PostgreSQL"
        print(f"B. storing both maps in a {database} database ...", flush=True)
        started = time.perf_counter()
        stored = store(database_url, {"small": small, "large": large})
        store_seconds = time.perf_counter() - started
        token = stored["large"].token
        port = free_port()
        log = Path(scratch) / "server.log"
        served: list[Timing] = []
        one_offs: list[tuple[str, str]] = [
            ("store the two maps (rows in one unit of work)", f"{store_seconds:,.1f} s")
        ]
        imports: list[tuple[str, float]] = []
        print(f"starting granian on {HOST}:{port} ...", flush=True)
        with running_server(database_url, port, 1, log) as _base:
            client = Client(port, token)
            try:
                for key in ("small", "large"):
                    n = len((small, large)[key == "large"].steps)
                    started = time.perf_counter()
                    outcome = expect(
                        client.send("POST", f"/api/v1/maps/{stored[key].map_id}/classify"),
                        200,
                        "classify",
                    )
                    one_offs.append(
                        (
                            f"POST classify, {n} steps (first run)",
                            f"{time.perf_counter() - started:,.2f} s, "
                            f"{len(outcome['created'])} findings stored",
                        )
                    )
                for key in ("small", "large"):
                    n = len((small, large)[key == "large"].steps)
                    ids = stored[key]
                    print(f"timing {n} steps ...", flush=True)
                    timing, size = time_requests(
                        f"GET /maps/{{id}}/metrics, {n} steps",
                        lambda ids=ids: client.send("GET", f"/api/v1/maps/{ids.map_id}/metrics"),
                        "metrics",
                        args.requests,
                    )
                    timing.note = f"{size / 1024:,.0f} KiB"
                    served.append(timing)
                    timing, size = time_requests(
                        f"GraphQL stream + maps + steps + findings, {n} steps",
                        lambda ids=ids: client.graphql(GRAPHQL_QUERY, {"id": ids.stream_id}),
                        "GraphQL",
                        args.requests,
                    )
                    timing.note = f"{size / 1024:,.0f} KiB"
                    served.append(timing)
                    timing, size = time_requests(
                        f"POST classify again (all known), {n} steps",
                        lambda ids=ids: client.send("POST", f"/api/v1/maps/{ids.map_id}/classify"),
                        "classify",
                        max(3, args.requests // 4),
                        warmup=0,
                    )
                    served.append(timing)
                target = expect(
                    client.send(
                        "POST",
                        "/api/v1/value-streams",
                        json.dumps({"name": "Imported documents"}).encode(),
                        "application/json",
                    ),
                    201,
                    "create a value stream",
                )
                for steps in args.import_sizes:
                    spec = random_dag(steps, round(steps * 2.5), args.seed + steps)
                    print(f"importing a document of {steps} steps ...", flush=True)
                    started = time.perf_counter()
                    expect(
                        client.send(
                            "POST",
                            f"/api/v1/value-streams/{target['id']}/maps/import",
                            document_of(spec, f"Imported {steps}"),
                            "application/json",
                        ),
                        201,
                        "import",
                    )
                    imports.append(
                        (
                            f"{steps} steps, {len(spec.edges)} handoffs",
                            time.perf_counter() - started,
                        )
                    )
            finally:
                client.close()
        print("counting SQL statements per GraphQL request ...", flush=True)
        statements = count_statements(
            database_url,
            token,
            {
                f"{args.small_steps} steps": stored["small"].stream_id,
                f"{args.steps} steps": stored["large"].stream_id,
            },
        )

    settings = {
        "database": database,
        "steps": str(args.steps),
        "handoffs": str(args.handoffs),
        "small map": f"{args.small_steps} steps, {small_edges} handoffs",
        "seed": str(args.seed),
        "in-process runs": str(args.runs),
        "timed requests": f"{args.requests} per endpoint, after 2 warm-up requests",
    }
    text = section(when, settings, info, pure, served, one_offs, statements, imports)
    print()
    print(text)
    if not args.no_write:
        key = f"{when[:10]} {database.lower()} {args.steps}x{args.handoffs}"
        write_section(args.results, "map_metrics", key, text)
        print(f"updated {args.results}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
