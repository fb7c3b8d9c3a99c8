"""Readouts for leaders: a value stream's or the portfolio's status in HTML, Markdown and PDF.

A value stream readout tells where the engagement stands (phase, cycle, gate), shows the
current and the chosen desired-state map as pictures (side by side when they fit at half
width), compares their metrics, lists the costliest waste, the backlog by milestone with
owners and progress, every target with a chart of its measurements, and the recent history.

The HTML is one self-contained file (inline CSS and SVG, no external address), so it
can be mailed or archived; the PDF is that same HTML laid out by WeasyPrint; the
Markdown carries the same facts as tables, for wikis and chat. Templates live in
``plugins/templates`` and escape everything by default: names come from users.
"""

import base64
import io
import math
import re
import tempfile
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from core.exporting import Exporter
from core.hookspecs import hookimpl
from core.offload import in_process
from core.snapshots import MapSnapshot, PortfolioSnapshot, TargetEntry, ValueStreamSnapshot
from core.waste import WasteCategory
from plugins.map_picture import (
    VALUE_CLASS_LABELS,
    duration,
    map_svg_parts,
    number,
    percent,
    seconds_per_day,
)

TEMPLATES = Path(__file__).parent / "templates"
CHUNK = 64 * 1024
TOP_WASTE = 10
RECENT_HISTORY = 12
SIDE_BY_SIDE_STEPS = 12
BANDS_PER_PART = 4
SPARK = "▁▂▃▄▅▆▇█"
PNG_DPI = 120
PNG_META = {"Software": None}

METRIC_LABELS = {
    "lead_time": "Lead time",
    "process_time": "Process time",
    "activity_ratio": "Activity ratio",
    "rolled_pca": "Rolled %C&A",
    "handoffs": "Handoffs",
    "flow_velocity": "Flow velocity",
    "flow_time": "Flow time",
    "flow_efficiency": "Flow efficiency",
    "flow_load": "Flow load (WIP)",
    "flow_distribution_feature": "Flow distribution: features",
    "flow_distribution_defect": "Flow distribution: defects",
    "flow_distribution_risk": "Flow distribution: risks",
    "flow_distribution_debt": "Flow distribution: debt",
    "deployment_frequency": "Deployment frequency",
    "lead_time_for_changes": "Lead time for changes",
    "change_failure_rate": "Change failure rate",
    "time_to_restore": "Time to restore",
}
COMPARED = {
    "lead_time_seconds": ("Lead time", "duration", "lower"),
    "process_time_seconds": ("Process time", "duration", "lower"),
    "activity_ratio": ("Activity ratio", "ratio", "higher"),
    "rolled_pca_percent": ("Rolled %C&A", "percent", "higher"),
    "handoffs": ("Handoffs", "count", "lower"),
    "cross_team_handoffs": ("Cross-team handoffs", "count", "lower"),
    "manual_steps": ("Manual steps", "count", "lower"),
    "step_count": ("Steps", "count", "lower"),
}
STATUS_LABELS = {
    "on_track": "on track",
    "at_risk": "at risk",
    "off_track": "off track",
    "achieved": "achieved",
    "no_data": "no data",
}
TARGET_STATUSES = ("achieved", "on_track", "at_risk", "off_track", "no_data")


# -- formatting ---------------------------------------------------------------------------


def words(key: Any) -> str:
    """A key as words: ``in_progress`` -> ``in progress``."""
    return "" if key is None else str(getattr(key, "value", key)).replace("_", " ")


def when(value: datetime | date | None) -> str:
    if value is None:
        return "—"
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(UTC)
        return value.strftime("%Y-%m-%d %H:%M UTC")
    return value.isoformat()


def _markdown(value: Any) -> Markup:
    """User text for Markdown: one line, no HTML tags, Markdown punctuation neutralized."""
    clean = " ".join(("" if value is None else str(value)).split())
    clean = clean.replace("<", "&lt;").replace(">", "&gt;")
    return Markup(re.sub(r"([\\`*_\[\]|#~])", r"\\\1", clean))


def sparkline(values: list[float], width: int = 40) -> str:
    """The values as bars; one that is not a finite number is a gap (a space)."""
    if not values:
        return ""
    if len(values) > width:
        step = len(values) / width
        values = [values[int(i * step)] for i in range(width - 1)] + [values[-1]]
    finite = [v for v in values if math.isfinite(v)]
    if not finite:
        return " " * len(values)
    # Halved, so that the span of values near the largest float does not overflow.
    low, high = min(finite) / 2, max(finite) / 2
    span = high - low
    bars = []
    for v in values:
        if not math.isfinite(v):
            bars.append(" ")
        elif span == 0:
            bars.append(SPARK[3])
        else:
            bars.append(SPARK[min(int((v / 2 - low) / span * len(SPARK)), len(SPARK) - 1)])
    return "".join(bars)


# -- charts -------------------------------------------------------------------------------

_CHART_LOCK = threading.Lock()
_SVG_ID = re.compile(r'\bid="([^"]+)"')


class Charts:
    """Target charts drawn by matplotlib, one reused figure per readout.

    ``svg`` (for HTML) is inline SVG: deterministic (fixed hash salt, no date), text
    stays text, and ids are made unique per chart so many charts share one page.
    ``png`` (for the PDF) is an embedded image: the PDF renderer lays SVG text out a
    letter at a time, which would make a readout with many charts take far longer.
    """

    def __init__(self, kind: str = "svg") -> None:
        self.kind = kind
        self._figure: Any = None

    def _axes(self) -> Any:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        if self._figure is None:
            self._figure = Figure(figsize=(7.2, 2.7), dpi=72)
            FigureCanvasAgg(self._figure)
            self._figure.subplots_adjust(left=0.08, right=0.76, top=0.95, bottom=0.14)
            self._figure.add_subplot()
        axes = self._figure.axes[0]
        axes.clear()
        return axes

    def target(self, target: TargetEntry) -> Markup:
        import matplotlib as mpl
        from matplotlib import dates as mdates

        measured = sorted((m.measured_at, m.value) for m in target.measurements)
        points = [(at, v) for at, v in measured if math.isfinite(v)]
        not_drawn = len(measured) - len(points)
        start = _aware(datetime.combine(target.start_date, time(), UTC))
        due = _aware(datetime.combine(target.due_date, time(), UTC))
        exponent = _exponent([target.baseline, target.target, *(v for _, v in points)])
        scale = 10.0**exponent
        with _CHART_LOCK, mpl.rc_context(_CHART_STYLE):
            axes = self._axes()
            for name, level, colour, width in (
                ("baseline", target.baseline, "#78909c", 1.2),
                ("target", target.target, "#2e7d32", 1.4),
            ):
                if math.isfinite(level):
                    axes.axhline(
                        level / scale,
                        color=colour,
                        linestyle="--",
                        linewidth=width,
                        label=f"{name} {number(level)}",
                    )
                else:
                    not_drawn += 1
                    axes.plot([], [], " ", label=f"{name} {number(level)}")
            axes.axvline(
                due,
                color="#c62828",
                linestyle=":",
                linewidth=1.4,
                label=f"due {target.due_date.isoformat()}",
            )
            if points:
                axes.plot(
                    [_aware(at) for at, _ in points],
                    [v / scale for _, v in points],
                    color="#1565c0",
                    linewidth=1.6,
                    marker="o",
                    markersize=2.5,
                    label="measured",
                )
            else:
                axes.text(
                    0.5,
                    0.5,
                    "no measurements yet",
                    transform=axes.transAxes,
                    ha="center",
                    va="center",
                    color="#607d8b",
                )
            if not_drawn:
                axes.text(
                    0.01,
                    0.02,
                    f"{not_drawn} value{'s' if not_drawn > 1 else ''} not drawn: "
                    "not a finite number",
                    transform=axes.transAxes,
                    ha="left",
                    va="bottom",
                    color="#c62828",
                )
            if exponent:
                axes.text(
                    0.01,
                    0.98,
                    f"values x 1e{exponent:+d}",
                    transform=axes.transAxes,
                    ha="left",
                    va="top",
                    color="#455a64",
                )
            first = min([start, *(_aware(at) for at, _ in points)])
            last = max([due, *(_aware(at) for at, _ in points)])
            pad = (last - first) * 0.03
            axes.set_xlim(first - pad, last + pad)
            locator = mdates.AutoDateLocator(minticks=3, maxticks=8)
            axes.xaxis.set_major_locator(locator)
            axes.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
            axes.margins(y=0.12)
            axes.grid(True, color="#eceff1", linewidth=0.8)
            axes.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
            if self.kind == "png":
                picture = io.BytesIO()
                self._figure.savefig(picture, format="png", dpi=PNG_DPI, metadata=PNG_META)
                data = base64.b64encode(picture.getvalue()).decode("ascii")
                return Markup(
                    '<img class="chart-img" alt="chart of the measurements against baseline '
                    f'and target" src="data:image/png;base64,{data}">'
                )
            drawing = io.StringIO()
            self._figure.savefig(drawing, format="svg", metadata={"Date": None})
        return Markup(_inline_svg(drawing.getvalue(), f"t{target.id.hex[:12]}-"))


_CHART_STYLE = {
    "svg.hashsalt": "valuestream",
    "svg.fonttype": "none",
    "font.size": 9,
    "font.family": "DejaVu Sans",
    "axes.edgecolor": "#b0bec5",
    "axes.spines.top": False,
    "axes.spines.right": False,
    "xtick.color": "#455a64",
    "ytick.color": "#455a64",
}


CHART_LIMIT = 1e100
"""Charts of values beyond this size are drawn scaled by a power of ten (named on the
axis): matplotlib's axis arithmetic overflows near the largest float."""


def _exponent(values: Iterable[float]) -> int:
    """The power of ten to divide the values of a chart by; 0 when they fit as they are."""
    largest = max((abs(v) for v in values if math.isfinite(v)), default=0.0)
    return math.floor(math.log10(largest)) if largest > CHART_LIMIT else 0


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _inline_svg(svg: str, prefix: str) -> str:
    """matplotlib's SVG document as an inline element with page-unique ids."""
    svg = svg[svg.index("<svg") :]
    svg = re.sub(r"<metadata>.*?</metadata>\s*", "", svg, flags=re.S)
    ids = set(_SVG_ID.findall(svg))
    if ids:
        names = "|".join(re.escape(i) for i in sorted(ids, key=len, reverse=True))
        svg = re.sub(rf'(id="|#)({names})(?=["\)])', rf"\g<1>{prefix}\g<2>", svg)
    return svg.replace("<svg ", '<svg class="chart-svg" role="img" ', 1).strip()


# -- value stream readout -------------------------------------------------------------------


def _person(snapshot: ValueStreamSnapshot, person_id: Any) -> str | None:
    person = snapshot.person(person_id)
    return person.name if person else None


def _metric_value(kind: str, value: float | None, per_day: float) -> str:
    if value is None:
        return "—"
    if kind == "duration":
        return duration(value, per_day)
    if kind == "ratio":
        return percent(value * 100)
    if kind == "percent":
        return percent(value)
    return number(value, 0) if float(value).is_integer() else number(value)


def _comparison(snapshot: ValueStreamSnapshot, per_day: float) -> list[dict[str, Any]]:
    rows = []
    for key, change in (snapshot.comparison or {}).items():
        label, kind, better = COMPARED.get(key, (words(key).capitalize(), "count", "lower"))
        absolute = change.get("absolute_change")
        pct = change.get("percent_change")
        verdict = "same"
        if absolute:
            improved = absolute < 0 if better == "lower" else absolute > 0
            verdict = "better" if improved else "worse"
        if absolute is None:
            shown = "—"
        elif kind == "ratio":
            shown = f"{'+' if absolute > 0 else ''}{number(absolute * 100)} pts"
        elif kind == "percent":
            shown = f"{'+' if absolute > 0 else ''}{number(absolute)} pts"
        else:
            sign = "+" if absolute > 0 else "-" if absolute < 0 else ""
            shown = sign + _metric_value(kind, abs(absolute), per_day)
        rows.append(
            {
                "label": label,
                "current": _metric_value(kind, change.get("current"), per_day),
                "desired": _metric_value(kind, change.get("desired"), per_day),
                "change": shown,
                "percent": "—" if pct is None else f"{'+' if pct > 0 else ''}{number(pct)} %",
                "verdict": verdict,
            }
        )
    return rows


def _map_view(snapshot: MapSnapshot | None, side_by_side: bool) -> dict[str, Any] | None:
    if snapshot is None:
        return None
    per_day = seconds_per_day(snapshot)
    metrics = snapshot.metrics or {}
    ratio = metrics.get("activity_ratio")
    names = {str(s.id): s.name for s in snapshot.steps}
    by_position = sorted(snapshot.steps, key=lambda s: (s.position, str(s.id)))
    order = metrics.get("critical_path") or [str(s.id) for s in by_position]
    steps_by_id = {str(s.id): s for s in snapshot.steps}
    path = [steps_by_id[str(i)] for i in order if str(i) in steps_by_id]
    return {
        "map": snapshot.map,
        "kind": "Current state" if snapshot.map.kind == "current" else "Desired state",
        "pictures": lambda: [
            Markup(svg)
            for svg in (
                map_svg_parts(snapshot, columns=4)
                if side_by_side
                else map_svg_parts(snapshot, columns=6, bands_per_part=BANDS_PER_PART)
            )
        ],
        "lead_time": duration(metrics.get("lead_time_seconds"), per_day) if metrics else "—",
        "process_time": duration(metrics.get("process_time_seconds"), per_day) if metrics else "—",
        "activity_ratio": percent(ratio * 100 if ratio is not None else None),
        "rolled_pca": percent(metrics.get("rolled_pca_percent")),
        "bottleneck": names.get(str(metrics.get("bottleneck_step_id") or "")),
        "step_count": len(snapshot.steps),
        "handoffs": len(snapshot.handoffs),
        "cyclic": bool(snapshot.steps) and snapshot.metrics is None,
        "ladder": [
            {
                "number": n + 1,
                "name": s.name,
                "role": s.role,
                "pt": duration(s.process_seconds, per_day),
                "wt": duration(s.wait_seconds, per_day),
                "pca": percent(s.percent_complete_accurate),
                "value_class": VALUE_CLASS_LABELS.get(
                    s.value_class.value if s.value_class else "", ""
                ),
            }
            for n, s in enumerate(path)
        ],
        "per_day": per_day,
    }


def _waste(snapshot: ValueStreamSnapshot) -> list[dict[str, Any]]:
    cycle = snapshot.value_stream.cycle
    rows = []
    for view in snapshot.maps:
        if view.map.cycle != cycle:
            continue
        steps = {s.id: s.name for s in view.steps}
        for finding in view.findings:
            if finding.status == "dismissed":
                continue
            rows.append(
                {
                    "category": WasteCategory(finding.category).label,
                    "map": view.map.name,
                    "step": steps.get(finding.step_id) if finding.step_id else None,
                    "description": finding.description,
                    "cost": finding.estimated_cost_hours_per_week,
                    "cost_text": "—"
                    if finding.estimated_cost_hours_per_week is None
                    else f"{number(finding.estimated_cost_hours_per_week)} h/week",
                    "status": words(finding.status),
                    "confidence": "—"
                    if finding.confidence is None
                    else f"{number(finding.confidence * 100, 0)} %",
                }
            )
    rows.sort(key=lambda r: (r["cost"] is None, -(r["cost"] or 0.0)))
    return rows


def _backlog(snapshot: ValueStreamSnapshot) -> tuple[list[dict[str, Any]], dict[str, int]]:
    teams = {t.id: t.name for t in snapshot.teams}
    milestones = sorted(
        snapshot.milestones, key=lambda m: (m.due_date or date.max, m.name.lower(), str(m.id))
    )
    known = {m.id for m in milestones}
    groups: dict[Any, list[dict[str, Any]]] = {m.id: [] for m in milestones}
    groups[None] = []
    for item in snapshot.backlog:
        accountable = next((r.person_id for r in item.raci if r.role == "A"), None)
        owner = _person(snapshot, item.owner_id) or _person(snapshot, accountable)
        key = item.milestone_id if item.milestone_id in known else None
        groups[key].append(
            {
                "title": item.title,
                "type": words(item.type),
                "status": words(item.status),
                "status_key": str(getattr(item.status, "value", item.status)),
                "owner": owner,
                "accountable": _person(snapshot, accountable),
                "team": teams.get(item.team_id) if item.team_id else None,
                "due": when(item.due_date) if item.due_date else "—",
                "overdue": item.overdue,
                "wsjf": number(item.wsjf) if item.wsjf is not None else "—",
            }
        )
    result = []
    for m in milestones:
        items = groups[m.id]
        result.append(
            {
                "name": m.name,
                "due": when(m.due_date),
                "items": items,
                "done": m.progress.done,
                "total": m.progress.items,
                "percent": m.progress.percent,
            }
        )
    if groups[None]:
        items = groups[None]
        live = [i for i in items if i["status_key"] != "dropped"]
        done = sum(1 for i in live if i["status_key"] == "done")
        result.append(
            {
                "name": "No milestone",
                "due": "—",
                "items": items,
                "done": done,
                "total": len(live),
                "percent": round(done / len(live) * 100, 1) if live else None,
            }
        )
    counts = Counter(str(getattr(i.status, "value", i.status)) for i in snapshot.backlog)
    return result, dict(counts)


def _targets(snapshot: ValueStreamSnapshot) -> list[dict[str, Any]]:
    rows = []
    for t in snapshot.targets:
        progress = t.progress
        metric = str(getattr(t.metric, "value", t.metric))
        label = t.custom_key if metric == "custom" and t.custom_key else METRIC_LABELS.get(metric)
        values = [m.value for m in sorted(t.measurements, key=lambda m: m.measured_at)]
        status = str(getattr(progress.status, "value", progress.status)) if progress else "no_data"
        rows.append(
            {
                "entry": t,
                "label": label or words(metric).capitalize(),
                "unit": t.unit or "",
                "baseline": number(t.baseline),
                "target": number(t.target),
                "direction": "lower is better"
                if str(getattr(t.direction, "value", t.direction)) == "lower_is_better"
                else "higher is better",
                "start": when(t.start_date),
                "due": when(t.due_date),
                "owner": _person(snapshot, t.owner_id),
                "latest": number(progress.latest_value) if progress else "—",
                "latest_at": when(progress.latest_at) if progress else "—",
                "percent_of_way": percent(progress.percent_of_way) if progress else "—",
                "expected": percent(progress.expected_percent_now) if progress else "—",
                "status": status,
                "status_label": STATUS_LABELS.get(status, words(status)),
                "reason": progress.reason if progress else "",
                "measurements": len(t.measurements),
                "spark": sparkline(values),
            }
        )
    return rows


def _history(snapshot: ValueStreamSnapshot) -> list[dict[str, Any]]:
    names = snapshot.phase_names
    recent = sorted(snapshot.history, key=lambda h: h.at, reverse=True)[:RECENT_HISTORY]
    return [
        {
            "at": when(h.at),
            "kind": words(h.kind),
            "from": names.get(h.from_phase, words(h.from_phase)),
            "to": names.get(h.to_phase, words(h.to_phase)),
            "cycle": h.to_cycle if h.from_cycle == h.to_cycle else f"{h.from_cycle} → {h.to_cycle}",
            "reason": h.reason,
            "forced": h.forced,
            "justification": h.justification,
            "imported": when(h.imported_at) if h.imported_at is not None else None,
        }
        for h in recent
    ]


def stream_context(snapshot: ValueStreamSnapshot, *, charts: str = "svg") -> dict[str, Any]:
    """Everything a value stream readout shows, formatted for people.

    The two maps stand side by side when both are short enough to read at half width;
    longer ones stand one above the other, cut into parts that can break across pages.
    """
    stream = snapshot.value_stream
    names = snapshot.phase_names
    current, desired = snapshot.current_maps()
    side_by_side = all(m is None or len(m.steps) <= SIDE_BY_SIDE_STEPS for m in (current, desired))
    current_view = _map_view(current, side_by_side)
    desired_view = _map_view(desired, side_by_side)
    waste = _waste(snapshot)
    per_day = current_view["per_day"] if current_view else 86400.0
    gate = snapshot.gate
    criteria = [
        {
            "description": c.get("description") or words(c.get("key")),
            "passed": bool(c.get("passed")),
            "reason": c.get("reason") or "",
        }
        for c in gate.get("criteria", [])
    ]
    next_phase = gate.get("next_phase")
    backlog_groups, backlog_counts = _backlog(snapshot)
    live = [i for i in snapshot.backlog if str(getattr(i.status, "value", i.status)) != "dropped"]
    done = sum(1 for i in live if str(getattr(i.status, "value", i.status)) == "done")
    targets = _targets(snapshot)
    target_counts = Counter(t["status"] for t in targets)
    return {
        "kind": "value_stream",
        "title": stream.name,
        "organization": snapshot.organization,
        "exported_at": when(snapshot.exported_at),
        "stream": stream,
        "owner": _person(snapshot, stream.owner_id),
        "phase": names.get(stream.phase, words(stream.phase)),
        "phase_key": stream.phase,
        "cycle": stream.cycle,
        "phase_entered": when(stream.phase_entered_at),
        "days_in_phase": number(snapshot.timebox.days_in_phase),
        "timebox_days": number(snapshot.timebox.timebox_days)
        if snapshot.timebox.timebox_days is not None
        else None,
        "overdue": snapshot.timebox.overdue,
        "gate_passed": bool(gate.get("passed")),
        "next_phase": names.get(next_phase, words(next_phase)) if next_phase else None,
        "criteria": criteria,
        "blocking": sum(1 for c in criteria if not c["passed"]),
        "maps_side_by_side": side_by_side,
        "current": current_view,
        "desired": desired_view,
        "comparison": _comparison(snapshot, per_day),
        "waste": waste[:TOP_WASTE],
        "waste_total": len(waste),
        "backlog": backlog_groups,
        "backlog_counts": [(words(k), v) for k, v in sorted(backlog_counts.items())],
        "backlog_total": len(live),
        "backlog_done": done,
        "backlog_percent": round(done / len(live) * 100, 1) if live else None,
        "targets": targets,
        "target_counts": [
            (STATUS_LABELS[s], target_counts[s]) for s in TARGET_STATUSES if target_counts[s]
        ],
        "chart": Charts(charts).target,
        "history": _history(snapshot),
    }


def portfolio_context(snapshot: PortfolioSnapshot) -> dict[str, Any]:
    rows = []
    for row in snapshot.rows:
        rows.append(
            {
                "name": row.name,
                "owner": row.owner,
                "phase": row.phase_name or words(row.phase),
                "cycle": row.cycle,
                "days_in_phase": number(row.days_in_phase),
                "timebox_days": number(row.timebox_days) if row.timebox_days is not None else None,
                "overdue": row.overdue,
                "gate_passed": row.gate_passed,
                "blocking_criteria": row.blocking_criteria,
                "blocking": row.blocking,
                "backlog_items": row.backlog_items,
                "backlog_done": row.backlog_done,
                "backlog_percent": row.backlog_percent,
                "targets": [
                    (STATUS_LABELS[s], s, row.targets.get(s, 0))
                    for s in TARGET_STATUSES
                    if row.targets.get(s)
                ],
                "on_track": row.targets.get("on_track", 0) + row.targets.get("achieved", 0),
                "off_track": row.targets.get("off_track", 0) + row.targets.get("at_risk", 0),
            }
        )
    return {
        "kind": "portfolio",
        "title": f"Portfolio of {snapshot.organization}",
        "organization": snapshot.organization,
        "exported_at": when(snapshot.exported_at),
        "rows": rows,
        "overdue": sum(1 for r in rows if r["overdue"]),
        "blocked": sum(1 for r in rows if r["blocking_criteria"]),
        "phases": Counter(r["phase"] for r in rows).most_common(),
    }


# -- rendering ------------------------------------------------------------------------------

environment = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=True,
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)
environment.filters["md"] = _markdown
environment.filters["num"] = number


def _context(subject: str, data: Any, charts: str = "svg") -> dict[str, Any]:
    if subject == "portfolio":
        return portfolio_context(data)
    if subject == "value_stream":
        return stream_context(data, charts=charts)
    raise LookupError(f"a readout is of a value stream or the portfolio, not {subject!r}")


def _buffered(chunks: Iterable[str], size: int = CHUNK) -> Iterator[str]:
    """Jinja yields many small strings; send them in pieces of a useful size."""
    pending: list[str] = []
    length = 0
    for chunk in chunks:
        pending.append(chunk)
        length += len(chunk)
        if length >= size:
            yield "".join(pending)
            pending, length = [], 0
    if pending:
        yield "".join(pending)


def _template(subject: str, extension: str) -> Any:
    name = "portfolio" if subject == "portfolio" else "readout"
    return environment.get_template(f"{name}.{extension}")


def render_html(subject: str, data: Any) -> Iterator[str]:
    """The HTML readout, streamed while it is written (charts are drawn as reached)."""
    context = _context(subject, data)
    yield from _buffered(_template(subject, "html").generate(**context))


def html_readout(subject: str, data: Any, *, charts: str = "svg") -> str:
    """The whole HTML readout as one string."""
    context = _context(subject, data, charts)
    return _template(subject, "html").render(**context)


def render_markdown(subject: str, data: Any) -> Iterator[str]:
    context = _context(subject, data)
    yield from _buffered(_template(subject, "md").generate(**context))


def render_pdf(subject: str, data: Any) -> Iterator[bytes]:
    """The HTML readout laid out as PDF, written to a temporary file and streamed from it.

    Laying out a large readout holds the interpreter for many seconds, so it happens in
    a heavy process of its own (see `core.offload.in_process`), which writes the file.
    """
    with tempfile.NamedTemporaryFile(suffix=".pdf") as pdf:
        in_process(write_pdf, subject, data, pdf.name)
        pdf.seek(0)
        while chunk := pdf.read(CHUNK):
            yield chunk


def write_pdf(subject: str, data: Any, path: str) -> None:
    """Lay out the readout of `data` as PDF into the file at `path`."""
    from weasyprint import HTML, URLFetcher

    document = html_readout(subject, data, charts="png")
    # Self-contained: the embedded charts are data URLs; nothing else is ever fetched.
    fetcher = URLFetcher(allowed_protocols={"data"})
    HTML(string=document, url_fetcher=fetcher).write_pdf(target=path)


def _exporter(
    name: str, media_type: str, extension: str, render: Callable[..., Any], description: str
) -> Exporter:
    return Exporter(
        name=name,
        media_type=media_type,
        extension=extension,
        subjects=frozenset({"value_stream", "portfolio"}),
        render=render,
        description=description,
    )


@hookimpl
def register_exporters() -> list[Any]:
    return [
        _exporter(
            "html",
            "text/html",
            "html",
            render_html,
            "A readout for leaders: one self-contained page with the maps and charts inline.",
        ),
        _exporter(
            "markdown",
            "text/markdown",
            "md",
            render_markdown,
            "The readout as Markdown tables, for wikis and chat.",
        ),
        _exporter(
            "pdf",
            "application/pdf",
            "pdf",
            render_pdf,
            "The HTML readout as a PDF, landscape A4.",
        ),
    ]
