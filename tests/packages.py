"""Installing an example third-party plugin from tests/ the way a user would: with pip.

Each is installed into a directory of its own and put on `sys.path` only while the
tests that need it run, so its entry points never leak into other tests.
"""

import importlib
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from core.plugins import build_plugin_manager


def _pip_install(*args: str, extra_path: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    if extra_path is not None:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(extra_path), env.get("PYTHONPATH")]))
    command = [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", *args]
    return subprocess.run(command, capture_output=True, text=True, env=env, timeout=600)


def install(source: Path, root: Path, module: str) -> Path:
    """pip-install the distribution at `source` into `root/site` and return that directory.

    The source is copied first, because setuptools builds in the source tree and would
    leave `build/` and `*.egg-info` in the repository. The build runs without isolation
    (no network). The setuptools that Python 3.11 puts in a venv (65.5) has no
    `bdist_wheel` of its own; if the build fails for that reason, a newer setuptools is
    installed into a temporary directory for the build only.
    """
    copy = root / "source"
    shutil.copytree(
        source, copy, ignore=shutil.ignore_patterns("build", "*.egg-info", "__pycache__")
    )
    target = root / "site"
    args = ("--no-build-isolation", "--target", str(target), str(copy))
    done = _pip_install(*args)
    if done.returncode != 0 and "bdist_wheel" in done.stdout + done.stderr:
        tools = root / "build-tools"
        fetched = _pip_install("--target", str(tools), "setuptools>=70.1")
        assert fetched.returncode == 0, f"installing build tools failed:\n{fetched.stderr}"
        done = _pip_install(*args, extra_path=tools)
    assert done.returncode == 0, f"pip could not install {source.name}:\n{done.stderr}"
    assert (target / f"{module}.py").exists()
    return target


@contextmanager
def importable(site: Path, module: str) -> Iterator[Path]:
    """The installed plugin on `sys.path` inside the block, and gone afterwards."""
    entry = str(site)
    sys.path.insert(0, entry)
    importlib.invalidate_caches()
    try:
        yield site
    finally:
        sys.path.remove(entry)
        sys.modules.pop(module, None)
        importlib.invalidate_caches()


def plugin_names_without(site: Path) -> set[str]:
    """The plugins a fresh manager loads while `site` is off the import path, as in a
    process that never installed the package there."""
    entry = str(site)
    sys.path.remove(entry)
    try:
        importlib.invalidate_caches()
        return {name for name, _plugin in build_plugin_manager().list_name_plugin()}
    finally:
        sys.path.insert(0, entry)
        importlib.invalidate_caches()
