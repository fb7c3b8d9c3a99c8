"""Tables for spreadsheets: CSV of a backlog, the portfolio, findings or measurements; XLSX.

CSV rows stream out one at a time. The XLSX workbook is written row by row in
xlsxwriter's constant-memory mode to a temporary file, which then streams out in
chunks, so neither format holds a whole file in memory.

Spreadsheet programs run a cell that starts with ``=``, ``+``, ``-`` or ``@`` as a
formula, so text that people typed (titles, names, descriptions) is written with a
leading apostrophe in CSV when it starts with one of those, and as a plain string,
never a formula, in XLSX.
"""

import csv
import math
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from core.exports.exporters import Exporter
from core.exports.snapshots import (
    MapSnapshot,
    PortfolioRowSnapshot,
    PortfolioSnapshot,
    ValueStreamSnapshot,
)
from core.hookspecs import hookimpl
from core.waste.vocabulary import WasteCategory
from plugins.formatting import number

XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CHUNK_SIZE = 64 * 1024
HOUR = 3600.0
TARGET_STATUSES = ("on_track", "at_risk", "off_track", "achieved", "no_data")
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


# --- columns: one table definition serves CSV and XLSX alike


@dataclass(frozen=True)
class Column:
    """A column: its header, how to read a row's value, and its cell kind in XLSX."""

    header: str
    value: Callable[[Any], Any]
    kind: str = "text"  # text, number, integer, percent, date, datetime, bool
    width: float = 14


@dataclass(frozen=True)
class Table:
    name: str
    columns: Sequence[Column]
    rows: Callable[[Any], Iterable[Any]]


def _names(data: ValueStreamSnapshot) -> dict[Any, str]:
    names: dict[Any, str] = {p.id: p.name for p in data.people}
    names.update({t.id: t.name for t in data.teams})
    return names


def _hours(seconds: float | None) -> float | None:
    return None if seconds is None else seconds / HOUR


def _fraction(percent: float | None) -> float | None:
    """Percent (0-100) as the fraction spreadsheets format as a percentage."""
    return None if percent is None else percent / 100


def _label(category: str) -> str:
    try:
        return WasteCategory(category).label
    except ValueError:
        return category


def _metric(target: Any) -> str:
    """The metric's key; a custom metric by its own key."""
    if target.metric == "custom" and target.custom_key:
        return str(target.custom_key)
    return str(target.metric)


# backlog ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _BacklogRow:
    rank: int
    item: Any
    names: dict[Any, str]
    milestones: dict[Any, str]

    def raci(self, role: str) -> str:
        people = [self.names.get(r.person_id, str(r.person_id)) for r in self.item.raci]
        roles = [r.role for r in self.item.raci]
        return "; ".join(p for p, r in zip(people, roles, strict=True) if r == role)


def _backlog_rows(data: ValueStreamSnapshot) -> Iterator[_BacklogRow]:
    names = _names(data)
    milestones = {m.id: m.name for m in data.milestones}
    for rank, item in enumerate(data.backlog, start=1):
        yield _BacklogRow(rank, item, names, milestones)


BACKLOG_COLUMNS = (
    Column("rank", lambda r: r.rank, "integer", 6),
    Column("title", lambda r: r.item.title, width=40),
    Column("type", lambda r: r.item.type),
    Column("status", lambda r: r.item.status),
    Column("owner", lambda r: r.names.get(r.item.owner_id), width=20),
    Column("accountable", lambda r: r.raci("A"), width=20),
    Column("responsible", lambda r: r.raci("R"), width=20),
    Column("team", lambda r: r.names.get(r.item.team_id), width=18),
    Column("milestone", lambda r: r.milestones.get(r.item.milestone_id), width=20),
    Column("due_date", lambda r: r.item.due_date, "date", 12),
    Column("overdue", lambda r: r.item.overdue, "bool", 9),
    Column("wsjf", lambda r: r.item.wsjf, "number", 8),
    Column("business_value", lambda r: r.item.business_value, "integer", 9),
    Column("time_criticality", lambda r: r.item.time_criticality, "integer", 9),
    Column("risk_reduction", lambda r: r.item.risk_reduction, "integer", 9),
    Column("job_size", lambda r: r.item.job_size, "integer", 9),
    Column("depends_on", lambda r: len(r.item.depends_on), "integer", 9),
    Column("findings", lambda r: len(r.item.finding_ids), "integer", 9),
    Column("id", lambda r: r.item.id, width=38),
)

# portfolio ----------------------------------------------------------------------------


def _target_count(status: str) -> Callable[[PortfolioRowSnapshot], int]:
    """Each status column reads its own status, bound when the column is made."""
    return lambda row: row.targets.get(status, 0)


PORTFOLIO_COLUMNS = (
    Column("name", lambda r: r.name, width=32),
    Column("owner", lambda r: r.owner, width=20),
    Column("phase", lambda r: r.phase, width=18),
    Column("phase_name", lambda r: r.phase_name, width=22),
    Column("cycle", lambda r: r.cycle, "integer", 7),
    Column("days_in_phase", lambda r: r.days_in_phase, "number", 10),
    Column("timebox_days", lambda r: r.timebox_days, "number", 10),
    Column("overdue", lambda r: r.overdue, "bool", 9),
    Column("gate_passed", lambda r: r.gate_passed, "bool", 9),
    Column("blocking_criteria", lambda r: r.blocking_criteria, "integer", 9),
    Column("blocking", lambda r: "; ".join(r.blocking), width=50),
    Column("backlog_items", lambda r: r.backlog_items, "integer", 9),
    Column("backlog_done", lambda r: r.backlog_done, "integer", 9),
    Column("backlog_done_percent", lambda r: _fraction(r.backlog_percent), "percent", 10),
    *(
        Column(f"targets_{status}", _target_count(status), "integer", 9)
        for status in TARGET_STATUSES
    ),
    Column("id", lambda r: r.id, width=38),
)

# findings -----------------------------------------------------------------------------


@dataclass(frozen=True)
class _FindingRow:
    map: Any
    finding: Any
    step: str | None
    handoff: str | None


def _finding_rows(data: ValueStreamSnapshot) -> Iterator[_FindingRow]:
    for snapshot in data.maps:
        steps = {s.id: s.name for s in snapshot.steps}
        handoffs = {
            h.id: f"{steps.get(h.from_step_id, '?')} -> {steps.get(h.to_step_id, '?')}"
            for h in snapshot.handoffs
        }
        for finding in snapshot.findings:
            yield _FindingRow(
                snapshot.map,
                finding,
                steps.get(finding.step_id) if finding.step_id else None,
                handoffs.get(finding.handoff_id) if finding.handoff_id else None,
            )


FINDING_COLUMNS = (
    Column("map", lambda r: r.map.name, width=20),
    Column("map_kind", lambda r: r.map.kind, width=9),
    Column("cycle", lambda r: r.map.cycle, "integer", 7),
    Column("step", lambda r: r.step, width=24),
    Column("handoff", lambda r: r.handoff, width=30),
    Column("category", lambda r: _label(r.finding.category), width=34),
    Column("category_key", lambda r: r.finding.category, width=20),
    Column("status", lambda r: r.finding.status, width=11),
    Column("description", lambda r: r.finding.description, width=50),
    Column("cost_hours_per_week", lambda r: r.finding.estimated_cost_hours_per_week, "number", 10),
    Column("confidence", lambda r: r.finding.confidence, "number", 10),
    Column("source", lambda r: r.finding.source, width=11),
    Column("classifier", lambda r: r.finding.classifier, width=16),
    Column("rule", lambda r: r.finding.rule, width=24),
    Column("id", lambda r: r.finding.id, width=38),
)

# targets and measurements -------------------------------------------------------------


def _target_rows(data: ValueStreamSnapshot) -> Iterator[tuple[Any, dict[Any, str]]]:
    names = _names(data)
    for target in data.targets:
        yield target, names


def _progress(target: Any, field: str) -> Any:
    return getattr(target.progress, field) if target.progress is not None else None


TARGET_COLUMNS = (
    Column("metric", lambda r: _metric(r[0]), width=22),
    Column("unit", lambda r: r[0].unit, width=9),
    Column("baseline", lambda r: r[0].baseline, "number", 10),
    Column("target", lambda r: r[0].target, "number", 10),
    Column("direction", lambda r: r[0].direction, width=16),
    Column("start_date", lambda r: r[0].start_date, "date", 12),
    Column("due_date", lambda r: r[0].due_date, "date", 12),
    Column("owner", lambda r: r[1].get(r[0].owner_id), width=20),
    Column("latest_value", lambda r: _progress(r[0], "latest_value"), "number", 10),
    Column("latest_at", lambda r: _progress(r[0], "latest_at"), "datetime", 17),
    Column(
        "percent_of_way",
        lambda r: _fraction(_progress(r[0], "percent_of_way")),
        "percent",
        10,
    ),
    Column(
        "expected_percent_now",
        lambda r: _fraction(_progress(r[0], "expected_percent_now")),
        "percent",
        10,
    ),
    Column("status", lambda r: _progress(r[0], "status"), width=11),
    Column("reason", lambda r: _progress(r[0], "reason"), width=40),
    Column("id", lambda r: r[0].id, width=38),
)


def _measurement_rows(data: ValueStreamSnapshot) -> Iterator[tuple[Any, Any]]:
    for target in data.targets:
        for measurement in sorted(target.measurements, key=lambda m: m.measured_at):
            yield target, measurement


MEASUREMENT_COLUMNS = (
    Column("metric", lambda r: _metric(r[0]), width=22),
    Column("unit", lambda r: r[0].unit, width=9),
    Column("baseline", lambda r: r[0].baseline, "number", 10),
    Column("target", lambda r: r[0].target, "number", 10),
    Column("direction", lambda r: r[0].direction, width=16),
    Column("due_date", lambda r: r[0].due_date, "date", 12),
    Column("measured_at", lambda r: r[1].measured_at, "datetime", 17),
    Column("value", lambda r: r[1].value, "number", 10),
    Column("source", lambda r: r[1].source, width=12),
    Column("note", lambda r: r[1].note, width=30),
    Column("target_id", lambda r: r[0].id, width=38),
)

# steps --------------------------------------------------------------------------------


def _step_rows(data: ValueStreamSnapshot) -> Iterator[tuple[Any, Any]]:
    for snapshot in data.maps:
        for step in sorted(snapshot.steps, key=lambda s: s.position):
            yield snapshot.map, step


STEP_COLUMNS = (
    Column("map", lambda r: r[0].name, width=20),
    Column("map_kind", lambda r: r[0].kind, width=9),
    Column("cycle", lambda r: r[0].cycle, "integer", 7),
    Column("position", lambda r: r[1].position, "integer", 8),
    Column("step", lambda r: r[1].name, width=28),
    Column("role", lambda r: r[1].role, width=18),
    Column("team", lambda r: r[1].team, width=18),
    Column("people", lambda r: r[1].people, "integer", 8),
    Column("process_hours", lambda r: _hours(r[1].process_seconds), "number", 10),
    Column("wait_hours", lambda r: _hours(r[1].wait_seconds), "number", 10),
    Column(
        "percent_complete_accurate",
        lambda r: _fraction(r[1].percent_complete_accurate),
        "percent",
        10,
    ),
    Column("value_class", lambda r: r[1].value_class, width=24),
    Column("automated", lambda r: r[1].automated, "bool", 10),
    Column("queue_size", lambda r: r[1].queue_size, "integer", 9),
    Column("tools", lambda r: "; ".join(r[1].tools), width=24),
    Column("id", lambda r: r[1].id, width=38),
)

BACKLOG = Table("Backlog", BACKLOG_COLUMNS, _backlog_rows)
FINDINGS = Table("Findings", FINDING_COLUMNS, _finding_rows)
TARGETS = Table("Targets", TARGET_COLUMNS, _target_rows)
MEASUREMENTS = Table("Measurements", MEASUREMENT_COLUMNS, _measurement_rows)
STEPS = Table("Steps", STEP_COLUMNS, _step_rows)
PORTFOLIO = Table("Portfolio", PORTFOLIO_COLUMNS, lambda data: data.rows)


# --- CSV


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


# --- XLSX


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


def _summary_lines(data: ValueStreamSnapshot) -> Iterator[tuple[str, Any, str]]:
    """(label, value, kind) pairs; a value of `...` starts a section."""
    stream = data.value_stream
    owner = data.person(stream.owner_id)
    yield "Value stream", stream.name, "text"
    yield "Organization", data.organization, "text"
    yield "Owner", owner.name if owner else None, "text"
    yield "Phase", data.phase_names.get(stream.phase, stream.phase), "text"
    yield "Cycle", stream.cycle, "integer"
    yield "Days in phase", data.timebox.days_in_phase, "number"
    yield "Timebox (days)", data.timebox.timebox_days, "number"
    yield "Overdue", data.timebox.overdue, "bool"
    yield "Gate passed", bool(data.gate.get("passed")), "bool"
    for criterion in data.gate.get("criteria", []):
        if not criterion.get("passed"):
            yield "Blocking", f"{criterion.get('description')}: {criterion.get('reason')}", "text"
    yield "Exported at", data.exported_at, "datetime"
    current, desired = data.current_maps()
    for title, snapshot in (("Current-state map", current), ("Desired-state map", desired)):
        if snapshot is None:
            continue
        yield title, ..., "section"
        yield "Map", snapshot.map.name, "text"
        yield "Steps", len(snapshot.steps), "integer"
        metrics = snapshot.metrics
        if metrics is None:
            yield "Metrics", "not computable: the flow has a cycle", "text"
            continue
        yield "Lead time (days)", metrics["lead_time_days"], "number"
        yield "Process time (days)", metrics["process_time_days"], "number"
        yield "Activity ratio", metrics["activity_ratio"], "percent"
        yield "Rolled %C&A", _fraction(metrics["rolled_pca_percent"]), "percent"
        yield "Handoffs", metrics["handoffs"], "integer"
        yield "Cross-team handoffs", metrics["cross_team_handoffs"], "integer"
    done = sum(1 for item in data.backlog if item.status == "done")
    yield "Backlog", ..., "section"
    yield "Items", len(data.backlog), "integer"
    yield "Done", done, "integer"
    yield "Done (share)", done / len(data.backlog) if data.backlog else None, "percent"
    yield "Overdue items", sum(1 for item in data.backlog if item.overdue), "integer"
    yield "Milestones", len(data.milestones), "integer"
    yield "Targets", ..., "section"
    for status in TARGET_STATUSES:
        count = sum(1 for t in data.targets if t.progress and t.progress.status == status)
        yield status.replace("_", " ").capitalize(), count, "integer"


def _xlsx_summary(workbook: Any, formats: _Formats, data: ValueStreamSnapshot) -> None:
    sheet = workbook.add_worksheet("Summary")
    sheet.set_column(0, 0, 24)
    sheet.set_column(1, 1, 60)
    sheet.write_string(0, 0, f"Value stream readout: {data.value_stream.name}", formats.title)
    row = 2
    for label, value, kind in _summary_lines(data):
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
