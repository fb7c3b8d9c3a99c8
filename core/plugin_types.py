"""What plugins hand back to the service, described as Protocols.

A third-party plugin must not need to import the service: its suggestions and exporters
are its own objects, and the service reads only the attributes below. These Protocols
say which, so the hookspecs can be typed without making a plugin depend on our classes
(``core.waste.vocabulary.WasteSuggestion`` and ``core.exports.exporters.Exporter``
satisfy them, and so does any dataclass of the same shape).
"""

from collections.abc import Callable, Iterable, Mapping
from typing import Any, Protocol

PluginConfig = Mapping[str, Any]
"""A plugin's configuration: a JSON object (string keys, JSON values)."""

ClassifierConfig = Mapping[str, PluginConfig]
"""The configuration of every classifier, each under its plugin's name."""

Chunk = bytes | str
Render = Callable[[str, Any], Iterable[Chunk]]
"""`render(subject, data)`: the file in chunks, so a large file streams."""


class Suggestion(Protocol):
    """One waste finding a classifier proposes; the service checks every value it reads.

    Two more attributes are read when present, so a plugin written before them still
    works: `statement`, the rule in words with the thresholds it applied, and `rules`, a
    sequence of objects with the attributes below (and `statement`), one per rule the
    plugin merged into this suggestion.
    """

    @property
    def category(self) -> str:
        """One of `core.waste.vocabulary.WasteCategory`'s values."""

    @property
    def step_id(self) -> str | None:
        """The id of a step of the map classified, or None."""

    @property
    def handoff_id(self) -> str | None:
        """The id of a handoff of the map classified, or None."""

    @property
    def description(self) -> str:
        """What people read first; a suggestion without one is refused."""

    @property
    def evidence(self) -> str | None:
        """The rule and the numbers that triggered it."""

    @property
    def confidence(self) -> float | None:
        """From 0 to 1."""

    @property
    def estimated_cost_hours_per_week(self) -> float | None:
        """Hours lost a week, 0 or more, or None when unknown."""

    @property
    def rule(self) -> str | None:
        """A stable key of the rule, so a suggestion can be traced and tuned."""


class ExporterOffer(Protocol):
    """One file format a plugin offers (it may also carry `file_suffix`, a string)."""

    @property
    def name(self) -> str:
        """The `format` clients ask for; unique among all plugins."""

    @property
    def media_type(self) -> str: ...

    @property
    def extension(self) -> str: ...

    @property
    def subjects(self) -> Iterable[str]:
        """Any of `value_stream`, `map`, `backlog`, `portfolio`."""

    @property
    def description(self) -> str: ...

    @property
    def render(self) -> Render: ...
