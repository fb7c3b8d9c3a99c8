"""Reading a map document sent for import: JSON or YAML in, a checked `MapDocument` out.

Everything here is CPU work that grows with the document and runs in a worker thread,
so each step is shaped to let the event loop run meanwhile, and to refuse a document
too large or too repetitive before walking it.
"""

from dataclasses import dataclass
from typing import Any

import msgspec
import yaml
from pydantic import TypeAdapter, ValidationError
from yaml.composer import Composer
from yaml.constructor import SafeConstructor
from yaml.resolver import Resolver

from core.errors import BadRequest, ContentTooLarge, ValidationFailed, field_problems, invalid
from core.input_limits import MAX_DEPTH, check_document
from core.maps.document_schema import HandoffDocument, MapDocument, StepDocument

if yaml.__with_libyaml__:
    from yaml._yaml import CParser

    class _EventLoader(Composer, CParser, SafeConstructor, Resolver):
        """libyaml's C parser, composed and constructed as `yaml.CSafeLoader` would.

        `CSafeLoader` composes the whole document in one call into C, which holds the
        interpreter lock for up to a second on a large document, so the event loop
        cannot answer meanwhile. Composing from libyaml's events in Python takes as
        long in all and lets the loop run between events.
        """

        def __init__(self, stream: Any) -> None:
            CParser.__init__(self, stream)
            Composer.__init__(self)
            SafeConstructor.__init__(self)
            Resolver.__init__(self)

    YAML_LOADER: Any = _EventLoader
else:  # pragma: no cover - PyYAML's wheels carry libyaml
    YAML_LOADER = yaml.SafeLoader
"""libyaml's parser (PyYAML's wheels are built with it); the pure-Python one took 21 s for
a map of 15,000 steps."""


@dataclass(frozen=True)
class ImportLimits:
    """How large a map document an import takes; `Settings` holds the configured ones."""

    max_bytes: int = 16 * 1024 * 1024
    max_steps: int = 20_000
    max_handoffs: int = 50_000

    @classmethod
    def of(cls, settings: Any) -> "ImportLimits":
        return cls(
            max_bytes=settings.map_import_max_bytes,
            max_steps=settings.map_import_max_steps,
            max_handoffs=settings.map_import_max_handoffs,
        )

    def check_size(self, size: int) -> None:
        if size > self.max_bytes:
            raise ContentTooLarge(
                f"the map document is larger than {self.max_bytes:,} bytes, the most an "
                "import takes (setting VSM_MAP_IMPORT_MAX_BYTES)",
                field="body",
                extra={"limit_bytes": self.max_bytes},
            )


def parse_document(
    raw: bytes | str, media_type: str, limits: ImportLimits | None = None
) -> MapDocument:
    """JSON or YAML in; a validated document out, or the problem: 413 for a document
    over the size limit, 400 for one that cannot be read, 422 for one that is wrong.

    CPU work that grows with the document: call it off the event loop.
    """
    limits = limits or ImportLimits()
    size = len(raw) if isinstance(raw, bytes) else len(raw.encode())
    limits.check_size(size)
    data = _read_yaml(raw, media_type) if "yaml" in media_type else _read_json(raw, media_type)
    if not isinstance(data, dict):
        raise ValidationFailed("the document must be a mapping", field="body")
    _check_counts(data, limits)
    _check_expansion(data, size)
    check_document(data)
    return _validated_document(data)


_LISTS: dict[str, TypeAdapter[list[Any]]] = {
    "steps": TypeAdapter(list[StepDocument]),
    "handoffs": TypeAdapter(list[HandoffDocument]),
}
VALIDATE_BATCH = 500
"""Steps or handoffs validated in one call: each call holds the interpreter lock."""


def _validated_document(data: dict[str, Any]) -> MapDocument:
    """The document validated a batch of steps and handoffs at a time; every error named.

    One call validating 15,000 steps would hold the interpreter lock for a third of a
    second, and the event loop with it.
    """
    parts: dict[str, list[Any]] = {}
    problems = []
    for key, adapter in _LISTS.items():
        items = data.get(key, [])
        if not isinstance(items, list):
            continue
        parts[key] = []
        for start in range(0, len(items), VALIDATE_BATCH):
            try:
                parts[key] += adapter.validate_python(items[start : start + VALIDATE_BATCH])
            except ValidationError as exc:
                errors = [
                    {**e, "loc": (key, start + int(e["loc"][0]), *e["loc"][1:])}
                    for e in exc.errors(include_url=False)
                ]
                problems += field_problems(errors)
    if problems:
        detail = "; ".join(f"{p.field}: {p.message}" for p in problems)
        raise ValidationFailed(f"the map document is not valid: {detail}", problems=problems)
    try:
        return MapDocument.model_validate({**data, **parts})
    except ValidationError as exc:
        raise invalid(exc, "the map document") from exc


def _read_json(raw: bytes | str, media_type: str) -> Any:
    try:
        return msgspec.json.decode(raw)
    except RecursionError as exc:
        raise BadRequest(f"the document is nested deeper than {MAX_DEPTH} levels") from exc
    except msgspec.DecodeError as exc:
        raise BadRequest(f"the {media_type} document cannot be read: {exc}", field="body") from exc


def _read_yaml(raw: bytes | str, media_type: str) -> Any:
    try:
        return yaml.load(raw, Loader=YAML_LOADER)
    except RecursionError as exc:
        raise BadRequest(f"the document is nested deeper than {MAX_DEPTH} levels") from exc
    except (yaml.YAMLError, ValueError) as exc:
        raise BadRequest(f"the {media_type} document cannot be read: {exc}", field="body") from exc


def _check_counts(data: dict[str, Any], limits: ImportLimits) -> None:
    """The limits on steps and handoffs, checked before anything is validated."""
    for key, most in (("steps", limits.max_steps), ("handoffs", limits.max_handoffs)):
        items = data.get(key)
        if isinstance(items, list) and len(items) > most:
            setting = f"VSM_MAP_IMPORT_MAX_{key.upper()}"
            raise ValidationFailed(
                f"the map document has {len(items):,} {key}; an import takes at most "
                f"{most:,} (setting {setting})",
                field=key,
            )


def _check_expansion(data: Any, size: int) -> None:
    """Refuse a document holding more values than it has bytes.

    Only YAML aliases can do that (a few lines that repeat a part of the document
    exponentially often); every walk over such a document would never end.
    """
    budget = size + 64
    stack = [data]
    while stack:
        item = stack.pop()
        budget -= 1
        if budget < 0:
            raise ValidationFailed(
                "the document repeats its parts (YAML aliases) into more values than it "
                "has characters; write them out",
                field="body",
            )
        if isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
