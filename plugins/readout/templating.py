"""The Jinja environment of the readout's templates, and streaming what they write.

The environment is built on the first readout, not when the plugin loads: every server
start loads the plugin, and most never render a readout.
"""

import functools
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from plugins.formatting import number
from plugins.readout.wording import (
    markdown_text,
)

TEMPLATES = Path(__file__).parent.parent / "templates"
CHUNK = 64 * 1024

if TYPE_CHECKING:
    from jinja2 import Environment, Template


@functools.cache
def environment() -> "Environment":
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    built = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    built.filters["md"] = markdown_text
    built.filters["num"] = number
    return built


def buffered(chunks: Iterable[str], size: int = CHUNK) -> Iterator[str]:
    """Jinja yields many small strings; send them in pieces of a useful size."""
    pending: list[str] = []
    length = 0
    for chunk in chunks:
        pending.append(chunk)
        length += len(chunk)
        if length >= size:
            yield "".join(pending)
            pending, length = [], 0
    if pending:
        yield "".join(pending)


def template(subject: str, extension: str) -> "Template":
    name = "portfolio" if subject == "portfolio" else "readout"
    return environment().get_template(f"{name}.{extension}")
