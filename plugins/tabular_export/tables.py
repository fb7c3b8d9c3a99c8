"""The tables the exports write, each defined once for CSV and XLSX alike.

A table is its columns (a header, how a row's value is read, and the cell kind and
width a workbook gives it) and how its rows are read from a snapshot, so a CSV file
and a workbook sheet of the same table never disagree.
"""

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from core.exports.snapshots import PortfolioRowSnapshot, ValueStreamSnapshot
from core.waste.vocabulary import WasteCategory

HOUR = 3600.0
TARGET_STATUSES = ("on_track", "at_risk", "off_track", "achieved", "no_data")


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


def fraction(percent: float | None) -> float | None:
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
    Column("backlog_done_percent", lambda r: fraction(r.backlog_percent), "percent", 10),
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
        lambda r: fraction(_progress(r[0], "percent_of_way")),
        "percent",
        10,
    ),
    Column(
        "expected_percent_now",
        lambda r: fraction(_progress(r[0], "expected_percent_now")),
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
        lambda r: fraction(r[1].percent_complete_accurate),
        "percent",
        10,
    ),
    Column("value_class", lambda r: r[1].value_class, width=24),
    Column("automated", lambda r: r[1].automated, "bool", 10),
    Column("queue_size", lambda r: r[1].queue_size, "integer", 9),
    Column("cycle_seconds", lambda r: r[1].cycle_seconds, "number", 9),
    Column("uptime_percent", lambda r: fraction(r[1].uptime_percent), "percent", 9),
    Column("changeover_hours", lambda r: _hours(r[1].changeover_seconds), "number", 10),
    Column("batch_size", lambda r: r[1].batch_size, "integer", 9),
    Column("tools", lambda r: "; ".join(r[1].tools), width=24),
    Column("id", lambda r: r[1].id, width=38),
)

BACKLOG = Table("Backlog", BACKLOG_COLUMNS, _backlog_rows)
FINDINGS = Table("Findings", FINDING_COLUMNS, _finding_rows)
TARGETS = Table("Targets", TARGET_COLUMNS, _target_rows)
MEASUREMENTS = Table("Measurements", MEASUREMENT_COLUMNS, _measurement_rows)
STEPS = Table("Steps", STEP_COLUMNS, _step_rows)
PORTFOLIO = Table("Portfolio", PORTFOLIO_COLUMNS, lambda data: data.rows)
