"""Limits every decoded request document must keep, whichever transport it came through.

PostgreSQL cannot store a NUL character in text and answers such a write with an
error; SQLite would store it and hand it to every exporter later. Deeply nested
documents exhaust the recursion of every layer that walks them (validation, JSON
columns, exporters). Both are refused before any use case sees the document.
"""

from typing import Any

from core.errors import BadRequest

MAX_DEPTH = 64
"""Deepest nesting of arrays and objects a request document may have; ours need about 6."""

NUL = "\x00"


def _where(path: tuple[str | int, ...], root: str) -> str:
    if not path:
        return root
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text


def check_document(value: Any, *, root: str = "body", max_depth: int = MAX_DEPTH) -> None:
    """Refuse a decoded JSON document nested deeper than `max_depth` or holding a NUL.

    The walk keeps its own stack, so a hostile document cannot exhaust Python's.
    The field named in the error is the path to the first offending value.
    """
    stack: list[tuple[Any, tuple[str | int, ...]]] = [(value, ())]
    while stack:
        item, path = stack.pop()
        if isinstance(item, str):
            if NUL in item:
                raise BadRequest(
                    f"{_where(path, root)} holds a NUL character, which text may not contain",
                    field=_where(path, root),
                )
            continue
        if isinstance(item, dict):
            children: Any = item.items()
        elif isinstance(item, list):
            children = enumerate(item)
        else:
            continue
        if len(path) >= max_depth:
            raise BadRequest(
                f"the document is nested deeper than {max_depth} levels", field=_where(path, root)
            )
        for key, child in children:
            if isinstance(key, str) and NUL in key:
                raise BadRequest(
                    f"{_where(path, root)} has a key holding a NUL character",
                    field=_where(path, root),
                )
            stack.append((child, (*path, key)))


def check_text(value: str, *, field: str) -> None:
    """Refuse one text value holding a NUL (a query parameter, a header)."""
    if NUL in value:
        raise BadRequest(f"{field} holds a NUL character, which text may not contain", field=field)
