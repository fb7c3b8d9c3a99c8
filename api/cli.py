"""The `vsm` command line: serve, migrate, manage organizations and tokens, export, report."""

import asyncio
import os
import sys
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from sqlmodel.ext.asyncio.session import AsyncSession

from core import migrate
from core.actor import Actor
from core.config import Settings
from core.db import make_oneshot_engine, unit_of_work
from core.errors import DomainError, NotFound
from core.exporting import Exporter, choose, collect_exporters, file_name
from core.models.token import ApiTokenCreate, Role
from core.plugins import build_plugin_manager
from core.services import organizations, snapshots, tokens, workflow

T = TypeVar("T")

app = typer.Typer(
    help="valuestream: Value Stream Mapping as a tracked transformation.", no_args_is_help=True
)
db_app = typer.Typer(help="Database schema migrations.", no_args_is_help=True)
token_app = typer.Typer(help="API tokens.", no_args_is_help=True)
org_app = typer.Typer(help="Organizations.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(token_app, name="token")
app.add_typer(org_app, name="org")


def _run(work: Callable[[AsyncSession], Awaitable[T]], settings: Settings | None = None) -> T:
    """Run one use case in its own transaction against the configured database."""
    settings = settings or Settings()

    async def main() -> T:
        engine = make_oneshot_engine(settings.database_url)
        try:
            from sqlalchemy.ext.asyncio import async_sessionmaker

            maker = async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)
            async with unit_of_work(maker) as session:
                return await work(session)
        finally:
            await engine.dispose()

    try:
        return asyncio.run(main())
    except DomainError as exc:
        typer.secho(f"error: {exc.detail}", fg=typer.colors.RED, err=True)
        raise typer.Exit(code=2) from exc


@db_app.command("upgrade")
def db_upgrade(revision: str = typer.Argument("head")) -> None:
    """Apply migrations up to REVISION (default: the newest)."""
    migrate.upgrade(Settings().database_url, revision)


@db_app.command("downgrade")
def db_downgrade(revision: str = typer.Argument(..., help="target revision, or 'base'")) -> None:
    """Undo migrations down to REVISION."""
    migrate.downgrade(Settings().database_url, revision)


@db_app.command("current")
def db_current() -> None:
    """Show the revision the database is at."""
    migrate.current(Settings().database_url)


@org_app.command("create")
def org_create(
    slug: Annotated[str, typer.Option(help="short unique name: lowercase letters, digits, dashes")],
    name: Annotated[str | None, typer.Option(help="display name (default: the slug)")] = None,
) -> None:
    """Create an organization with an admin token, printed once."""

    async def work(session: AsyncSession) -> tuple[str, str]:
        org, _token, secret = await organizations.create_organization(
            session, name=name or slug, slug=slug
        )
        return str(org.id), secret

    org_id, secret = _run(work)
    typer.echo(f"organization {slug} ({org_id}) created")
    typer.echo(f"admin token (shown once, store it now): {secret}")


@token_app.command("create")
def token_create(
    org: Annotated[str, typer.Option(help="organization slug")],
    role: Annotated[Role, typer.Option(help="viewer, editor or admin")],
    name: Annotated[str, typer.Option(help="what the token is for")] = "cli token",
    expires: Annotated[
        datetime | None, typer.Option(help="expiry, ISO 8601 with time zone")
    ] = None,
) -> None:
    """Create an API token; the secret is printed once."""

    async def work(session: AsyncSession) -> str:
        organization = await organizations.get_by_slug(session, org)
        operator = Actor(organization_id=organization.id, role=Role.admin)
        data = ApiTokenCreate(name=name, role=role, expires_at=expires)
        _token, secret = await tokens.issue_token(session, operator, data)
        return secret

    typer.echo(_run(work))


@token_app.command("revoke")
def token_revoke(
    org: Annotated[str, typer.Option(help="organization slug")],
    token_id: Annotated[str, typer.Argument(help="id of the token")],
) -> None:
    """Revoke a token at once."""

    async def work(session: AsyncSession) -> None:
        organization = await organizations.get_by_slug(session, org)
        operator = Actor(organization_id=organization.id, role=Role.admin)
        try:
            ident = uuid.UUID(token_id)
        except ValueError as exc:
            raise typer.BadParameter("not a token id") from exc
        await tokens.revoke_token(session, operator, ident, expected_version=None)

    _run(work)
    typer.echo("revoked")


@app.command("bootstrap")
def bootstrap(
    slug: Annotated[str, typer.Option(help="slug of the first organization")] = "default",
) -> None:
    """On a database with no token yet, create a first organization and admin token."""

    async def work(session: AsyncSession) -> str | None:
        if await organizations.any_token_exists(session):
            return None
        _org, _token, secret = await organizations.create_organization(
            session, name=slug.capitalize(), slug=slug
        )
        return secret

    secret = _run(work)
    if secret is not None:
        typer.echo(f"First start: created organization '{slug}'.")
        typer.echo(f"Admin token (shown once, store it now): {secret}")


@app.command("serve")
def serve(
    host: Annotated[str | None, typer.Option(help="default: VSM_HOST")] = None,
    port: Annotated[int | None, typer.Option(help="default: VSM_PORT")] = None,
    workers: Annotated[int | None, typer.Option(help="default: VSM_WORKERS")] = None,
) -> None:
    """Serve the API with granian (a Rust ASGI server)."""
    from granian.constants import Interfaces
    from granian.server import Server

    settings = Settings()
    Server(
        "api.app:create_app_from_env",
        address=host or settings.host,
        port=port or settings.port,
        interface=Interfaces.ASGI,
        workers=workers or settings.workers,
        factory=True,
        log_level=settings.log_level,  # type: ignore[arg-type]
    ).serve()


# --- exports and reports: run against the database as the organization's admin

Transaction = Callable[[], AbstractAsyncContextManager[AsyncSession]]


def _fail(message: str) -> typer.Exit:
    typer.secho(f"error: {message}", fg=typer.colors.RED, err=True)
    return typer.Exit(code=2)


def _exporter(exporters: dict[str, Exporter], subject: str, name: str) -> Exporter:
    try:
        return choose(exporters, subject, name=name, accept=None)
    except DomainError as exc:
        raise _fail(exc.detail) from exc


def _stream_id(value: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError as exc:
        raise _fail(f"--value-stream {value!r} is not a value stream id") from exc


def _run_transactions(
    work: Callable[[Transaction], Awaitable[T]], settings: Settings | None = None
) -> T:
    """Like `_run`, but `work` opens one short transaction after another on one engine."""
    settings = settings or Settings()

    async def main() -> T:
        from sqlalchemy.ext.asyncio import async_sessionmaker

        engine = make_oneshot_engine(settings.database_url)
        maker = async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)

        @asynccontextmanager
        async def transaction() -> AsyncIterator[AsyncSession]:
            async with unit_of_work(maker) as session:
                yield session

        try:
            return await work(transaction)
        finally:
            await engine.dispose()

    try:
        return asyncio.run(main())
    except DomainError as exc:
        raise _fail(exc.detail) from exc


async def _admin_of(transaction: Transaction, slug: str) -> Actor:
    async with transaction() as session:
        organization = await organizations.get_by_slug(session, slug)
    return Actor(organization_id=organization.id, role=Role.admin)


def _write(path: Path, chunks: Iterable[bytes]) -> int:
    """Write next to `path`, then rename: a reader never sees half a file."""
    partial = path.with_name(path.name + ".part")
    size = 0
    try:
        with partial.open("wb") as file:
            for chunk in chunks:
                file.write(chunk)
                size += len(chunk)
        os.replace(partial, path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return size


@app.command("export")
def export(
    org: Annotated[str, typer.Option(help="organization slug")],
    format: Annotated[str, typer.Option("--format", "-f", help="an exporter name, e.g. xlsx")],
    value_stream: Annotated[
        str | None, typer.Option(help="id of the value stream to export")
    ] = None,
    portfolio: Annotated[
        bool, typer.Option("--portfolio", help="export the portfolio instead")
    ] = False,
    backlog: Annotated[
        bool, typer.Option("--backlog", help="only the value stream's backlog")
    ] = False,
    output: Annotated[
        str | None,
        typer.Option("--output", "-o", help="file or folder; '-' for standard output"),
    ] = None,
) -> None:
    """Write one export of a value stream (or its backlog) or of the portfolio."""
    if (value_stream is None) == (not portfolio):
        raise _fail("give either --value-stream ID or --portfolio")
    if backlog and value_stream is None:
        raise _fail("--backlog needs --value-stream ID")
    subject = "portfolio" if portfolio else "backlog" if backlog else "value_stream"
    exporter = _exporter(collect_exporters(build_plugin_manager()), subject, format)
    stream_id = _stream_id(value_stream) if value_stream is not None else None

    async def work(transaction: Transaction) -> tuple[Any, str]:
        actor = await _admin_of(transaction, org)
        async with transaction() as session:
            if stream_id is None:
                data: Any = await snapshots.portfolio_snapshot(
                    session, actor, workflow.PortfolioFilter()
                )
                return data, "portfolio"
            data = await snapshots.value_stream_snapshot(session, actor, stream_id)
            return data, data.value_stream.name

    data, title = _run_transactions(work)
    chunks = exporter.chunks(subject, data)
    if output == "-":
        for chunk in chunks:
            sys.stdout.buffer.write(chunk)
        sys.stdout.buffer.flush()
        return
    name = file_name(exporter, subject, title)
    path = Path(output) if output else Path(name)
    if path.is_dir():
        path = path / name
    size = _write(path, chunks)
    typer.echo(f"wrote {path} ({size} bytes)")


@app.command("report")
def report(
    org: Annotated[str, typer.Option(help="organization slug")],
    output: Annotated[
        Path, typer.Option("--output", "-o", help="folder for the reports (created if missing)")
    ],
    format: Annotated[
        str, typer.Option("--format", "-f", help="html, pdf or markdown (any readout format)")
    ] = "html",
    value_stream: Annotated[
        str | None,
        typer.Option(help="only this value stream; default: every one, plus the portfolio"),
    ] = None,
) -> None:
    """Write a readout per value stream, and a portfolio report, into a folder.

    Meant for a scheduler: e.g. weekly, then mail the folder's files to the leaders.
    """
    exporters = collect_exporters(build_plugin_manager())
    exporter = _exporter(exporters, "value_stream", format)
    stream_id = _stream_id(value_stream) if value_stream is not None else None
    used: set[str] = set()

    def place(subject: str, title: str, ident: object) -> Path:
        name = file_name(exporter, subject, title)
        if name in used:
            stem, _, extension = name.rpartition(".")
            name = f"{stem}-{str(ident)[:8]}.{extension}"
        used.add(name)
        return output / name

    def write(path: Path, subject: str, data: Any) -> None:
        size = _write(path, exporter.chunks(subject, data))
        written.append(f"wrote {path} ({size} bytes)")

    written: list[str] = []

    async def work(transaction: Transaction) -> None:
        actor = await _admin_of(transaction, org)
        if stream_id is not None:
            async with transaction() as session:
                data = await snapshots.value_stream_snapshot(session, actor, stream_id)
            output.mkdir(parents=True, exist_ok=True)
            write(
                place("value_stream", data.value_stream.name, data.value_stream.id),
                "value_stream",
                data,
            )
            return
        async with transaction() as session:
            overview = await snapshots.portfolio_snapshot(
                session, actor, workflow.PortfolioFilter()
            )
        output.mkdir(parents=True, exist_ok=True)
        if "portfolio" in exporter.subjects:
            write(place("portfolio", "portfolio", ""), "portfolio", overview)
        else:
            typer.echo(f"note: the {format} exporter makes no portfolio report", err=True)
        with typer.progressbar(
            overview.rows, label="value streams", file=sys.stderr, show_pos=True
        ) as rows:
            for row in rows:
                try:
                    async with transaction() as session:
                        data = await snapshots.value_stream_snapshot(session, actor, row.id)
                except NotFound:
                    written.append(f"skipped {row.name}: deleted meanwhile")
                    continue
                write(place("value_stream", row.name, row.id), "value_stream", data)

    _run_transactions(work)
    for line in written:
        typer.echo(line)


def main() -> None:
    app()
