"""Where tests and the fuzzing stage keep their databases and files: in memory when it can.

SQLite syncs its file at every commit the tests' own connections make and at every
checkpoint the app's make; on a virtual disk each sync costs about 15 ms, which made a
third of the suite's time on SQLite. Nothing a test writes has to outlive its run, so a
memory-backed filesystem (`/dev/shm`, where the system has one) serves it without changing
what SQLite does, only what a sync costs. `VSM_TEST_SCRATCH` names another folder; an
empty value keeps the system's temporary folder.
"""

import os
import shutil
import tempfile
from pathlib import Path

MEMORY_FOLDER = Path("/dev/shm")


def scratch_root() -> Path | None:
    """The folder to make scratch folders in, or None for the system's temporary folder."""
    chosen = os.environ.get("VSM_TEST_SCRATCH")
    if chosen is not None:
        return Path(chosen) if chosen else None
    if MEMORY_FOLDER.is_dir() and os.access(MEMORY_FOLDER, os.W_OK | os.X_OK):
        return MEMORY_FOLDER
    return None


def make_scratch(prefix: str) -> Path:
    """A new folder of this run's own, which the caller removes (`remove_scratch`)."""
    root = scratch_root()
    return Path(tempfile.mkdtemp(prefix=prefix, dir=str(root) if root else None))


def remove_scratch(folder: Path) -> None:
    shutil.rmtree(folder, ignore_errors=True)
