"""What a readout shows, built from a snapshot: the values the templates lay out."""

import base64
from collections import Counter
from datetime import date
from typing import Any

from markupsafe import Markup

from core.exports.snapshots import MapSnapshot, PortfolioSnapshot, ValueStreamSnapshot
from core.metrics.map_metrics import MapMetrics
from core.metrics.rag import RAG_RULE, portfolio_rag
from core.metrics.waste_cost import (
    RANKING_RULE,
    FlowCost,
    Handed,
    Located,
    counted_waits,
    flow_costs,
)
from core.waste.vocabulary import WasteCategory
from plugins.formatting import (
    VALUE_CLASS_LABELS,
    duration,
    number,
    per_unit,
    percent,
    seconds_per_day,
)
from plugins.map_picture import map_svg_parts
from plugins.readout.analytics import delivery_view
from plugins.readout.charts import Charts, sparkline
from plugins.readout.dora import dora_context
from plugins.readout.effects import effects_context
from plugins.readout.register import register_context
from plugins.readout.summary import RAG_LABELS, summary_context
from plugins.readout.wording import (
    COMPARED,
    METRIC_LABELS,
    STATUS_LABELS,
    TARGET_STATUSES,
    when,
    words,
)

TOP_WASTE = 10
RECENT_HISTORY = 12
SIDE_BY_SIDE_STEPS = 12
BANDS_PER_PART = 4
PRINTED_ITEMS_PER_MILESTONE = 10
"""Backlog items a printed readout lists per milestone, highest ranked first.

Laying out table rows is most of what a PDF of a large backlog costs (500 items took
longer than everything else together, over twenty pages nobody reads on paper); the
rest are counted under the table, and the workbook export lists every item.
"""


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
    return change_rows(snapshot.comparison or {}, per_day, ("current", "desired"))


def change_rows(
    changes: dict[str, Any], per_day: float, sides: tuple[str, str]
) -> list[dict[str, Any]]:
    """Each compared metric of two maps, formatted, with whether it moved the right way;
    `sides` name the two values in `changes` and in the rows."""
    first, second = sides
    rows = []
    for key, change in changes.items():
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
                first: _metric_value(kind, change.get(first), per_day),
                second: _metric_value(kind, change.get(second), per_day),
                "change": shown,
                "percent": "—" if pct is None else f"{'+' if pct > 0 else ''}{number(pct)} %",
                "verdict": verdict,
            }
        )
    return rows


def story_view(snapshot: ValueStreamSnapshot) -> list[dict[str, Any]]:
    """The story across cycles: each cycle's current state, the desired state it chose,
    and how far the lead time has come since the first cycle; the current cycle is today.
    Earlier cycles stay: their maps are kept when a stream iterates."""
    current: dict[int, MapSnapshot] = {}
    desired: dict[int, MapSnapshot] = {}
    for view in snapshot.maps:
        if view.map.kind == "current":
            current[view.map.cycle] = view
        elif view.map.chosen:
            desired[view.map.cycle] = view
    first_lead: float | None = None
    rows = []
    for cycle in sorted(current.keys() | desired.keys()):
        now = current.get(cycle)
        metrics = (now.metrics or {}) if now else {}
        lead = metrics.get("lead_time_seconds")
        per_day = seconds_per_day(now) if now else 86400.0
        if first_lead is None and lead:
            first_lead = lead
        planned = desired.get(cycle)
        planned_lead = (planned.metrics or {}).get("lead_time_seconds") if planned else None
        ratio = metrics.get("activity_ratio")
        rows.append(
            {
                "cycle": cycle,
                "label": "today" if cycle == snapshot.value_stream.cycle else f"cycle {cycle}",
                "map": now.map.name if now else "—",
                "lead_time": duration(lead, per_day) if lead is not None else "—",
                "activity_ratio": percent(ratio * 100) if ratio is not None else "—",
                "rolled_pca": percent(metrics.get("rolled_pca_percent")),
                "planned": duration(planned_lead, seconds_per_day(planned))
                if planned and planned_lead is not None
                else "—",
                "since_first": f"{(lead - first_lead) / first_lead * 100:+.0f} %"
                if lead is not None and first_lead and cycle != min(current, default=cycle)
                else "—",
            }
        )
    return rows if len(rows) > 1 else []


def cycles_view(snapshot: ValueStreamSnapshot, per_day: float) -> list[dict[str, Any]]:
    """This cycle's current state against the previous cycle's maps, as tables."""
    return [
        {
            "key": compared.key,
            "question": compared.question,
            "before": f"cycle {compared.before_cycle}: {compared.before_name}",
            "after": f"cycle {compared.after_cycle}: {compared.after_name}",
            "rows": change_rows(
                {k: v.model_dump() for k, v in compared.changes.items()},
                per_day,
                ("before", "after"),
            ),
        }
        for compared in snapshot.cycles_compared
    ]


def _as_image(svg: str, alt: str) -> Markup:
    """A map picture as an image of its SVG, for the PDF.

    WeasyPrint computes the page's styles for every element of an inline SVG (thousands
    for a large map) before drawing it; an image's elements are only drawn, which made
    laying out the maps of a 320-step stream several times cheaper.
    """
    data = base64.b64encode(svg.encode()).decode("ascii")
    return Markup('<img class="map-img" alt="{}" src="data:image/svg+xml;base64,{}">').format(
        alt, data
    )


def _map_view(
    snapshot: MapSnapshot | None, side_by_side: bool, printed: bool = False
) -> dict[str, Any] | None:
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
        "pictures": lambda: _pictures(snapshot, side_by_side, printed),
        "lead_time": duration(metrics.get("lead_time_seconds"), per_day) if metrics else "—",
        "process_time": duration(metrics.get("process_time_seconds"), per_day) if metrics else "—",
        "activity_ratio": percent(ratio * 100 if ratio is not None else None),
        "rolled_pca": percent(metrics.get("rolled_pca_percent")),
        "longest_queue": names.get(str(metrics.get("longest_queue_step_id") or "")),
        "constraint": names.get(str(metrics.get("constraint_step_id") or "")),
        "constraint_note": _constraint_note(metrics),
        "takt": per_unit(metrics.get("takt_time_seconds"), per_day)
        if metrics.get("takt_time_seconds") is not None
        else None,
        "with_rework": duration(metrics.get("lead_time_with_rework_seconds"), per_day)
        if metrics.get("expected_rework_seconds")
        else None,
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


def _constraint_note(metrics: dict[str, Any]) -> str | None:
    """What makes the constraint one: its capacity against the customer's demand."""
    constraint = metrics.get("constraint_step_id")
    row = next(
        (r for r in metrics.get("step_capacity") or () if r.get("step_id") == constraint), None
    )
    if row is None:
        return None
    made = f"makes {number(row['units_per_day'])} a day"
    demand = metrics.get("daily_demand")
    if demand is None:
        return f"{made}, the least of any step"
    verdict = "short of" if row["units_per_day"] < demand else "the least above"
    return f"{made}, {verdict} a demand of {number(demand)}"


def _pictures(snapshot: MapSnapshot, side_by_side: bool, printed: bool) -> list[Markup]:
    parts = (
        map_svg_parts(snapshot, columns=4)
        if side_by_side
        else map_svg_parts(snapshot, columns=6, bands_per_part=BANDS_PER_PART)
    )
    if not printed:
        return [Markup(svg) for svg in parts]
    return [
        _as_image(svg, f"{snapshot.map.name}, part {n} of {len(parts)}")
        for n, svg in enumerate(parts, 1)
    ]


def _waste(snapshot: ValueStreamSnapshot) -> list[dict[str, Any]]:
    """This cycle's findings not dismissed, costliest to the flow first
    (`core.metrics.waste_cost`): a long wait outranks a short manual step however many
    people-hours the step takes."""
    cycle = snapshot.value_stream.cycle
    rows: list[tuple[FlowCost | None, dict[str, Any]]] = []
    for view in snapshot.maps:
        if view.map.cycle != cycle:
            continue
        steps = {s.id: s.name for s in view.steps}
        shown = [f for f in view.findings if f.status != "dismissed"]
        costs = _flow_costs(view, shown)
        per_day = seconds_per_day(view)
        for finding in shown:
            cost = costs.get(str(finding.id))
            rows.append(
                (
                    cost,
                    {
                        "category": WasteCategory(finding.category).label,
                        "map": view.map.name,
                        "step": steps.get(finding.step_id) if finding.step_id else None,
                        "description": finding.description,
                        "cost_text": "—"
                        if finding.estimated_cost_hours_per_week is None
                        else f"{number(finding.estimated_cost_hours_per_week)} h/week",
                        "wait_text": _share_text(
                            cost.wait_seconds if cost else 0.0,
                            cost.share_of_lead_time if cost else None,
                            per_day,
                        ),
                        "rework_text": _share_text(
                            cost.rework_seconds if cost else 0.0,
                            cost.share_of_rework if cost else None,
                            per_day,
                        ),
                        "status": words(finding.status),
                        "hours": finding.estimated_cost_hours_per_week or 0.0,
                    },
                )
            )
    rows.sort(
        key=lambda pair: (
            -(pair[0].flow_cost_seconds if pair[0] else 0.0),
            -pair[1]["hours"],
            pair[1]["description"],
        )
    )
    return [row for _, row in rows]


def _flow_costs(view: MapSnapshot, findings: list[Any]) -> dict[str, FlowCost]:
    if view.metrics is None:
        return {}
    metrics = MapMetrics.model_validate(view.metrics)
    per_day = seconds_per_day(view)
    waits = counted_waits(((str(s.id), s.wait_seconds) for s in view.steps), metrics, per_day)
    handoffs = {str(h.id): Handed(str(h.to_step_id), h.rework) for h in view.handoffs}
    located = [
        Located(
            str(f.id),
            str(f.step_id) if f.step_id else None,
            str(f.handoff_id) if f.handoff_id else None,
            f.estimated_cost_hours_per_week,
        )
        for f in findings
    ]
    return {cost.finding_id: cost for cost in flow_costs(located, metrics, waits, handoffs)}


def _share_text(seconds: float, share: float | None, per_day: float) -> str:
    if not seconds:
        return "—"
    if share is None:
        return duration(seconds, per_day)
    return f"{duration(seconds, per_day)} ({number(share * 100, 0)} %)"


def _backlog(
    snapshot: ValueStreamSnapshot, shown: int | None
) -> tuple[list[dict[str, Any]], dict[str, int]]:
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
                "items": items[:shown],
                "more": len(items[shown:]) if shown is not None else 0,
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
                "items": items[:shown],
                "more": len(items[shown:]) if shown is not None else 0,
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
        custom = words(t.custom_key) if metric == "custom" and t.custom_key else None
        label = custom[:1].upper() + custom[1:] if custom else METRIC_LABELS.get(metric)
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


def stream_context(
    snapshot: ValueStreamSnapshot, *, charts: str = "svg", printed: bool = False
) -> dict[str, Any]:
    """Everything a value stream readout shows, formatted for people.

    The two maps stand side by side when both are short enough to read at half width;
    longer ones stand one above the other, cut into parts that can break across pages.
    A `printed` readout lists at most `PRINTED_ITEMS_PER_MILESTONE` items a milestone
    and embeds the map pictures as images (see `_as_image`).
    """
    stream = snapshot.value_stream
    names = snapshot.phase_names
    current, desired = snapshot.current_maps()
    side_by_side = all(m is None or len(m.steps) <= SIDE_BY_SIDE_STEPS for m in (current, desired))
    current_view = _map_view(current, side_by_side, printed)
    desired_view = _map_view(desired, side_by_side, printed)
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
    backlog_groups, backlog_counts = _backlog(
        snapshot, PRINTED_ITEMS_PER_MILESTONE if printed else None
    )
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
        "waste_rule": RANKING_RULE,
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
        "dora": dora_context(snapshot.dora),
        "history": _history(snapshot),
        "summary": summary_context(snapshot, targets, lambda s: duration(s, per_day)),
        "registers": register_context(snapshot),
        **effects_context(snapshot),
        "delivery": delivery_view(snapshot.delivery),
        "cycles_compared": cycles_view(snapshot, per_day),
        "story": story_view(snapshot),
    }


def _row_rag(row: Any) -> dict[str, Any]:
    rated = portfolio_rag(
        overdue=row.overdue,
        blocking=row.blocking_criteria,
        target_counts=dict(row.targets),
    )
    return {
        "rag": rated.rag.value,
        "rag_label": RAG_LABELS[rated.rag.value],
        "rag_reasons": "; ".join(rated.reasons),
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
                **_row_rag(row),
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
        "rag_counts": [
            (RAG_LABELS[c], c, n)
            for c in ("red", "amber", "green")
            if (n := sum(1 for r in rows if r["rag"] == c))
        ],
        "rag_rule": RAG_RULE,
    }


def readout_context(
    subject: str, data: Any, charts: str = "svg", *, printed: bool = False
) -> dict[str, Any]:
    if subject == "portfolio":
        return portfolio_context(data)
    if subject == "value_stream":
        return stream_context(data, charts=charts, printed=printed)
    raise LookupError(f"a readout is of a value stream or the portfolio, not {subject!r}")
