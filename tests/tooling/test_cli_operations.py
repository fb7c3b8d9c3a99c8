"""The command line where a scheduler or a service manager runs it: outside the repository.

A missing, empty, unmigrated or unreachable database, a bad setting, bad arguments and a
port someone else serves on each get one line that says what is wrong and what to do,
and a non-zero exit code; nothing is created on the way.
"""

import os
import signal
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from core import migrate
from tests import dbs
from tests.cli import VSM, one_line_error, run_vsm, vsm_environment

DEFAULT_URL = "sqlite+aiosqlite:///./vsm.db"


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """Where cron starts a command: a folder with no project and no database in it."""
    folder = tmp_path / "home"
    folder.mkdir()
    return folder


@pytest.mark.parametrize(
    "args",
    [
        ["token", "list", "--org", "acme"],
        ["token", "create", "--org", "acme", "--role", "viewer"],
        ["org", "create", "--slug", "acme"],
        ["bootstrap"],
        ["report", "--org", "acme", "--output", "reports"],
        ["export", "--org", "acme", "--portfolio", "--format", "json"],
        ["db", "current"],
        ["db", "downgrade", "-1"],
    ],
    ids=lambda args: " ".join(args[:2]),
)
def test_without_a_database_a_command_says_which_and_how_to_make_it(
    home: Path, args: list[str]
) -> None:
    result = run_vsm(*args, cwd=home)

    message = one_line_error(result)
    assert DEFAULT_URL in message
    assert str(home / "vsm.db") in message
    if args[0] != "db":
        assert "vsm db upgrade" in message
    assert list(home.iterdir()) == [], "no stray database file, no reports folder"


def test_a_database_file_without_the_schema_is_named_with_the_fix(home: Path) -> None:
    (home / "vsm.db").touch()  # what earlier versions left behind

    result = run_vsm("token", "list", "--org", "acme", cwd=home)

    message = one_line_error(result)
    assert "no schema yet" in message and "vsm db upgrade" in message
    assert (home / "vsm.db").stat().st_size == 0


def test_a_database_behind_the_code_is_named_with_its_revision_and_the_fix(home: Path) -> None:
    url = dbs.sqlite_url(home / "old.db")
    migrate.upgrade(url, "0001")

    result = run_vsm("token", "list", "--org", "acme", cwd=home, database_url=url)

    message = one_line_error(result)
    assert url in message
    assert "revision 0001" in message and "vsm db upgrade" in message


def test_the_upgrade_it_names_makes_the_database_and_the_command_then_works(home: Path) -> None:
    assert run_vsm("db", "upgrade", cwd=home, executable=True).returncode == 0

    created = run_vsm("org", "create", "--slug", "acme", cwd=home, executable=True)
    current = run_vsm("db", "current", cwd=home)

    assert created.returncode == 0, created.stderr
    assert (created.stderr, current.stderr) == ("", "")
    assert current.stdout.split()[0] in migrate.head_revisions()


def test_an_unreachable_database_is_one_line(home: Path) -> None:
    url = "postgresql+asyncpg://vsm:hunter2@127.0.0.1:9/vsm"

    result = run_vsm("token", "list", "--org", "acme", cwd=home, database_url=url)

    message = one_line_error(result)
    assert "cannot reach the database at postgresql+asyncpg://vsm:***@127.0.0.1:9/vsm" in message
    assert "hunter2" not in result.stderr


def test_a_bad_setting_is_one_line_naming_the_variable(home: Path) -> None:
    result = run_vsm("token", "list", "--org", "acme", cwd=home, settings={"db_pool_size": "lots"})

    assert "VSM_DB_POOL_SIZE" in one_line_error(result)


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["nosuch"], ["nosuch", "vsm --help"]),
        (["token", "create", "--org", "acme"], ["--role", "vsm token create --help"]),
        (["token", "list", "--org", "acme", "--bogus"], ["--bogus"]),
        (["token", "revoke", "--org", "acme", "not-an-id"], ["not-an-id", "vsm token list"]),
    ],
)
def test_bad_arguments_are_one_line_with_where_to_read_more(
    home: Path, args: list[str], words: list[str]
) -> None:
    result = run_vsm(*args, cwd=home)

    assert result.returncode == 2
    message = one_line_error(result)
    assert all(word in message for word in words), message


# --- vsm serve on a port someone else serves on


@pytest.fixture
def taken_port() -> Iterator[int]:
    """A port another server listens on, bound the way granian binds (SO_REUSEPORT)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as other:
        other.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        other.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        other.bind(("127.0.0.1", 0))
        other.listen()
        yield other.getsockname()[1]


def test_serve_on_a_port_another_server_listens_on_fails_in_one_line(
    home: Path, taken_port: int
) -> None:
    url = dbs.sqlite_url(home / "vsm.db")
    migrate.upgrade(url)
    server = subprocess.Popen(
        [str(VSM), "serve", "--host", "127.0.0.1", "--port", str(taken_port)],
        cwd=home,
        env=vsm_environment(url),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        stdout, stderr = server.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.communicate()
        pytest.fail(f"vsm serve started on port {taken_port}, which another server holds")

    result = subprocess.CompletedProcess(server.args, server.returncode, stdout, stderr)
    message = one_line_error(result)
    assert str(taken_port) in message and "already in use" in message
