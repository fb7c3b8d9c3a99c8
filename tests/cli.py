"""`vsm` run as an operator or a scheduler runs it: from another folder.

Nothing of the test's environment that configures the service (`VSM_*`) reaches it but
the database URL a test gives; a `.env` in the repository is not read, as the folder is
elsewhere.
"""

import io
import os
import subprocess
import sys
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

VSM = Path(sys.executable).parent / "vsm"


def vsm_environment(database_url: str | None = None, **settings: str) -> dict[str, str]:
    """This process's environment without its `VSM_*`, plus the given ones."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("VSM_")}
    if database_url is not None:
        env["VSM_DATABASE_URL"] = database_url
    return env | {f"VSM_{key.upper()}": value for key, value in settings.items()}


def run_vsm(
    *args: str,
    cwd: Path,
    database_url: str | None = None,
    settings: dict[str, str] | None = None,
    timeout: float = 120,
    executable: bool = False,
) -> subprocess.CompletedProcess[str]:
    """Run `vsm ARGS...` from `cwd` with only the given settings in its environment.

    By default the command's own entry point runs in this process, with this process's
    environment, folder, arguments and output swapped for the run: what it prints and
    the exit code are the executable's, without a second of interpreter start-up per
    test. `executable=True` starts the installed `vsm` itself, for what only a process
    of its own shows (the entry point installed, a port held, a signal).
    """
    env = vsm_environment(database_url, **(settings or {}))
    if executable:
        return subprocess.run(
            [str(VSM), *args],
            cwd=cwd,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    return _in_this_process(list(args), cwd, env)


def _in_this_process(
    args: list[str], cwd: Path, env: dict[str, str]
) -> subprocess.CompletedProcess[str]:
    from api import cli

    out, err = io.StringIO(), io.StringIO()
    saved_env, saved_cwd, saved_argv = dict(os.environ), Path.cwd(), sys.argv
    os.environ.clear()
    os.environ.update(env)
    os.chdir(cwd)
    sys.argv = ["vsm", *args]
    try:
        with redirect_stdout(out), redirect_stderr(err):
            try:
                cli.main()
                code = 0
            except SystemExit as exit_:
                code = exit_.code if isinstance(exit_.code, int) else int(exit_.code is not None)
    finally:
        sys.argv = saved_argv
        os.chdir(saved_cwd)
        os.environ.clear()
        os.environ.update(saved_env)
    return subprocess.CompletedProcess(["vsm", *args], code, out.getvalue(), err.getvalue())


def one_line_error(result: subprocess.CompletedProcess[str]) -> str:
    """The failure of a command: a non-zero exit and exactly one line on standard error."""
    assert result.returncode != 0, result.stdout
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: "), result.stderr
    return lines[0]
