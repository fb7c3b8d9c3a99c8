"""bench/RESULTS.md: each benchmark owns sections, one per configuration and day."""

import argparse
import re
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
RESULTS_HEADER = """# Benchmark results

Figures written by the benchmarks in this folder (see README.md for how to run them and
how to read them). Each section is one configuration on one day; running the same
configuration again on the same day replaces its section.
"""


def write_section(path: Path, bench: str, key: str, text: str) -> None:
    """Replace this benchmark's section for `key`, or append a new one."""
    current = path.read_text() if path.exists() else RESULTS_HEADER
    start, end = f"<!-- bench:{bench} {key} -->", f"<!-- /bench:{bench} {key} -->"
    text = f"{start}\n{text}{end}\n"
    pattern = re.compile(re.escape(start) + r".*?" + re.escape(end) + r"\n?", re.DOTALL)
    if pattern.search(current):
        updated = pattern.sub(lambda _: text, current, count=1)
    else:
        updated = current.rstrip("\n") + "\n\n" + text
    path.write_text(updated)


def add_output_arguments(parser: argparse.ArgumentParser) -> None:
    """The options every benchmark shares: where it measures and where its figures go."""
    parser.add_argument(
        "--database-url",
        help="a throwaway database to use instead of a temporary SQLite file "
        "(it is migrated and gets a new organization)",
    )
    parser.add_argument("--results", type=Path, default=RESULTS, help="Markdown file to update")
    parser.add_argument("--no-write", action="store_true", help="do not touch the results file")


def machine_line(info: dict[str, str]) -> str:
    """The line that ends a section: the machine and software the figures were measured on."""
    return "Machine: " + ", ".join(f"{k}: {v}" for k, v in info.items()) + "."
