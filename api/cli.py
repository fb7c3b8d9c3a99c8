"""The `vsm` command line: serve, migrate, and manage organizations and tokens."""

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Annotated, TypeVar

import typer
from sqlmodel.ext.asyncio.session import AsyncSession

from core import migrate
from core.actor import Actor
from core.config import Settings
from core.db import make_oneshot_engine, unit_of_work
from core.errors import DomainError
from core.models.token import ApiTokenCreate, Role
from core.services import organizations, tokens

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


def main() -> None:
    app()
