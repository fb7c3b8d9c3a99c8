"""`make test` runs every stage, even after a failure, and ends with a summary of each.

The Makefile is copied into a scratch folder with a few made-up stages appended, so the
loop of `make test` is exercised without running the real suite inside itself.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

STAGES = """
stage-fails:
\t@echo "running stage-fails"; exit 1

stage-passes:
\t@echo "running stage-passes"

stage-skips:
\t@echo "running stage-skips"
\t@echo "stage-skips SKIPPED: nothing to run it on" >> "$(TEST_SUMMARY)"
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """The Makefile and an installed-looking .venv whose python is the real one."""
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    (tmp_path / "pyproject.toml").write_text("")
    (tmp_path / "Makefile").write_text((ROOT / "Makefile").read_text() + STAGES)
    (tmp_path / "tests").symlink_to(ROOT / "tests")
    bin_dir = tmp_path / ".venv" / "bin"
    bin_dir.mkdir(parents=True)
    (bin_dir / "python").symlink_to(sys.executable)
    stamp = tmp_path / ".venv" / ".installed"
    stamp.touch()
    later = (tmp_path / "pyproject.toml").stat().st_mtime + 10
    os.utime(stamp, (later, later))
    return tmp_path


def make_test(project: Path, *variables: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MAKE", "MFLAGS"))}
    return subprocess.run(
        ["make", "--no-print-directory", "test", "BROWSER_SETUP=", *variables],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def summary(output: str) -> list[str]:
    lines = output.splitlines()
    start = lines.index("== make test: summary ==")
    return [line.strip() for line in lines[start + 1 :] if line.startswith("   ")]


def test_a_failing_stage_does_not_stop_the_later_ones_and_fails_at_the_end(
    project: Path,
) -> None:
    result = make_test(project, "TEST_STAGES=stage-fails stage-passes stage-skips")

    assert result.returncode != 0
    assert "running stage-passes" in result.stdout
    assert "running stage-skips" in result.stdout
    assert summary(result.stdout) == [
        "stage-fails FAILED",
        "stage-passes passed",
        "stage-skips SKIPPED: nothing to run it on",
    ]


def test_stages_that_pass_or_skip_make_the_run_pass(project: Path) -> None:
    result = make_test(project, "TEST_STAGES=stage-passes stage-skips")

    assert result.returncode == 0, result.stdout + result.stderr
    assert summary(result.stdout) == [
        "stage-passes passed",
        "stage-skips SKIPPED: nothing to run it on",
    ]


def test_an_unreachable_postgresql_is_reported_as_skipped(project: Path) -> None:
    unreachable = "postgresql+asyncpg://postgres@127.0.0.1:9/nowhere"

    result = make_test(project, "TEST_STAGES=test-postgres", f"POSTGRES_URL={unreachable}")

    assert result.returncode == 0, result.stdout + result.stderr
    assert summary(result.stdout) == [
        f"test-postgres SKIPPED: PostgreSQL is not reachable at {unreachable}",
    ]


def test_stages_joined_by_a_plus_run_at_once_and_each_is_reported(project: Path) -> None:
    result = make_test(project, "TEST_STAGES=stage-fails+stage-skips stage-passes")

    assert result.returncode != 0
    assert result.stdout.index("running stage-fails") < result.stdout.index("running stage-skips")
    assert sorted(summary(result.stdout)) == [
        "stage-fails FAILED",
        "stage-passes passed",
        "stage-skips SKIPPED: nothing to run it on",
    ]
    assert result.stdout.index("running stage-skips") < result.stdout.index("running stage-passes")
