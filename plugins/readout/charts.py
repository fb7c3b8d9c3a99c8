"""Target charts (matplotlib, one reused figure per readout) and sparklines."""

import base64
import io
import math
import re
import threading
from collections.abc import Iterable
from datetime import UTC, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from markupsafe import Markup

from core.exports.snapshots import TargetEntry
from plugins.formatting import number

if TYPE_CHECKING:
    from matplotlib.typing import RcKeyType

SPARK = "▁▂▃▄▅▆▇█"
PNG_DPI = 120
PNG_META = {"Software": None}


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
        """The measurements against baseline and target, on an axis scaled to the data
        (`x_range`)."""
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
            first, last, due_shown = x_range(start, due, [_aware(at) for at, _ in points])
            if due_shown:
                axes.axvline(
                    due,
                    color="#c62828",
                    linestyle=":",
                    linewidth=1.4,
                    label=f"due {target.due_date.isoformat()}",
                )
            else:
                axes.text(
                    0.99,
                    0.02,
                    f"due {target.due_date.isoformat()} →",
                    transform=axes.transAxes,
                    ha="right",
                    va="bottom",
                    color="#c62828",
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


_CHART_STYLE: "dict[RcKeyType, object]" = {
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


MIN_SPAN = timedelta(days=14)
DUE_WITHIN = 0.5
"""The due date is drawn on the axis when it lies within half the measured span past the
last measurement; farther, it is named at the right edge instead."""


def x_range(
    start: datetime, due: datetime, measured: list[datetime]
) -> tuple[datetime, datetime, bool]:
    """The time axis of a target chart: what was measured, not the whole target period, so
    a few weeks of data fill the chart instead of a dot at the left of a year; and whether
    the due date is on it. Without measurements it runs from start to due."""
    if not measured:
        return min(start, due), max(start, due), True
    first, last = min(measured), max(measured)
    if last - first < MIN_SPAN:
        last = first + MIN_SPAN
    reach = last + (last - first) * DUE_WITHIN
    if first <= due <= reach:
        return first, max(last, due), True
    return first, last, False
