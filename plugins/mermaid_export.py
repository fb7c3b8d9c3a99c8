"""Mermaid flowcharts of value stream maps, for wikis and docs that render Mermaid.

A map becomes a left-to-right flowchart: one node per step (name, role, process and
wait time), one edge per handoff, cross-team handoffs dotted and red, rework loops dotted
back with the share of work they send back. A map without forward handoffs is drawn as
the chain of its steps in position order. A value stream becomes
one subgraph per map of its current cycle.

Labels are text that people typed, so quotes, angle brackets, ampersands, hashes and
the like are written as Mermaid entity codes: a label can neither end its quotes nor
inject markup. Mermaid looks for `%%{init: ...}%%` directives anywhere in a diagram's
text, inside labels and comments too, so `%`, `{` and `}` are coded as well; line
breaks of every kind are flattened, so no text can start a statement of its own
(`click` callbacks, `style`, `classDef`); control characters are dropped.
"""

import unicodedata
from collections.abc import Iterator
from itertools import pairwise
from typing import Any

from core.exports.exporters import Exporter
from core.exports.snapshots import MapSnapshot, ValueStreamSnapshot
from core.hookspecs import hookimpl
from plugins.formatting import number

CROSS_TEAM_STYLE = "stroke:#d62728,stroke-width:2px"
CLASS_DEFS = {
    "value_add": "fill:#e6f4ea,stroke:#2e7d32",
    "necessary_non_value_add": "fill:#fff8e1,stroke:#f9a825",
    "unnecessary_non_value_add": "fill:#fdecea,stroke:#c62828",
}
BOTTLENECK_STYLE = "stroke-width:4px"
_ESCAPES = {
    "#": "#35;",
    '"': "#quot;",
    "&": "#amp;",
    "<": "#lt;",
    ">": "#gt;",
    "`": "#96;",
    "|": "#124;",
    "\\": "#92;",
    "%": "#37;",
    "{": "#123;",
    "}": "#125;",
}


def escape(text: str) -> str:
    """Text safe inside a quoted Mermaid label or a comment, on one line.

    No `"` to end the label, no `%%` or braces to open a directive, no line break to
    start a statement, no markup: what was typed is shown, never run.
    """
    flat = " ".join(str(text).split())
    return "".join(_ESCAPES.get(char, char) for char in flat if unicodedata.category(char) != "Cc")


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "?"
    for size, unit in ((86400.0, "d"), (3600.0, "h"), (60.0, "min")):
        if seconds >= size:
            return f"{seconds / size:.3g} {unit}"
    return f"{seconds:.3g} s"


def _step_label(step: Any) -> str:
    lines = [f"<b>{escape(step.name)}</b>"]
    if step.role:
        lines.append(escape(step.role))
    lines.append(f"PT {_duration(step.process_seconds)}, WT {_duration(step.wait_seconds)}")
    return "<br/>".join(lines)


class _Drawing:
    """Collects lines and counts edges, since `linkStyle` refers to edges by number."""

    def __init__(self) -> None:
        self.lines: list[str] = ["flowchart LR"]
        self.edges = 0
        self.cross_team: list[int] = []
        self.classes: dict[str, list[str]] = {}
        self.bottlenecks: list[str] = []

    def edge(self, line: str, *, cross_team: bool = False) -> None:
        if cross_team:
            self.cross_team.append(self.edges)
        self.edges += 1
        self.lines.append(line)

    def draw_map(self, snapshot: MapSnapshot, prefix: str, indent: str) -> None:
        steps = sorted(snapshot.steps, key=lambda s: (s.position, str(s.id)))
        node = {step.id: f"{prefix}s{n}" for n, step in enumerate(steps, start=1)}
        if not steps:
            self.lines.append(f'{indent}{prefix}empty["(no steps yet)"]')
            return
        for step in steps:
            self.lines.append(f'{indent}{node[step.id]}["{_step_label(step)}"]')
            if step.value_class:
                self.classes.setdefault(str(step.value_class), []).append(node[step.id])
        joined = [h for h in snapshot.handoffs if h.from_step_id in node and h.to_step_id in node]
        handoffs = [h for h in joined if not h.rework]
        for handoff in handoffs:
            arrow = "-.->" if handoff.cross_team else "-->"
            label = f'|"{escape(handoff.artifact)}"|' if handoff.artifact else ""
            source, target = node[handoff.from_step_id], node[handoff.to_step_id]
            self.edge(f"{indent}{source} {arrow}{label} {target}", cross_team=handoff.cross_team)
        for loop in (h for h in joined if h.rework):
            share = f" {number(loop.rework_percent)} %" if loop.rework_percent is not None else ""
            source, target = node[loop.from_step_id], node[loop.to_step_id]
            self.edge(f'{indent}{source} -.->|"rework{share}"| {target}')
        if not handoffs:
            for before, after in pairwise(steps):
                self.edge(f"{indent}{node[before.id]} --> {node[after.id]}")
        bottleneck = (snapshot.metrics or {}).get("bottleneck_step_id")
        for step in steps:
            if str(step.id) == str(bottleneck):
                self.bottlenecks.append(node[step.id])

    def finish(self) -> list[str]:
        lines = list(self.lines)
        for name, style in CLASS_DEFS.items():
            if name in self.classes:
                lines.append(f"    classDef {name} {style}")
                lines.append(f"    class {','.join(self.classes[name])} {name}")
        for node in self.bottlenecks:
            lines.append(f"    style {node} {BOTTLENECK_STYLE}")
        if self.cross_team:
            numbers = ",".join(str(n) for n in self.cross_team)
            lines.append(f"    linkStyle {numbers} {CROSS_TEAM_STYLE}")
        return lines


def _map_title(snapshot: MapSnapshot) -> str:
    kind = "Current state" if snapshot.map.kind == "current" else "Desired state"
    chosen = ", chosen" if snapshot.map.kind != "current" and snapshot.map.chosen else ""
    return f"{kind}{chosen}: {snapshot.map.name}"


def render(subject: str, data: Any) -> Iterator[str]:
    drawing = _Drawing()
    if isinstance(data, MapSnapshot):
        drawing.lines.append(f"    %% {escape(_map_title(data))}")
        drawing.draw_map(data, "", "    ")
    else:
        stream: ValueStreamSnapshot = data
        cycle = stream.value_stream.cycle
        maps = [m for m in stream.maps if m.map.cycle == cycle]
        maps.sort(key=lambda m: (m.map.kind != "current", not m.map.chosen, m.map.created_at))
        drawing.lines.append(f"    %% {escape(stream.value_stream.name)}, cycle {cycle}")
        if not maps:
            drawing.lines.append(f'    none["No maps in cycle {cycle} yet"]')
        for n, snapshot in enumerate(maps, start=1):
            drawing.lines.append(f'    subgraph m{n}["{escape(_map_title(snapshot))}"]')
            drawing.lines.append("        direction LR")
            drawing.draw_map(snapshot, f"m{n}", "        ")
            drawing.lines.append("    end")
    for line in drawing.finish():
        yield line + "\n"


@hookimpl
def register_exporters() -> list[Any]:
    return [
        Exporter(
            name="mermaid",
            media_type="text/vnd.mermaid",
            extension="mmd",
            subjects=frozenset({"map", "value_stream"}),
            render=render,
            description=(
                "A Mermaid flowchart of a map, or of every map of a value stream's current "
                "cycle: steps with role and times, handoffs, cross-team handoffs dotted."
            ),
        )
    ]
