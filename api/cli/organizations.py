"""`vsm org` and `vsm token`: organizations and their API tokens, for operators."""

import json
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Annotated

import typer
from sqlmodel.ext.asyncio.session import AsyncSession

from api.cli.runner import as_admin, fail, in_unit
from core.foundation import organizations, tokens
from core.models.token import ApiToken, ApiTokenCreate, ApiTokenRead, Role
from core.pagination import MAX_LIMIT
from core.services.context import Work

org_app = typer.Typer(help="Organizations.", no_args_is_help=True)
token_app = typer.Typer(help="API tokens.", no_args_is_help=True)

TOKEN_COLUMNS = ("id", "name", "role", "prefix", "created", "last used", "expires", "revoked")


@org_app.command("create")
def org_create(
    slug: Annotated[str, typer.Option(help="short unique name: lowercase letters, digits, dashes")],
    name: Annotated[str | None, typer.Option(help="display name (default: the slug)")] = None,
) -> None:
    """Create an organization with an admin token, printed once."""

    async def create(session: AsyncSession) -> tuple[str, ApiToken, str]:
        org, token, secret = await organizations.create_organization(
            session, name=name or slug, slug=slug
        )
        return str(org.id), token, secret

    org_id, token, secret = in_unit(create)
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

    async def issue(work: Work) -> tuple[ApiToken, str]:
        data = ApiTokenCreate(name=name, role=role, expires_at=expires)
        return await tokens.issue_token(work.session, work.actor, data)

    token, secret = as_admin(org, issue)
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

    async def every_page(work: Work) -> list[ApiTokenRead]:
        filters = tokens.TokenFilter(role=role, active=True if active else None)
        found: list[ApiTokenRead] = []
        cursor: str | None = None
        while True:
            page = await tokens.list_tokens(
                work.session, work.actor, filters, limit=MAX_LIMIT, cursor=cursor
            )
            found.extend(ApiTokenRead.model_validate(t, from_attributes=True) for t in page.items)
            if page.next_cursor is None:
                return found
            cursor = page.next_cursor

    listed = as_admin(org, every_page, write=False)
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


def _table(header: tuple[str, ...], rows: Sequence[tuple[str, ...]]) -> str:
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
        raise fail(f"{token_id!r} is not a token id (see `vsm token list`)") from exc

    async def revoke(work: Work) -> None:
        await tokens.revoke_token(
            work.session, work.actor, ident, expected_version=None, trusted=None
        )

    as_admin(org, revoke)
    typer.echo(f"revoked {ident}")
