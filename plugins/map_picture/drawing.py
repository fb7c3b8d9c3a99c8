"""A laid-out map drawn as SVG, the way the practice draws it on a wall.

Each process box holds the step's name, role, process time (PT), wait time (WT) and
percent complete and accurate (%C&A). Arrows are the handoffs; a cross-team handoff is
drawn red and dashed, and a handoff into a later band is a numbered connector at both
ends. A rework loop is an orange dashed arc back over the boxes, with the share of work
it sends back. The longest queue has a red outline; the constraint (the step that falls
shortest of demand) a purple one and a "constraint" tag. Under the boxes runs the
lead-time ladder of the critical path: wait times on the upper rungs (a wait worked out
from inventory reads as such), process times on the lower ones, and the totals (lead
time, process time, activity ratio) at its end; the title line adds the lead time with
expected rework and the takt time where the map has them. Every piece of text comes from
users and is escaped.
"""

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from core.exports.snapshots import MapSnapshot
from plugins.formatting import (
    VALUE_CLASS_LABELS,
    duration,
    number,
    per_unit,
    percent,
    seconds_per_day,
    text,
)
from plugins.map_picture.layout import (
    BOX_H,
    BOX_W,
    GAP,
    LANE,
    MARGIN,
    ROW_GAP,
    TITLE_H,
    TOTALS_W,
    Layout,
    Part,
    Place,
)

HEADER_H = 22

FONT = "DejaVu Sans, Liberation Sans, Arial, Helvetica, sans-serif"
INK = "#263238"
MUTED = "#607d8b"
ARROW = "#455a64"
CROSS_TEAM = "#c62828"
CONSTRAINT = "#6a1b9a"
REWORK = "#ef6c00"
LADDER = "#1565c0"
FILLS = {
    "value_add": "#e8f5e9",
    "necessary_non_value_add": "#fff8e1",
    "unnecessary_non_value_add": "#ffebee",
}


class _Canvas(list[str]):
    """SVG markup collected in drawing order."""

    def add(self, markup: str) -> None:
        self.append(markup)


@dataclass
class _Layers:
    """One part's SVG, collected per layer: handoffs under the boxes, the ladder last."""

    edges: _Canvas = field(default_factory=_Canvas)
    boxes: _Canvas = field(default_factory=_Canvas)
    ladder: _Canvas = field(default_factory=_Canvas)


def draw(snapshot: MapSnapshot, layout: Layout) -> list[str]:
    """One standalone SVG document per part of the layout."""
    per_day = seconds_per_day(snapshot)
    metrics = snapshot.metrics or {}
    places = layout.places
    layers = {part.number: _Layers() for part in layout.parts}
    layer_of = {band: layers[part.number] for band, part in layout.part_of.items()}
    waits = _waits(snapshot, metrics, per_day)
    _ladder(layer_of, layout.path, places, layout.ladder_top, per_day, waits)
    if layout.totals_at is not None:
        band, tx, ty = layout.totals_at
        _totals(layer_of[band].ladder, tx, ty, metrics, per_day)

    handoff_by_edge = {(str(h.from_step_id), str(h.to_step_id)): h for h in snapshot.handoffs}
    ends: Counter[tuple[str, str]] = Counter()
    for a, b in sorted(layout.edges, key=lambda e: places[e[0]].band != places[e[1]].band):
        lanes = (ends[(a, "out")] % 3, ends[(b, "in")] % 3)
        ends[(a, "out")] += 1
        ends[(b, "in")] += 1
        _arrow(layout, layer_of, places[a], places[b], handoff_by_edge.get((a, b)), lanes)
    for a, b in layout.loops:
        _rework_arc(layout, layer_of, places[a], places[b], handoff_by_edge.get((a, b)))
    for step_id in layout.order:
        place = places[step_id]
        _box(
            layer_of[place.band].boxes,
            place,
            _Marks(
                critical=step_id in layout.on_path,
                longest_queue=step_id == layout.bottleneck,
                constraint=step_id == layout.constraint,
            ),
            per_day,
            waits.get(step_id),
        )

    pictures = []
    parts = layout.parts
    for part in parts:
        top = _Canvas()
        if part.number == 0:
            _title(top, snapshot, metrics, per_day, layout.width)
        else:
            top.add(
                f'<text x="{MARGIN}" y="20" font-size="12" fill="{MUTED}">'
                f"{text(snapshot.map.name, 90)} (continued, part {part.number + 1} "
                f"of {len(parts)})</text>"
            )
        if not layout.order:
            top.add(
                f'<text x="{MARGIN}" y="{TITLE_H + 30}" fill="{MUTED}" font-size="13">'
                "No steps on this map yet.</text>"
            )
        layer = layers[part.number]
        pictures.append(
            "".join(
                [
                    _head(snapshot, layout.width, part.height, part, len(parts)),
                    *top,
                    *layer.edges,
                    *layer.boxes,
                    *layer.ladder,
                    "</svg>",
                ]
            )
        )
    return pictures


def _head(snapshot: MapSnapshot, width: float, height: float, part: Part, parts: int) -> str:
    ids = part.ids
    title = f"{snapshot.map.name} ({snapshot.map.kind} state)"
    if parts > 1:
        title += f", part {part.number + 1} of {parts}"
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="vsm-map" role="img" '
        f'width="{width:.0f}" height="{height:.0f}" viewBox="0 0 {width:.0f} {height:.0f}" '
        f'font-family="{FONT}" data-map-id="{snapshot.map.id}" data-part="{part.number + 1}">'
        f"<title>{text(title)}</title>"
        "<defs>"
        f'<marker id="{ids}arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
        f'markerHeight="7" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="{ARROW}"/></marker>'
        f'<marker id="{ids}arrow-x" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
        f'markerHeight="7" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="{CROSS_TEAM}"/>'
        "</marker>"
        f'<marker id="{ids}arrow-r" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
        f'markerHeight="7" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="{REWORK}"/>'
        "</marker></defs>"
        f'<rect x="0" y="0" width="{width:.0f}" height="{height:.0f}" fill="#ffffff"/>'
    )


def _waits(
    snapshot: MapSnapshot, metrics: dict[str, Any], per_day: float
) -> dict[str, tuple[float, bool]]:
    """Each step's wait as the metrics counted it, and whether inventory gave it."""
    from_inventory = set(metrics.get("steps_wait_from_inventory") or ())
    days = metrics.get("inventory_days") or {}
    waits: dict[str, tuple[float, bool]] = {}
    for step in snapshot.steps:
        step_id = str(step.id)
        if step.wait_seconds is not None:
            waits[step_id] = (step.wait_seconds, False)
        elif step_id in from_inventory and step_id in days:
            waits[step_id] = (days[step_id] * per_day, True)
    return waits


@dataclass(frozen=True)
class _Marks:
    """What sets a box apart: on the critical path, the longest queue, the constraint."""

    critical: bool = False
    longest_queue: bool = False
    constraint: bool = False


def _title(
    canvas: _Canvas, snapshot: MapSnapshot, metrics: dict[str, Any], per_day: float, width: float
) -> None:
    kind = "Current state" if snapshot.map.kind == "current" else "Desired state"
    chosen = " (chosen)" if snapshot.map.kind == "desired" and snapshot.map.chosen else ""
    canvas.add(
        f'<text x="{MARGIN}" y="24" font-size="16" font-weight="bold" fill="{INK}">'
        f"{text(snapshot.map.name, 90)}</text>"
    )
    facts = [f"{kind}{chosen}", f"cycle {snapshot.map.cycle}", f"{len(snapshot.steps)} steps"]
    if snapshot.map.waits_in == "working":
        facts.append(f"days are {number(snapshot.map.hours_per_working_day)}-hour working days")
    if metrics:
        facts.append(f"lead time {duration(metrics.get('lead_time_seconds'), per_day)}")
        if metrics.get("expected_rework_seconds"):
            with_rework = metrics.get("lead_time_with_rework_seconds")
            facts.append(f"with expected rework {duration(with_rework, per_day)}")
        if metrics.get("takt_time_seconds") is not None:
            facts.append(f"takt time {per_unit(metrics['takt_time_seconds'], per_day)}")
    elif snapshot.steps:
        facts.append("metrics unavailable: the handoffs form a cycle")
    canvas.add(
        f'<text x="{MARGIN}" y="42" font-size="11" fill="{MUTED}">{text(" · ".join(facts))}</text>'
    )
    legend_x = max(width - 330, MARGIN + 420)
    canvas.add(
        f'<g font-size="10" fill="{MUTED}">'
        f'<line x1="{legend_x}" y1="20" x2="{legend_x + 26}" y2="20" stroke="{ARROW}" '
        'stroke-width="1.5"/>'
        f'<text x="{legend_x + 30}" y="23">handoff</text>'
        f'<line x1="{legend_x + 80}" y1="20" x2="{legend_x + 106}" y2="20" stroke="{CROSS_TEAM}" '
        'stroke-width="1.5" stroke-dasharray="5 3"/>'
        f'<text x="{legend_x + 110}" y="23">cross-team handoff</text>'
        f'<rect x="{legend_x + 222}" y="14" width="14" height="11" fill="#ffffff" '
        f'stroke="{CROSS_TEAM}" stroke-width="2.5"/>'
        f'<text x="{legend_x + 240}" y="23">longest queue</text>'
        f'<line x1="{legend_x}" y1="36" x2="{legend_x + 26}" y2="36" stroke="{REWORK}" '
        'stroke-width="1.5" stroke-dasharray="3 3"/>'
        f'<text x="{legend_x + 30}" y="39">rework loop</text>'
        f'<rect x="{legend_x + 222}" y="30" width="14" height="11" fill="#ffffff" '
        f'stroke="{CONSTRAINT}" stroke-width="2.5"/>'
        f'<text x="{legend_x + 240}" y="39">constraint</text>'
        "</g>"
    )


def _arrow(
    layout: Layout,
    layer_of: dict[int, _Layers],
    a: Place,
    b: Place,
    handoff: Any,
    lanes: tuple[int, int],
) -> None:
    """A handoff; ``lanes`` shift connectors so several at one box do not overlap."""
    cross = bool(handoff is not None and handoff.cross_team)
    colour = CROSS_TEAM if cross else ARROW
    dash = ' stroke-dasharray="6 4"' if cross else ""
    what = f"{a.step.name} → {b.step.name}"
    if handoff is not None and handoff.artifact:
        what += f" ({handoff.artifact})"
    if cross:
        what += " · cross-team"
    kind = "vsm-handoff cross-team" if cross else "vsm-handoff"
    title = f"<title>{text(what)}</title>"

    def style(place: Place) -> str:
        ids = layout.part_of[place.band].ids
        marker = f"url(#{ids}arrow-x)" if cross else f"url(#{ids}arrow)"
        return f'fill="none" stroke="{colour}" stroke-width="1.6"{dash} marker-end="{marker}"'

    if a.band == b.band:
        if b.column == a.column + 1:
            elbow = b.x - 16
            d = f"M{a.right:.0f},{a.middle:.0f} H{elbow:.0f} V{b.middle:.0f} H{b.x - 1:.0f}"
        else:
            lane = a.y - a.slot * (BOX_H + ROW_GAP) - LANE / 2 - 2
            d = (
                f"M{a.right:.0f},{a.middle:.0f} H{a.right + 12:.0f} V{lane:.0f} "
                f"H{b.x - 16:.0f} V{b.middle:.0f} H{b.x - 1:.0f}"
            )
        layer_of[a.band].edges.add(f'<path class="{kind}" d="{d}" {style(a)}>{title}</path>')
        return
    # Into a later band: a numbered connector leaves the source and enters the target.
    out_y = a.middle + 15 * lanes[0]
    in_y = b.middle + 15 * lanes[1]
    layer_of[a.band].edges.add(
        f'<g class="{kind} connector">{title}'
        f'<path d="M{a.right:.0f},{out_y:.0f} H{a.right + 18:.0f}" {style(a)}/>'
        f'<text x="{a.right + 21:.0f}" y="{out_y + 4:.0f}" font-size="10" fill="{colour}">'
        f"#{b.number}</text></g>"
    )
    layer_of[b.band].edges.add(
        f'<g class="{kind} connector">{title}'
        f'<path d="M{b.x - 24:.0f},{in_y:.0f} H{b.x - 1:.0f}" {style(b)}/>'
        f'<text x="{b.x - 27:.0f}" y="{in_y + 4:.0f}" font-size="10" fill="{colour}" '
        f'text-anchor="end">#{a.number}</text></g>'
    )


def _wait_detail(step: Any, wait: tuple[float, bool] | None, per_day: float) -> str:
    if wait is not None and wait[1]:
        return f"WT: {duration(wait[0], per_day)} (inventory of {number(step.queue_size, 0)})"
    if step.wait_time:
        return f"WT: {_with_iso(duration(step.wait_seconds, per_day), step.wait_time)}"
    return "WT: not measured"


def _rework_arc(
    layout: Layout, layer_of: dict[int, _Layers], a: Place, b: Place, handoff: Any
) -> None:
    """A rework loop from a later box back to an earlier one, over the boxes of its band;
    between bands, a tag on the later box names the box the work goes back to."""
    share = handoff.rework_percent if handoff is not None else None
    label = "rework" + (f" {percent(share)}" if share is not None else "")
    title = f"<title>{text(f'{a.step.name} → {b.step.name}: {label}')}</title>"
    if a.band != b.band:
        layer_of[a.band].edges.add(
            f'<g class="vsm-rework connector">{title}'
            f'<text x="{a.x + BOX_W / 2:.0f}" y="{a.y - 4:.0f}" font-size="9.5" fill="{REWORK}" '
            f'text-anchor="middle">↺ {text(label)} to #{b.number}</text></g>'
        )
        return
    ids = layout.part_of[a.band].ids
    top = min(a.y, b.y) - 3
    start, end = a.x + BOX_W / 2, b.x + BOX_W / 2
    lift = top - 10
    d = (
        f"M{start:.0f},{a.y:.0f} C{start:.0f},{lift:.0f} {end:.0f},{lift:.0f} "
        f"{end:.0f},{b.y - 1:.0f}"
    )
    layer_of[a.band].edges.add(
        f'<g class="vsm-rework">{title}<path d="{d}" fill="none" stroke="{REWORK}" '
        f'stroke-width="1.6" stroke-dasharray="3 3" marker-end="url(#{ids}arrow-r)"/>'
        f'<text x="{(start + end) / 2:.0f}" y="{lift + 1:.0f}" font-size="9.5" fill="{REWORK}" '
        f'text-anchor="middle">{text(label)}</text></g>'
    )


def _box(
    canvas: _Canvas,
    place: Place,
    marks: _Marks,
    per_day: float,
    wait: tuple[float, bool] | None,
) -> None:
    step = place.step
    value_class = step.value_class.value if step.value_class else None
    fill = FILLS.get(value_class or "", "#ffffff")
    stroke = CONSTRAINT if marks.constraint else CROSS_TEAM if marks.longest_queue else INK
    emphasized = marks.constraint or marks.longest_queue
    stroke_width = 3 if emphasized else (1.8 if marks.critical else 1)
    x, y = place.x, place.y
    pt = duration(step.process_seconds, per_day)
    wt = duration(wait[0] if wait else None, per_day)
    pca = percent(step.percent_complete_accurate)
    details = [
        f"#{place.number} {step.name}",
        f"role: {step.role or '—'}",
        f"team: {step.team}" if step.team else "",
        f"PT: {_with_iso(pt, step.process_time)}" if step.process_time else "PT: not measured",
        _wait_detail(step, wait, per_day),
        f"%C&A: {pca}",
        f"C/T: {per_unit(step.cycle_seconds, per_day)}" if step.cycle_seconds else "",
        f"uptime: {percent(step.uptime_percent)}" if step.uptime_percent is not None else "",
        f"C/O: {duration(step.changeover_seconds, per_day)}" if step.changeover_seconds else "",
        f"batch: {number(step.batch_size, 0)}" if step.batch_size else "",
        VALUE_CLASS_LABELS.get(value_class or "", ""),
        "automated" if step.automated else "",
        "longest queue" if marks.longest_queue else "",
        "constraint: falls shortest of demand" if marks.constraint else "",
    ]
    tooltip = text(" · ".join(d for d in details if d))
    classes = (
        "vsm-step"
        + (" critical" if marks.critical else "")
        + (" bottleneck" if marks.longest_queue else "")
        + (" constraint" if marks.constraint else "")
    )
    parts = [
        f'<g class="{classes}" data-step-id="{step.id}"><title>{tooltip}</title>',
        f'<rect class="vsm-box" x="{x:.0f}" y="{y:.0f}" width="{BOX_W}" height="{BOX_H}" '
        f'fill="{fill}" stroke="{stroke}" stroke-width="{stroke_width}"/>',
        f'<rect x="{x:.0f}" y="{y:.0f}" width="{BOX_W}" height="{HEADER_H}" fill="{INK}"/>',
        f'<text x="{x + 5:.0f}" y="{y + 15:.0f}" font-size="11" font-weight="bold" '
        f'fill="#ffffff">{place.number}. {text(step.name, 20)}</text>',
        f'<g font-size="10.5" fill="{INK}">',
        f'<text x="{x + 6:.0f}" y="{y + HEADER_H + 15:.0f}">{text(step.role or "no role", 24)}'
        "</text>",
        f'<text x="{x + 6:.0f}" y="{y + HEADER_H + 31:.0f}">PT {text(pt)}</text>',
        f'<text x="{x + 6:.0f}" y="{y + HEADER_H + 47:.0f}">WT {text(wt)}</text>',
        f'<text x="{x + 6:.0f}" y="{y + HEADER_H + 63:.0f}">%C&amp;A {text(pca)}</text>',
        "</g>",
    ]
    if step.automated:
        parts.append(
            f'<text x="{x + BOX_W - 6:.0f}" y="{y + HEADER_H + 15:.0f}" font-size="9" '
            f'fill="{MUTED}" text-anchor="end">auto</text>'
        )
    if step.cycle_seconds:
        parts.append(
            f'<text x="{x + BOX_W - 6:.0f}" y="{y + HEADER_H + 31:.0f}" font-size="9.5" '
            f'fill="{MUTED}" text-anchor="end">C/T {text(per_unit(step.cycle_seconds, per_day))}'
            "</text>"
        )
    if marks.constraint:
        parts.append(
            f'<rect x="{x + BOX_W - 66:.0f}" y="{y + BOX_H - 17:.0f}" width="62" height="13" '
            f'rx="3" fill="{CONSTRAINT}"/>'
            f'<text x="{x + BOX_W - 35:.0f}" y="{y + BOX_H - 7:.0f}" font-size="9" '
            'fill="#ffffff" text-anchor="middle" font-weight="bold">constraint</text>'
        )
    if step.queue_size:
        tx, ty = x - GAP / 2 - 4, y + BOX_H / 2 - 7
        parts.append(
            f'<g class="vsm-queue"><path d="M{tx - 10:.0f},{ty:.0f} L{tx:.0f},{ty - 18:.0f} '
            f'L{tx + 10:.0f},{ty:.0f} z" fill="#fff59d" stroke="{INK}" stroke-width="1"/>'
            f'<text x="{tx:.0f}" y="{ty - 3:.0f}" font-size="8" text-anchor="middle" '
            f'fill="{INK}">I</text>'
            f'<text x="{tx:.0f}" y="{ty - 21:.0f}" font-size="8.5" text-anchor="middle" '
            f'fill="{MUTED}">{number(step.queue_size, 0)} queued</text></g>'
        )
    parts.append("</g>")
    canvas.add("".join(parts))


ISO_SHOWN = 24
"""Longest ISO 8601 duration a tooltip repeats next to the short one; a longer one
(seconds near the largest float have hundreds of digits of hours) would only clutter it."""


def _with_iso(short: str, iso: str | None) -> str:
    return f"{short} ({iso})" if iso and len(iso) <= ISO_SHOWN else short


def _ladder(
    layer_of: dict[int, _Layers],
    path: list[str],
    places: dict[str, Place],
    ladder_top: dict[int, float],
    per_day: float,
    waits: dict[str, tuple[float, bool]],
) -> None:
    """The lead-time ladder of the critical path, a run of rungs in each band it crosses."""
    by_band: dict[int, list[Place]] = {}
    for step_id in path:
        place = places[step_id]
        by_band.setdefault(place.band, []).append(place)
    for band, band_places in sorted(by_band.items()):
        up = ladder_top[band]
        down = up + 26
        segments: list[str] = []
        labels: list[str] = []
        cursor: float | None = None
        for place in band_places:
            gap_start = place.x - GAP
            if cursor is not None and cursor < gap_start:
                segments.append(f"M{cursor:.0f},{up:.0f} H{gap_start:.0f}")
            segments.append(
                f"M{gap_start:.0f},{up:.0f} H{place.x:.0f} V{down:.0f} H{place.right:.0f} V{up:.0f}"
            )
            cursor = place.right
            step = place.step
            wait = waits.get(str(step.id))
            wait_label = duration(wait[0] if wait else None, per_day)
            if wait and wait[1]:
                wait_label += " (inv.)"
            labels.append(
                f'<text class="vsm-wait" x="{place.x - GAP / 2:.0f}" y="{up - 5:.0f}" '
                f'text-anchor="middle">{text(wait_label)}</text>'
                f'<text class="vsm-process" x="{place.x + BOX_W / 2:.0f}" y="{down + 14:.0f}" '
                f'text-anchor="middle">{text(duration(step.process_seconds, per_day))}</text>'
            )
        layer_of[band].ladder.add(
            f'<g class="vsm-ladder"><path d="{" ".join(segments)}" fill="none" '
            f'stroke="{LADDER}" stroke-width="2"/>'
            f'<g font-size="10.5" fill="{LADDER}">{"".join(labels)}</g></g>'
        )


def _totals(canvas: _Canvas, x: float, y: float, metrics: dict[str, Any], per_day: float) -> None:
    ratio = metrics.get("activity_ratio")
    lines = [
        ("Lead time", duration(metrics.get("lead_time_seconds"), per_day)),
        ("Process time", duration(metrics.get("process_time_seconds"), per_day)),
        ("Activity ratio", percent(ratio * 100 if ratio is not None else None)),
        ("Rolled %C&A", percent(metrics.get("rolled_pca_percent"))),
    ]

    rows = "".join(
        f'<text x="{x + 8:.0f}" y="{y + 17 + 15 * i:.0f}">{text(label)}</text>'
        f'<text x="{x + TOTALS_W - 8:.0f}" y="{y + 17 + 15 * i:.0f}" text-anchor="end" '
        f'font-weight="bold">{text(value)}</text>'
        for i, (label, value) in enumerate(lines)
    )
    canvas.add(
        f'<g class="vsm-totals" font-size="11" fill="{INK}">'
        f'<rect x="{x:.0f}" y="{y:.0f}" width="{TOTALS_W}" height="{17 + 15 * len(lines) - 5}" '
        f'fill="#e3f2fd" stroke="{LADDER}" stroke-width="1.2"/>{rows}</g>'
    )
