"""The first classify of a large map, and how many findings it leaves people to triage.

Run from the repository root with `python -m bench.classify --help`.

For each size (`--sizes`, default 200 and 2,000 steps, 2.5 handoffs a step) the seeded
random map of `bench.map_metrics` is stored `2 x --rounds` times in a fresh database, so
every classify timed is a first one (every finding new, every row written). Rounds are
interleaved: in each, the size's yardstick, one classify in process (the use case in a
unit of work of its own, commit included) and one through `POST /api/v1/maps/{id}/classify`
on granian. The yardstick is the built-in rules alone on the same map in process
(`waste_rules.classify`), which every classify contains, measured in the same round so
a busy machine slows both alike. Then the findings per step: on the benchmark maps and
on the example maps of the feature files (`features/*.feature`, every table of steps).
"""

import argparse
import asyncio
import re
import statistics
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.http_read import free_port, running_server
from bench.map_metrics import Client, MapSpec, expect, flow_map_of, machine, random_dag, store
from bench.results import add_output_arguments, write_section

ROOT = Path(__file__).resolve().parent.parent
FEATURES = ROOT / "features"


@dataclass
class Sample:
    seconds: list[float] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)


# --- in process -----------------------------------------------------------------------


class InProcess:
    """The classify use case on the benchmark's database, one unit of work per map, as a
    request would run it: one event loop, engine and plugin manager for the whole run, so
    a figure holds the classify and nothing of the set-up."""

    def __init__(self, database_url: str) -> None:
        from sqlalchemy.ext.asyncio import async_sessionmaker
        from sqlmodel.ext.asyncio.session import AsyncSession

        from core.db import make_oneshot_engine
        from core.plugins import Plugins, build_plugin_manager

        self.runner = asyncio.Runner()
        self.engine = make_oneshot_engine(database_url)
        self.maker = async_sessionmaker(self.engine, class_=AsyncSession, expire_on_commit=False)
        self.plugins = Plugins(build_plugin_manager(), classifier_defaults={})

    def classify(self, map_id: str) -> tuple[float, int]:
        return self.runner.run(self._classify(uuid.UUID(map_id)))

    async def _classify(self, map_id: uuid.UUID) -> tuple[float, int]:
        from sqlmodel import select

        from core.actor import Actor
        from core.models.token import ApiToken, Role
        from core.models.value_stream_map import ValueStreamMap
        from core.unit_of_work import UnitOfWork
        from core.waste import classify

        async with UnitOfWork(self.maker) as session:
            stream_map = await session.get(ValueStreamMap, map_id)
            assert stream_map is not None
            token = (
                await session.exec(
                    select(ApiToken).where(ApiToken.organization_id == stream_map.organization_id)
                )
            ).first()
            assert token is not None
        actor = Actor(
            organization_id=stream_map.organization_id, role=Role.admin, token_id=token.id
        )
        started = time.perf_counter()
        async with UnitOfWork(self.maker) as session:
            outcome = await classify.classify(session, actor, map_id, self.plugins)
        return time.perf_counter() - started, len(outcome.created)

    def close(self) -> None:
        self.runner.run(self.engine.dispose())
        self.runner.close()


# --- the feature files' example maps ---------------------------------------------------


def _cells(line: str) -> list[str]:
    return [cell.strip() for cell in line.strip().strip("|").split("|")]


def _tables_after(lines: list[str], start: int) -> list[dict[str, str]]:
    header = _cells(lines[start])
    rows = []
    for line in lines[start + 1 :]:
        if not line.strip().startswith("|"):
            break
        rows.append(dict(zip(header, _cells(line), strict=True)))
    return rows


def _hours(text: str) -> float | None:
    match = re.fullmatch(r"([\d.]+)\s*h", text.strip())
    return float(match.group(1)) * 3600 if match else None


def _words(text: str) -> tuple[str, ...]:
    return tuple(w.strip() for w in text.split(",") if w.strip())


def feature_maps() -> list[tuple[str, Any]]:
    """Every map a feature file draws in a table of steps (and its handoffs, if drawn),
    as the step definitions store it: without a table of handoffs, a chain."""
    from core.maps.flowmap import FlowMap, Handoff, Step

    found = []
    for path in sorted(FEATURES.glob("*.feature")):
        lines = path.read_text(encoding="utf-8").splitlines()
        scenario = ""
        for i, line in enumerate(lines):
            if line.strip().startswith("Scenario"):
                scenario = line.split(":", 1)[1].strip()
            if not re.search(r"map has these steps:\s*$", line):
                continue
            table = _tables_after(lines, i + 1)
            steps = []
            for n, row in enumerate(table, start=1):
                steps.append(
                    Step(
                        id=row["step"],
                        name=row["step"],
                        position=n,
                        role=row.get("role") or None,
                        team=row.get("team") or None,
                        people=int(row["people"]) if row.get("people") else None,
                        process_seconds=_hours(row.get("process time", "")),
                        wait_seconds=_hours(row.get("wait time", "")),
                        percent_complete_accurate=float(row["%C&A"]) if row.get("%C&A") else None,
                        queue_size=int(row["queue"]) if row.get("queue") else None,
                        tools=_words(row.get("tools", "")),
                        artifacts=_words(row.get("artifacts", "")),
                        cicd_stage=row.get("CI/CD stage") == "yes",
                        automated=row.get("automated") == "yes",
                        value_class=row.get("value", "").replace("-", "_").replace(" ", "_")
                        or None,  # type: ignore[arg-type]
                    )
                )
            handoffs: list[Any] = []
            after = i + 1 + len(table) + 1
            if after < len(lines) and "work flows between them" in lines[after]:
                for n, row in enumerate(_tables_after(lines, after + 1)):
                    handoffs.append(
                        Handoff(
                            id=f"h{n}",
                            from_step=row["from"],
                            to_step=row["to"],
                            artifact=row.get("carrying") or None,
                            cross_team=row.get("across teams") == "yes",
                        )
                    )
            flow = FlowMap(
                id=f"{path.stem}:{i}",
                name=scenario,
                kind="current",
                steps=tuple(steps),
                handoffs=tuple(handoffs),
            )
            found.append((f"{path.name}: {scenario}", flow))
    return found


@dataclass(frozen=True)
class Count:
    label: str
    steps: int
    handoffs: int
    rules_fired: int
    findings: int
    at_steps: int
    at_handoffs: int
    several_rules: int

    @property
    def per_step(self) -> float:
        return self.findings / self.steps


def count(label: str, flow_map: Any) -> Count:
    """Findings as classify stores them (one per kind of waste and target, the built-in
    rules being the only classifier), and the rules that fired before merging."""
    from plugins.waste_rules.classifier import classify
    from plugins.waste_rules.rules import RULES
    from plugins.waste_rules.thresholds import RuleThresholds

    thresholds = RuleThresholds()
    fired = sum(len(rule(flow_map, thresholds)) for rule in RULES)
    findings = classify(flow_map, thresholds)
    return Count(
        label=label,
        steps=len(flow_map.steps),
        handoffs=len(flow_map.handoffs),
        rules_fired=fired,
        findings=len(findings),
        at_steps=sum(1 for f in findings if f.step_id is not None),
        at_handoffs=sum(1 for f in findings if f.handoff_id is not None),
        several_rules=sum(1 for f in findings if len(f.rules) > 1),
    )


# --- report ---------------------------------------------------------------------------


def section(
    when: str,
    settings: dict[str, str],
    info: dict[str, str],
    timings: dict[int, dict[str, Sample]],
    stored: dict[int, int],
    maps_counted: list[Count],
    features_counted: list[Count],
    goal: float,
) -> str:
    lines = [
        f"## Classify: the first run on a large map, {settings['database']} ({when})",
        "",
        "Every classify timed is a map's first (every finding new and stored); medians of "
        f"{settings['rounds']} interleaved rounds. Yardstick: the built-in rules alone on "
        "the same map, in process, in the same round.",
        "",
        "| steps | handoffs | path | median s | min s | max s | x yardstick | findings stored |",
        "|---:|---:|---|---:|---:|---:|---:|---:|",
    ]
    for steps, paths in timings.items():
        yardstick = paths["yardstick: waste_rules.classify in process"].median
        for label, sample in paths.items():
            lines.append(
                f"| {steps:,} | {round(steps * 2.5):,} | {label} | {sample.median:,.3f} | "
                f"{min(sample.seconds):,.3f} | {max(sample.seconds):,.3f} | "
                f"{sample.median / yardstick:,.2f} | "
                f"{'' if label.startswith('yardstick') else f'{stored[steps]:,}'} |"
            )
    lines.append("")
    for steps, paths in timings.items():
        http = paths["POST /maps/{id}/classify over HTTP"].median
        verdict = "met" if http < goal else "not met"
        lines.append(
            f"- {steps:,} steps: first classify over HTTP {http:,.2f} s "
            f"(goal under {goal:g} s: {verdict})"
        )
    lines += [
        "",
        "Findings per step: one finding per kind of waste and step or handoff, carrying every "
        "rule that fired there (the built-in rules, default thresholds).",
        "",
        "| map | steps | handoffs | rules fired | findings | per step | at steps | "
        "at handoffs | with several rules |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for c in [*maps_counted, *features_counted]:
        lines.append(
            f"| {c.label} | {c.steps:,} | {c.handoffs:,} | {c.rules_fired:,} | {c.findings:,} | "
            f"{c.per_step:,.2f} | {c.at_steps:,} | {c.at_handoffs:,} | {c.several_rules:,} |"
        )
    if features_counted:
        steps = sum(c.steps for c in features_counted)
        findings = sum(c.findings for c in features_counted)
        fired = sum(c.rules_fired for c in features_counted)
        lines.append(
            f"| all {len(features_counted)} feature maps | {steps:,} | "
            f"{sum(c.handoffs for c in features_counted):,} | {fired:,} | {findings:,} | "
            f"{findings / steps:,.2f} | {sum(c.at_steps for c in features_counted):,} | "
            f"{sum(c.at_handoffs for c in features_counted):,} | "
            f"{sum(c.several_rules for c in features_counted):,} |"
        )
    lines += [
        "",
        "| setting | value |",
        "|---|---|",
        *(f"| {name} | {value} |" for name, value in settings.items()),
        *(f"| {name} | {value} |" for name, value in info.items()),
    ]
    return "\n".join(lines) + "\n"


# --- main -----------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.classify",
        description="The first classify of large maps, in process and over HTTP.",
    )
    parser.add_argument("--sizes", default="200,2000", help="comma-separated step counts")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds per size")
    parser.add_argument("--seed", type=int, default=20260101, help="seed of the generator")
    parser.add_argument("--goal", type=float, default=2.0, help="seconds, for the largest map")
    add_output_arguments(parser)
    args = parser.parse_args(argv)
    try:
        args.sizes = [int(n) for n in args.sizes.split(",") if n.strip()]
    except ValueError:
        parser.error("--sizes takes whole numbers separated by commas")
    if not args.sizes or min(args.sizes) < 2 or not 1 <= args.rounds <= 50:
        parser.error("need sizes of 2 steps or more and 1 <= --rounds <= 50")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    from plugins.waste_rules.classifier import classify as rules_alone

    info = machine()
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    specs: dict[int, MapSpec] = {
        n: random_dag(n, round(n * 2.5), args.seed + n) for n in args.sizes
    }
    pictures = {n: flow_map_of(spec) for n, spec in specs.items()}
    timings: dict[int, dict[str, Sample]] = {
        n: {
            "yardstick: waste_rules.classify in process": Sample(),
            "classify use case in process (commit included)": Sample(),
            "POST /maps/{id}/classify over HTTP": Sample(),
        }
        for n in args.sizes
    }
    stored_counts: dict[int, int] = {}
    with tempfile.TemporaryDirectory(prefix="vsm-bench-") as scratch:
        database_url = args.database_url or f"sqlite+aiosqlite:///{scratch}/bench.db"
        database = "SQLite" if database_url.startswith("sqlite") else "PostgreSQL"
        copies = {
            "warm-up": random_dag(20, 50, args.seed),
            **{
                f"{n} {path} {r}": specs[n]
                for n in args.sizes
                for path in ("process", "http")
                for r in range(args.rounds)
            },
        }
        print(f"storing {len(copies)} maps in a {database} database ...", flush=True)
        stored = store(database_url, copies)
        token = next(iter(stored.values())).token
        port = free_port()
        in_process = InProcess(database_url)
        with running_server(database_url, port, 1, Path(scratch) / "server.log") as _base:
            try:
                in_process.classify(stored["warm-up"].map_id)
                for r in range(args.rounds):
                    for n in args.sizes:
                        print(f"round {r + 1}, {n} steps ...", flush=True)
                        paths = timings[n]
                        started = time.perf_counter()
                        rules_alone(pictures[n])
                        paths["yardstick: waste_rules.classify in process"].seconds.append(
                            time.perf_counter() - started
                        )
                        seconds, created = in_process.classify(stored[f"{n} process {r}"].map_id)
                        paths["classify use case in process (commit included)"].seconds.append(
                            seconds
                        )
                        # A connection of its own: the server closes one left idle while
                        # the in-process classify of a large map runs.
                        client = Client(port, token)
                        started = time.perf_counter()
                        answer = client.send(
                            "POST", f"/api/v1/maps/{stored[f'{n} http {r}'].map_id}/classify"
                        )
                        paths["POST /maps/{id}/classify over HTTP"].seconds.append(
                            time.perf_counter() - started
                        )
                        client.close()
                        outcome = expect(answer, 200, "classify")
                        if len(outcome["created"]) != created:
                            raise RuntimeError(
                                f"{n} steps: HTTP stored {len(outcome['created'])} findings, "
                                f"in process {created}"
                            )
                        stored_counts[n] = created
            finally:
                in_process.close()
    maps_counted = [count(f"generated, seed {args.seed + n}", pictures[n]) for n in args.sizes]
    features_counted = [count(label, flow) for label, flow in feature_maps()]
    settings = {
        "database": database,
        "sizes": ", ".join(f"{n:,} steps and {round(n * 2.5):,} handoffs" for n in args.sizes),
        "rounds": str(args.rounds),
        "seed": f"{args.seed} + steps",
        "server": "granian, 1 worker, ASGI (as `vsm serve`), loopback",
    }
    text = section(
        when, settings, info, timings, stored_counts, maps_counted, features_counted, args.goal
    )
    print()
    print(text)
    if not args.no_write:
        sizes = "+".join(str(n) for n in args.sizes)
        write_section(args.results, "classify", f"{when[:10]} {database.lower()} {sizes}", text)
        print(f"updated {args.results}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
