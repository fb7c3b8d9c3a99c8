"""HTTP read benchmark: single rows and pages of 100 against bare routes, one server.

Run from the repository root with `make bench` or `python -m bench.http_read --help`.

It builds a fresh database (a temporary SQLite file unless `--database-url` names
another), migrates it, creates an organization with an admin token, starts granian
serving `bench.app:create_bench_app` on a free loopback port, creates people through
the REST API, a value stream for each person and each person as a participant of the
first stream, and then measures each endpoint with wrk (a separate process) for a fixed
duration and concurrency: the bare routes, one person, and a page of 100 of each of three
lists (people, value streams, and a value stream's participants, a kind of record that
belongs to a parent). Rounds are interleaved (bare, bare + SELECT 1, detail, lists, bare,
...) so that noise from a shared machine hits every endpoint alike; the medians are
reported, with each endpoint's requests per second as a fraction of the bare route's and
the server's CPU time per request.

The server runs without the per-token request budget: wrk sends every request with one
token, and the budget would answer most of them 429, which measures the budget instead.
"""

import argparse
import asyncio
import contextlib
import functools
import json
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from bench.app import BARE_DB_PATH, BARE_PATH
from bench.results import add_output_arguments, write_section

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
DEFAULT_APP = "bench.app:create_bench_app"
DETAIL_TARGET = 0.25
LIST_TARGET = 0.10
NO_BUDGET = {"VSM_RATE_LIMIT_REQUESTS": "0"}


@dataclass
class Endpoint:
    key: str
    label: str
    path: str
    auth: bool = True


@dataclass
class Measurement:
    rps: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    requests: int
    errors: int
    server_cpu_us: float = float("nan")
    others_cores: float = float("nan")


@dataclass
class Series:
    endpoint: Endpoint
    runs: list[Measurement] = field(default_factory=list)

    def median(self, attribute: str) -> float:
        return statistics.median(getattr(run, attribute) for run in self.runs)


# --- setup -----------------------------------------------------------------------------


def prepare_database(database_url: str) -> str:
    """Migrate the database and create an organization; returns its admin token."""
    from core import migrate

    migrate.upgrade(database_url)
    return asyncio.run(_create_organization(database_url))


async def _create_organization(database_url: str) -> str:
    from sqlalchemy.ext.asyncio import async_sessionmaker
    from sqlmodel.ext.asyncio.session import AsyncSession

    from core.db import make_oneshot_engine
    from core.foundation import organizations
    from core.unit_of_work import UnitOfWork

    engine = make_oneshot_engine(database_url)
    try:
        maker = async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)
        async with UnitOfWork(maker) as session:
            slug = f"bench-{uuid.uuid4().hex[:12]}"
            _org, _token, secret = await organizations.create_organization(
                session, name="Benchmark", slug=slug
            )
            return secret
    finally:
        await engine.dispose()


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def running_server(
    database_url: str, port: int, workers: int, log: Path, app: str = DEFAULT_APP
) -> Iterator[str]:
    """Serve the benchmark app with granian as `vsm serve` does; yields its base URL."""
    with server_process(database_url, port, workers, log, app) as (base, _group):
        yield base


def granian_command(app: str, port: int, workers: int) -> list[str]:
    """granian serving the ASGI app factory `app` as `vsm serve` serves the service."""
    return [
        sys.executable,
        "-m",
        "granian",
        "--interface",
        "asgi",
        "--factory",
        "--host",
        HOST,
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--log-level",
        "warning",
        app,
    ]


@contextlib.contextmanager
def server_process(
    database_url: str,
    port: int,
    workers: int,
    log: Path,
    app: str = DEFAULT_APP,
    settings: dict[str, str] | None = None,
) -> Iterator[tuple[str, int]]:
    """Start granian in its own process group; yields the base URL and the group's id.

    `settings` are environment variables for the server (VSM_...). The server (with its
    workers) is always stopped when the block ends.
    """
    env = {
        **os.environ,
        **(settings or {}),
        "VSM_DATABASE_URL": database_url,
        "VSM_LOG_LEVEL": "warning",
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
    }
    command = granian_command(app, port, workers)
    base = f"http://{HOST}:{port}"
    with log.open("wb") as output:
        server = subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            wait_until_healthy(server, base, log)
            yield base, server.pid
        finally:
            stop(server)


def wait_until_healthy(server: subprocess.Popen[bytes], base: str, log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"the server exited with {server.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(f"{base}/health", timeout=2) as answer:
                if answer.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.2)
    raise RuntimeError(f"the server did not answer /health within 60 s:\n{log.read_text()}")


def stop(server: subprocess.Popen[bytes]) -> None:
    """SIGTERM the server's process group (granian and its workers), then SIGKILL if need be."""
    if server.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(server.pid, signal.SIGTERM)
    try:
        server.wait(timeout=15)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.pid, signal.SIGKILL)
        server.wait(timeout=5)


def call(
    base: str, method: str, path: str, token: str, body: dict[str, Any] | None = None
) -> tuple[int, Any]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(f"{base}{path}", data=data, method=method)
    request.add_header("Authorization", f"Bearer {token}")
    if data is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, json.loads(answer.read() or b"null")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode(errors="replace")


def create_people(base: str, token: str, count: int) -> list[str]:
    ids = []
    for n in range(count):
        status, body = call(
            base,
            "POST",
            "/api/v1/people",
            token,
            {
                "name": f"Person {n:04d}",
                "email": f"person{n:04d}@example.com",
                "title": "Value stream participant",
            },
        )
        if status != 201:
            raise RuntimeError(f"creating a person answered {status}: {body}")
        ids.append(body["id"])
    return ids


def create_value_streams(base: str, token: str, count: int) -> list[str]:
    ids = []
    for n in range(count):
        status, body = call(
            base, "POST", "/api/v1/value-streams", token, {"name": f"Value stream {n:04d}"}
        )
        if status != 201:
            raise RuntimeError(f"creating a value stream answered {status}: {body}")
        ids.append(body["id"])
    return ids


def add_participants(base: str, token: str, stream: str, people: list[str]) -> None:
    for person in people:
        status, body = call(
            base,
            "POST",
            f"/api/v1/value-streams/{stream}/participants",
            token,
            {"person_id": person, "role": "participant"},
        )
        if status != 201:
            raise RuntimeError(f"adding a participant answered {status}: {body}")


def check_endpoint(base: str, token: str, endpoint: Endpoint, expected_items: int | None) -> None:
    status, body = call(base, "GET", endpoint.path, token)
    if status != 200:
        raise RuntimeError(f"GET {endpoint.path} answered {status}: {body}")
    if expected_items is not None and len(body["items"]) != expected_items:
        raise RuntimeError(f"GET {endpoint.path} returned {len(body['items'])} items")


# --- load generation --------------------------------------------------------------------

UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _duration_ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text)
    if match is None:
        raise ValueError(f"unexpected wrk duration {text!r}")
    return float(match.group(1)) * UNITS_MS[match.group(2)]


def parse_wrk(output: str) -> Measurement:
    """Read requests/sec, latency percentiles and errors from `wrk --latency` output."""
    rps = re.search(r"^Requests/sec:\s+([\d.]+)", output, re.MULTILINE)
    total = re.search(r"^\s*(\d+) requests in", output, re.MULTILINE)
    if rps is None or total is None:
        raise RuntimeError(f"could not read wrk's output:\n{output}")
    percentiles = {
        int(m.group(1)): _duration_ms(m.group(2))
        for m in re.finditer(r"^\s+(\d+)%\s+([\d.]+\w+)\s*$", output, re.MULTILINE)
    }
    errors = 0
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    if non_2xx:
        errors += int(non_2xx.group(1))
    socket_errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    if socket_errors:
        errors += sum(int(g) for g in socket_errors.groups())
    return Measurement(
        rps=float(rps.group(1)),
        p50_ms=percentiles.get(50, float("nan")),
        p90_ms=percentiles.get(90, float("nan")),
        p99_ms=percentiles.get(99, float("nan")),
        requests=int(total.group(1)),
        errors=errors,
    )


def run_wrk(
    url: str, token: str | None, *, threads: int, connections: int, seconds: float
) -> Measurement:
    command = [
        "wrk",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{max(1, round(seconds))}s",
        "--timeout",
        "10s",
        "--latency",
    ]
    if token:
        command += ["-H", f"Authorization: Bearer {token}"]
    command.append(url)
    done = subprocess.run(
        command, capture_output=True, text=True, timeout=seconds + 60, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"wrk failed ({done.returncode}): {done.stderr or done.stdout}")
    return parse_wrk(done.stdout)


class CpuMeter:
    """CPU seconds of the server's process group, and of the whole machine, over a span."""

    def __init__(self, group: int) -> None:
        self.group = group
        self.ticks = os.sysconf("SC_CLK_TCK")

    def group_seconds(self) -> float:
        total = 0
        for stat in Path("/proc").glob("[0-9]*/stat"):
            with contextlib.suppress(OSError, ValueError, IndexError):
                fields = stat.read_text().rsplit(")", 1)[1].split()
                if int(fields[2]) == self.group:
                    total += int(fields[11]) + int(fields[12])
        return total / self.ticks

    def machine_busy_seconds(self) -> float:
        """User, nice and system time of all CPUs (not interrupts, which our traffic causes)."""
        fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
        return sum(fields[:3]) / self.ticks

    def measure(self, run: Callable[[], Measurement], seconds: float) -> Measurement:
        """Run a measurement and add the server's CPU per request and everyone else's CPU."""
        server0, busy0, own0 = self.group_seconds(), self.machine_busy_seconds(), _own_cpu()
        result = run()
        server = self.group_seconds() - server0
        busy = self.machine_busy_seconds() - busy0
        own = _own_cpu() - own0
        result.server_cpu_us = server / max(result.requests, 1) * 1e6
        result.others_cores = max(busy - server - own, 0.0) / seconds
        return result


def _own_cpu() -> float:
    """CPU seconds of this process and its waited-for children (wrk)."""
    times = os.times()
    return times.user + times.system + times.children_user + times.children_system


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
    try:
        wrk = subprocess.run(["wrk", "--version"], capture_output=True, text=True, check=False)
        wrk_version = (wrk.stdout or wrk.stderr).splitlines()[0].split(" [")[0].strip()
    except (OSError, IndexError):
        wrk_version = "wrk not installed"
    load = " / ".join(f"{value:.2f}" for value in os.getloadavg())
    return {
        "cpus": str(len(os.sched_getaffinity(0))),
        "cpu model": first_match("/proc/cpuinfo", r"^model name\s*:\s*(.+)$"),
        "memory": memory,
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "granian": metadata.version("granian"),
        "litestar": metadata.version("litestar"),
        "sqlalchemy": metadata.version("sqlalchemy"),
        "load generator": wrk_version,
        "load average before (1/5/15 min)": load,
    }


def table(series: list[Series], bare: Series) -> list[str]:
    lines = [
        "| endpoint | req/s | vs bare | p50 ms | p90 ms | p99 ms | server CPU µs/req | errors |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for item in series:
        ratio = item.median("rps") / bare.median("rps")
        errors = sum(run.errors for run in item.runs)
        lines.append(
            f"| {item.endpoint.label} | {item.median('rps'):,.0f} | {ratio:.1%} "
            f"| {item.median('p50_ms'):.2f} | {item.median('p90_ms'):.2f} "
            f"| {item.median('p99_ms'):.2f} | {item.median('server_cpu_us'):,.0f} | {errors} |"
        )
    return lines


def per_round(series: list[Series]) -> list[str]:
    """Requests per second of each round, and the CPU that other processes took meanwhile."""
    labels = " | ".join(s.endpoint.label for s in series)
    lines = [f"| round | {labels} | other processes' CPU (cores) |"]
    lines.append("|---|" + "---:|" * (len(series) + 1))
    for n in range(len(series[0].runs)):
        cells = [f"{s.runs[n].rps:,.0f}" for s in series]
        others = statistics.mean(s.runs[n].others_cores for s in series)
        lines.append(f"| {n + 1} | " + " | ".join(cells) + f" | {others:.2f} |")
    return lines


def section(when: str, settings: dict[str, str], info: dict[str, str], series: list[Series]) -> str:
    bare, floor, detail, *lists = series
    detail_ratio = detail.median("rps") / bare.median("rps")
    floor_ratio = detail.median("rps") / floor.median("rps")
    verdict = "met" if detail_ratio >= DETAIL_TARGET else "NOT met"
    list_lines = []
    for listing in lists:
        ratio = listing.median("rps") / bare.median("rps")
        met = "met" if ratio >= LIST_TARGET else "NOT met"
        cpu = listing.median("server_cpu_us") / bare.median("server_cpu_us")
        list_lines.append(
            f"- {listing.endpoint.label} / bare: **{ratio:.1%}** "
            f"(target at least {LIST_TARGET:.0%}: {met}); server CPU per request "
            f"{cpu:.1f}x the bare route's (at most {1 / LIST_TARGET:.0f}x would meet it "
            "on a machine the server has to itself)"
        )
    body = [
        f"## HTTP reads, {settings['database']}, {settings['workers']} worker(s) ({when})",
        "",
        "Medians over interleaved rounds; each round measures every endpoint once.",
        "",
        *table(series, bare),
        "",
        f"- detail / bare: **{detail_ratio:.1%}** (target at least {DETAIL_TARGET:.0%}: {verdict})",
        *list_lines,
        f"- detail / (bare route + SELECT 1): {floor_ratio:.1%} "
        "(a person and the pages are read by the point reader, not through the ORM session)",
        "",
        "Requests per second in each round, with the CPU that processes other than the",
        "server and wrk used meanwhile (a quiet machine shows about 0):",
        "",
        *per_round(series),
        "",
        "| setting | value |",
        "|---|---|",
        *(f"| {name} | {value} |" for name, value in settings.items()),
        *(f"| {name} | {value} |" for name, value in info.items()),
        "",
        "The load generator runs on the same machine as the server and shares its CPUs;",
        "the figures compare endpoints with each other, not with other machines.",
    ]
    return "\n".join(body) + "\n"


# --- main -------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.http_read",
        description="Requests per second of REST reads against a bare route on one server.",
    )
    parser.add_argument("--duration", type=float, default=10, help="seconds per measurement")
    parser.add_argument("--warmup", type=float, default=3, help="seconds of warm-up per endpoint")
    parser.add_argument("--connections", type=int, default=32, help="concurrent connections")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds (median)")
    parser.add_argument("--workers", type=int, default=1, help="granian worker processes")
    parser.add_argument(
        "--app",
        default=DEFAULT_APP,
        help="app factory to serve (module:function); it must also serve the bare route",
    )
    parser.add_argument("--people", type=int, default=150, help="people to create first")
    add_output_arguments(parser)
    args = parser.parse_args(argv)
    if not 1 <= args.duration <= 120 or not 0 <= args.warmup <= 30:
        parser.error("--duration must be 1..120 s and --warmup 0..30 s")
    if not 1 <= args.connections <= 1024 or not 1 <= args.threads <= args.connections:
        parser.error("--connections must be 1..1024 and --threads 1..connections")
    if not 1 <= args.rounds <= 10 or not 1 <= args.workers <= 16 or args.people < 100:
        parser.error("--rounds must be 1..10, --workers 1..16 and --people at least 100")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if shutil.which("wrk") is None:
        print("wrk is not installed: `apt-get install wrk` (Debian/Ubuntu)", file=sys.stderr)
        return 2
    info = machine()
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    with tempfile.TemporaryDirectory(prefix="vsm-bench-") as scratch:
        database_url = args.database_url or f"sqlite+aiosqlite:///{scratch}/bench.db"
        database = "SQLite" if database_url.startswith("sqlite") else "PostgreSQL"
        print(f"preparing a {database} database ...", flush=True)
        token = prepare_database(database_url)
        port = free_port()
        log = Path(scratch) / "server.log"
        print(f"starting granian ({args.workers} worker(s)) on {HOST}:{port} ...", flush=True)
        with server_process(database_url, port, args.workers, log, args.app, NO_BUDGET) as (
            base,
            group,
        ):
            ids = create_people(base, token, args.people)
            streams = create_value_streams(base, token, args.people)
            add_participants(base, token, streams[0], ids)
            endpoints = [
                Endpoint("bare", "bare route", BARE_PATH, auth=False),
                Endpoint("bare-db", "bare route + SELECT 1", BARE_DB_PATH, auth=False),
                Endpoint("detail", "GET one person", f"/api/v1/people/{ids[len(ids) // 2]}"),
                Endpoint("list", "GET 100 people", "/api/v1/people?limit=100"),
                Endpoint("list", "GET 100 value streams", "/api/v1/value-streams?limit=100"),
                Endpoint(
                    "list",
                    "GET 100 participants",
                    f"/api/v1/value-streams/{streams[0]}/participants?limit=100",
                ),
            ]
            for endpoint in endpoints:
                items = 100 if endpoint.key == "list" else None
                check_endpoint(base, token, endpoint, items)
            series = [Series(endpoint) for endpoint in endpoints]
            meter = CpuMeter(group)
            for endpoint in endpoints:
                if args.warmup:
                    run_wrk(
                        base + endpoint.path,
                        token if endpoint.auth else None,
                        threads=args.threads,
                        connections=args.connections,
                        seconds=args.warmup,
                    )
            for n in range(args.rounds):
                for item in series:
                    label = f"round {n + 1}/{args.rounds}: {item.endpoint.label}"
                    print(f"{label}: ", end="", flush=True)
                    item.runs.append(
                        meter.measure(
                            functools.partial(
                                run_wrk,
                                base + item.endpoint.path,
                                token if item.endpoint.auth else None,
                                threads=args.threads,
                                connections=args.connections,
                                seconds=args.duration,
                            ),
                            args.duration,
                        )
                    )
                    last = item.runs[-1]
                    print(f"{last.rps:,.0f} req/s, {last.requests:,} requests", flush=True)
    settings = {
        "database": database,
        "workers": str(args.workers),
        "app": args.app,
        "duration": f"{args.duration:g} s per measurement, {args.warmup:g} s warm-up",
        "concurrency": f"{args.connections} connections, {args.threads} wrk threads",
        "rounds": str(args.rounds),
        "people in the organization": str(args.people),
        "value streams in the organization": str(args.people),
        "participants of the listed stream": str(args.people),
        "per-token request budget": "off (VSM_RATE_LIMIT_REQUESTS=0)",
    }
    text = section(when, settings, info, series)
    print()
    print(text)
    if not args.no_write:
        key = f"{when[:10]} {database.lower()} w{args.workers} c{args.connections}"
        if args.app != DEFAULT_APP:
            key += f" {args.app}"
        write_section(args.results, "http_read", key, text)
        print(f"updated {args.results}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
