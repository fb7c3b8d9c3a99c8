"""NUL characters: refused in string literals and variables before anything runs.

PostgreSQL cannot store U+0000 in text or JSON (SQLite can), so a NUL reaching the
database answered INTERNAL on one database and was stored on the other. It is refused
on both with `BAD_REQUEST` naming where it was: the argument path for a literal, the
variable path for a variable.
"""

from collections.abc import Iterator
from typing import Any

from graphql import (
    ArgumentNode,
    ExecutionResult,
    GraphQLError,
    ObjectFieldNode,
    StringValueNode,
    ValidationRule,
)
from strawberry.extensions import SchemaExtension

NUL = "\x00"
CODE = "BAD_REQUEST"


def _refusal(where: str, **extra: Any) -> GraphQLError:
    return GraphQLError(
        f"{where} contains a NUL character (U+0000), which cannot be stored",
        extensions={"code": CODE, "field": where},
        **extra,
    )


class NoNulInLiterals(ValidationRule):
    """A string literal in the document (an argument, an input field) holding U+0000."""

    def enter_string_value(
        self, node: StringValueNode, _key: Any, parent: Any, _path: Any, ancestors: Any
    ) -> None:
        if NUL not in node.value:
            return
        names = [
            a.name.value
            for a in [*ancestors, parent]
            if isinstance(a, ArgumentNode | ObjectFieldNode)
        ]
        self.report_error(_refusal(".".join(names) or "a string", nodes=[node]))


def nul_path(value: Any, path: str) -> str | None:
    """Where in a decoded JSON value a string (or key) holds U+0000; iterative, any depth."""
    pending: list[tuple[Any, str]] = [(value, path)]
    while pending:
        item, where = pending.pop()
        if isinstance(item, str):
            if NUL in item:
                return where
        elif isinstance(item, dict):
            for key, inner in item.items():
                if NUL in str(key):
                    return f"{where}.{key!r}"
                pending.append((inner, f"{where}.{key}"))
        elif isinstance(item, list):
            pending.extend((inner, f"{where}.{i}") for i, inner in enumerate(item))
    return None


class NoNulInVariables(SchemaExtension):
    """A variable value (at any depth) holding U+0000, before the session opens."""

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        where = nul_path(context.variables or {}, "variables")
        if where is not None:
            context.result = ExecutionResult(data=None, errors=[_refusal(where)])
        yield
