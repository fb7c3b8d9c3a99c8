"""`vsm db`: schema migrations, the one group that works on a database not yet current."""

from typing import Annotated

import typer

from api.cli.runner import WRONG_REQUEST, fail, failures, load_settings
from core import migrate

db_app = typer.Typer(help="Database schema migrations.", no_args_is_help=True)


@db_app.command("upgrade")
def db_upgrade(revision: str = typer.Argument("head")) -> None:
    """Apply migrations up to REVISION (default: the newest); creates a missing database."""
    settings = load_settings()
    with failures(settings):
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
    settings = load_settings()
    if revision.startswith("--"):
        raise fail(f"no such option: {revision} (see `vsm db downgrade --help`)")
    try:
        with failures(settings):
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
    settings = load_settings()
    with failures(settings):
        current = migrate.current_revisions(settings.database_url)
        heads = migrate.head_revisions()
    for revision in current:
        typer.echo(f"{revision} (head)" if revision in heads else revision)
    if not current:
        typer.echo("no migrations applied yet (run `vsm db upgrade`)")
