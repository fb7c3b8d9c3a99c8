"""The readout as Markdown tables, for wikis and chat."""

from collections.abc import Iterator
from typing import Any

from plugins.readout.context import readout_context
from plugins.readout.templating import buffered, template


def render_markdown(subject: str, data: Any) -> Iterator[str]:
    context = readout_context(subject, data)
    yield from buffered(template(subject, "md").generate(**context))
