"""Run Alembic from code: the CLI, `make run` and the tests all migrate this way.

Also the two checks an operator needs before touching a database: is it there, reachable
and at the schema this code expects (`require_current`), and what would a downgrade
destroy (`downgrade` runs it in a transaction and rolls it back unless told to go on).

`require_current` runs before every `vsm serve`, so it stays off Alembic: importing
Alembic (with Mako and Pygments) took a quarter of a second, a tenth of the time from
`vsm serve` to a server that answers. The revisions are read from the version files and
the version table directly; Alembic is imported by the functions that run migrations.
"""

import ast
import asyncio
import sqlite3
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from sqlalchemy import String, column, func, inspect, select, table
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from core.db import make_oneshot_engine, sqlite_foreign_keys

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"
VERSION_TABLE = "alembic_version"
CONNECT_SECONDS = 10.0
FIX = "run `vsm db upgrade`"

T = TypeVar("T")


class DatabaseNotReady(Exception):
    """The database is missing, unreachable or not at the schema this code needs.

    The message is one line that names the database and what to do about it.
    """


@dataclass(frozen=True)
class Loss:
    """Data a downgrade destroys: a whole table, one column's values, or rows of a table."""

    table: str
    count: int
    column: str | None = None
    whole_table: bool = True

    def __str__(self) -> str:
        if self.column is not None:
            return f"column {self.table}.{self.column}: {_count(self.count, 'value')}"
        if self.whole_table:
            return f"table {self.table}: {_count(self.count, 'row')}"
        return f"table {self.table} loses {_count(self.count, 'row')}"


class DowngradeLosesData(Exception):
    """A downgrade would destroy stored data and was not confirmed; nothing was changed."""

    def __init__(self, revision: str, losses: list[Loss]) -> None:
        super().__init__(f"downgrading to {revision} would destroy data")
        self.revision = revision
        self.losses = losses


def alembic_config(database_url: str) -> "Config":
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", database_url)
    return config


def shown(database_url: str) -> str:
    """The URL as an operator should see it: no password; a SQLite file's full path too."""
    url = make_url(database_url)
    text = url.render_as_string(hide_password=True)
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        path = Path(url.database)
        if not path.is_absolute():
            text += f" ({path.resolve()})"
    return text


def sqlite_file(database_url: str) -> Path | None:
    """The file of a SQLite URL; None for other databases."""
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    return Path(url.database)


def sqlite_file_missing(database_url: str) -> bool:
    """True for a SQLite URL whose file does not exist: connecting would create it empty."""
    path = sqlite_file(database_url)
    return path is not None and not path.exists()


def upgrade(database_url: str, revision: str = "head") -> None:
    from alembic import command

    command.upgrade(alembic_config(database_url), revision)


def head_revisions() -> tuple[str, ...]:
    """The revisions no other revision builds on, as Alembic's `heads` lists them."""
    graph = revision_graph()
    below = {down for downs in graph.values() for down in downs}
    return tuple(sorted(revision for revision in graph if revision not in below))


def revision_graph() -> dict[str, tuple[str, ...]]:
    """Each migration's revision and the revisions it follows, read from the version
    files without running them (a test holds this to what Alembic reads)."""
    graph: dict[str, tuple[str, ...]] = {}
    for path in sorted((MIGRATIONS_DIR / "versions").glob("*.py")):
        values: dict[str, object] = {}
        for node in ast.parse(path.read_text(), str(path)).body:
            target: ast.expr
            if isinstance(node, ast.AnnAssign) and node.value is not None:
                target, value = node.target, node.value
            elif isinstance(node, ast.Assign) and len(node.targets) == 1:
                target, value = node.targets[0], node.value
            else:
                continue
            if isinstance(target, ast.Name) and target.id in ("revision", "down_revision"):
                values[target.id] = ast.literal_eval(value)
        revision, down = values.get("revision"), values.get("down_revision")
        if isinstance(revision, str):
            downs = down if isinstance(down, tuple | list) else (down,)
            graph[revision] = tuple(str(d) for d in downs if d is not None)
    return graph


def current_revisions(database_url: str) -> tuple[str, ...]:
    """The revisions the database is at; empty for a database no migration has touched.

    Never creates a SQLite file: a missing one is `DatabaseNotReady`.
    """
    if sqlite_file_missing(database_url):
        raise DatabaseNotReady(
            f"no database at {shown(database_url)}: {FIX} to create it, "
            "or set VSM_DATABASE_URL to the database to use"
        )

    path = sqlite_file(database_url)
    if path is not None:
        return _sqlite_revisions(path, database_url)

    def read(connection: Connection) -> tuple[str, ...]:
        if not inspect(connection).has_table(VERSION_TABLE):
            return ()
        version = column("version_num", String)
        return tuple(
            str(found)
            for found in connection.scalars(select(version).select_from(table(VERSION_TABLE)))
        )

    return _on_connection(database_url, read)


def _sqlite_revisions(path: Path, database_url: str) -> tuple[str, ...]:
    """Read a SQLite file's revisions without writing to it (the engine's set-up would)."""
    try:
        with closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)) as db:
            found = db.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (VERSION_TABLE,)
            ).fetchone()
            if found is None:
                return ()
            return tuple(row[0] for row in db.execute(f"SELECT version_num FROM {VERSION_TABLE}"))
    except sqlite3.Error as exc:
        raise DatabaseNotReady(f"cannot read the database at {shown(database_url)}: {exc}") from exc


def require_current(database_url: str) -> None:
    """Refuse, in one line, a database this code cannot work with (and say how to fix it)."""
    current = current_revisions(database_url)
    heads = head_revisions()
    if set(current) == set(heads):
        return
    where = shown(database_url)
    if not current:
        raise DatabaseNotReady(f"the database at {where} has no schema yet: {FIX}")
    known = revision_graph()
    unknown = [rev for rev in current if rev not in known]
    if unknown:
        raise DatabaseNotReady(
            f"the database at {where} is at revision {', '.join(unknown)}, which this version "
            "of valuestream does not know: a newer version migrated it; run that version"
        )
    raise DatabaseNotReady(
        f"the database at {where} is at revision {', '.join(current)}, "
        f"this version needs {', '.join(heads)}: {FIX}"
    )


def downgrade(database_url: str, revision: str = "base", *, confirm: bool = False) -> list[Loss]:
    """Undo migrations down to `revision` (an id, `base`, or relative such as `-1`).

    The downgrade runs in one transaction (DDL is transactional on PostgreSQL and
    SQLite). Before it, every table's rows and every column's non-empty values are
    counted; after it, whatever went missing is a `Loss`. When there are losses and
    `confirm` is false, the transaction is rolled back and `DowngradeLosesData` lists
    them: nothing changed. Answers the losses of a downgrade that went through.
    """
    if sqlite_file_missing(database_url):
        raise DatabaseNotReady(f"no database at {shown(database_url)}")
    from alembic import command

    config = alembic_config(database_url)

    def run(connection: Connection) -> list[Loss]:
        sqlite_foreign_keys(connection, enabled=False)
        before = _census(connection, with_columns=True)
        config.attributes["connection"] = connection
        command.downgrade(config, revision)
        return _losses(before, _census(connection, with_columns=False))

    async def main() -> list[Loss]:
        engine = make_oneshot_engine(database_url)
        try:
            connection = await _connect(engine, database_url)
            try:
                losses = await connection.run_sync(run)
                if losses and not confirm:
                    await connection.rollback()
                    raise DowngradeLosesData(revision, losses)
                await connection.commit()
                return losses
            finally:
                await connection.close()
        finally:
            await engine.dispose()

    return asyncio.run(main())


def current(database_url: str) -> None:
    from alembic import command

    command.current(alembic_config(database_url), verbose=False)


def revision(database_url: str, message: str, rev_id: str | None = None) -> None:
    """Autogenerate a new migration from the difference between models and database."""
    from alembic import command

    command.revision(
        alembic_config(database_url), message=message, autogenerate=True, rev_id=rev_id
    )


# --- helpers ----------------------------------------------------------------------------

Census = dict[str, tuple[int, dict[str, int]]]
"""Per table: its row count and, per column, how many rows hold a value there."""


DERIVED_TABLES = frozenset({"stream_change"})
"""Tables the database keeps itself (change logs); nobody stored them, and no downgrade loses
what their migration makes again from the other tables."""


def _census(connection: Connection, *, with_columns: bool) -> Census:
    counts: Census = {}
    inspector = inspect(connection)
    for name in inspector.get_table_names():
        if name == VERSION_TABLE or name in DERIVED_TABLES:
            continue
        columns = [c["name"] for c in inspector.get_columns(name)]
        target = table(name, *(column(c) for c in columns))
        measured = [func.count(target.c[c]) for c in columns] if with_columns else []
        row = connection.execute(select(func.count(), *measured).select_from(target)).one()
        values = dict(zip(columns, row[1:], strict=False)) if with_columns else {}
        counts[name] = (int(row[0]), {c: int(values.get(c, 0)) for c in columns})
    return counts


def _losses(before: Census, after: Census) -> list[Loss]:
    losses: list[Loss] = []
    for name in sorted(before):
        rows, values = before[name]
        if name not in after:
            if rows:
                losses.append(Loss(name, rows))
            continue
        rows_after, columns_after = after[name]
        if rows_after < rows:
            losses.append(Loss(name, rows - rows_after, whole_table=False))
        losses.extend(
            Loss(name, count, column=c)
            for c, count in sorted(values.items())
            if count and c not in columns_after
        )
    return losses


def _on_connection(database_url: str, work: Callable[[Connection], T]) -> T:
    async def main() -> T:
        engine = make_oneshot_engine(database_url)
        try:
            connection = await _connect(engine, database_url)
            try:
                return await connection.run_sync(work)
            finally:
                await connection.close()
        finally:
            await engine.dispose()

    return asyncio.run(main())


async def _connect(engine: AsyncEngine, database_url: str) -> AsyncConnection:
    """A connection, or one line of `DatabaseNotReady` saying why there is none."""
    try:
        async with asyncio.timeout(CONNECT_SECONDS):
            return await engine.connect()
    except TimeoutError as exc:
        raise unreachable(database_url, f"no answer within {CONNECT_SECONDS:g} s") from exc
    except (OSError, DBAPIError) as exc:
        raise unreachable(database_url, reason(exc)) from exc


def unreachable(database_url: str, reason: str) -> DatabaseNotReady:
    return DatabaseNotReady(f"cannot reach the database at {shown(database_url)}: {reason}")


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}" if n == 1 else f"{n:,} {noun}s"


def reason(exc: BaseException) -> str:
    """The driver's own words, on one line, without SQLAlchemy's wrapping."""
    if isinstance(exc, DBAPIError) and exc.orig is not None:
        exc = exc.orig
    text = " ".join(str(exc).split())
    return text or type(exc).__name__
