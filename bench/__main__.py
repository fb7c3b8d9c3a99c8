"""Every benchmark, on SQLite and then on PostgreSQL: what `make bench` runs.

    python -m bench                          # all of them, on both databases
    python -m bench portfolio large_maps     # those two only
    python -m bench --sqlite-only startup

Each benchmark runs in its own process with its default arguments (see bench/README.md),
so one that fails or misses its goal does not stop the others; each writes its figures
into bench/RESULTS.md. On PostgreSQL each gets a database of its own, made afresh on the
server that `VSM_BENCH_POSTGRES_URL` names (default: the local server's `test` database,
used only to create and drop the benchmark's). The exit status is 0 only when every
benchmark ran and met its goal.
"""

import argparse
import asyncio
import os
import subprocess
import sys
import time

import asyncpg
from sqlalchemy.engine import make_url

BENCHMARKS = (
    "startup",
    "http_read",
    "portfolio",
    "large_maps",
    "classify",
    "list_pages",
    "flow_metrics",
    "map_metrics",
    "map_import",
    "readout",
    "noisy_neighbour",
    "overload",
    "request_costs",
    "webhooks",
    "load_objective",
)
"""Quick ones first; the load objective's memory soak takes ten minutes per database."""

DEFAULT_POSTGRES = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"


async def _admin(url: str, statement: str) -> None:
    parsed = make_url(url)
    connection = await asyncpg.connect(
        host=parsed.host,
        port=parsed.port,
        user=parsed.username,
        password=parsed.password,
        database=parsed.database,
        timeout=5,
    )
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


def fresh_database(admin_url: str, name: str) -> str | None:
    """A new, empty database beside `admin_url`'s, or None when the server is not there."""
    try:
        asyncio.run(_admin(admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        asyncio.run(_admin(admin_url, f'CREATE DATABASE "{name}"'))
    except (OSError, asyncpg.PostgresError) as error:
        print(f"!! PostgreSQL at {make_url(admin_url).host} is not usable: {error}")
        return None
    return make_url(admin_url).set(database=name).render_as_string(hide_password=False)


def run(name: str, database_url: str | None) -> int:
    command = [sys.executable, "-m", f"bench.{name}"]
    if database_url:
        command += ["--database-url", database_url]
    where = "PostgreSQL" if database_url else "SQLite"
    print(f"\n== bench.{name} on {where} ==", flush=True)
    started = time.monotonic()
    status = subprocess.run(command, check=False).returncode
    print(f"== bench.{name} on {where}: exit {status} in {time.monotonic() - started:,.0f} s")
    return status


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument("names", nargs="*", metavar="NAME", help=", ".join(BENCHMARKS))
    parser.add_argument("--sqlite-only", action="store_true", help="skip PostgreSQL")
    args = parser.parse_args(argv)
    unknown = set(args.names) - set(BENCHMARKS)
    if unknown:
        parser.error(f"no benchmark named {', '.join(sorted(unknown))}")
    names = args.names or list(BENCHMARKS)
    admin_url = os.environ.get("VSM_BENCH_POSTGRES_URL", DEFAULT_POSTGRES)
    outcomes: list[tuple[str, str, int]] = []
    for name in names:
        outcomes.append((name, "SQLite", run(name, None)))
        if args.sqlite_only:
            continue
        database_url = fresh_database(admin_url, f"vsm_bench_{name}")
        if database_url is None:
            outcomes.append((name, "PostgreSQL", -1))
            continue
        outcomes.append((name, "PostgreSQL", run(name, database_url)))
    print("\n== summary (0: ran and met its goal; -1: no PostgreSQL) ==")
    for name, where, status in outcomes:
        print(f"{name:16} {where:11} {status}")
    return 0 if all(status == 0 for _, _, status in outcomes) else 1


if __name__ == "__main__":
    sys.exit(main())
