"""CSV files of one table: the backlog, the portfolio, findings or measurements.

Rows stream out one line at a time, so a file is never held whole in memory.
Spreadsheet programs run a cell that starts with ``=``, ``+``, ``-`` or ``@`` as a
formula, so text that people typed (titles, names, descriptions) is written with a
leading apostrophe when it starts with one of those.
"""

import csv
from collections.abc import Iterator
from datetime import date, datetime
from typing import Any

from core.exports.snapshots import ValueStreamSnapshot
from plugins.tabular_export.tables import BACKLOG, FINDINGS, MEASUREMENTS, PORTFOLIO, Table

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class _Line:
    """A file-like target for csv.writer that keeps only the line just written."""

    def __init__(self) -> None:
        self.text = ""

    def write(self, text: str) -> int:
        self.text = text
        return len(text)


def _csv_cell(value: Any, kind: str) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime | date):
        return value.isoformat()
    if kind == "text":
        text = str(value)
        return "'" + text if text.startswith(_FORMULA_STARTS) else text
    return value


def csv_lines(table: Table, data: Any) -> Iterator[str]:
    """The header, then one line per row as it is read."""
    line = _Line()
    writer = csv.writer(line, lineterminator="\r\n")
    writer.writerow([c.header for c in table.columns])
    yield line.text
    for row in table.rows(data):
        writer.writerow([_csv_cell(c.value(row), c.kind) for c in table.columns])
        yield line.text


def render_csv(subject: str, data: Any) -> Iterator[str]:
    return csv_lines(PORTFOLIO if subject == "portfolio" else BACKLOG, data)


def render_findings_csv(subject: str, data: ValueStreamSnapshot) -> Iterator[str]:
    return csv_lines(FINDINGS, data)


def render_measurements_csv(subject: str, data: ValueStreamSnapshot) -> Iterator[str]:
    return csv_lines(MEASUREMENTS, data)
