"""The map picture's public functions: what the readout and the SVG export draw maps with.

They are pure functions of a ``MapSnapshot``, so the readout embeds the very same
picture the SVG export answers; ``layout`` works out where things go and ``drawing``
draws them.
"""

from collections.abc import Iterator

from core.exports.snapshots import MapSnapshot
from plugins.map_picture.drawing import draw
from plugins.map_picture.layout import lay_out


def map_svg(snapshot: MapSnapshot, *, columns: int = 6, id_prefix: str | None = None) -> str:
    """The map as one standalone SVG document (also fit to inline in HTML).

    ``columns`` is how many steps a band holds before the flow wraps; ``id_prefix``
    keeps element ids unique when several pictures share one page.
    """
    return map_svg_parts(snapshot, columns=columns, id_prefix=id_prefix)[0]


def map_svg_parts(
    snapshot: MapSnapshot,
    *,
    columns: int = 6,
    bands_per_part: int | None = None,
    id_prefix: str | None = None,
) -> list[str]:
    """The map as SVG pictures of at most ``bands_per_part`` bands each (all in one if None).

    A long map cut into parts can break across printed pages; the numbered connectors
    carry the flow from one part to the next.
    """
    prefix = id_prefix if id_prefix is not None else f"vsm{snapshot.map.id.hex[:10]}-"
    layout = lay_out(
        snapshot, columns=max(1, columns), bands_per_part=bands_per_part, prefix=prefix
    )
    return draw(snapshot, layout)


def render_svg(subject: str, data: MapSnapshot) -> Iterator[str]:
    """The SVG file of a map: an XML declaration before the picture, as image files have."""
    yield '<?xml version="1.0" encoding="UTF-8"?>\n'
    yield map_svg(data)
    yield "\n"
