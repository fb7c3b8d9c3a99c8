"""The `vsm` command line: serve, migrate, manage organizations and tokens, export, report.

Run from a scheduler as often as from a shell, so every failure is one line on standard
error that says what to do, with a non-zero exit code (2: the request was wrong, 1: the
database or the machine was), never a traceback; a command that succeeds writes
nothing to standard error.
"""

import asyncio
import errno
import json
import os
import socket
import sys
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Iterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager, contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from alembic.util import CommandError
from pydantic import ValidationError
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from core import migrate
from core.actor import Actor
from core.config import Settings
from core.db import make_oneshot_engine, unit_of_work
from core.errors import DomainError, NotFound
from core.exporting import Exporter, choose, collect_exporters, file_name
from core.models.token import ApiToken, ApiTokenCreate, ApiTokenRead, Role
from core.pagination import MAX_LIMIT
from core.plugins import build_plugin_manager
from core.services import organizations, snapshots, tokens, workflow

T = TypeVar("T")

app = typer.Typer(
    help="valuestream: Value Stream Mapping as a tracked transformation.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="Database schema migrations.", no_args_is_help=True)
token_app = typer.Typer(help="API tokens.", no_args_is_help=True)
org_app = typer.Typer(help="Organizations.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(token_app, name="token")
app.add_typer(org_app, name="org")

WRONG_REQUEST = 2
FAILED = 1

Transaction = Callable[[], AbstractAsyncContextManager[AsyncSession]]
"""Opens one short transaction (a unit of work) on the command's engine."""


def _fail(message: str, code: int = WRONG_REQUEST) -> typer.Exit:
    """Say what went wrong in one line on standard error; raise what this returns."""
    typer.secho(f"error: {' '.join(message.split())}", fg=typer.colors.RED, err=True)
    return typer.Exit(code=code)


def _settings() -> Settings:
    try:
        return Settings()
    except ValidationError as exc:
        wrong = "; ".join(
            f"VSM_{'_'.join(str(p) for p in e['loc']).upper()}: {e['msg']}" for e in exc.errors()
        )
        raise _fail(f"invalid setting {wrong}") from exc


@contextmanager
def _failures(settings: Settings) -> Iterator[None]:
    """What goes wrong while a command works on the database, as one line and an exit code."""
    try:
        yield
    except DomainError as exc:
        raise _fail(exc.detail) from exc
    except CommandError as exc:  # Alembic's: an unknown or unreachable revision
        raise _fail(str(exc)) from exc
    except migrate.DatabaseNotReady as exc:
        raise _fail(str(exc), FAILED) from exc
    except DBAPIError as exc:
        where = migrate.shown(settings.database_url)
        raise _fail(f"the database at {where} failed: {migrate.reason(exc)}", FAILED) from exc
    except OSError as exc:
        what = f"{exc.strerror}: {exc.filename}" if exc.filename else migrate.reason(exc)
        raise _fail(what, FAILED) from exc


def _ready(settings: Settings) -> None:
    """Refuse a missing, unreachable or unmigrated database before doing anything with it."""
    with _failures(settings):
        migrate.require_current(settings.database_url)


def _run(work: Callable[[AsyncSession], Awaitable[T]], settings: Settings | None = None) -> T:
    """Run one use case in its own transaction against the configured database."""

    async def in_transaction(transaction: Transaction) -> T:
        async with transaction() as session:
            return await work(session)

    return _run_transactions(in_transaction, settings)


@db_app.command("upgrade")
def db_upgrade(revision: str = typer.Argument("head")) -> None:
    """Apply migrations up to REVISION (default: the newest); creates a missing database."""
    settings = _settings()
    with _failures(settings):
        migrate.upgrade(settings.database_url, revision)


@db_app.command(
    "downgrade",
    context_settings={"ignore_unknown_options": True},
)
def db_downgrade(
    revision: str = typer.Argument(
        ..., help="target revision, 'base', or relative to the current one such as -1"
    ),
    yes: Annotated[
        bool, typer.Option("--yes", help="go on even when it drops tables or columns with data")
    ] = False,
) -> None:
    """Undo migrations down to REVISION.

    Refused, changing nothing, when it would drop tables or columns holding data,
    unless --yes is given; the refusal lists what would go.
    """
    settings = _settings()
    if revision.startswith("--"):
        raise _fail(f"no such option: {revision} (see `vsm db downgrade --help`)")
    try:
        with _failures(settings):
            losses = migrate.downgrade(settings.database_url, revision, confirm=yes)
    except migrate.DowngradeLosesData as exc:
        typer.secho(
            f"error: downgrading to {revision} would destroy the data below; nothing was "
            "changed. Run it again with --yes to go on.",
            fg=typer.colors.RED,
            err=True,
        )
        for loss in exc.losses:
            typer.echo(f"  {loss}", err=True)
        raise typer.Exit(code=WRONG_REQUEST) from exc
    current = migrate.current_revisions(settings.database_url)
    typer.echo(f"downgraded to {', '.join(current) or 'base'}")
    for loss in losses:
        typer.echo(f"  dropped {loss}")


@db_app.command("current")
def db_current() -> None:
    """Show the revision the database is at."""
    settings = _settings()
    with _failures(settings):
        current = migrate.current_revisions(settings.database_url)
        heads = migrate.head_revisions()
    for revision in current:
        typer.echo(f"{revision} (head)" if revision in heads else revision)
    if not current:
        typer.echo("no migrations applied yet (run `vsm db upgrade`)")


@org_app.command("create")
def org_create(
    slug: Annotated[str, typer.Option(help="short unique name: lowercase letters, digits, dashes")],
    name: Annotated[str | None, typer.Option(help="display name (default: the slug)")] = None,
) -> None:
    """Create an organization with an admin token, printed once."""

    async def work(session: AsyncSession) -> tuple[str, ApiToken, str]:
        org, token, secret = await organizations.create_organization(
            session, name=name or slug, slug=slug
        )
        return str(org.id), token, secret

    org_id, token, secret = _run(work)
    typer.echo(f"organization {slug} ({org_id}) created")
    typer.echo(f"admin token {token.id} (shown once, store it now): {secret}")


@token_app.command("create")
def token_create(
    org: Annotated[str, typer.Option(help="organization slug")],
    role: Annotated[Role, typer.Option(help="viewer, editor or admin")],
    name: Annotated[str, typer.Option(help="what the token is for")] = "cli token",
    expires: Annotated[
        datetime | None, typer.Option(help="expiry, ISO 8601 with time zone")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="one JSON object, for scripts")] = False,
) -> None:
    """Create an API token: prints its id, name, role, expiry and the secret (shown once)."""

    async def work(session: AsyncSession) -> tuple[ApiToken, str]:
        organization = await organizations.get_by_slug(session, org)
        operator = Actor(organization_id=organization.id, role=Role.admin)
        data = ApiTokenCreate(name=name, role=role, expires_at=expires)
        return await tokens.issue_token(session, operator, data)

    token, secret = _run(work)
    if as_json:
        read = ApiTokenRead.model_validate(token, from_attributes=True)
        typer.echo(
            json.dumps({**read.model_dump(mode="json"), "secret": secret}, separators=(",", ":"))
        )
        return
    shown = {
        "id": str(token.id),
        "name": token.name,
        "role": token.role.value,
        "expires": _when(token.expires_at) or "never",
        "secret": secret,
    }
    for key, value in shown.items():
        typer.echo(f"{key + ':':9}{value}")
    typer.echo("The secret is shown only now: store it.")


TOKEN_COLUMNS = ("id", "name", "role", "prefix", "created", "last used", "expires", "revoked")


@token_app.command("list")
def token_list(
    org: Annotated[str, typer.Option(help="organization slug")],
    active: Annotated[
        bool, typer.Option("--active", help="only tokens that work: not revoked, not expired")
    ] = False,
    role: Annotated[Role | None, typer.Option(help="only tokens of this role")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="JSON lines, for scripts")] = False,
) -> None:
    """List an organization's tokens, oldest first (never their secrets)."""

    async def work(session: AsyncSession) -> list[ApiTokenRead]:
        organization = await organizations.get_by_slug(session, org)
        operator = Actor(organization_id=organization.id, role=Role.admin)
        filters = tokens.TokenFilter(role=role, active=True if active else None)
        found: list[ApiTokenRead] = []
        cursor: str | None = None
        while True:
            page = await tokens.list_tokens(
                session, operator, filters, limit=MAX_LIMIT, cursor=cursor
            )
            found.extend(ApiTokenRead.model_validate(t, from_attributes=True) for t in page.items)
            if page.next_cursor is None:
                return found
            cursor = page.next_cursor

    listed = _run(work)
    if as_json:
        for token in listed:
            typer.echo(token.model_dump_json())
        return
    rows = [
        (
            str(t.id),
            t.name,
            t.role.value,
            t.prefix,
            _when(t.created_at),
            _when(t.last_used_at) or "never",
            _when(t.expires_at) or "never",
            _when(t.revoked_at) or "-",
        )
        for t in listed
    ]
    typer.echo(_table(TOKEN_COLUMNS, rows))


def _when(moment: datetime | None) -> str:
    """A stored time for people: UTC to the minute."""
    return "" if moment is None else moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M")


def _table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> str:
    widths = [max(len(cell) for cell in column) for column in zip(header, *rows, strict=True)]
    lines = [header, *rows]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip()
        for line in lines
    )


@token_app.command("revoke")
def token_revoke(
    org: Annotated[str, typer.Option(help="organization slug")],
    token_id: Annotated[str, typer.Argument(help="id of the token")],
) -> None:
    """Revoke a token at once."""
    try:
        ident = uuid.UUID(token_id)
    except ValueError as exc:
        raise _fail(f"{token_id!r} is not a token id (see `vsm token list`)") from exc

    async def work(session: AsyncSession) -> None:
        organization = await organizations.get_by_slug(session, org)
        operator = Actor(organization_id=organization.id, role=Role.admin)
        await tokens.revoke_token(session, operator, ident, expected_version=None, trusted=None)

    _run(work)
    typer.echo(f"revoked {ident}")


@app.command("bootstrap")
def bootstrap(
    slug: Annotated[str, typer.Option(help="slug of the first organization")] = "default",
) -> None:
    """On a database with no token yet, create a first organization and admin token."""

    async def work(session: AsyncSession) -> tuple[ApiToken, str] | None:
        if await organizations.any_token_exists(session):
            return None
        _org, token, secret = await organizations.create_organization(
            session, name=slug.capitalize(), slug=slug
        )
        return token, secret

    made = _run(work)
    if made is not None:
        token, secret = made
        typer.echo(f"First start: created organization '{slug}'.")
        typer.echo(f"Admin token {token.id} (shown once, store it now): {secret}")


@app.command("serve")
def serve(
    host: Annotated[str | None, typer.Option(help="default: VSM_HOST")] = None,
    port: Annotated[int | None, typer.Option(help="default: VSM_PORT")] = None,
    workers: Annotated[int | None, typer.Option(help="default: VSM_WORKERS")] = None,
) -> None:
    """Serve the API with granian (a Rust ASGI server)."""
    from granian.constants import Interfaces
    from granian.server import Server

    settings = _settings()
    address, number = host or settings.host, port or settings.port
    _require_free_port(address, number)
    _ready(settings)
    Server(
        "api.app:create_app_from_env",
        address=address,
        port=number,
        interface=Interfaces.ASGI,
        workers=workers or settings.workers,
        factory=True,
        log_level=settings.log_level,  # type: ignore[arg-type]
    ).serve()


def _require_free_port(host: str, port: int) -> None:
    """Refuse a port another process listens on.

    granian binds with SO_REUSEPORT, so on a taken port it would not fail: it would share
    the port with the other server (perhaps an older version, or one on another
    database), and the kernel would spread connections over both. A probe bound without
    that option fails on a port anyone listens on, which is the answer wanted here.
    """
    try:
        family, kind, proto, _name, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
    except socket.gaierror as exc:
        raise _fail(f"cannot listen on {host}:{port}: {exc.strerror}", FAILED) from exc
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise _fail(
                    f"port {port} on {host} is already in use by another process: stop it, "
                    "or serve on another port with --port or VSM_PORT",
                    FAILED,
                ) from exc
            raise _fail(f"cannot listen on {host}:{port}: {exc.strerror}", FAILED) from exc


# --- exports and reports: run against the database as the organization's admin


def _exporter(exporters: dict[str, Exporter], subject: str, name: str) -> Exporter:
    try:
        return choose(exporters, subject, name=name)
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
    """Run `work`, which opens one short transaction after another on one engine, against
    the configured database once it is known to be there and migrated."""
    settings = settings or _settings()
    _ready(settings)

    async def main() -> T:
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

    with _failures(settings):
        return asyncio.run(main())


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
    exporter = _exporter(
        collect_exporters(build_plugin_manager(disabled=_settings().disabled_plugins)),
        subject,
        format,
    )
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
    exporters = collect_exporters(build_plugin_manager(disabled=_settings().disabled_plugins))
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
            written.append(f"no portfolio report: the {format} exporter makes none")
        with _progress(overview.rows, "value streams") as rows:
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


@contextmanager
def _progress(items: list[T], label: str) -> Iterator[Iterable[T]]:
    """A progress bar on a terminal; nothing where no one watches (a scheduler mails
    whatever reaches standard error, so it stays empty when all went well)."""
    if not sys.stderr.isatty():
        yield items
        return
    with typer.progressbar(items, label=label, file=sys.stderr, show_pos=True) as bar:
        yield bar


def main() -> None:
    """The `vsm` executable. Wrong arguments and unforeseen failures are one line, too."""
    try:
        code = app(standalone_mode=False)
    except typer.TyperException as exc:  # what typer found wrong with the arguments
        if type(exc).__name__ == "NoArgsIsHelpError":  # typer's own test for it, too
            code = exc.exit_code
        else:
            context = getattr(exc, "ctx", None)
            where = context.command_path if context is not None else "vsm"
            _fail(f"{exc.format_message()} (see `{where} --help`)")
            code = WRONG_REQUEST
    except typer.Abort:
        _fail("aborted", FAILED)
        code = FAILED
    except Exception as exc:
        if os.environ.get("VSM_LOG_LEVEL", "").lower() == "debug":
            raise
        _fail(
            f"unexpected {type(exc).__name__}: {migrate.reason(exc)} "
            "(VSM_LOG_LEVEL=debug shows where)",
            FAILED,
        )
        code = FAILED
    sys.exit(code if isinstance(code, int) else 0)
