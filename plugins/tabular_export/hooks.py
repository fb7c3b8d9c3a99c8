"""The hook implementation of the ``tabular_export`` plugin: its four file formats.

It is what a third-party exporter writes too (see ``docs/plugins.md``): a function
marked with the ``vsm`` hook marker that offers each format with its render function.
"""

from typing import Any

from core.exports.exporters import Exporter
from core.hookspecs import hookimpl
from plugins.tabular_export.csv_writer import (
    render_csv,
    render_findings_csv,
    render_measurements_csv,
)
from plugins.tabular_export.xlsx_writer import XLSX_MEDIA_TYPE, render_xlsx


@hookimpl
def register_exporters() -> list[Any]:
    return [
        Exporter(
            name="csv",
            media_type="text/csv",
            extension="csv",
            subjects=frozenset({"backlog", "portfolio"}),
            render=render_csv,
            description="The backlog in rank order, or the portfolio: one row per value stream.",
        ),
        Exporter(
            name="findings-csv",
            media_type="text/csv",
            extension="csv",
            subjects=frozenset({"value_stream"}),
            render=render_findings_csv,
            description="The waste findings of every map of a value stream.",
            file_suffix="findings",
        ),
        Exporter(
            name="measurements-csv",
            media_type="text/csv",
            extension="csv",
            subjects=frozenset({"value_stream"}),
            render=render_measurements_csv,
            description="Every measurement of a value stream's targets, oldest first per target.",
            file_suffix="measurements",
        ),
        Exporter(
            name="xlsx",
            media_type=XLSX_MEDIA_TYPE,
            extension="xlsx",
            subjects=frozenset({"value_stream", "portfolio"}),
            render=render_xlsx,
            description=(
                "A workbook: summary, backlog, findings, targets, measurements and steps of "
                "a value stream, or the portfolio."
            ),
        ),
    ]
