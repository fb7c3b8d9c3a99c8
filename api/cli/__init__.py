"""The `vsm` command line: serve, migrate, manage organizations and tokens, export, report.

Run from a scheduler as often as from a shell, so every failure is one line on standard
error that says what to do, with a non-zero exit code (2: the request was wrong, 1: the
database or the machine was), never a traceback; a command that succeeds writes
nothing to standard error. Each command group lives in a module of its own; they all
run through `api.cli.runner`, which opens the same units of work as the server.
"""

import os
import sys

import typer

from api.cli.bootstrap import bootstrap
from api.cli.db import db_app
from api.cli.exports import export, report
from api.cli.organizations import org_app, token_app
from api.cli.runner import FAILED, WRONG_REQUEST, fail
from api.cli.serve import serve
from api.cli.worker import worker
from core import migrate

app = typer.Typer(
    help="valuestream: Value Stream Mapping as a tracked transformation.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(db_app, name="db")
app.add_typer(token_app, name="token")
app.add_typer(org_app, name="org")
app.command("bootstrap")(bootstrap)
app.command("serve")(serve)
app.command("worker")(worker)
app.command("export")(export)
app.command("report")(report)


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
            fail(f"{exc.format_message()} (see `{where} --help`)")
            code = WRONG_REQUEST
    except typer.Abort:
        fail("aborted", FAILED)
        code = FAILED
    except Exception as exc:
        if os.environ.get("VSM_LOG_LEVEL", "").lower() == "debug":
            raise
        fail(
            f"unexpected {type(exc).__name__}: {migrate.reason(exc)} "
            "(VSM_LOG_LEVEL=debug shows where)",
            FAILED,
        )
        code = FAILED
    sys.exit(code if isinstance(code, int) else 0)
