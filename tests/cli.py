"""The real `vsm` executable, run as an operator or a scheduler runs it: from another folder.

Nothing of the test's environment that configures the service (`VSM_*`) reaches it but
the database URL a test gives; a `.env` in the repository is not read, as the folder is
elsewhere.
"""

import os
import subprocess
import sys
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
) -> subprocess.CompletedProcess[str]:
    env = vsm_environment(database_url, **(settings or {}))
    return subprocess.run(
        [str(VSM), *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def one_line_error(result: subprocess.CompletedProcess[str]) -> str:
    """The failure of a command: a non-zero exit and exactly one line on standard error."""
    assert result.returncode != 0, result.stdout
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: "), result.stderr
    return lines[0]
