"""Listing benchmark: every work item of a stream, page by page over HTTP, against the same
pages read with hand-written SQL on the same database.

Run from the repository root with `python -m bench.list_pages --help`.

It builds a fresh database (a temporary SQLite file unless `--database-url` names
another), migrates it, creates an organization with an admin token, starts granian
serving `bench.app:create_bench_app` (the app `vsm serve` runs) on a free loopback port,
creates a value stream and ingests 100,000 work items through the REST API, generated
as `bench/flow_metrics.py` generates them (2-4 state changes each). After refreshing
statistics as autovacuum would (PostgreSQL only: the service never analyzes a SQLite
database), it walks the whole list in interleaved rounds:

* the API: `GET /api/v1/value-streams/{id}/work-items?limit=100&cursor=...` one page
  after another on one keep-alive connection, until no next cursor;
* hand-written SQL (`text()`) on the same database: each page as
  `WHERE value_stream_id = :stream AND id > :last ORDER BY id LIMIT 101` and the page's
  state changes, one transaction a page, as one request has.

The walks' ids must be the same 100,000 in the same order before any figure is reported.
Last, it drops the index the list pages through (`ix_work_item_stream_id`, migration
0009b) and reads a sample of the same pages again over HTTP, the database as it was
before that migration, against the same sample read just before with the index.
The headline is API / direct SQL for the whole walk; the depth ratio (the median page of
the last hundred against the first hundred) says whether a page costs the same deep in
the list as at its start, which it does only when an index serves the page.
"""

import argparse
import asyncio
import http.client
import json
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from bench.flow_metrics import call, generate_work_items, ingest, machine
from bench.flow_metrics import refresh_statistics as vacuum_analyze
from bench.http_read import HOST, free_port, prepare_database
from bench.http_read import running_server as http_server
from bench.results import RESULTS, write_section

DEPTH_PAGES = 100
"""How many pages at each end of the walk the depth ratio compares."""


@dataclass
class Walk:
    """The seconds of each page of one walk, and the ids it listed."""

    pages: list[float] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)
    cursors: list[str | None] = field(default_factory=list)

    @property
    def seconds(self) -> float:
        return sum(self.pages)


@dataclass
class Series:
    label: str
    walks: list[Walk] = field(default_factory=list)

    def median_seconds(self) -> float:
        return statistics.median(walk.seconds for walk in self.walks)

    def page_ms(self, which: slice = slice(None)) -> float:
        return statistics.median(ms for walk in self.walks for ms in walk.pages[which]) * 1000

    def p95_page_ms(self) -> float:
        pages = sorted(ms for walk in self.walks for ms in walk.pages)
        return pages[int(0.95 * (len(pages) - 1))] * 1000

    def depth_ratio(self) -> float:
        return self.page_ms(slice(-DEPTH_PAGES, None)) / self.page_ms(slice(DEPTH_PAGES))


class Pages:
    """GETs of one stream's work item pages on one keep-alive connection."""

    def __init__(self, base: str, token: str, stream_id: str, limit: int) -> None:
        self.connection = http.client.HTTPConnection(HOST, int(base.rsplit(":", 1)[1]), timeout=600)
        self.headers = {"Authorization": f"Bearer {token}"}
        self.path = f"/api/v1/value-streams/{stream_id}/work-items"
        self.limit = limit

    def get(self, cursor: str | None) -> tuple[float, dict[str, Any]]:
        """The seconds from the request to the answer's last byte, and the decoded page."""
        query = {"limit": self.limit, **({"cursor": cursor} if cursor else {})}
        path = f"{self.path}?{urlencode(query)}"
        began = time.perf_counter()
        self.connection.request("GET", path, headers=self.headers)
        answer = self.connection.getresponse()
        body = answer.read()
        seconds = time.perf_counter() - began
        if answer.status != 200:
            raise RuntimeError(f"GET {path} answered {answer.status}: {body[:2000]!r}")
        return seconds, json.loads(body)

    def close(self) -> None:
        self.connection.close()


def walk_api(base: str, token: str, stream_id: str, limit: int) -> Walk:
    """Every page in turn on one keep-alive connection; the JSON decoding is not timed."""
    walk = Walk()
    pages = Pages(base, token, stream_id, limit)
    cursor: str | None = None
    try:
        while True:
            seconds, page = pages.get(cursor)
            walk.pages.append(seconds)
            walk.cursors.append(cursor)
            walk.ids += [item["id"] for item in page["items"]]
            cursor = page["next_cursor"]
            if cursor is None:
                return walk
    finally:
        pages.close()


def sample_positions(pages: int) -> list[int]:
    """Ten pages at the start, ten in the middle and the last ten."""
    middle = pages // 2
    return [*range(10), *range(middle, middle + 10), *range(pages - 10, pages)]


def read_sample(base: str, token: str, stream_id: str, limit: int, walk: Walk) -> list[float]:
    """The sample's pages again, each from the cursor the walk used, after one warm-up."""
    pages = Pages(base, token, stream_id, limit)
    try:
        pages.get(None)
        return [pages.get(walk.cursors[at])[0] for at in sample_positions(len(walk.cursors))]
    finally:
        pages.close()


async def refresh_statistics(engine: Any) -> None:
    """What the database itself does after a bulk load: on PostgreSQL autovacuum's
    `VACUUM ANALYZE`; nothing on SQLite, which the service never analyzes, so its planner
    chooses without statistics there as it does in use."""
    if engine.dialect.name == "postgresql":
        await vacuum_analyze(engine)


async def drop_list_index(engine: Any) -> None:
    """What the database had before migration 0009b: no index on (value_stream_id, id)."""
    from sqlalchemy import text

    async with engine.begin() as connection:
        await connection.execute(text("DROP INDEX ix_work_item_stream_id"))
    await refresh_statistics(engine)


PAGE = """
SELECT id, organization_id, value_stream_id, external_id, type, title, created, started,
       finished_at, start_at, flow_seconds, active_seconds, waiting_seconds, blocked_seconds,
       created_at, updated_at
FROM work_item
WHERE value_stream_id = :stream AND id > :last
ORDER BY id
LIMIT :rows
"""

STATES = """
SELECT work_item_id, at, state, flag
FROM work_item_state
WHERE work_item_id IN :ids
ORDER BY work_item_id, at, id
"""


async def walk_sql(engine: Any, stream_id: uuid.UUID, limit: int) -> Walk:
    """The same pages by hand: a page, then its state changes, in one transaction a page."""
    from sqlalchemy import Uuid, bindparam, text

    page = text(PAGE).bindparams(bindparam("stream", type_=Uuid()), bindparam("last", type_=Uuid()))
    page = page.columns(id=Uuid())
    states = text(STATES).bindparams(bindparam("ids", type_=Uuid(), expanding=True))
    walk = Walk()
    last = uuid.UUID(int=0)
    while True:
        began = time.perf_counter()
        async with engine.connect() as connection, connection.begin():
            rows = (
                await connection.execute(
                    page, {"stream": stream_id, "last": last, "rows": limit + 1}
                )
            ).all()[:limit]
            if rows:
                await connection.execute(states, {"ids": [row.id for row in rows]})
        walk.pages.append(time.perf_counter() - began)
        walk.ids += [str(row.id) for row in rows]
        if len(rows) < limit:
            return walk
        last = rows[-1].id


@dataclass
class WithoutIndex:
    """The same sample of pages over HTTP with the list's index, then without it."""

    with_index: list[float]
    without_index: list[float]


async def measure(
    database_url: str, base: str, token: str, stream_id: str, rounds: int, limit: int
) -> tuple[list[Series], list[str], WithoutIndex]:
    """Interleaved rounds (API, SQL, API, ...); the first round only warms up and checks.

    Last, the list's index is dropped and a sample of the pages read again over HTTP:
    the database as it was before the index, measured on the same data and server.
    """
    from core.db import make_engine

    engine = make_engine(database_url, write=False, pool_size=2)
    try:
        await refresh_statistics(engine)
        api = Series(f"API: `GET /work-items?limit={limit}` page by page over HTTP")
        direct = Series("hand-written SQL (`text()`), same pages, same database")
        problems: list[str] = []
        for round_ in range(rounds + 1):
            over_http = await asyncio.to_thread(walk_api, base, token, stream_id, limit)
            by_hand = await walk_sql(engine, uuid.UUID(stream_id), limit)
            if not round_:
                if over_http.ids != by_hand.ids:
                    problems.append(
                        f"the API listed {len(over_http.ids):,} ids, the SQL "
                        f"{len(by_hand.ids):,}, not the same in the same order"
                    )
                if len(set(over_http.ids)) != len(over_http.ids):
                    problems.append("the API listed an id twice")
                continue
            api.walks.append(over_http)
            direct.walks.append(by_hand)
            print(
                f"  round {round_}/{rounds}: API {over_http.seconds:.1f} s "
                f"({len(over_http.pages)} pages), SQL {by_hand.seconds:.1f} s",
                flush=True,
            )
        walk = api.walks[0]
        with_index = await asyncio.to_thread(read_sample, base, token, stream_id, limit, walk)
        print("  dropping the list's index ...", flush=True)
        write_engine = make_engine(database_url, write=True, pool_size=1)
        try:
            await drop_list_index(write_engine)
        finally:
            await write_engine.dispose()
        without = await asyncio.to_thread(read_sample, base, token, stream_id, limit, walk)
        print(f"  sample of {len(without)} pages without the index: {sum(without):.1f} s")
        return [api, direct], problems, WithoutIndex(with_index, without)
    finally:
        await engine.dispose()


def section(
    when: str,
    database: str,
    items: int,
    ingest_seconds: float,
    series: list[Series],
    problems: list[str],
    sample: WithoutIndex,
    settings: dict[str, str],
    info: dict[str, str],
) -> str:
    api, direct = series
    ratio = api.median_seconds() / direct.median_seconds()
    slowdown = statistics.median(sample.without_index) / statistics.median(sample.with_index)
    pages = len(api.walks[0].pages)
    lines = [
        f"## Listing {items:,} work items page by page, {database} ({when})",
        "",
        f"{items:,} work items ingested through the API in {ingest_seconds:.1f} s, then the "
        f"whole list walked in {pages:,} pages; median of {len(api.walks)} interleaved rounds "
        "after one warm-up round:",
        "",
        "| path | walk s (median) | min s | max s | page ms p50 | page ms p95 "
        f"| first {DEPTH_PAGES} pages ms p50 | last {DEPTH_PAGES} pages ms p50 |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for item in series:
        walks = [walk.seconds for walk in item.walks]
        lines.append(
            f"| {item.label} | {item.median_seconds():.1f} | {min(walks):.1f} | {max(walks):.1f} "
            f"| {item.page_ms():.1f} | {item.p95_page_ms():.1f} "
            f"| {item.page_ms(slice(DEPTH_PAGES)):.1f} "
            f"| {item.page_ms(slice(-DEPTH_PAGES, None)):.1f} |"
        )
    lines += [
        "",
        f"- API / direct SQL, whole walk: **{ratio:.2f}x**",
        f"- depth (last {DEPTH_PAGES} pages / first {DEPTH_PAGES}, median page): API "
        f"**{api.depth_ratio():.2f}x**, direct SQL {direct.depth_ratio():.2f}x",
        "- the API and the SQL listed the same ids in the same order: "
        + ("yes" if not problems else f"NO ({'; '.join(problems)})"),
        "",
        f"The same {len(sample.without_index)} pages over HTTP (ten at the start, ten in the "
        "middle, the last ten), read again after the walks with the index on "
        "(`value_stream_id`, `id`) and then once more after dropping it, as the database was "
        "before migration 0009b:",
        "",
        "| index | page ms p50 | page ms max | sample s |",
        "|---|---:|---:|---:|",
        *(
            f"| {label} | {statistics.median(pages) * 1000:.1f} | {max(pages) * 1000:.1f} "
            f"| {sum(pages):.1f} |"
            for label, pages in (
                ("`ix_work_item_stream_id`", sample.with_index),
                ("none (before 0009b)", sample.without_index),
            )
        ),
        "",
        f"- without / with the index, median page: **{slowdown:.1f}x**",
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


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.list_pages",
        description="Every work item of a stream page by page over HTTP, against the same "
        "pages read with hand-written SQL.",
    )
    parser.add_argument("--work-items", type=int, default=100_000)
    parser.add_argument("--limit", type=int, default=100, help="page size (1..100)")
    parser.add_argument("--batch", type=int, default=5_000, help="records per ingest request")
    parser.add_argument("--rounds", type=int, default=3, help="timed rounds (median)")
    parser.add_argument("--seed", type=int, default=2025)
    parser.add_argument(
        "--database-url",
        help="a throwaway, empty database to use instead of a temporary SQLite file "
        "(it is migrated and gets a new organization)",
    )
    parser.add_argument("--results", type=Path, default=RESULTS, help="Markdown file to update")
    parser.add_argument("--no-write", action="store_true", help="do not touch the results file")
    args = parser.parse_args(argv)
    if not 1 <= args.limit <= 100 or not 1 <= args.batch <= 5_000 or not 1 <= args.rounds <= 50:
        parser.error("--limit must be 1..100, --batch 1..5000 and --rounds 1..50")
    if args.work_items < 2 * DEPTH_PAGES * args.limit:
        parser.error(f"--work-items must fill at least {2 * DEPTH_PAGES} pages")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    print("generating data ...", flush=True)
    items = generate_work_items(random.Random(args.seed), args.work_items)
    # A walk of 1,000 pages is one client reading fast; the benchmark measures the
    # listing, not the per-token rate limit that would answer it with 429s.
    os.environ["VSM_RATE_LIMIT_REQUESTS"] = "0"
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
            stream = call(base, "POST", "/api/v1/value-streams", token, {"name": "Benchmark"})
            print("ingesting through the API ...", flush=True)
            loaded = ingest(base, token, stream["id"], "work-items", items, args.batch)
            print("walking the list ...", flush=True)
            series, problems, sample = asyncio.run(
                measure(database_url, base, token, stream["id"], args.rounds, args.limit)
            )
    settings = {
        "database": database,
        "server": "granian, 1 worker, ASGI (as `vsm serve`), loopback, rate limit off",
        "client": "one keep-alive connection, one request after another",
        "page size": str(args.limit),
        "data": f"seed {args.seed}; {len(items):,} work items with 2-4 state changes each",
        "before measuring": "VACUUM ANALYZE"
        if database == "PostgreSQL"
        else "nothing (the service never runs ANALYZE on SQLite)",
    }
    text = section(
        when, database, len(items), loaded.seconds, series, problems, sample, settings, info
    )
    print()
    print(text)
    if not args.no_write:
        key = f"{when[:10]} {database.lower()}"
        write_section(args.results, "list_pages", key, text)
        print(f"updated {args.results}")
    return 0 if not problems else 1


if __name__ == "__main__":
    sys.exit(main())
