"""Checking a decoded body's JSON types against the JSON Schema its model publishes.

pydantic validates request models in lax mode (SQLModel models always do: their
`__init__` validates, and ignores `strict`), so `0` passed as `false`, `"1.5"` as a
number and `0` as a date in 1970 — none of which the OpenAPI document allows. This
walk checks only what JSON itself says (string, number, integer, boolean, null,
array, object) against the same schema the OpenAPI shows; lengths, formats, enums
and rules stay pydantic's job, so there is one source of each message.
"""

from functools import cache
from typing import Any

from pydantic import BaseModel

from core.errors import FieldProblem

_NAMES = {
    "string": "a string",
    "number": "a number",
    "integer": "a whole number",
    "boolean": "true or false",
    "null": "null",
    "array": "a list",
    "object": "an object",
}


@cache
def schema_of(model: type[BaseModel]) -> dict[str, Any]:
    return model.model_json_schema(mode="validation")


def _is(kind: str, value: Any) -> bool:
    if kind == "string":
        return isinstance(value, str)
    if kind == "boolean":
        return isinstance(value, bool)
    if kind == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "number":
        return isinstance(value, int | float) and not isinstance(value, bool)
    if kind == "null":
        return value is None
    if kind == "array":
        return isinstance(value, list)
    if kind == "object":
        return isinstance(value, dict)
    return True


class _Walk:
    def __init__(self, root: dict[str, Any]) -> None:
        self.definitions = root.get("$defs", {})
        self.problems: list[FieldProblem] = []

    def resolve(self, schema: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in schema:
            schema = self.definitions.get(schema["$ref"].rsplit("/", 1)[-1], {})
        return schema

    def fits(self, schema: dict[str, Any], value: Any) -> bool:
        """Whether `value` has the JSON types `schema` asks for, all the way down."""
        walk = _Walk({})
        walk.definitions = self.definitions
        walk.check(schema, value, "")
        return not walk.problems

    def kinds(self, schema: dict[str, Any]) -> list[str]:
        """The JSON types a schema accepts at its top, through any nesting of anyOf."""
        schema = self.resolve(schema)
        found: list[str] = []
        for branch in schema.get("anyOf") or schema.get("oneOf") or ():
            found += [k for k in self.kinds(branch) if k not in found]
        kind = schema.get("type")
        for k in kind if isinstance(kind, list) else [kind] if kind else []:
            if k not in found:
                found.append(k)
        return found

    def check(self, schema: dict[str, Any], value: Any, where: str) -> None:
        schema = self.resolve(schema)
        branches = schema.get("anyOf") or schema.get("oneOf")
        if branches:
            if not any(self.fits(branch, value) for branch in branches):
                self._wrong(where, self.kinds(schema))
            return
        for part in schema.get("allOf", ()):
            self.check(part, value, where)
        kind = schema.get("type")
        kinds = kind if isinstance(kind, list) else [kind] if kind else []
        if kinds and not any(_is(k, value) for k in kinds):
            self._wrong(where, kinds)
            return
        if isinstance(value, dict):
            properties = schema.get("properties", {})
            extra = schema.get("additionalProperties")
            for name, item in value.items():
                inner = properties.get(name, extra if isinstance(extra, dict) else None)
                if inner is not None:
                    self.check(inner, item, f"{where}.{name}" if where else str(name))
        elif isinstance(value, list):
            items = schema.get("items")
            if isinstance(items, dict):
                for index, item in enumerate(value):
                    self.check(items, item, f"{where}[{index}]")

    def _wrong(self, where: str, kinds: list[str]) -> None:
        expected = " or ".join(_NAMES.get(k, k) for k in kinds) or "another type"
        self.problems.append(FieldProblem(where or "body", f"must be {expected}"))


def type_problems(model: type[BaseModel], value: Any) -> list[FieldProblem]:
    """Every place where `value` has another JSON type than `model`'s schema allows."""
    root = schema_of(model)
    walk = _Walk(root)
    walk.check(root, value, "")
    return walk.problems
