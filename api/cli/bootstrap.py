"""`vsm bootstrap`: the first organization and admin token of an empty database."""

from typing import Annotated

import typer
from sqlmodel.ext.asyncio.session import AsyncSession

from api.cli.runner import in_unit
from core.foundation import organizations
from core.models.token import ApiToken


def bootstrap(
    slug: Annotated[str, typer.Option(help="slug of the first organization")] = "default",
) -> None:
    """On a database with no token yet, create a first organization and admin token."""

    async def first_start(session: AsyncSession) -> tuple[ApiToken, str] | None:
        if await organizations.any_token_exists(session):
            return None
        _org, token, secret = await organizations.create_organization(
            session, name=slug.capitalize(), slug=slug
        )
        return token, secret

    made = in_unit(first_start)
    if made is not None:
        token, secret = made
        typer.echo(f"First start: created organization '{slug}'.")
        typer.echo(f"Admin token {token.id} (shown once, store it now): {secret}")
