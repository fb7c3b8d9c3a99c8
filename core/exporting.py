"""Exporters: what the `register_exporters` hook returns, and the registry built from it."""

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import pluggy

from core.errors import ValidationFailed

SUBJECTS = frozenset({"value_stream", "map", "backlog", "portfolio"})

Chunk = bytes | str
Render = Callable[[str, Any], Iterable[Chunk]]


@dataclass(frozen=True)
class Exporter:
    """One file format. `render(subject, data)` yields the file in chunks, so it can stream."""

    name: str
    media_type: str
    extension: str
    subjects: frozenset[str]
    render: Render
    description: str = ""
    plugin: str = ""

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
    for impl in manager.hook.register_exporters.get_hookimpls():
        for exporter in impl.function() or []:
            if exporter.name in found:
                raise ValueError(
                    f"exporter {exporter.name!r} is offered by both "
                    f"{found[exporter.name].plugin} and {impl.plugin_name}"
                )
            found[exporter.name] = Exporter(
                name=exporter.name,
                media_type=exporter.media_type,
                extension=exporter.extension,
                subjects=frozenset(exporter.subjects),
                render=exporter.render,
                description=exporter.description,
                plugin=impl.plugin_name,
            )
    return dict(sorted(found.items()))


def choose(
    exporters: dict[str, Exporter], subject: str, *, name: str | None, accept: str | None
) -> Exporter:
    """By `format` name, else by the Accept header, else JSON."""
    fitting = {n: e for n, e in exporters.items() if subject in e.subjects}
    if name:
        exporter = fitting.get(name)
        if exporter is None:
            raise ValidationFailed(
                f"no exporter {name!r} for a {subject.replace('_', ' ')}; "
                f"available: {', '.join(fitting) or 'none'}",
                field="format",
            )
        return exporter
    for media in _accepted(accept):
        for exporter in fitting.values():
            if media == exporter.media_type:
                return exporter
    if "json" in fitting:
        return fitting["json"]
    raise ValidationFailed(f"no exporter for a {subject.replace('_', ' ')}", field="format")


def _accepted(accept: str | None) -> list[str]:
    """Media types of an Accept header, by quality, without wildcards."""
    if not accept:
        return []
    ranked = []
    for position, part in enumerate(accept.split(",")):
        media, *params = (p.strip() for p in part.split(";"))
        quality = 1.0
        for param in params:
            if param.startswith("q="):
                try:
                    quality = float(param[2:])
                except ValueError:
                    quality = 0.0
        if media and "*" not in media and quality > 0:
            ranked.append((-quality, position, media))
    return [media for _q, _p, media in sorted(ranked)]
