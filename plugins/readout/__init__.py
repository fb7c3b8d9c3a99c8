"""Readouts for leaders: a value stream's or the portfolio's status in HTML, Markdown and PDF.

A value stream readout tells where the engagement stands (phase, cycle, gate), shows the
current and the chosen desired-state map as pictures (side by side when they fit at half
width), compares their metrics, lists the costliest waste, the backlog by milestone with
owners and progress, every target with a chart of its measurements, and the recent history.

The HTML is one self-contained file (inline CSS and SVG, no external address), so it
can be mailed or archived; the PDF is that same HTML laid out by WeasyPrint; the
Markdown carries the same facts as tables, for wikis and chat. Templates live in
``plugins/templates`` and escape everything by default: names come from users.

This package is the plugin: ``wording`` (labels and how values are written),
``charts`` (target charts and sparklines), ``context`` (what a template shows, built
from a snapshot), ``templating`` (the Jinja environment), one module per format
(``html``, ``markdown``, ``pdf``) and here, the registration of the three formats.
The maps are drawn by the map picture's public ``map_svg_parts``.
"""

from collections.abc import Callable
from typing import Any

from core.exports.exporters import Exporter
from core.hookspecs import hookimpl
from plugins.readout.html import render_html
from plugins.readout.markdown import render_markdown
from plugins.readout.pdf import render_pdf


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
