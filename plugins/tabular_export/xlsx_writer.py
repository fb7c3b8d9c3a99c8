"""XLSX workbooks: a value stream's summary and tables, or the portfolio, one sheet each.

The workbook is written row by row in xlsxwriter's constant-memory mode to a temporary
file, which then streams out in chunks, so it is never held whole in memory. Text that
people typed is written as a plain string, never a formula.
"""

import math
import os
import tempfile
from collections.abc import Iterator
from datetime import date, datetime
from typing import Any

from core.exports.snapshots import MapSnapshot, PortfolioSnapshot, ValueStreamSnapshot
from plugins.formatting import number
from plugins.tabular_export.summary import summary_lines
from plugins.tabular_export.tables import (
    BACKLOG,
    FINDINGS,
    MEASUREMENTS,
    PORTFOLIO,
    STEPS,
    TARGETS,
    Table,
)

XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CHUNK_SIZE = 64 * 1024


class _Formats:
    def __init__(self, workbook: Any) -> None:
        self.header = workbook.add_format(
            {"bold": True, "bg_color": "#DDE4EE", "bottom": 1, "text_wrap": True}
        )
        self.title = workbook.add_format({"bold": True, "font_size": 14})
        self.section = workbook.add_format({"bold": True, "bg_color": "#DDE4EE"})
        self.label = workbook.add_format({"bold": True})
        self.kinds = {
            "number": workbook.add_format({"num_format": "#,##0.00"}),
            "integer": workbook.add_format({"num_format": "0"}),
            "percent": workbook.add_format({"num_format": "0.0%"}),
            "date": workbook.add_format({"num_format": "yyyy-mm-dd"}),
            "datetime": workbook.add_format({"num_format": "yyyy-mm-dd hh:mm"}),
        }


EXCEL_LARGEST = 9.99999999999999e307
EXCEL_SMALLEST = 2.2250738585072014e-308


def _fits_a_cell(value: float) -> bool:
    """Whether a spreadsheet can hold the number as a number.

    Excel holds magnitudes from about 2.2e-308 to 9.99e+307 and neither infinity nor
    NaN; a stored value outside that is written as text that says what it is.
    """
    if not math.isfinite(value):
        return False
    size = abs(value)
    return size == 0 or EXCEL_SMALLEST <= size <= EXCEL_LARGEST


def _xlsx_cell(sheet: Any, row: int, col: int, value: Any, kind: str, formats: _Formats) -> None:
    if value is None or value == "":
        return
    if isinstance(value, bool):
        sheet.write_boolean(row, col, value)
    elif isinstance(value, datetime):
        sheet.write_datetime(row, col, value, formats.kinds["datetime"])
    elif isinstance(value, date):
        sheet.write_datetime(row, col, value, formats.kinds["date"])
    elif isinstance(value, int | float) and kind != "text":
        if _fits_a_cell(value):
            sheet.write_number(row, col, value, formats.kinds.get(kind))
        else:
            sheet.write_string(row, col, number(value))
    else:
        sheet.write_string(row, col, str(value))


def _xlsx_table(workbook: Any, formats: _Formats, table: Table, data: Any) -> None:
    sheet = workbook.add_worksheet(table.name)
    for col, column in enumerate(table.columns):
        sheet.set_column(col, col, column.width)
    sheet.freeze_panes(1, 0)
    for col, column in enumerate(table.columns):
        sheet.write_string(0, col, column.header, formats.header)
    last = 0
    for last, row in enumerate(table.rows(data), start=1):
        for col, column in enumerate(table.columns):
            _xlsx_cell(sheet, last, col, column.value(row), column.kind, formats)
    sheet.autofilter(0, 0, max(last, 1), len(table.columns) - 1)


def _xlsx_summary(workbook: Any, formats: _Formats, data: ValueStreamSnapshot) -> None:
    sheet = workbook.add_worksheet("Summary")
    sheet.set_column(0, 0, 24)
    sheet.set_column(1, 1, 60)
    sheet.write_string(0, 0, f"Value stream readout: {data.value_stream.name}", formats.title)
    row = 2
    for label, value, kind in summary_lines(data):
        if value is ...:
            row += 1
            sheet.write_string(row, 0, label, formats.section)
            sheet.write_blank(row, 1, None, formats.section)
        else:
            sheet.write_string(row, 0, label, formats.label)
            _xlsx_cell(sheet, row, 1, value, kind, formats)
        row += 1


def _workbook_file(subject: str, data: Any, path: str) -> None:
    import xlsxwriter

    workbook = xlsxwriter.Workbook(
        path,
        {
            "constant_memory": True,
            "tmpdir": os.path.dirname(path),
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "remove_timezone": True,
        },
    )
    try:
        workbook.set_properties({"title": _title(subject, data), "creator": "valuestream"})
        formats = _Formats(workbook)
        if subject == "portfolio":
            _xlsx_table(workbook, formats, PORTFOLIO, data)
        else:
            _xlsx_summary(workbook, formats, data)
            for table in (BACKLOG, FINDINGS, TARGETS, MEASUREMENTS, STEPS):
                _xlsx_table(workbook, formats, table, data)
    finally:
        workbook.close()


def _title(subject: str, data: PortfolioSnapshot | MapSnapshot | ValueStreamSnapshot) -> str:
    if isinstance(data, PortfolioSnapshot):
        return f"Portfolio of {data.organization}"
    if isinstance(data, MapSnapshot):
        return data.map.name
    return data.value_stream.name


def render_xlsx(subject: str, data: Any) -> Iterator[bytes]:
    """Write the workbook to a temporary file, then stream that file and remove it."""
    with tempfile.TemporaryDirectory(prefix="vsm-xlsx-") as folder:
        path = os.path.join(folder, "export.xlsx")
        _workbook_file(subject, data, path)
        with open(path, "rb") as file:
            while chunk := file.read(CHUNK_SIZE):
                yield chunk
