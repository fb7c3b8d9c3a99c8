"""How every `vsm` command runs: settings, failures as one line, and its units of work.

A command builds the same `Database` and opens the same `UnitOfWork` and `Work` bundle
as the server does for a request; only the engine differs (no pool outlives the
command, and it waits for SQLite's write lock as long as an operator would).
"""

import asyncio
import sys
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import TypeVar

import typer
from pydantic import ValidationError
from sqlalchemy.exc import DBAPIError
from sqlmodel.ext.asyncio.session import AsyncSession

from core import migrate
from core.actor import Actor
from core.config import Settings
from core.db import Database
from core.errors import DomainError
from core.foundation import organizations
from core.models.organization import Organization
from core.models.token import Role
from core.services.context import Work
from core.unit_of_work import UnitOfWork

T = TypeVar("T")

WRONG_REQUEST = 2
FAILED = 1


def fail(message: str, code: int = WRONG_REQUEST) -> typer.Exit:
    """Say what went wrong in one line on standard error; raise what this returns."""
    typer.secho(f"error: {' '.join(message.split())}", fg=typer.colors.RED, err=True)
    return typer.Exit(code=code)


def load_settings() -> Settings:
    try:
        return Settings()
    except ValidationError as exc:
        wrong = "; ".join(
            f"VSM_{'_'.join(str(p) for p in e['loc']).upper()}: {e['msg']}" for e in exc.errors()
        )
        raise fail(f"invalid setting {wrong}") from exc


@contextmanager
def failures(settings: Settings) -> Iterator[None]:
    """What goes wrong while a command works on the database, as one line and an exit code."""
    try:
        yield
    except DomainError as exc:
        raise fail(exc.detail) from exc
    except migrate.DatabaseNotReady as exc:
        raise fail(str(exc), FAILED) from exc
    except DBAPIError as exc:
        where = migrate.shown(settings.database_url)
        raise fail(f"the database at {where} failed: {migrate.reason(exc)}", FAILED) from exc
    except OSError as exc:
        what = f"{exc.strerror}: {exc.filename}" if exc.filename else migrate.reason(exc)
        raise fail(what, FAILED) from exc
    except Exception as exc:
        if _alembic_command_error(exc):  # an unknown or unreachable revision
            raise fail(str(exc)) from exc
        raise


def _alembic_command_error(exc: Exception) -> bool:
    """Whether Alembic refused a command; Alembic is imported only by the commands that
    migrate (`vsm serve` starts without it), and only they raise its errors."""
    util = sys.modules.get("alembic.util")
    return util is not None and isinstance(exc, util.CommandError)


def require_ready(settings: Settings) -> None:
    """Refuse a missing, unreachable or unmigrated database before doing anything with it."""
    with failures(settings):
        migrate.require_current(settings.database_url)


class Runner:
    """One command's database, handing out one unit of work per transaction."""

    def __init__(self, database: Database, settings: Settings) -> None:
        self.database = database
        self.settings = settings

    def unit(self, *, write: bool = True) -> UnitOfWork:
        return UnitOfWork.on(self.database, write=write)

    @asynccontextmanager
    async def work(self, actor: Actor, *, write: bool = True) -> AsyncIterator[Work]:
        """One unit of work for a caller already known."""
        work = Work.open(self.database, self.settings, actor, write=write)
        async with work.unit:
            yield work

    @asynccontextmanager
    async def as_admin(self, slug: str, *, write: bool = True) -> AsyncIterator[Work]:
        """One unit of work as the admin of organization `slug`, looked up in that unit."""
        unit = self.unit(write=write)
        async with unit as session:
            admin = _admin(await organizations.get_by_slug(session, slug))
            yield Work(
                actor=admin, unit=unit, settings=self.settings, reader=self.database.point_reader
            )

    async def admin_of(self, slug: str) -> Actor:
        """The admin of organization `slug`, for a command that opens many units as it."""
        async with self.unit(write=False) as session:
            return _admin(await organizations.get_by_slug(session, slug))


def _admin(organization: Organization) -> Actor:
    return Actor(organization_id=organization.id, role=Role.admin)


def run(main: Callable[[Runner], Awaitable[T]], settings: Settings | None = None) -> T:
    """Run `main` against the configured database once it is known to be there and
    migrated; `main` opens one short unit of work after another."""
    settings = settings or load_settings()
    require_ready(settings)

    async def with_database() -> T:
        database = Database.for_command(settings)
        try:
            return await main(Runner(database, settings))
        finally:
            await database.dispose()

    with failures(settings):
        return asyncio.run(with_database())


def in_unit(use_case: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """One operator use case that acts for no organization yet, in one write unit."""

    async def main(runner: Runner) -> T:
        async with runner.unit() as session:
            return await use_case(session)

    return run(main)


def as_admin(slug: str, use_case: Callable[[Work], Awaitable[T]], *, write: bool = True) -> T:
    """One use case as the admin of organization `slug`, in one unit of work."""

    async def main(runner: Runner) -> T:
        async with runner.as_admin(slug, write=write) as work:
            return await use_case(work)

    return run(main)
