"""Delivery-flow benchmark: bulk ingest through the HTTP API, then a year of weekly flow
and DORA metrics from the API, against the same aggregates written directly in SQL.

Run from the repository root with `python -m bench.flow_metrics --help`.

It builds a fresh database (a temporary SQLite file unless `--database-url` names
another), migrates it, creates an organization with an admin token, starts granian
serving `bench.app:create_bench_app` (the app `vsm serve` runs) on a free loopback
port, creates a value stream, and sends through the REST API, in batches of 5,000:
100,000 work items with 2-4 state changes each, 20,000 deployments with 1-3 commits
each (about 15% failed or causing an incident) and the incidents they caused, timing
each request. It then refreshes statistics as autovacuum would after a bulk load
(`VACUUM ANALYZE` on PostgreSQL, `ANALYZE` on SQLite) and measures, in interleaved
rounds, three ways to get every flow metric and DORA key of 2025 by ISO week:

* the API: `GET /api/v1/value-streams/{id}/flow-metrics` over HTTP, as a client sees it;
* the service in-process (`core.delivery.flow_metrics.flow_metrics`, same SQL, no HTTP);
* hand-written SQL (`text()`) of the same aggregates, on the same database, grouping by
  a week expression (`date_trunc` on PostgreSQL, `date(.., 'weekday 0', '-6 days')` on
  SQLite), with PostgreSQL's own `percentile_cont` for the distributions (flow time, lead
  time for changes, time to restore, time in each kind of state) and on SQLite the same
  linear interpolation written by hand over ROW_NUMBER; the aging work in progress at
  each week's end (its ages' spread, and the items older than the p85 flow time of their
  type's items finished in the 90 days before) from the weeks generated in SQL
  (`generate_series` on PostgreSQL, a recursive CTE on SQLite).

The direct SQL's numbers are checked against the API's before any figure is reported.
The ratio API / direct SQL is the headline; the target is at most 2.
"""

import argparse
import asyncio
import contextlib
import json
import os
import platform
import random
import re
import sqlite3
import statistics
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from importlib import metadata
from pathlib import Path
from typing import Any

from bench.http_read import HOST, free_port, prepare_database
from bench.http_read import running_server as http_server
from bench.results import RESULTS, write_section

PERIOD_START = datetime(2025, 1, 1, tzinfo=UTC)
PERIOD_END = datetime(2026, 1, 1, tzinfo=UTC)
TARGET_RATIO = 2.0
FLAGS = ("active", "waiting", "blocked")
TYPES = ("feature", "feature", "feature", "defect", "defect", "risk", "debt")


# -- data ----------------------------------------------------------------------------------


DEFAULT_WORK_ITEMS = 100_000


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def generate_work_items(rng: random.Random, count: int) -> list[dict[str, Any]]:
    """Items created from a month before the year to its end; most start, most finish."""
    origin = PERIOD_START - timedelta(days=31)
    span = int((PERIOD_END - origin).total_seconds())
    items = []
    for n in range(count):
        created = origin + timedelta(seconds=rng.randrange(span))
        started = created + timedelta(seconds=rng.randrange(5 * 86_400))
        finished = started + timedelta(seconds=int(rng.expovariate(1 / (6 * 86_400))) + 600)
        changes = sorted(
            started + timedelta(seconds=rng.randrange(int((finished - started).total_seconds())))
            for _ in range(rng.randint(1, 3))
        )
        items.append(
            {
                "external_id": f"WI-{n:06d}",
                "type": rng.choice(TYPES),
                "title": f"Work item {n}",
                "created": _iso(created),
                "started": _iso(started) if rng.random() < 0.9 else None,
                "finished": _iso(finished) if rng.random() < 0.85 else None,
                "state_changes": [
                    {"at": _iso(started), "state": "In progress", "flag": "active"},
                    *(
                        {"at": _iso(at), "state": flag.title(), "flag": flag}
                        for at, flag in zip(
                            changes, rng.choices(FLAGS, k=len(changes)), strict=True
                        )
                    ),
                ],
            }
        )
    return items


def generate_deployments(
    rng: random.Random, count: int
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Deployments over the year (8% failed, 7% causing an incident) and those incidents."""
    span = int((PERIOD_END - PERIOD_START).total_seconds())
    deployments = []
    incidents = []
    for n in range(count):
        at = PERIOD_START + timedelta(seconds=rng.randrange(span))
        roll = rng.random()
        incident = None
        if 0.08 <= roll < 0.15:
            incident = f"INC-{n:06d}"
            opened = at + timedelta(seconds=rng.randrange(12 * 3600))
            resolved = opened + timedelta(seconds=rng.randrange(1800, 48 * 3600))
            incidents.append(
                {
                    "external_id": incident,
                    "opened_at": _iso(opened),
                    "resolved_at": _iso(resolved) if rng.random() < 0.95 else None,
                    "deployment_external_id": f"D-{n:06d}",
                }
            )
        deployments.append(
            {
                "external_id": f"D-{n:06d}",
                "deployed_at": _iso(at),
                "commit_times": [
                    _iso(at - timedelta(seconds=rng.randrange(60, 7 * 86_400)))
                    for _ in range(rng.randint(1, 3))
                ],
                "succeeded": roll >= 0.08,
                "incident_external_id": incident,
            }
        )
    return deployments, incidents


# -- HTTP ----------------------------------------------------------------------------------


def call(base: str, method: str, path: str, token: str, body: Any = None) -> Any:
    """One request; anything but a 2xx stops the benchmark (a failed run has no figures)."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(f"{base}{path}", data=data, method=method)
    request.add_header("Authorization", f"Bearer {token}")
    if data is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=600) as answer:
            return json.loads(answer.read() or b"null")
    except urllib.error.HTTPError as exc:
        raise RuntimeError(f"{method} {path} answered {exc.code}: {exc.read()[:2000]!r}") from exc


@dataclass
class Ingest:
    label: str
    records: int = 0
    children: int = 0
    requests: list[float] = field(default_factory=list)

    @property
    def seconds(self) -> float:
        return sum(self.requests)


def ingest(
    base: str, token: str, stream_id: str, kind: str, records: list[dict[str, Any]], batch: int
) -> Ingest:
    """Send `records` in batches, timing each request (the JSON encoding is not timed)."""
    result = Ingest(kind, records=len(records))
    for first in range(0, len(records), batch):
        body = json.dumps({"items": records[first : first + batch]}).encode()
        request = urllib.request.Request(
            f"{base}/api/v1/value-streams/{stream_id}/{kind}/bulk", data=body, method="POST"
        )
        request.add_header("Authorization", f"Bearer {token}")
        request.add_header("Content-Type", "application/json")
        began = time.perf_counter()
        try:
            with urllib.request.urlopen(request, timeout=600) as answer:
                counts = json.loads(answer.read())
        except urllib.error.HTTPError as error:
            raise RuntimeError(f"{kind} {first:,}: {error.code} {error.read()[:2000]!r}") from error
        result.requests.append(time.perf_counter() - began)
        if counts["created"] + counts["updated"] + counts["unchanged"] != len(
            records[first : first + batch]
        ):
            raise RuntimeError(f"{kind}: unexpected counts {counts}")
        print(f"  {kind} {first + batch:>7,}: {result.requests[-1]:.2f} s", flush=True)
    return result


# -- the three ways to the numbers ------------------------------------------------------------

SQLITE_WEEK = "date({col}, 'weekday 0', '-6 days')"
POSTGRES_WEEK = "date_trunc('week', {col}, 'UTC')"

SQLITE_ITEMS = """
SELECT {week} AS bucket, count(*) AS velocity,
       sum(CASE WHEN active_seconds IS NOT NULL THEN active_seconds END)
         / sum(CASE WHEN active_seconds IS NOT NULL THEN flow_seconds END) AS efficiency,
       sum(type = 'feature'), sum(type = 'defect'), sum(type = 'risk'), sum(type = 'debt')
FROM work_item
WHERE value_stream_id = :vs AND finished_at >= :start AND finished_at < :end
GROUP BY 1 ORDER BY 1
""".format(week=SQLITE_WEEK.format(col="finished_at"))

POSTGRES_ITEMS = """
SELECT {week} AS bucket, count(*) AS velocity,
       sum(active_seconds) FILTER (WHERE active_seconds IS NOT NULL)
         / nullif(sum(flow_seconds) FILTER (WHERE active_seconds IS NOT NULL), 0) AS efficiency,
       count(*) FILTER (WHERE type = 'feature'), count(*) FILTER (WHERE type = 'defect'),
       count(*) FILTER (WHERE type = 'risk'), count(*) FILTER (WHERE type = 'debt')
FROM work_item
WHERE value_stream_id = :vs AND finished_at >= :start AND finished_at < :end
GROUP BY 1 ORDER BY 1
""".format(week=POSTGRES_WEEK.format(col="finished_at"))

LOAD = """
WITH moves AS (
  SELECT {started} AS bucket, 1 AS d FROM work_item
  WHERE value_stream_id = :vs AND start_at >= :start AND start_at < :end
  UNION ALL
  SELECT {finished}, -1 FROM work_item
  WHERE value_stream_id = :vs AND finished_at >= :start AND finished_at < :end
), per AS (SELECT bucket, sum(d) AS delta FROM moves GROUP BY bucket)
SELECT bucket,
       (SELECT count(*) FROM work_item WHERE value_stream_id = :vs AND start_at < :start)
       - (SELECT count(*) FROM work_item WHERE value_stream_id = :vs AND finished_at < :start)
       + sum(delta) OVER (ORDER BY bucket) AS load
FROM per ORDER BY bucket
"""

DEPLOYMENTS = """
SELECT {week} AS bucket, count(*) AS n,
       sum(CASE WHEN NOT succeeded OR caused_incident OR EXISTS (
             SELECT 1 FROM incident i
             WHERE i.value_stream_id = deployment.value_stream_id
               AND (i.external_id = deployment.incident_external_id
                    OR i.deployment_external_id = deployment.external_id)
           ) THEN 1 ELSE 0 END) AS failed
FROM deployment
WHERE value_stream_id = :vs AND deployed_at >= :start AND deployed_at < :end
GROUP BY 1 ORDER BY 1
"""

LEVELS = (50, 85, 95)

SQLITE_PERCENTILE = """
max(CASE WHEN {r}rn = ({r}n - 1) * {p} / 100 + 1 THEN {r}x END)
  + ((max({r}n) - 1) * {p} % 100) / 100.0
  * (coalesce(max(CASE WHEN {r}rn = ({r}n - 1) * {p} / 100 + 2 THEN {r}x END),
              max(CASE WHEN {r}rn = ({r}n - 1) * {p} / 100 + 1 THEN {r}x END))
     - max(CASE WHEN {r}rn = ({r}n - 1) * {p} / 100 + 1 THEN {r}x END))"""
"""The linear percentile `p` of a ranked subquery's ``x`` from its ``rn`` and ``n``; `r`
qualifies them (``"wip."``) where a join makes them ambiguous."""

SQLITE_SPREAD = """
WITH r AS (
  SELECT {week} AS bucket, {value} AS x,
         row_number() OVER (PARTITION BY {week} ORDER BY {value}) AS rn,
         count(*) OVER (PARTITION BY {week}) AS n
  FROM {table}
  WHERE value_stream_id = :vs AND {col} >= :start AND {col} < :end {extra}
)
SELECT bucket, count(*), avg(x), {percentiles} FROM r GROUP BY bucket ORDER BY bucket
"""

POSTGRES_PERCENTILE = "percentile_cont({fraction}) WITHIN GROUP (ORDER BY {value})"

POSTGRES_SPREAD = """
SELECT {week} AS bucket, count(*), avg({value}), {percentiles}
FROM {table}
WHERE value_stream_id = :vs AND {col} >= :start AND {col} < :end {extra}
GROUP BY 1 ORDER BY 1
"""

SPREADS = {
    "flow": ("work_item", "finished_at", "flow_seconds", ""),
    "lead": ("deployment_change", "deployed_at", "lead_seconds", "AND succeeded"),
    "restore": ("incident", "resolved_at", "restore_seconds", ""),
    **{
        state: ("work_item", "finished_at", f"{state}_seconds", "AND active_seconds IS NOT NULL")
        for state in FLAGS
    },
}
"""Each distribution: its table, the time that places a row in a week, the durations, and
what else a row must be."""


SQLITE_AGING = """
WITH RECURSIVE mondays(we) AS (
  SELECT datetime(:start, 'weekday 1')
  UNION ALL SELECT datetime(we, '+7 days') FROM mondays
  WHERE datetime(we, '+7 days') < datetime(:end)
), ends(we) AS (SELECT we FROM mondays WHERE we < datetime(:end) UNION SELECT datetime(:end)),
fr AS (
  SELECT e.we, w.type, w.flow_seconds AS x,
         row_number() OVER (PARTITION BY e.we, w.type ORDER BY w.flow_seconds) AS rn,
         count(*) OVER (PARTITION BY e.we, w.type) AS n
  FROM ends e JOIN work_item w
    ON w.value_stream_id = :vs AND w.finished_at >= datetime(e.we, '-{days} days')
   AND w.finished_at < e.we
), ref AS (SELECT we, type, {p85} AS p85 FROM fr GROUP BY we, type),
aged AS (
  SELECT e.we, w.type, strftime('%s', e.we) - strftime('%s', w.start_at) AS x
  FROM ends e JOIN work_item w
    ON w.value_stream_id = :vs AND w.start_at < e.we
   AND (w.finished_at IS NULL OR w.finished_at >= e.we)
), wip AS (
  SELECT we, type, x, row_number() OVER (PARTITION BY we ORDER BY x) AS rn,
         count(*) OVER (PARTITION BY we) AS n
  FROM aged
)
SELECT wip.we, count(*), {ages}, sum(CASE WHEN wip.x > ref.p85 THEN 1 ELSE 0 END)
FROM wip LEFT JOIN ref ON ref.we = wip.we AND ref.type = wip.type
GROUP BY wip.we ORDER BY 1
"""

POSTGRES_AGING = """
WITH ends AS (
  SELECT g AS we FROM generate_series(
    date_trunc('week', CAST(:start AS timestamptz), 'UTC') + interval '168 hours',
    CAST(:end AS timestamptz) - interval '1 microsecond', interval '168 hours') AS g
  UNION SELECT CAST(:end AS timestamptz)
), ref AS (
  SELECT e.we, w.type, percentile_cont(0.85) WITHIN GROUP (ORDER BY w.flow_seconds) AS p85
  FROM ends e JOIN work_item w
    ON w.value_stream_id = :vs AND w.finished_at >= e.we - interval '{hours} hours'
   AND w.finished_at < e.we
  GROUP BY e.we, w.type
), wip AS (
  SELECT e.we, w.type, extract(epoch FROM e.we - w.start_at) AS x
  FROM ends e JOIN work_item w
    ON w.value_stream_id = :vs AND w.start_at < e.we
   AND (w.finished_at IS NULL OR w.finished_at >= e.we)
)
SELECT wip.we, count(*), {ages}, sum(CASE WHEN wip.x > ref.p85 THEN 1 ELSE 0 END)
FROM wip LEFT JOIN ref ON ref.we = wip.we AND ref.type = wip.type
GROUP BY wip.we ORDER BY 1
"""
"""The aging work in progress at each week's end: the items in progress then, their
ages' spread, and how many are older than the p85 flow time of their type's items
finished in the 90 days before (weeks of 168 hours, so no zone shifts them)."""


def aging_query(dialect: str) -> str:
    if dialect == "sqlite":
        return SQLITE_AGING.format(
            days=AGING_DAYS,
            p85=SQLITE_PERCENTILE.format(p=85, r=""),
            ages=_sqlite_spread("wip"),
        )
    return POSTGRES_AGING.format(hours=AGING_DAYS * 24, ages=_postgres_spread("wip.x"))


def direct_queries(dialect: str) -> dict[str, str]:
    """The hand-written SQL of each aggregate, as someone would write it for one database:
    PostgreSQL's own percentile_cont, and on SQLite the same interpolation by hand."""
    week = SQLITE_WEEK if dialect == "sqlite" else POSTGRES_WEEK
    spread = SQLITE_SPREAD if dialect == "sqlite" else POSTGRES_SPREAD
    queries = {
        "items": SQLITE_ITEMS if dialect == "sqlite" else POSTGRES_ITEMS,
        "load": LOAD.format(
            started=week.format(col="start_at"), finished=week.format(col="finished_at")
        ),
        "deployments": DEPLOYMENTS.format(week=week.format(col="deployed_at")),
    }
    for name, (table, moment, value, extra) in SPREADS.items():
        if dialect == "sqlite":
            extra = extra.replace("AND succeeded", "AND succeeded = 1")
            percentiles = [SQLITE_PERCENTILE.format(p=p, r="") for p in LEVELS]
        else:
            percentiles = [
                POSTGRES_PERCENTILE.format(fraction=p / 100, value=value) for p in LEVELS
            ]
        queries[name] = spread.format(
            week=week.format(col=moment),
            table=table,
            col=moment,
            value=value,
            extra=extra,
            percentiles=", ".join(percentiles),
        )
    queries["aging"] = aging_query(dialect)
    return queries


AGING_DAYS = 90
AGE_AT = datetime(2025, 10, 1, tzinfo=UTC)
AGE_HISTORY_DAYS = 90
AGE_OLDEST = 20


def _sqlite_spread(ranked: str) -> str:
    return f"avg({ranked}.x) AS mean, " + ", ".join(
        SQLITE_PERCENTILE.format(p=p, r=f"{ranked}.") + f" AS p{p}" for p in LEVELS
    )


def _postgres_spread(value: str) -> str:
    return f"avg({value}) AS mean, " + ", ".join(
        f"percentile_cont({p / 100}) WITHIN GROUP (ORDER BY {value}) AS p{p}" for p in LEVELS
    )


AGE_WIP = """
  FROM work_item
  WHERE value_stream_id = :vs AND start_at < :at AND (finished_at IS NULL OR finished_at >= :at)
"""

SQLITE_AGE = """
WITH fr AS (
  SELECT type, flow_seconds AS x,
         row_number() OVER (PARTITION BY type ORDER BY flow_seconds) AS rn,
         count(*) OVER (PARTITION BY type) AS n
  FROM work_item
  WHERE value_stream_id = :vs AND finished_at >= :history_start AND finished_at < :at
), ref AS (SELECT type, count(*) AS finished, {flow} FROM fr GROUP BY type),
wip AS (
  SELECT type, {age} AS x,
         row_number() OVER (PARTITION BY {group} ORDER BY {age}) AS rn,
         count(*) OVER (PARTITION BY {group}) AS n
  {wip}
)
SELECT {select}, count(*) AS in_progress, {ages},
       sum(CASE WHEN wip.x > ref.p85 THEN 1 ELSE 0 END) AS over_p85,
       max(ref.p85), max(ref.finished)
FROM wip LEFT JOIN ref ON ref.type = wip.type
{group_by}
"""

POSTGRES_AGE = """
WITH ref AS (
  SELECT type, count(*) AS finished, {flow}
  FROM work_item
  WHERE value_stream_id = :vs AND finished_at >= :history_start AND finished_at < :at
  GROUP BY type
), wip AS (SELECT type, {age} AS x {wip})
SELECT {select}, count(*) AS in_progress, {ages},
       sum(CASE WHEN wip.x > ref.p85 THEN 1 ELSE 0 END) AS over_p85,
       max(ref.p85), max(ref.finished)
FROM wip LEFT JOIN ref ON ref.type = wip.type
{group_by}
"""

OLDEST = """
SELECT external_id FROM work_item
WHERE value_stream_id = :vs AND start_at < :at AND (finished_at IS NULL OR finished_at >= :at)
ORDER BY start_at, external_id LIMIT {limit}
"""


def direct_age_queries(dialect: str) -> dict[str, str]:
    """The work in progress at `AGE_AT` by hand, everything the API answers: the ages' and
    flow times' distributions per type, the ages' over all, the items older than their
    type's p85, the oldest; ages in seconds (`strftime('%s')` on SQLite, `extract(epoch ..)`
    on PostgreSQL)."""
    if dialect == "sqlite":
        age = "(strftime('%s', :at) - strftime('%s', start_at))"
        template, flow, ages = SQLITE_AGE, _sqlite_spread("fr"), _sqlite_spread("wip")
    else:
        age = "extract(epoch FROM (:at - start_at))"
        template, flow, ages = (
            POSTGRES_AGE,
            _postgres_spread("flow_seconds"),
            _postgres_spread("wip.x"),
        )
    queries = {}
    for name, group in (("age_by_type", "type"), ("age_overall", None)):
        queries[name] = template.format(
            flow=flow,
            age=age,
            ages=ages,
            wip=AGE_WIP,
            group=group or "1",
            select="wip.type" if group else "NULL AS type",
            group_by="GROUP BY wip.type ORDER BY 1" if group else "",
        )
    queries["oldest"] = OLDEST.format(limit=AGE_OLDEST)
    return queries


async def run_direct_age(engine: Any, stream_id: uuid.UUID) -> dict[str, list[tuple[Any, ...]]]:
    from sqlalchemy import Uuid, bindparam, text

    from core.types import UTCDateTime

    params = {
        "vs": stream_id,
        "at": AGE_AT,
        "history_start": AGE_AT - timedelta(days=AGE_HISTORY_DAYS),
    }
    answers: dict[str, list[tuple[Any, ...]]] = {}
    async with engine.connect() as connection:
        for name, sql in direct_age_queries(engine.dialect.name).items():
            statement = text(sql).bindparams(
                bindparam("vs", type_=Uuid()),
                bindparam("at", type_=UTCDateTime()),
                *(
                    [bindparam("history_start", type_=UTCDateTime())]
                    if ":history_start" in sql
                    else []
                ),
            )
            rows = await connection.execute(statement, params)
            answers[name] = [tuple(row) for row in rows]
        await connection.rollback()
    return answers


def _near(ours: float, theirs: float) -> bool:
    return abs(float(ours) - float(theirs)) <= 1e-6 * max(1.0, abs(float(theirs)))


def compare_age(api: dict[str, Any], direct: dict[str, list[tuple[Any, ...]]]) -> list[str]:
    """Differences between the API's work item age and the direct SQL's."""
    problems: list[str] = []
    by_type = {t["type"]: t for t in api["by_type"]}
    (overall,) = direct["age_overall"]
    if overall[1] != api["in_progress"] or (
        overall[1] and not _near(api["age"]["p85"], overall[4])
    ):
        problems.append(f"age over all: API {api['in_progress']}, direct SQL {overall[:6]}")
    for kind, in_progress, *_ages, over, p85, finished in direct["age_by_type"]:
        ours = by_type.get(kind)
        spread = (ours or {}).get("flow_time") or {}
        got = (
            ours and ours["in_progress"],
            ours and ours["over_p85"],
            spread.get("p85"),
            spread.get("count"),
        )
        close = got[3] == finished and (
            (p85 is None and got[2] is None)
            or (p85 is not None and got[2] is not None and abs(got[2] - p85) <= 1e-6 * p85)
        )
        if got[:2] != (in_progress, over or 0) or not close:
            problems.append(
                f"age {kind}: API {got}, direct SQL {(in_progress, over, p85, finished)}"
            )
    if [i["external_id"] for i in api["oldest"]] != [r[0] for r in direct["oldest"]]:
        problems.append("age: the oldest items differ")
    return problems


def _label(value: Any) -> str:
    if isinstance(value, datetime):
        return value.astimezone(UTC).date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)[:10]


async def run_direct(engine: Any, stream_id: uuid.UUID) -> dict[str, list[tuple[Any, ...]]]:
    from sqlalchemy import Uuid, bindparam, text

    from core.types import UTCDateTime

    dialect = engine.dialect.name
    params = {"vs": stream_id, "start": PERIOD_START, "end": PERIOD_END}
    answers: dict[str, list[tuple[Any, ...]]] = {}
    async with engine.connect() as connection:
        for name, sql in direct_queries(dialect).items():
            statement = text(sql).bindparams(
                bindparam("vs", type_=Uuid()),
                bindparam("start", type_=UTCDateTime()),
                bindparam("end", type_=UTCDateTime()),
            )
            rows = await connection.execute(statement, params)
            answers[name] = [tuple(row) for row in rows]
        await connection.rollback()
    return answers


SPREAD_OF = {"flow": "flow_time", "lead": "lead_time_for_changes", "restore": "time_to_restore"}


def _spread_part(name: str, part: str) -> Callable[[dict[str, Any]], Any]:
    """Reads one part of a distribution from a bucket of the API's answer."""

    def read(bucket: dict[str, Any]) -> Any:
        spread = (
            bucket[SPREAD_OF[name]]
            if name in SPREAD_OF
            else (bucket["time_in_state"] or {}).get(name)
        )
        return None if spread is None else spread[part]

    return read


def compare(api: dict[str, Any], direct: dict[str, list[tuple[Any, ...]]]) -> list[str]:
    """Differences between the API's buckets and the direct SQL's; empty when they agree."""
    by_label = {b["start"][:10]: b for b in api["buckets"]}
    problems: list[str] = []

    def check(label: str, name: str, ours: Any, theirs: Any) -> None:
        bucket = by_label.get(label)
        if bucket is None:
            problems.append(f"{label}: no such bucket in the API's answer")
            return
        got = bucket[name] if not callable(ours) else ours(bucket)
        if theirs is None or got is None:
            ok = theirs is None and got is None
        else:
            ok = abs(float(got) - float(theirs)) <= 1e-9 * max(1.0, abs(float(theirs)))
        if not ok:
            problems.append(f"{label} {name}: API {got!r}, direct SQL {theirs!r}")

    for label, velocity, efficiency, *_types in ((_label(r[0]), *r[1:]) for r in direct["items"]):
        check(label, "flow_velocity", None, velocity)
        check(label, "flow_efficiency", None, efficiency)
    for label, count, failed in ((_label(r[0]), r[1], r[2]) for r in direct["deployments"]):
        check(label, "deployment_count", None, count)
        check(label, "change_failure_rate", None, failed / count)
    for name in SPREADS:
        for bucket_start, *values in direct[name]:
            parts = ("count", "mean", *(f"p{p}" for p in LEVELS))
            for part, value in zip(parts, values, strict=True):
                check(_label(bucket_start), f"{name} {part}", _spread_part(name, part), value)
    problems += compare_aging(api, direct["aging"])
    loads = {_label(r[0]): r[1] for r in direct["load"]}
    current = None
    for bucket in api["buckets"]:
        current = loads.get(bucket["start"][:10], current)
        if current is not None and bucket["flow_load"] != current:
            problems.append(
                f"{bucket['start'][:10]} flow_load: API {bucket['flow_load']}, SQL {current}"
            )
    return problems


def compare_aging(api: dict[str, Any], rows: list[tuple[Any, ...]]) -> list[str]:
    """Each week end's aging in the API's answer against the direct SQL's rows."""
    by_end = {b["window_end"][:10]: b["aging"] for b in api["buckets"]}
    problems: list[str] = []
    for we, count, mean, p50, p85, p95, over in rows:
        label = _label(we)
        ours = by_end.get(label)
        spread = (ours or {}).get("age") or {}
        theirs = (count, over or 0, mean, p50, p85, p95)
        got = (
            ours and ours["in_progress"],
            ours and ours["over_p85"],
            *(spread.get(part) for part in ("mean", "p50", "p85", "p95")),
        )
        if got[:2] != theirs[:2] or not all(
            g is not None and _near(g, t) for g, t in zip(got[2:], theirs[2:], strict=True)
        ):
            problems.append(f"{label} aging: API {got}, direct SQL {theirs}")
    in_progress = sum(a["in_progress"] for a in by_end.values())
    if in_progress != sum(r[1] for r in rows):
        problems.append(f"aging: API {in_progress} in progress over the weeks, SQL otherwise")
    return problems


async def run_service(engine: Any, organization_id: uuid.UUID, stream_id: uuid.UUID) -> Any:
    from sqlalchemy.ext.asyncio import async_sessionmaker
    from sqlmodel.ext.asyncio.session import AsyncSession

    from core.actor import Actor
    from core.delivery import flow_metrics
    from core.models.token import Role

    maker = async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)
    actor = Actor(organization_id=organization_id, role=Role.viewer)
    async with maker() as session:
        report = await flow_metrics.flow_metrics(
            session,
            actor,
            stream_id,
            start=PERIOD_START,
            end=PERIOD_END,
            bucket="week",
            aging=True,
        )
        await session.rollback()
    return report


async def run_service_age(engine: Any, organization_id: uuid.UUID, stream_id: uuid.UUID) -> Any:
    from sqlalchemy.ext.asyncio import async_sessionmaker
    from sqlmodel.ext.asyncio.session import AsyncSession

    from core.actor import Actor
    from core.delivery.work_item_age import work_item_age
    from core.models.token import Role

    maker = async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)
    actor = Actor(organization_id=organization_id, role=Role.viewer)
    async with maker() as session:
        report = await work_item_age(
            session,
            actor,
            stream_id,
            at=AGE_AT,
            history_days=AGE_HISTORY_DAYS,
            oldest=AGE_OLDEST,
        )
        await session.rollback()
    return report


async def refresh_statistics(engine: Any) -> None:
    """What autovacuum does after a bulk load: statistics, and on PostgreSQL the visibility
    map too (inserts trigger autovacuum since PostgreSQL 13), which index-only scans need."""
    from sqlalchemy import text

    if engine.dialect.name == "postgresql":
        async with engine.connect() as connection:
            autocommit = await connection.execution_options(isolation_level="AUTOCOMMIT")
            await autocommit.execute(text("VACUUM ANALYZE"))
    else:
        async with engine.begin() as connection:
            await connection.execute(text("ANALYZE"))


@dataclass
class Series:
    label: str
    runs: list[float] = field(default_factory=list)

    def median_ms(self) -> float:
        return statistics.median(self.runs) * 1000


async def measure(
    database_url: str,
    base: str,
    token: str,
    organization_id: uuid.UUID,
    stream_id: uuid.UUID,
    runs: int,
) -> tuple[list[Series], list[str], int]:
    """Interleaved rounds (API, service, SQL, API, ...); the first round only warms up."""

    from core.db import make_engine

    engine = make_engine(database_url, write=False, pool_size=2)
    path = (
        f"/api/v1/value-streams/{stream_id}/flow-metrics"
        f"?start={_iso(PERIOD_START)}&end={_iso(PERIOD_END)}&bucket=week&aging=true"
    )
    try:
        await refresh_statistics(engine)
        api = Series("API: `GET /flow-metrics` over HTTP")
        service = Series("service in-process (same SQL, no HTTP)")
        direct = Series("hand-written SQL (`text()`), same database")
        api_age = Series("API: `GET /work-item-age` over HTTP")
        service_age = Series("service in-process (same SQL, no HTTP)")
        direct_age = Series("hand-written SQL (`text()`), same database")
        age_path = (
            f"/api/v1/value-streams/{stream_id}/work-item-age?at={_iso(AGE_AT)}"
            f"&history_days={AGE_HISTORY_DAYS}&oldest={AGE_OLDEST}"
        )
        answer = await asyncio.to_thread(call, base, "GET", path, token)
        problems = compare(answer, await run_direct(engine, stream_id))
        ages = await asyncio.to_thread(call, base, "GET", age_path, token)
        problems += compare_age(ages, await run_direct_age(engine, stream_id))
        for round_ in range(runs + 1):
            for series, work in (
                (api, lambda: asyncio.to_thread(call, base, "GET", path, token)),
                (service, lambda: run_service(engine, organization_id, stream_id)),
                (direct, lambda: run_direct(engine, stream_id)),
                (api_age, lambda: asyncio.to_thread(call, base, "GET", age_path, token)),
                (service_age, lambda: run_service_age(engine, organization_id, stream_id)),
                (direct_age, lambda: run_direct_age(engine, stream_id)),
            ):
                began = time.perf_counter()
                await work()
                if round_:
                    series.runs.append(time.perf_counter() - began)
            if round_:
                print(
                    f"  round {round_}/{runs}: "
                    + ", ".join(f"{s.runs[-1] * 1000:.0f} ms" for s in (api, service, direct))
                    + "; work item age: "
                    + ", ".join(
                        f"{s.runs[-1] * 1000:.0f} ms" for s in (api_age, service_age, direct_age)
                    ),
                    flush=True,
                )
        return (
            [api, service, direct, api_age, service_age, direct_age],
            problems,
            len(answer["buckets"]),
        )
    finally:
        await engine.dispose()


# -- report --------------------------------------------------------------------------------


async def database_version(database_url: str) -> str:
    from sqlalchemy import text

    from core.db import make_oneshot_engine

    engine = make_oneshot_engine(database_url)
    try:
        async with engine.connect() as connection:
            if engine.dialect.name == "sqlite":
                version = (await connection.execute(text("select sqlite_version()"))).scalar()
                return f"SQLite {version}"
            version = (await connection.execute(text("show server_version"))).scalar()
            return f"PostgreSQL {version}"
    finally:
        await engine.dispose()


def machine(database_url: str) -> dict[str, str]:
    def first_match(path: str, pattern: str) -> str:
        with contextlib.suppress(OSError):
            match = re.search(pattern, Path(path).read_text(), re.MULTILINE)
            if match:
                return match.group(1).strip()
        return "unknown"

    memory_kib = first_match("/proc/meminfo", r"^MemTotal:\s+(\d+) kB")
    memory = f"{int(memory_kib) / 1024 / 1024:.1f} GiB" if memory_kib.isdigit() else "unknown"
    return {
        "cpus (nproc)": str(len(os.sched_getaffinity(0))),
        "cpu model": first_match("/proc/cpuinfo", r"^model name\s*:\s*(.+)$"),
        "memory": memory,
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "database": asyncio.run(database_version(database_url)),
        "sqlite library": sqlite3.sqlite_version,
        "granian / litestar / sqlalchemy": " / ".join(
            metadata.version(p) for p in ("granian", "litestar", "sqlalchemy")
        ),
        "load average before (1/5/15 min)": " / ".join(f"{v:.2f}" for v in os.getloadavg()),
    }


def section(
    when: str,
    database: str,
    ingests: list[Ingest],
    series: list[Series],
    problems: list[str],
    buckets: int,
    settings: dict[str, str],
    info: dict[str, str],
) -> str:
    api, service, direct, api_age, service_age, direct_age = series
    ratio = api.median_ms() / direct.median_ms()
    verdict = "met" if ratio <= TARGET_RATIO and not problems else "NOT met"
    age_ratio = api_age.median_ms() / direct_age.median_ms()
    age_verdict = "met" if age_ratio <= TARGET_RATIO and not problems else "NOT met"
    lines = [
        f"## Delivery flow metrics, {database} ({when})",
        "",
        "Ingest through the HTTP API (granian, 1 worker), batches of "
        f"{settings['batch']} records a request:",
        "",
        "| records | requests | seconds | records/s | median s/request | rows written |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for item in ingests:
        lines.append(
            f"| {item.label} | {len(item.requests)} | {item.seconds:.1f} "
            f"| {item.records / item.seconds:,.0f} | {statistics.median(item.requests):.2f} "
            f"| {item.records + item.children:,} |"
        )
    lines += [
        "",
        f"Every flow metric and DORA key of 2025 by ISO week ({buckets} buckets, the first and "
        f"last partial), median of {len(api.runs)} interleaved rounds after one warm-up round:",
        "",
        "| path | median ms | min ms | max ms |",
        "|---|---:|---:|---:|",
    ]
    lines += [_row(item) for item in (api, service, direct)]
    lines += [
        "",
        f"- API / direct SQL: **{ratio:.2f}x** (target at most {TARGET_RATIO:g}x: {verdict})",
        f"- service in-process / direct SQL: {service.median_ms() / direct.median_ms():.2f}x",
        "",
        f"Work item age at {_iso(AGE_AT)}: every item in progress against its type's p85 "
        f"flow time over the {AGE_HISTORY_DAYS} days before, the {AGE_OLDEST} oldest listed, "
        "in the same rounds:",
        "",
        "| path | median ms | min ms | max ms |",
        "|---|---:|---:|---:|",
        *(_row(item) for item in (api_age, service_age, direct_age)),
        "",
        f"- API / direct SQL: **{age_ratio:.2f}x** (target at most {TARGET_RATIO:g}x: "
        f"{age_verdict})",
        f"- service in-process / direct SQL: "
        f"{service_age.median_ms() / direct_age.median_ms():.2f}x",
        "- the direct SQL's numbers equal the API's: "
        + ("yes" if not problems else f"NO ({len(problems)} differences: {problems[:3]})"),
        "",
        "| setting | value |",
        "|---|---|",
        *(f"| {name} | {value} |" for name, value in settings.items()),
        *(f"| {name} | {value} |" for name, value in info.items()),
        "",
        "The machine's 2 cores are shared with other engineers' work, and the HTTP client, the",
        "server and the database all run on them: compare figures within a section, not",
        "across machines or days.",
    ]
    return "\n".join(lines) + "\n"


def _row(item: Series) -> str:
    return (
        f"| {item.label} | {item.median_ms():.1f} | {min(item.runs) * 1000:.1f} "
        f"| {max(item.runs) * 1000:.1f} |"
    )


# -- main ----------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.flow_metrics",
        description="Bulk ingest through the API, then weekly flow and DORA metrics for a "
        "year from the API against hand-written SQL.",
    )
    parser.add_argument("--work-items", type=int, default=DEFAULT_WORK_ITEMS)
    parser.add_argument("--deployments", type=int, default=20_000)
    parser.add_argument("--batch", type=int, default=5_000, help="records per request")
    parser.add_argument("--runs", type=int, default=7, help="timed rounds (median)")
    parser.add_argument("--seed", type=int, default=2025)
    parser.add_argument(
        "--database-url",
        help="a throwaway, empty database to use instead of a temporary SQLite file "
        "(it is migrated and gets a new organization)",
    )
    parser.add_argument("--results", type=Path, default=RESULTS, help="Markdown file to update")
    parser.add_argument("--no-write", action="store_true", help="do not touch the results file")
    args = parser.parse_args(argv)
    if not 1 <= args.batch <= 5_000 or not 1 <= args.runs <= 50:
        parser.error("--batch must be 1..5000 and --runs 1..50")
    if args.work_items < 1 or args.deployments < 1:
        parser.error("--work-items and --deployments must be positive")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    rng = random.Random(args.seed)
    print("generating data ...", flush=True)
    items = generate_work_items(rng, args.work_items)
    deployments, incidents = generate_deployments(rng, args.deployments)
    with tempfile.TemporaryDirectory(prefix="vsm-bench-") as scratch:
        database_url = args.database_url or f"sqlite+aiosqlite:///{scratch}/bench.db"
        database = "SQLite" if database_url.startswith("sqlite") else "PostgreSQL"
        info = machine(database_url)
        print(f"preparing a {database} database ...", flush=True)
        token = prepare_database(database_url)
        port = free_port()
        log = Path(scratch) / "server.log"
        print(f"starting granian on {HOST}:{port} ...", flush=True)
        with http_server(database_url, port, 1, log) as base:
            organization = call(base, "GET", "/api/v1/organization", token)
            stream = call(base, "POST", "/api/v1/value-streams", token, {"name": "Benchmark"})
            stream_id = uuid.UUID(stream["id"])
            print("ingesting through the API ...", flush=True)
            ingests = [
                ingest(base, token, stream["id"], "work-items", items, args.batch),
                ingest(base, token, stream["id"], "deployments", deployments, args.batch),
                ingest(base, token, stream["id"], "incidents", incidents, args.batch),
                ingest(base, token, stream["id"], "work-items", items[: args.batch], args.batch),
            ]
            ingests[0].children = sum(len(i["state_changes"]) for i in items)
            ingests[1].children = sum(len(d["commit_times"]) for d in deployments)
            labels: list[Callable[[Ingest], str]] = [
                lambda i: f"{i.records:,} work items (+{i.children:,} state changes)",
                lambda i: f"{i.records:,} deployments (+{i.children:,} commits)",
                lambda i: f"{i.records:,} incidents",
                lambda i: f"{i.records:,} work items sent again (all unchanged)",
            ]
            for item, label in zip(ingests, labels, strict=True):
                item.label = label(item)
            print("measuring a year by week ...", flush=True)
            series, problems, buckets = asyncio.run(
                measure(
                    database_url,
                    base,
                    token,
                    uuid.UUID(organization["id"]),
                    stream_id,
                    args.runs,
                )
            )
    settings = {
        "database": database,
        "server": "granian, 1 worker, ASGI (as `vsm serve`), loopback",
        "batch": f"{args.batch:,}",
        "data": f"seed {args.seed}; {len(items):,} work items, {len(deployments):,} deployments, "
        f"{len(incidents):,} incidents",
        "period": f"{_iso(PERIOD_START)} to {_iso(PERIOD_END)}, bucket week",
        "before measuring": "VACUUM ANALYZE" if database == "PostgreSQL" else "ANALYZE",
    }
    text = section(when, database, ingests, series, problems, buckets, settings, info)
    print()
    print(text)
    if not args.no_write:
        key = f"{when[:10]} {database.lower()}"
        if args.work_items != DEFAULT_WORK_ITEMS:
            key += f" {args.work_items}"
        write_section(args.results, "flow_metrics", key, text)
        print(f"updated {args.results}")
    return 0 if not problems else 1


if __name__ == "__main__":
    sys.exit(main())
