"""Where each box of a map picture goes, worked out before anything is drawn: the
picture's size opens the SVG document, and a box's place decides where the arrows into
it and the ladder under it run.

Process boxes follow the flow from left to right. Where the flow branches, a step's
column is its depth in the flow (the longest chain of handoffs before it) and parallel
steps stack in rows, the critical path's on top; long flows wrap into bands of a few
columns, so a map of hundreds of steps stays readable and renders at once. A picture
cut into parts holds a run of whole bands, so each part can stand on a printed page.
"""

import itertools
from dataclasses import dataclass
from typing import Any

from core.exports.snapshots import MapSnapshot
from core.maps.flowmap import FlowMap, FlowMapError, Handoff, Step

BOX_W = 156
BOX_H = 92
GAP = 68
COL_W = BOX_W + GAP
ROW_GAP = 22
LANE = 14
MARGIN = 18
RIGHT_MARGIN = 48
TITLE_H = 54
CONTINUED_H = 30
LADDER_H = 84
BAND_GAP = 20
TOTALS_W = 200
MIN_WIDTH = 760


@dataclass
class Place:
    """A step's box: its number in flow order, its column and slot, its band and corner."""

    step: Any
    number: int
    column: int
    slot: int = 0
    band: int = 0
    x: float = 0.0
    y: float = 0.0

    @property
    def right(self) -> float:
        return self.x + BOX_W

    @property
    def middle(self) -> float:
        return self.y + BOX_H / 2


@dataclass
class Part:
    """One SVG of a map cut into pieces: a run of whole bands."""

    number: int
    bands: range
    ids: str
    height: float = 0.0


@dataclass(frozen=True)
class Layout:
    """Everything the drawing needs to know about where things go.

    ``order`` is the step ids in flow order and ``edges`` the handoffs between them;
    ``path`` is the critical path the ladder follows, and ``totals_at`` the band and
    corner of the totals box at the ladder's end (None without a critical path).
    """

    order: list[str]
    edges: list[tuple[str, str]]
    places: dict[str, Place]
    parts: list[Part]
    part_of: dict[int, Part]
    ladder_top: dict[int, float]
    path: list[str]
    on_path: frozenset[str]
    bottleneck: str
    constraint: str
    loops: list[tuple[str, str]]
    width: float
    totals_at: tuple[int, float, float] | None


def _flow(snapshot: MapSnapshot) -> tuple[list[str], list[tuple[str, str]]]:
    """Step ids in flow order and the edges between them; position order if it cycles."""
    ordered = sorted(snapshot.steps, key=lambda s: (s.position, str(s.id)))
    ids = {str(s.id) for s in ordered}
    handoffs = [
        Handoff(
            id=str(h.id),
            from_step=str(h.from_step_id),
            to_step=str(h.to_step_id),
            cross_team=h.cross_team,
            rework=h.rework,
        )
        for h in snapshot.handoffs
        if str(h.from_step_id) in ids and str(h.to_step_id) in ids
    ]
    flow = FlowMap(
        id=str(snapshot.map.id),
        name=snapshot.map.name,
        kind="current",
        steps=tuple(Step(id=str(s.id), name=s.name, position=s.position) for s in ordered),
        handoffs=tuple(handoffs),
    )
    try:
        return list(flow.topological_order()), list(flow.edges())
    except FlowMapError:
        chain = [str(s.id) for s in ordered]
        return chain, list(itertools.pairwise(chain))


def lay_out(
    snapshot: MapSnapshot, *, columns: int, bands_per_part: int | None, prefix: str
) -> Layout:
    """The map in bands of ``columns`` columns, cut into parts of ``bands_per_part`` bands.

    Element ids of a part start with ``prefix`` (and the part's number when there are
    several), so pictures that share a page never share an id.
    """
    steps = {str(s.id): s for s in snapshot.steps}
    order, edges = _flow(snapshot)
    metrics = snapshot.metrics or {}
    path = [str(i) for i in metrics.get("critical_path") or () if str(i) in steps]
    on_path = set(path)
    bottleneck = str(metrics.get("bottleneck_step_id") or "")
    constraint = str(metrics.get("constraint_step_id") or "")
    loops = [
        (str(h.from_step_id), str(h.to_step_id))
        for h in snapshot.handoffs
        if h.rework and str(h.from_step_id) in steps and str(h.to_step_id) in steps
    ]

    predecessors: dict[str, list[str]] = {i: [] for i in order}
    for a, b in edges:
        predecessors[b].append(a)
    depth: dict[str, int] = {}
    for step_id in order:
        depth[step_id] = max((depth[p] + 1 for p in predecessors[step_id]), default=0)

    places: dict[str, Place] = {}
    by_column: dict[int, list[Place]] = {}
    for index, step_id in enumerate(order):
        place = Place(steps[step_id], index + 1, depth[step_id])
        places[step_id] = place
        by_column.setdefault(place.column, []).append(place)
    for stack in by_column.values():
        stack.sort(key=lambda p: (str(p.step.id) not in on_path, p.number))
        for slot, place in enumerate(stack):
            place.slot = slot

    last_column = max(by_column, default=-1)
    bands = last_column // columns + 1 if last_column >= 0 else 0
    per_part = max(1, bands_per_part or bands or 1)
    starts = range(0, max(bands, 1), per_part)
    parts = [
        Part(
            n,
            range(first, min(first + per_part, bands)),
            f"{prefix}{n}-" if len(starts) > 1 else prefix,
        )
        for n, first in enumerate(starts)
    ]
    part_of = {band: part for part in parts for band in part.bands}
    band_top: dict[int, float] = {}
    ladder_top: dict[int, float] = {}
    for part in parts:
        y = float(TITLE_H if part.number == 0 else CONTINUED_H)
        for band in part.bands:
            tallest = max(
                (len(by_column.get(c, ())) for c in range(band * columns, (band + 1) * columns)),
                default=1,
            )
            band_top[band] = y
            boxes_bottom = y + LANE + tallest * (BOX_H + ROW_GAP) - ROW_GAP
            ladder_top[band] = boxes_bottom + 24
            y = boxes_bottom + LADDER_H + BAND_GAP
        part.height = y - BAND_GAP + MARGIN if part.bands else TITLE_H + 60
    for place in places.values():
        place.band = place.column // columns
        place.x = MARGIN + (place.column % columns) * COL_W + GAP
        place.y = band_top[place.band] + LANE + place.slot * (BOX_H + ROW_GAP)

    width: float = MARGIN + min(columns, last_column + 1 if last_column >= 0 else 1) * COL_W
    width = max(width + RIGHT_MARGIN, MIN_WIDTH)
    totals_at = _totals_corner(path, places, ladder_top)
    if totals_at is not None:
        width = max(width, totals_at[1] + TOTALS_W + MARGIN)
    return Layout(
        order=order,
        edges=edges,
        places=places,
        parts=parts,
        part_of=part_of,
        ladder_top=ladder_top,
        path=path,
        on_path=frozenset(on_path),
        bottleneck=bottleneck,
        constraint=constraint,
        loops=loops,
        width=width,
        totals_at=totals_at,
    )


def _totals_corner(
    path: list[str], places: dict[str, Place], ladder_top: dict[int, float]
) -> tuple[int, float, float] | None:
    """The totals box stands just past the ladder's last rung, in the path's last band."""
    if not path:
        return None
    band = max(places[step_id].band for step_id in path)
    last = [places[step_id] for step_id in path if places[step_id].band == band][-1]
    up = ladder_top[band]
    return band, last.right + 14, up - 14
