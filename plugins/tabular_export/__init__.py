"""Tables for spreadsheets: CSV of a backlog, the portfolio, findings or measurements; XLSX.

The package is the plugin registered under the name ``tabular_export``, so it carries
the hook implementation of ``hooks``; the rest is what the formats write: ``tables``
(each table's columns and rows, one definition for both formats), ``csv_writer`` (a
table as CSV lines), ``summary`` (what a workbook's summary sheet says) and
``xlsx_writer`` (the workbook).
"""

from plugins.tabular_export.hooks import register_exporters

__all__ = ["register_exporters"]
