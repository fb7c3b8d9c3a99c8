"""The figures a delivered readout is remembered by, and what changed between two of them.

"What changed since the last readout" needs the last readout's numbers as they were:
each delivered scheduled readout keeps its streams' figures (`ReadoutDelivery.figures`),
and the next readout of a stream compares its own with the latest kept ones. The
comparison is pure and speaks the practice's words.
"""

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, Field

from core.metrics.rag import RiskFigures, StreamFigures, TargetFigures

if TYPE_CHECKING:
    from core.exports.snapshots import ValueStreamSnapshot


class TargetFigure(BaseModel):
    name: str
    status: str
    reason: str = ""


class ReadoutFigures(BaseModel):
    """One value stream as a readout showed it."""

    value_stream_id: str
    at: datetime
    name: str
    phase: str
    phase_name: str
    next_phase: str | None = None
    cycle: int
    gate_passed: bool
    blocking: list[str] = Field(default_factory=list)
    overdue: bool
    days_in_phase: float
    timebox_days: float | None = None
    lead_time_seconds: float | None = None
    activity_ratio: float | None = None
    rolled_pca_percent: float | None = None
    backlog_done: int = 0
    backlog_total: int = 0
    targets: dict[str, TargetFigure] = Field(default_factory=dict)
    open_risks: list[dict[str, Any]] = Field(default_factory=list)

    def for_rules(self) -> StreamFigures:
        return StreamFigures(
            name=self.name,
            phase=self.phase_name,
            next_phase=self.next_phase,
            overdue=self.overdue,
            days_in_phase=self.days_in_phase,
            timebox_days=self.timebox_days,
            gate_passed=self.gate_passed,
            blocking=tuple(self.blocking),
            targets=tuple(TargetFigures(t.name, t.status, t.reason) for t in self.targets.values()),
            open_risks=tuple(
                RiskFigures(r["title"], int(r["exposure"]), r.get("owner")) for r in self.open_risks
            ),
        )


STATUS_WORDS = {
    "on_track": "on track",
    "at_risk": "at risk",
    "off_track": "off track",
    "achieved": "achieved",
    "no_data": "without data",
}


def changes(
    before: ReadoutFigures,
    now: ReadoutFigures,
    duration: Callable[[float], str] | None = None,
) -> list[str]:
    """What moved between two readouts of one stream, in sentences; empty when nothing did.
    `duration` writes a lead time as the rest of the readout does (default: days of 24 h)."""
    said: list[str] = []
    if (before.phase, before.cycle) != (now.phase, now.cycle):
        cycle = f" (cycle {before.cycle} → {now.cycle})" if before.cycle != now.cycle else ""
        said.append(f"Moved from {before.phase_name} to {now.phase_name}{cycle}.")
    elif before.gate_passed != now.gate_passed:
        said.append("The gate now passes." if now.gate_passed else "The gate is now blocked.")
    if now.overdue and not before.overdue:
        said.append(f"Now past the timebox of {now.phase_name}.")
    said += _metric_change(
        "Lead time", before.lead_time_seconds, now.lead_time_seconds, duration or _days
    )
    said += _metric_change(
        "Activity ratio", before.activity_ratio, now.activity_ratio, lambda v: f"{v * 100:.1f} %"
    )
    said += _metric_change(
        "Rolled %C&A", before.rolled_pca_percent, now.rolled_pca_percent, lambda v: f"{v:.1f} %"
    )
    if now.backlog_done != before.backlog_done:
        moved = now.backlog_done - before.backlog_done
        said.append(
            f"{abs(moved)} backlog item{'s' if abs(moved) != 1 else ''} "
            f"{'more' if moved > 0 else 'fewer'} done ({now.backlog_done} of "
            f"{now.backlog_total})."
        )
    for key, target in now.targets.items():
        was = before.targets.get(key)
        if was is None:
            said.append(
                f"New target {target.name}: {STATUS_WORDS.get(target.status, target.status)}."
            )
        elif was.status != target.status:
            said.append(
                f"Target {target.name} went from {STATUS_WORDS.get(was.status, was.status)} to "
                f"{STATUS_WORDS.get(target.status, target.status)}."
            )
    risks_then = {r["title"] for r in before.open_risks}
    for risk in now.open_risks:
        if risk["title"] not in risks_then:
            said.append(f"New open risk {risk['title']} (exposure {risk['exposure']}).")
    return said


def _metric_change(label: str, before: float | None, now: float | None, shown: Any) -> list[str]:
    if before is None or now is None or abs(now - before) < 1e-9:
        return []
    change = f" ({(now - before) / before * 100:+.0f} %)" if before else ""
    return [f"{label} {shown(before)} → {shown(now)}{change}."]


def _days(seconds: float) -> str:
    days = seconds / 86400
    return f"{days:.1f} days" if days >= 1 else f"{seconds / 3600:.1f} hours"


def figures_of(snapshot: "ValueStreamSnapshot") -> ReadoutFigures:
    """The figures of a value stream's readout snapshot."""
    stream = snapshot.value_stream
    names = snapshot.phase_names
    gate = snapshot.gate
    current, _ = snapshot.current_maps()
    metrics = (current.metrics or {}) if current else {}
    live = [i for i in snapshot.backlog if _value(i.status) != "dropped"]
    next_phase = gate.get("next_phase")
    return ReadoutFigures(
        value_stream_id=str(stream.id),
        at=snapshot.exported_at,
        name=stream.name,
        phase=stream.phase,
        phase_name=names.get(stream.phase, stream.phase.replace("_", " ")),
        next_phase=names.get(next_phase, next_phase) if next_phase else None,
        cycle=stream.cycle,
        gate_passed=bool(gate.get("passed")),
        blocking=[
            c.get("description") or c.get("key", "")
            for c in gate.get("criteria", [])
            if not c.get("passed")
        ],
        overdue=snapshot.timebox.overdue,
        days_in_phase=snapshot.timebox.days_in_phase,
        timebox_days=snapshot.timebox.timebox_days,
        lead_time_seconds=metrics.get("lead_time_seconds"),
        activity_ratio=metrics.get("activity_ratio"),
        rolled_pca_percent=metrics.get("rolled_pca_percent"),
        backlog_done=sum(1 for i in live if _value(i.status) == "done"),
        backlog_total=len(live),
        targets={
            str(t.id): TargetFigure(
                name=(t.custom_key or _value(t.metric)).replace("_", " "),
                status=_value(t.progress.status) if t.progress else "no_data",
                reason=t.progress.reason if t.progress else "",
            )
            for t in snapshot.targets
        },
        open_risks=[
            {
                "title": r.title,
                "exposure": r.exposure,
                "owner": (p.name if (p := snapshot.person(r.owner_id)) else None),
            }
            for r in snapshot.risks
            if _value(r.status) == "open"
        ],
    )


def _value(value: Any) -> str:
    return str(getattr(value, "value", value))
