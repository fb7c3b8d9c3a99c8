"""The readout as one self-contained HTML page (inline CSS, SVG maps and charts)."""

from collections.abc import Iterator
from typing import Any

from plugins.readout.context import readout_context
from plugins.readout.templating import buffered, template


def render_html(subject: str, data: Any) -> Iterator[str]:
    """The HTML readout, streamed while it is written (charts are drawn as reached)."""
    context = readout_context(subject, data)
    yield from buffered(template(subject, "html").generate(**context))


def html_readout(subject: str, data: Any, *, charts: str = "svg", printed: bool = False) -> str:
    """The whole HTML readout as one string (`printed`: shortened for paper, see context)."""
    context = readout_context(subject, data, charts, printed=printed)
    return template(subject, "html").render(**context)
