"""From `vsm serve` to `GET /ready` 200 on a populated database: the outage of a restart.

    .venv/bin/python -m bench.startup                      # temporary SQLite file
    .venv/bin/python -m bench.startup --database-url postgresql+asyncpg://USER@HOST/vsm_bench
    .venv/bin/python -m bench.startup --value-streams 50 --rounds 3 --no-write   # a quick try

See bench/README.md for what a run does and how to read it.
"""

import argparse
import asyncio
import contextlib
import itertools
import os
import platform
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from bench.http_read import HOST, free_port, granian_command
from bench.results import RESULTS, write_section

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT_SECONDS = 120.0
POLL_SECONDS = 0.01
TARGET_SECONDS = 2.0
YARDSTICK_APP = "bench.startup:yardstick_app"
PHASES = """
import time
clock = time.process_time
marks = [clock()]
import api.cli
marks.append(clock())
from api.cli.runner import load_settings, require_ready
require_ready(load_settings())
marks.append(clock())
import granian.server
marks.append(clock())
from api.cli.serve import APP_MODULE, _import_before_fork
_import_before_fork(APP_MODULE)
marks.append(clock())
import api.app
app = api.app.create_app_from_env()
marks.append(clock())
print(" ".join(f"{b - a:.4f}" for a, b in zip(marks, marks[1:])))
"""
PHASE_NAMES = (
    "import the CLI (`api.cli`)",
    "settings and the schema check (`require_ready`)",
    "import granian",
    "import the app (`api.app`), before the fork",
    "`create_app` in the worker",
)


def yardstick_app() -> Any:
    """The least a Litestar app under granian does before it answers: one route."""
    from litestar import Litestar, get

    @get("/ready")
    async def ready() -> dict[str, str]:
        return {"status": "ready"}

    return Litestar(route_handlers=[ready])


# --- the database ---------------------------------------------------------------------


def populate(database_url: str, streams: int, steps: int, seed: int) -> None:
    """Migrate and fill: `streams` value streams, each with a current-state map of `steps`."""
    from core import migrate

    migrate.upgrade(database_url)
    asyncio.run(_populate(database_url, streams, steps, seed))


async def _populate(database_url: str, streams: int, steps: int, seed: int) -> None:
    from sqlalchemy.ext.asyncio import async_sessionmaker
    from sqlmodel.ext.asyncio.session import AsyncSession

    from core.actor import Actor
    from core.db import make_oneshot_engine
    from core.engagement import value_streams
    from core.foundation import organizations, people
    from core.maps import service as maps
    from core.models.person import PersonCreate
    from core.models.token import Role
    from core.models.value_stream import ValueStreamCreate
    from core.models.value_stream_map import HandoffCreate, MapCreate, MapKind, StepCreate
    from core.unit_of_work import UnitOfWork

    rng = random.Random(seed)
    engine = make_oneshot_engine(database_url)
    try:
        maker = async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)
        async with UnitOfWork(maker) as session:
            org, token, _secret = await organizations.create_organization(
                session, name="Start-up benchmark", slug=f"bench-{uuid.uuid4().hex[:12]}"
            )
            actor = Actor(organization_id=org.id, role=Role.admin, token_id=token.id)
            owners = [
                (
                    await people.create_person(
                        session, actor, PersonCreate(name=f"Person {n}", email=f"p{n}@example.com")
                    )
                ).id
                for n in range(50)
            ]
            for n in range(streams):
                stream = await value_streams.create_value_stream(
                    session,
                    actor,
                    ValueStreamCreate(name=f"Stream {n:04d}", owner_id=rng.choice(owners)),
                )
                current = await maps.maps.create(
                    session, actor, stream.id, MapCreate(kind=MapKind.current, name="Current")
                )
                made = [
                    await maps.steps.create(
                        session,
                        actor,
                        current.id,
                        StepCreate(
                            name=f"Step {i}",
                            process_time=f"{rng.randint(5, 240)} min",
                            wait_time=f"{rng.randint(0, 48)} h",
                        ),
                    )
                    for i in range(steps)
                ]
                for before, after in itertools.pairwise(made):
                    await maps.handoffs.create(
                        session,
                        actor,
                        current.id,
                        HandoffCreate(from_step_id=before.id, to_step_id=after.id),
                    )
    finally:
        await engine.dispose()


# --- starting servers -----------------------------------------------------------------


@dataclass
class Start:
    seconds: float
    cpu_seconds: float


@dataclass
class Series:
    name: str
    starts: list[Start] = field(default_factory=list)

    def median(self) -> float:
        return statistics.median(s.seconds for s in self.starts)

    def median_cpu(self) -> float:
        return statistics.median(s.cpu_seconds for s in self.starts)


def vsm_command() -> list[str]:
    """`vsm serve` as an operator runs it: the installed script beside this interpreter."""
    script = Path(sys.executable).with_name("vsm")
    if script.exists():
        return [str(script), "serve"]
    return [sys.executable, "-c", "from api.cli import main; main()", "serve"]


def yardstick_command(port: int) -> list[str]:
    return granian_command(YARDSTICK_APP, port, 1)


def time_to_ready(command: list[str], env: dict[str, str], port: int, log: Path) -> Start:
    """Start `command` and poll `/ready` until it answers 200; the seconds that took and
    the CPU its processes used meanwhile. The server is stopped before this returns."""
    url = f"http://{HOST}:{port}/ready"
    with log.open("wb") as output:
        started = time.perf_counter()
        server = subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            while time.perf_counter() - started < TIMEOUT_SECONDS:
                if server.poll() is not None:
                    raise RuntimeError(
                        f"{command[0]} exited with {server.returncode}:\n{log.read_text()}"
                    )
                if _answers(url):
                    seconds = time.perf_counter() - started
                    return Start(seconds, _tree_cpu_seconds(server.pid))
                time.sleep(POLL_SECONDS)
            raise RuntimeError(
                f"no 200 from {url} within {TIMEOUT_SECONDS:g} s:\n{log.read_text()}"
            )
        finally:
            _stop(server)


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as answer:
            return bool(answer.status == 200)
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return False


def _tree_cpu_seconds(root: int) -> float:
    """User and system CPU of a process and its descendants, from /proc (0 elsewhere)."""
    ticks = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    parents: dict[int, int] = {}
    cpu: dict[int, int] = {}
    for entry in Path("/proc").iterdir() if Path("/proc").is_dir() else ():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError):
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            parents[int(entry.name)] = int(fields[1])
            cpu[int(entry.name)] = int(fields[11]) + int(fields[12])
    tree, grew = {root}, True
    while grew:
        more = {pid for pid, parent in parents.items() if parent in tree} - tree
        tree |= more
        grew = bool(more)
    return sum(cpu.get(pid, 0) for pid in tree) / ticks


def _stop(server: subprocess.Popen[bytes]) -> None:
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


def phases(env: dict[str, str]) -> list[float]:
    """CPU seconds of each start-up phase, in one fresh interpreter, in the order served."""
    done = subprocess.run(
        [sys.executable, "-c", PHASES],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return [float(value) for value in done.stdout.split()]


# --- the report -----------------------------------------------------------------------


def machine(database_url: str) -> dict[str, str]:
    from sqlalchemy.engine import make_url

    load = " / ".join(f"{value:.2f}" for value in os.getloadavg())
    backend = make_url(database_url).get_backend_name()
    return {
        "database": "PostgreSQL" if backend == "postgresql" else "SQLite",
        "cpus (nproc)": str(len(os.sched_getaffinity(0))),
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "granian / litestar / strawberry": " / ".join(
            metadata.version(name) for name in ("granian", "litestar", "strawberry-graphql")
        ),
        "load average before (1/5/15 min)": load,
    }


def section(
    when: datetime,
    info: dict[str, str],
    args: argparse.Namespace,
    serve: Series,
    yardstick: Series,
    phase_cpu: list[list[float]],
) -> str:
    ratio = serve.median() / yardstick.median()
    met = "met" if serve.median() < TARGET_SECONDS else "not met"
    lines = [
        f"## Start-up to `/ready`, {info['database']} ({when:%Y-%m-%d %H:%M} UTC)",
        "",
        f"{args.value_streams} value streams with a current-state map of {args.steps} steps "
        f"each; {args.rounds} interleaved rounds, medians; the clock runs from the start of "
        "the process to the first `GET /ready` 200 (polled every 10 ms).",
        "",
        "| what | median s | min s | max s | CPU s (median) |",
        "|---|---:|---:|---:|---:|",
    ]
    for series in (serve, yardstick):
        seconds = [s.seconds for s in series.starts]
        lines.append(
            f"| {series.name} | {series.median():.2f} | {min(seconds):.2f} | "
            f"{max(seconds):.2f} | {series.median_cpu():.2f} |"
        )
    lines += [
        "",
        f"- `vsm serve` to `/ready` 200: **{serve.median():.2f} s** (target under "
        f"{TARGET_SECONDS:g} s: {met})",
        f"- `vsm serve` / yardstick: **{ratio:.2f}x** in seconds, "
        f"{serve.median_cpu() / yardstick.median_cpu():.2f}x in CPU seconds",
        "",
        "Where the CPU goes (one fresh interpreter a round, `time.process_time`, medians):",
        "",
        "| phase | CPU s |",
        "|---|---:|",
    ]
    for index, name in enumerate(PHASE_NAMES):
        lines.append(f"| {name} | {statistics.median(r[index] for r in phase_cpu):.3f} |")
    lines += ["", "| setting | value |", "|---|---|"]
    lines += [f"| {key} | {value} |" for key, value in info.items()]
    lines += [
        "",
        "The yardstick is granian serving a Litestar app with one route, started the same "
        "way in the same rounds: what any app on this stack pays before it answers. The "
        "2 cores are shared, so compare the ratio and the CPU seconds rather than the "
        "wall-clock seconds across runs.",
        "",
    ]
    return "\n".join(lines)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database-url",
        help="a throwaway database to migrate and fill (default: a temporary SQLite file)",
    )
    parser.add_argument("--value-streams", type=int, default=500)
    parser.add_argument("--steps", type=int, default=10, help="steps of each stream's map")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--no-write", action="store_true", help="leave bench/RESULTS.md alone")
    return parser.parse_args(argv)


@contextlib.contextmanager
def database(url: str | None) -> Iterator[str]:
    if url:
        yield url
        return
    with tempfile.TemporaryDirectory(prefix="vsm-bench-startup-") as folder:
        yield f"sqlite+aiosqlite:///{Path(folder) / 'vsm.db'}"


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    with database(args.database_url) as url, tempfile.TemporaryDirectory() as logs:
        print(f"filling the database: {args.value_streams} value streams ...", flush=True)
        populate(url, args.value_streams, args.steps, args.seed)
        env = {
            **os.environ,
            "VSM_DATABASE_URL": url,
            "VSM_LOG_LEVEL": "warning",
            "VSM_HOST": HOST,
            "VSM_WORKERS": "1",
            "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
        }
        info = machine(url)
        serve, yardstick = Series("`vsm serve`"), Series("yardstick: granian + one-route Litestar")
        phase_cpu: list[list[float]] = []
        log = Path(logs) / "server.log"
        for number in range(args.rounds):
            port = free_port()
            serve.starts.append(
                time_to_ready(vsm_command(), {**env, "VSM_PORT": str(port)}, port, log)
            )
            port = free_port()
            yardstick.starts.append(time_to_ready(yardstick_command(port), env, port, log))
            phase_cpu.append(phases(env))
            print(
                f"round {number + 1}: vsm serve {serve.starts[-1].seconds:.2f} s, "
                f"yardstick {yardstick.starts[-1].seconds:.2f} s",
                flush=True,
            )
        text = section(datetime.now(UTC), info, args, serve, yardstick, phase_cpu)
        print(text)
        if not args.no_write:
            day = datetime.now(UTC).strftime("%Y-%m-%d")
            key = f"{day} {info['database'].lower()} {args.value_streams}"
            write_section(RESULTS, "startup", key, text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
