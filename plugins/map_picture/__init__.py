"""A value stream map as an SVG picture, drawn the way the practice draws it on a wall.

The package is the plugin registered under the name ``map_picture``, so it carries the
hook implementation of ``hooks`` (the SVG export of a map). It also answers, for the
readout and any other caller, the public ``map_svg`` and ``map_svg_parts`` of
``pictures``, which lay a map out (``layout``) and draw it (``drawing``).
"""

from plugins.map_picture.hooks import register_exporters
from plugins.map_picture.pictures import map_svg, map_svg_parts

__all__ = ["map_svg", "map_svg_parts", "register_exporters"]
