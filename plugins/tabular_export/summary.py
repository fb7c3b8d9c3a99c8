"""What the Summary sheet of a value stream's workbook says, before its tables, so the
workbook tells where the stream stands to someone who never opens the service.

The sheet reads as a short readout: the stream's phase, gate and timebox, the metrics
of its current and desired-state maps, and how far the backlog and the targets are.
"""

from collections.abc import Iterator
from typing import Any

from core.exports.snapshots import ValueStreamSnapshot
from plugins.tabular_export.tables import TARGET_STATUSES, fraction


def summary_lines(data: ValueStreamSnapshot) -> Iterator[tuple[str, Any, str]]:
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
        yield "Rolled %C&A", fraction(metrics["rolled_pca_percent"]), "percent"
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
