"""The Jinja environment of the readout's templates, and streaming what they write."""

from collections.abc import Iterable, Iterator
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, Template

from plugins.formatting import number
from plugins.readout.wording import (
    markdown_text,
)

TEMPLATES = Path(__file__).parent.parent / "templates"
CHUNK = 64 * 1024


environment = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=True,
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)
environment.filters["md"] = markdown_text
environment.filters["num"] = number


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


def template(subject: str, extension: str) -> Template:
    name = "portfolio" if subject == "portfolio" else "readout"
    return environment.get_template(f"{name}.{extension}")
