"""The hook implementation of the ``map_picture`` plugin: the SVG format of a map.

It is what a third-party exporter writes too (see ``docs/plugins.md``): a function
marked with the ``vsm`` hook marker that offers the format with its render function.
"""

from typing import Any

from core.exports.exporters import Exporter
from core.hookspecs import hookimpl
from plugins.map_picture.pictures import render_svg


@hookimpl
def register_exporters() -> list[Any]:
    return [
        Exporter(
            name="svg",
            media_type="image/svg+xml",
            extension="svg",
            subjects=frozenset({"map"}),
            render=render_svg,
            description="A map as a picture in the classic VSM style: process boxes, "
            "handoffs and the lead-time ladder.",
        )
    ]
