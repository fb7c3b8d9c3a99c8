"""The hook implementation of the ``readout`` plugin: its three formats.

It is what a third-party exporter writes too (see ``docs/plugins.md``): a function
marked with the ``vsm`` hook marker that offers each format with its render function.
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
            "The HTML readout as a PDF, landscape A4; it lists the ten highest ranked "
            "backlog items of each milestone (the XLSX workbook has them all).",
        ),
    ]
