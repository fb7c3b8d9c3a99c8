"""Exporters: what the `register_exporters` hook returns, the registry built from it, how
an export's file is named, and how it is rendered off the event loop."""

import unicodedata
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any

import pluggy

from core import plugin_calls
from core.errors import FieldProblem, ValidationFailed
from core.offload import off_loop
from core.plugin_types import Render

SUBJECTS = frozenset({"value_stream", "map", "backlog", "portfolio"})


@dataclass(frozen=True)
class Exporter:
    """One file format. `render(subject, data)` yields the file in chunks, so it can stream.

    `file_suffix` says what the file holds when the name of what was exported does not
    (`findings` in `quote-to-cash-findings.csv`), so two exports never share a file name.
    """

    name: str
    media_type: str
    extension: str
    subjects: frozenset[str]
    render: Render
    description: str = ""
    plugin: str = ""
    file_suffix: str = ""

    def __post_init__(self) -> None:
        unknown = set(self.subjects) - SUBJECTS
        if unknown:
            raise ValueError(f"exporter {self.name}: unknown subjects {sorted(unknown)}")

    def chunks(self, subject: str, data: Any) -> Iterator[bytes]:
        """The file in byte chunks.

        A ValueError inside a plugin becomes a RuntimeError: a streaming server may
        take a ValueError from an iterator as its end and send a short file as whole.
        """
        try:
            for chunk in self.render(subject, data):
                yield chunk.encode() if isinstance(chunk, str) else chunk
        except ValueError as exc:
            raise RuntimeError(f"exporter {self.name} failed: {exc}") from exc


def collect_exporters(manager: pluggy.PluginManager) -> dict[str, Exporter]:
    """Every plugin's exporters by name; a name offered twice is a configuration error."""
    found: dict[str, Exporter] = {}
    for plugin, offers in plugin_calls.each(manager, "register_exporters"):
        for exporter in offers or []:
            if exporter.name in found:
                raise ValueError(
                    f"exporter {exporter.name!r} is offered by both "
                    f"{found[exporter.name].plugin} and {plugin}"
                )
            found[exporter.name] = Exporter(
                name=exporter.name,
                media_type=exporter.media_type,
                extension=exporter.extension,
                subjects=frozenset(exporter.subjects),
                render=exporter.render,
                description=exporter.description,
                plugin=plugin,
                file_suffix=getattr(exporter, "file_suffix", ""),
            )
    return dict(sorted(found.items()))


DEFAULT_FORMATS = {"map": "svg"}
"""The format of a subject when the caller names none; else JSON."""


def fitting(exporters: dict[str, Exporter], subject: str) -> dict[str, Exporter]:
    """The exporters that can export `subject`, by name."""
    return {n: e for n, e in exporters.items() if subject in e.subjects}


def choose(exporters: dict[str, Exporter], subject: str, *, name: str | None) -> Exporter:
    """By format name, else the subject's default format.

    A transport that can read a wish from elsewhere (HTTP's Accept header) does so
    before it falls back to this.
    """
    offered = fitting(exporters, subject)
    if name:
        exporter = offered.get(name)
        if exporter is None:
            raise ValidationFailed(
                f"no exporter {name!r} for a {subject.replace('_', ' ')}; "
                f"available: {', '.join(offered) or 'none'}",
                problems=[
                    FieldProblem(
                        "format", f"no exporter {name!r} for this subject", sorted(offered)
                    )
                ],
            )
        return exporter
    default = DEFAULT_FORMATS.get(subject, "json")
    if default in offered:
        return offered[default]
    raise ValidationFailed(
        f"no exporter for a {subject.replace('_', ' ')}; name one in format",
        problems=[FieldProblem("format", "name an exporter", sorted(offered))],
    )


# -- file names ------------------------------------------------------------------------

SLUG_BYTES = 120
"""Longest slug in UTF-8 bytes: with a suffix and an extension a name stays within the
255 bytes most file systems allow."""


def slug(name: str) -> str:
    """A name fit for a file: lower case letters and digits of any script, joined by '-'.

    Quotes, slashes, control characters and the like become separators, so a name can
    neither leave its folder nor break the header it travels in.
    """
    cleaned = "".join(c if c.isalnum() else "-" for c in unicodedata.normalize("NFC", name.lower()))
    text = "-".join(part for part in cleaned.split("-") if part)
    while len(text.encode()) > SLUG_BYTES:
        text = text[:-1]
    return text.strip("-") or "export"


def file_name(exporter: Exporter, subject: str, title: str) -> str:
    """What an export is saved as: what was exported, what the file holds, its extension.

    `quote-to-cash.xlsx`, `quote-to-cash-backlog.csv`, `quote-to-cash-findings.csv`.
    """
    parts = [slug(title)]
    if subject == "backlog":
        parts.append("backlog")
    if exporter.file_suffix:
        parts.append(slug(exporter.file_suffix))
    return f"{'-'.join(parts)}.{exporter.extension}"


# -- rendering off the event loop ---------------------------------------------------------


async def rendered(exporter: Exporter, subject: str, data: Any) -> bytes:
    """The whole file, rendered in a worker thread (for answers that hold it whole)."""
    return await off_loop(lambda: b"".join(exporter.chunks(subject, data)))


async def streamed(exporter: Exporter, subject: str, data: Any) -> AsyncIterator[bytes]:
    """The file as it is rendered, every chunk in a worker thread.

    The first chunk is rendered before this returns, so most render failures (a PDF is
    whole by then) happen before an answer has started and can still get an error status.
    """
    chunks = exporter.chunks(subject, data)
    first = await off_loop(next, chunks, None)

    async def rest() -> AsyncIterator[bytes]:
        chunk = first
        while chunk is not None:
            yield chunk
            chunk = await off_loop(next, chunks, None)

    return rest()
