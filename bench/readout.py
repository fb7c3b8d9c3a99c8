"""Readouts and portfolio exports at scale: time and peak memory of what leaders get.

Run from the repository root with `python -m bench.readout --help`.

Data: a fresh database (a temporary SQLite file unless `--database-url` names another)
is migrated with `core.migrate` and filled through the core services, in one unit of
work, with one organization holding:

- a large value stream: a current-state map of 200 steps (a chain with forward
  branches, cross-team handoffs where the team changes, waste findings from the
  built-in classifier, half of them confirmed) and a chosen desired-state map of 120
  steps; 500 backlog items with owners, teams, WSJF inputs, due dates and 12
  milestones; 20 flow-metric targets with two years of weekly measurements (104 each);
  sponsors, champions and risks;
- 199 more value streams for the portfolio, each with a small map, a few backlog items
  and targets, spread over the playbook's phases.

Phases are set on the rows directly (a benchmark is no place to pass every gate).

Measured: each case renders through the code path of the export routes: a read
session of the app's engine (`core.db.Database`), the snapshot
(`core.exports.snapshot_builders`), then every chunk of the exporter the plugin manager
offers, counted and dropped. Each case runs in a process of its own, so its memory is
its own: `ru_maxrss` growth over the first run (which includes loading fonts,
templates and the like once), then `--runs` timed runs (median, with the snapshot and
rendering parts), then one run under `tracemalloc` for the peak of Python allocations.
Exporters that are not installed are reported as such.

The PDF is laid out in the app's heavy process (`core.offload.in_process`), so its
memory and CPU are that process's: the case asks it for its `ru_maxrss` and CPU time
around the runs. CPU seconds (the measuring process's plus the heavy process's) move
less with other load than wall time; the HTML readout of the same stream, measured in
the same run, is the yardstick the PDF is compared with.
"""

import argparse
import asyncio
import contextlib
import json
import os
import platform
import random
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from importlib import metadata
from pathlib import Path
from typing import Any

from bench.results import add_output_arguments, write_section

ROLES = ("Product owner", "Developer", "Tester", "Ops engineer", "Architect", "Security")
TEAMS = ("Sales", "Order desk", "Finance", "Warehouse", "Platform", "QA", "Security", "Support")
VALUE_CLASSES = ("value_add", "necessary_non_value_add", "unnecessary_non_value_add")
STATUSES = (
    ("proposed", 0.3),
    ("ready", 0.2),
    ("in_progress", 0.2),
    ("blocked", 0.05),
    ("done", 0.2),
    ("dropped", 0.05),
)
PHASES = (
    "pre_planning",
    "planning",
    "current_state",
    "desired_state",
    "transformation_plan",
    "execution",
)


@dataclass(frozen=True)
class Sizes:
    steps: int = 200
    desired_steps: int = 120
    backlog: int = 500
    milestones: int = 12
    targets: int = 20
    weeks: int = 104
    streams: int = 200


@dataclass(frozen=True)
class Case:
    key: str
    label: str
    subject: str
    format: str | None  # None: build the snapshot only


CHARTS = "target-charts"
"""Not an exporter: the readout's target charts alone, one SVG per target."""

CASES = (
    Case("vs-snapshot", "value stream snapshot only", "value_stream", None),
    Case("vs-charts", "value stream's target charts only (SVG)", "value_stream", CHARTS),
    Case("vs-html", "value stream readout, HTML", "value_stream", "html"),
    Case("vs-pdf", "value stream readout, PDF", "value_stream", "pdf"),
    Case("vs-xlsx", "value stream workbook, XLSX", "value_stream", "xlsx"),
    Case("pf-snapshot", "portfolio snapshot only", "portfolio", None),
    Case("pf-json", "portfolio export, JSON", "portfolio", "json"),
    Case("pf-csv", "portfolio export, CSV", "portfolio", "csv"),
    Case("pf-xlsx", "portfolio export, XLSX", "portfolio", "xlsx"),
    Case("pf-html", "portfolio readout, HTML", "portfolio", "html"),
)


# --- generating the data ----------------------------------------------------------------


def generate(database_url: str, sizes: Sizes, seed: int) -> dict[str, str]:
    from core import migrate

    migrate.upgrade(database_url)
    return asyncio.run(_generate(database_url, sizes, seed))


async def _generate(database_url: str, sizes: Sizes, seed: int) -> dict[str, str]:
    from sqlalchemy.ext.asyncio import async_sessionmaker
    from sqlmodel.ext.asyncio.session import AsyncSession

    from core.actor import Actor
    from core.db import make_oneshot_engine
    from core.foundation import organizations, people, teams
    from core.models.person import PersonCreate
    from core.models.team import TeamCreate
    from core.models.token import Role
    from core.unit_of_work import UnitOfWork

    engine = make_oneshot_engine(database_url)
    rng = random.Random(seed)
    try:
        maker = async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)
        async with UnitOfWork(maker) as session:
            org, token, _secret = await organizations.create_organization(
                session, name="Benchmark", slug=f"bench-{uuid.uuid4().hex[:12]}"
            )
            actor = Actor(organization_id=org.id, role=Role.admin, token_id=token.id)
            persons = [
                await people.create_person(
                    session,
                    actor,
                    PersonCreate(name=f"Person {n:03d}", email=f"p{n}@example.com"),
                )
                for n in range(60)
            ]
            squads = [
                await teams.create_team(session, actor, TeamCreate(name=name)) for name in TEAMS
            ]
            world = _World(session, actor, rng, [p.id for p in persons], [t.id for t in squads])
            big = await world.large_stream(sizes)
            for n in range(sizes.streams - 1):
                await world.small_stream(n)
            return {"organization_id": str(org.id), "value_stream_id": str(big)}
    finally:
        await engine.dispose()


class _World:
    def __init__(
        self, session: Any, actor: Any, rng: random.Random, persons: list[Any], teams: list[Any]
    ) -> None:
        self.session, self.actor, self.rng = session, actor, rng
        self.persons, self.teams = persons, teams

    async def stream(self, name: str, phase: str) -> Any:
        from core.engagement import value_streams
        from core.models.value_stream import ValueStreamCreate

        stream = await value_streams.create_value_stream(
            self.session,
            self.actor,
            ValueStreamCreate(
                name=name, description="Generated.", owner_id=self.rng.choice(self.persons)
            ),
        )
        stream.phase = phase
        stream.phase_entered_at = datetime.now(UTC) - timedelta(days=self.rng.randint(1, 120))
        self.session.add(stream)
        return stream

    async def map(self, stream: Any, kind: str, steps: int, *, branches: int, name: str) -> Any:
        from core.maps import service as maps
        from core.models.value_stream_map import HandoffCreate, MapCreate, StepCreate

        rng = self.rng
        stream_map = await maps.maps.create(
            self.session,
            self.actor,
            stream.id,
            MapCreate(kind=kind, name=name, chosen=kind == "desired"),
        )
        made = []
        for i in range(steps):
            team = rng.choice(TEAMS)
            step = await maps.steps.create(
                self.session,
                self.actor,
                stream_map.id,
                StepCreate(
                    name=f"Step {i:03d}" + (" status report" if rng.random() < 0.05 else ""),
                    role=rng.choice(ROLES),
                    team=team,
                    people=rng.randint(1, 5),
                    percent_complete_accurate=rng.randint(60, 100),
                    tools=rng.sample(["Jira", "Git", "Jenkins", "Excel", "Email"], 2),
                    value_class=rng.choice(VALUE_CLASSES),
                    automated=rng.random() < 0.2,
                    queue_size=rng.randint(0, 20),
                    process_time=f"{rng.randint(5, 240)} min",
                    wait_time=f"{rng.randint(0, 48 if kind == 'current' else 8)} h",
                ),
            )
            made.append((step, team))
        pairs = {(i, i + 1) for i in range(steps - 1)}
        while len(pairs) < steps - 1 + branches:
            a = rng.randrange(steps - 2)
            pairs.add((a, min(steps - 1, a + rng.randint(2, 6))))
        for a, b in sorted(pairs):
            await maps.handoffs.create(
                self.session,
                self.actor,
                stream_map.id,
                HandoffCreate(
                    from_step_id=made[a][0].id,
                    to_step_id=made[b][0].id,
                    artifact="ticket" if rng.random() < 0.5 else None,
                    cross_team=made[a][1] != made[b][1],
                ),
            )
        return stream_map

    async def classify(self, stream_map: Any) -> None:
        from core.models.waste_finding import TriageDecision
        from core.plugins import Plugins, build_plugin_manager
        from core.waste import classify, findings

        plugins = Plugins(build_plugin_manager(), classifier_defaults={})
        outcome = await classify.classify(self.session, self.actor, stream_map.id, plugins)
        for finding in outcome.created[::2]:
            await findings.triage(
                self.session,
                self.actor,
                finding.id,
                TriageDecision(status="confirmed", reason="Seen in the workshop."),
                expected_version=None,
            )

    async def backlog(self, stream: Any, items: int, milestones: int) -> None:
        from core.backlog.items import items as backlog_items
        from core.backlog.milestones import milestones as backlog_milestones
        from core.models.backlog import BacklogCreate, MilestoneCreate

        rng = self.rng
        today = date.today()
        marks = [
            await backlog_milestones.create(
                self.session,
                self.actor,
                stream.id,
                MilestoneCreate(name=f"Release {n + 1}", due_date=today + timedelta(30 * n)),
            )
            for n in range(milestones)
        ]
        statuses, weights = zip(*STATUSES, strict=True)
        for n in range(items):
            await backlog_items.create(
                self.session,
                self.actor,
                stream.id,
                BacklogCreate(
                    title=f"Improvement {n:03d}: remove a wait between two steps",
                    description="Generated backlog item." if rng.random() < 0.5 else None,
                    type=rng.choice(["process", "automation", "tooling", "training"]),
                    status=rng.choices(statuses, weights)[0],
                    owner_id=rng.choice(self.persons),
                    team_id=rng.choice(self.teams),
                    milestone_id=rng.choice(marks).id if marks and rng.random() < 0.8 else None,
                    due_date=today + timedelta(days=rng.randint(-60, 360)),
                    business_value=rng.randint(1, 20),
                    time_criticality=rng.randint(1, 20),
                    risk_reduction=rng.randint(1, 20),
                    job_size=rng.randint(1, 20),
                ),
            )

    async def targets(self, stream: Any, count: int, weeks: int) -> None:
        from core.models.target import MeasurementCreate, MetricKey, TargetCreate
        from core.targets import service as targets

        rng = self.rng
        keys = [k for k in MetricKey if k != MetricKey.custom]
        start = datetime.now(UTC) - timedelta(weeks=weeks)
        for n in range(count):
            metric = keys[n] if n < len(keys) else MetricKey.custom
            lower = rng.random() < 0.6
            baseline = float(rng.randint(20, 100))
            target = await targets.targets.create(
                self.session,
                self.actor,
                stream.id,
                TargetCreate(
                    metric=metric,
                    custom_key=f"custom_{n}" if metric == MetricKey.custom else None,
                    # Other metrics are given in their stored unit; a custom one names its own.
                    unit="per week" if metric == MetricKey.custom else None,
                    baseline=baseline,
                    target=baseline / 2 if lower else baseline * 2,
                    direction="lower_is_better" if lower else "higher_is_better",
                    start_date=start.date(),
                    due_date=(start + timedelta(weeks=weeks + 52)).date(),
                    owner_id=rng.choice(self.persons),
                ),
            )
            value = baseline
            for week in range(weeks):
                value = max(0.0, value + rng.uniform(-2, 1.5) * (1 if lower else -1))
                await targets.measurements.create(
                    self.session,
                    self.actor,
                    target.id,
                    MeasurementCreate(
                        value=round(value, 2),
                        measured_at=start + timedelta(weeks=week),
                        source="bench",
                    ),
                )

    async def engagement(self, stream: Any) -> None:
        from core.engagement import records as engagement
        from core.models.participant import ParticipantCreate
        from core.models.risk import RiskCreate

        roles = [
            ("sponsor", None),
            ("champion", "technology_manager"),
            ("champion", "business_stakeholder"),
            ("facilitator", None),
        ]
        for person, (role, kind) in zip(self.persons, roles, strict=False):
            await engagement.participants.create(
                self.session,
                self.actor,
                stream.id,
                ParticipantCreate(person_id=person, role=role, champion_kind=kind),
            )
        for n in range(6):
            await engagement.risks.create(
                self.session,
                self.actor,
                stream.id,
                RiskCreate(title=f"Risk {n}", owner_id=self.rng.choice(self.persons)),
            )

    async def large_stream(self, sizes: Sizes) -> Any:
        stream = await self.stream("Order to cash", "execution")
        await self.engagement(stream)
        current = await self.map(
            stream, "current", sizes.steps, branches=sizes.steps // 5, name="As is"
        )
        await self.classify(current)
        await self.map(stream, "desired", sizes.desired_steps, branches=0, name="To be")
        await self.backlog(stream, sizes.backlog, sizes.milestones)
        await self.targets(stream, sizes.targets, sizes.weeks)
        return stream.id

    async def small_stream(self, n: int) -> None:
        stream = await self.stream(f"Value stream {n:03d}", PHASES[n % len(PHASES)])
        await self.map(stream, "current", 6, branches=1, name="As is")
        await self.backlog(stream, 5, 1)
        await self.targets(stream, 2, 4)


# --- measuring one case, in a process of its own -----------------------------------------


def _maxrss_kib() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _usage() -> tuple[int, float]:
    """This process's peak resident set (KiB) and CPU seconds so far."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_maxrss, usage.ru_utime + usage.ru_stime


def _heavy_usage(heavy: bool) -> tuple[int, float]:
    """The heavy process's `_usage`, or nothing for a case that does not use it."""
    from core.offload import in_process

    return in_process(_usage) if heavy else (0, 0.0)


async def _measure(database_url: str, ids: dict[str, str], case: Case, runs: int) -> Any:
    from core.actor import Actor
    from core.config import Settings
    from core.db import Database
    from core.exports import snapshot_builders as snapshots
    from core.exports.exporters import collect_exporters
    from core.models.token import Role
    from core.plugins import build_plugin_manager
    from core.workflow import phases as workflow

    exporters = collect_exporters(build_plugin_manager())
    exporter = exporters.get(case.format) if case.format else None
    if case.format == CHARTS:
        exporter = _ChartsOnly()
    if case.format and (exporter is None or case.subject not in exporter.subjects):
        return {"missing": True}
    settings = Settings(database_url=database_url, _env_file=None)  # type: ignore[call-arg]
    database = Database.from_settings(settings)
    maker = database.sessionmaker(write=False)
    actor = Actor(organization_id=uuid.UUID(ids["organization_id"]), role=Role.viewer)
    stream_id = uuid.UUID(ids["value_stream_id"])
    heavy = case.format == "pdf"
    heavy_rss_idle, _cpu = _heavy_usage(heavy)

    async def once() -> tuple[float, float, int, float]:
        _rss, heavy_cpu = _heavy_usage(heavy)
        cpu = time.process_time()
        started = time.perf_counter()
        async with maker() as session:
            if case.subject == "portfolio":
                data: Any = await snapshots.portfolio_snapshot(
                    session, actor, workflow.PortfolioFilter()
                )
            else:
                data = await snapshots.value_stream_snapshot(session, actor, stream_id)
            await session.rollback()
        built = time.perf_counter()
        size = 0
        if exporter is not None:
            for chunk in exporter.chunks(case.subject, data):
                size += len(chunk)
        wall = time.perf_counter()
        cpu = time.process_time() - cpu + _heavy_usage(heavy)[1] - heavy_cpu
        return built - started, wall - built, size, cpu

    try:
        rss_before = _maxrss_kib()
        _snap, _render, size, _cpu = await once()
        rss_growth = _maxrss_kib() - rss_before
        timings = [await once() for _ in range(runs)]
        tracemalloc.start()
        await once()
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        heavy_rss, _cpu = _heavy_usage(heavy)
    finally:
        await database.dispose()
    totals = [s + r for s, r, _, _ in timings]
    return {
        "missing": False,
        "bytes": size,
        "runs": runs,
        "median_s": statistics.median(totals),
        "min_s": min(totals),
        "snapshot_s": statistics.median(s for s, _, _, _ in timings),
        "render_s": statistics.median(r for _, r, _, _ in timings),
        "cpu_s": statistics.median(c for _, _, _, c in timings),
        "heavy_maxrss_kib": heavy_rss,
        "heavy_idle_maxrss_kib": heavy_rss_idle,
        "tracemalloc_peak_bytes": peak,
        "maxrss_growth_kib": rss_growth,
        "maxrss_kib": _maxrss_kib(),
    }


class _ChartsOnly:
    """Renders what the HTML readout draws with matplotlib: every target's chart."""

    subjects = ("value_stream",)

    def chunks(self, subject: str, data: Any) -> Any:
        from plugins.readout.charts import Charts

        charts = Charts()
        for target in data.targets:
            yield str(charts.target(target)).encode()


def measure_in_subprocess(
    database_url: str, ids: dict[str, str], case: Case, runs: int
) -> dict[str, Any]:
    command = [
        sys.executable,
        "-m",
        "bench.readout",
        "--measure",
        case.key,
        "--database-url",
        database_url,
        "--ids",
        json.dumps(ids),
        "--runs",
        str(runs),
    ]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{case.key} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


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

    def version(name: str) -> str:
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            return "not installed"

    return {
        "cpus (nproc)": str(len(os.sched_getaffinity(0))),
        "cpu model": first_match("/proc/cpuinfo", r"^model name\s*:\s*(.+)$"),
        "memory": memory,
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "weasyprint": version("weasyprint"),
        "xlsxwriter": version("xlsxwriter"),
        "sqlalchemy": version("sqlalchemy"),
        "load average before (1/5/15 min)": " / ".join(f"{v:.2f}" for v in os.getloadavg()),
    }


def _mib(value: float) -> str:
    return f"{value / 1024 / 1024:,.1f}"


def table(results: list[tuple[Case, dict[str, Any]]]) -> list[str]:
    lines = [
        "| case | median s | snapshot s | render s | CPU s | output | tracemalloc peak MiB "
        "| ru_maxrss growth MiB | ru_maxrss MiB | heavy process ru_maxrss MiB |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for case, r in results:
        if r["missing"]:
            lines.append(f"| {case.label} | exporter not installed | | | | | | | | |")
            continue
        heavy = r["heavy_maxrss_kib"]
        heavy_text = (
            f"{heavy / 1024:,.0f} (idle {r['heavy_idle_maxrss_kib'] / 1024:,.0f})" if heavy else "-"
        )
        output = (
            f"{_mib(r['bytes'])} MiB" if r["bytes"] >= 1 << 20 else f"{r['bytes'] / 1024:,.0f} KiB"
        )
        lines.append(
            f"| {case.label} | {r['median_s']:.2f} | {r['snapshot_s']:.2f} | {r['render_s']:.2f} "
            f"| {r['cpu_s']:.2f} | {output if case.format else '-'} "
            f"| {_mib(r['tracemalloc_peak_bytes'])} | {r['maxrss_growth_kib'] / 1024:,.1f} "
            f"| {r['maxrss_kib'] / 1024:,.0f} | {heavy_text} |"
        )
    return lines


PDF_TARGET_S = 5.0
PDF_TARGET_MIB = 250


def pdf_against_html(results: list[tuple[Case, dict[str, Any]]]) -> list[str]:
    """The PDF readout against its yardstick, the HTML readout of the same stream."""
    found = {case.key: r for case, r in results if not r["missing"]}
    pdf, html = found.get("vs-pdf"), found.get("vs-html")
    if pdf is None or html is None:
        return []
    peak = pdf["heavy_maxrss_kib"] / 1024
    return [
        f"- PDF / HTML readout of the same stream: **{pdf['median_s'] / html['median_s']:.1f}x** "
        f"wall, **{pdf['cpu_s'] / html['cpu_s']:.1f}x** CPU",
        f"- PDF: {pdf['median_s']:.2f} s wall, {pdf['cpu_s']:.2f} s CPU (target under "
        f"{PDF_TARGET_S:.0f} s: {'met' if pdf['median_s'] < PDF_TARGET_S else 'not met'} "
        f"in wall time, {'met' if pdf['cpu_s'] < PDF_TARGET_S else 'not met'} in CPU time)",
        f"- peak resident set of the process that lays the PDF out: {peak:,.0f} MiB "
        f"(target under {PDF_TARGET_MIB} MB: "
        f"{'met' if peak * 1.048576 < PDF_TARGET_MIB else 'not met'})",
        "",
    ]


def section(
    when: str,
    settings: dict[str, str],
    info: dict[str, str],
    results: list[tuple[Case, dict[str, Any]]],
) -> str:
    missing = [case.label for case, r in results if r["missing"]]
    body = [
        f"## Readouts and portfolio exports, {settings['database']} ({when})",
        "",
        "Each case in a process of its own, through the export routes' code path (read",
        "session, snapshot, exporter chunks). Time: median of the timed runs, split into",
        "building the snapshot and rendering. Memory: the peak of Python allocations",
        "(tracemalloc) during one run, and the growth of the process's peak resident set",
        "(ru_maxrss) over its first run, one-time loading included; the last column is the",
        "process's peak resident set at the end (interpreter, imports and plugins included).",
        "CPU: median CPU seconds of a timed run, the heavy process's included (the PDF is",
        "laid out there; its peak resident set is the last column, after starting idle).",
        "",
        *table(results),
        "",
        *pdf_against_html(results),
    ]
    if missing:
        body += [f"Not measured (exporter not installed): {', '.join(missing)}.", ""]
    body += [
        "| setting | value |",
        "|---|---|",
        *(f"| {name} | {value} |" for name, value in settings.items()),
        *(f"| {name} | {value} |" for name, value in info.items()),
    ]
    return "\n".join(body) + "\n"


# --- main -------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.readout",
        description="Time and peak memory of value stream readouts and portfolio exports.",
    )
    parser.add_argument("--runs", type=int, default=3, help="timed runs per case (median)")
    parser.add_argument("--streams", type=int, default=Sizes.streams, help="value streams")
    parser.add_argument("--steps", type=int, default=Sizes.steps, help="steps of the big map")
    parser.add_argument("--backlog", type=int, default=Sizes.backlog, help="backlog items")
    parser.add_argument("--seed", type=int, default=7, help="seed of the generated data")
    parser.add_argument(
        "--cases",
        default=",".join(c.key for c in CASES),
        help=f"comma-separated subset of: {', '.join(c.key for c in CASES)}",
    )
    add_output_arguments(parser)
    parser.add_argument("--measure", help=argparse.SUPPRESS)
    parser.add_argument("--ids", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if not 1 <= args.runs <= 20 or args.streams < 1 or args.steps < 10 or args.backlog < 1:
        parser.error("--runs must be 1..20, --streams and --backlog at least 1, --steps >= 10")
    known = {c.key for c in CASES}
    if unknown := set(args.cases.split(",")) - known:
        parser.error(f"unknown cases: {', '.join(sorted(unknown))}")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    by_key = {c.key: c for c in CASES}
    if args.measure:
        result = asyncio.run(
            _measure(args.database_url, json.loads(args.ids), by_key[args.measure], args.runs)
        )
        print(json.dumps(result))
        return 0
    info = machine()
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    sizes = Sizes(streams=args.streams, steps=args.steps, backlog=args.backlog)
    with tempfile.TemporaryDirectory(prefix="vsm-bench-") as scratch:
        database_url = args.database_url or f"sqlite+aiosqlite:///{scratch}/bench.db"
        database = "SQLite" if database_url.startswith("sqlite") else "PostgreSQL"
        print(f"generating the data in a {database} database ...", flush=True)
        started = time.perf_counter()
        ids = generate(database_url, sizes, args.seed)
        generated = time.perf_counter() - started
        print(f"generated in {generated:.1f} s", flush=True)
        results = []
        for key in args.cases.split(","):
            case = by_key[key]
            print(f"measuring {case.label} ...", flush=True)
            result = measure_in_subprocess(database_url, ids, case, args.runs)
            results.append((case, result))
    settings = {
        "database": database,
        "value stream": (
            f"{sizes.steps} steps (current) + {sizes.desired_steps} (desired), "
            f"{sizes.backlog} backlog items, {sizes.milestones} milestones, "
            f"{sizes.targets} targets x {sizes.weeks} weekly measurements"
        ),
        "portfolio": f"{sizes.streams} value streams",
        "timed runs per case": str(args.runs),
        "data generation (one unit of work)": f"{generated:.1f} s",
    }
    text = section(when, settings, info, results)
    print()
    print(text)
    if not args.no_write:
        key = f"{when[:10]} {database} {sizes.streams}x{sizes.steps}x{sizes.backlog}"
        write_section(args.results, "readout", key, text)
        print(f"updated {args.results}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
