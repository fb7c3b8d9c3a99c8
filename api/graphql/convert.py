"""GraphQL types derived from the service layer's pydantic models, so the two never drift.

Inputs get UNSET defaults: a patch then tells "not sent" from "set to null", which
`api.graphql.inputs.to_model` relies on. An input made with `defaults` shows the model's
own defaults instead, where GraphQL can write them, so a client reads them in the schema.
"""

import enum
import types
import typing
import uuid
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any, TypeVar

import strawberry
from pydantic import AnyUrl, AwareDatetime, BaseModel, EmailStr
from pydantic.fields import FieldInfo
from strawberry.types.base import get_object_definition
from strawberry.types.field import StrawberryField

T = TypeVar("T", bound=type)
_enums: dict[type[enum.Enum], Any] = {}
_types: dict[str, Any] = {}
_outputs: dict[type[BaseModel], Any] = {}
_inputs: dict[type[BaseModel], Any] = {}
_WRITTEN = (type(None), bool, int, float, str, enum.Enum)
"""Defaults GraphQL can write in the schema as they are."""


def gql_enum(cls: type[enum.Enum]) -> Any:
    """Register a Python enum once, under its own name."""
    if cls not in _enums:
        _enums[cls] = strawberry.enum(cls)
    return _enums[cls]


def _scalar(annotation: Any) -> Any:
    """`Annotated[str, Strict()]` and the like are the plain scalar to GraphQL."""
    if typing.get_origin(annotation) is typing.Annotated:
        return typing.get_args(annotation)[0]
    return annotation


def _convert(annotation: Any, nested: Mapping[type[BaseModel], Any]) -> Any:
    """The GraphQL annotation of a model field; a model in `nested` gets its own type."""
    annotation = _scalar(annotation)
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        args = [_scalar(a) for a in typing.get_args(annotation) if a is not type(None)]
        if len(args) > 1 and all(a in (str, int, float) for a in args):
            return str | None
        inner = _convert(args[0], nested) if len(args) == 1 else annotation
        return inner | None
    if origin is typing.Literal:
        return str
    if origin in (list, tuple):
        return list_of(_convert(typing.get_args(annotation)[0], nested))
    if annotation is AwareDatetime:
        return datetime
    if annotation is uuid.UUID:
        return strawberry.ID
    if isinstance(annotation, type):
        if issubclass(annotation, enum.Enum):
            return gql_enum(annotation)
        if issubclass(annotation, AnyUrl) or annotation is EmailStr:
            return str
        if issubclass(annotation, BaseModel):
            return nested.get(annotation, strawberry.scalars.JSON)
        if annotation is dict:
            return strawberry.scalars.JSON
    if origin is dict:
        return strawberry.scalars.JSON
    return annotation


def _written_default(info: FieldInfo) -> tuple[bool, Any]:
    """The field's default as the input's default, and whether GraphQL can write it."""
    if info.default_factory is list:
        return True, strawberry.field(default_factory=list)
    if info.default_factory is None and isinstance(info.default, _WRITTEN):
        return True, info.default
    return False, strawberry.UNSET


def _fields(
    model: type[BaseModel], *, optional: bool, defaults: bool
) -> tuple[dict[str, Any], dict[str, Any]]:
    annotations: dict[str, Any] = {}
    values: dict[str, Any] = {}
    for name, info in model.model_fields.items():
        annotation = _convert(info.annotation, _inputs)
        if optional or not info.is_required():
            written, values[name] = (
                _written_default(info) if defaults and not optional else (False, strawberry.UNSET)
            )
            if not written:
                annotation = annotation | None
        annotations[name] = annotation
    required = {k: v for k, v in annotations.items() if k not in values}
    ordered = {**required, **{k: v for k, v in annotations.items() if k in values}}
    return ordered, values


def descriptions_of(model: type[BaseModel]) -> dict[str, str]:
    """The field descriptions a core model gives, for `defined_by`."""
    return {n: i.description for n, i in model.model_fields.items() if i.description}


def defined_by(definitions: Mapping[str, str]) -> Callable[[T], T]:
    """Give a strawberry type's fields the descriptions of one table of definitions."""

    def apply(cls: T) -> T:
        for field in get_object_definition(cls, strict=True).fields:
            if field.python_name in definitions:
                field.description = definitions[field.python_name]
        return cls

    return apply


def input_type(
    model: type[BaseModel], name: str, *, partial: bool = False, defaults: bool = False
) -> Any:
    """A GraphQL input with the model's fields; `partial` makes every field optional.

    With `defaults` an optional field keeps the model's default, and its type stays
    non-null when the model's is (`active: Boolean! = true`); a default GraphQL cannot
    write is left to the model. A field whose model has an input made here before
    (not a partial one) gets that input, so nested inputs stay typed.
    """
    if name not in _types:
        annotations, values = _fields(model, optional=partial, defaults=defaults)
        cls = type(name, (), {"__annotations__": annotations, **values})
        typed = strawberry.input(cls, name=name, description=model.__doc__)
        _types[name] = defined_by(descriptions_of(model))(typed)
        if not partial:
            _inputs.setdefault(model, _types[name])
    return _types[name]


def filter_input(model: type[BaseModel], name: str) -> Any:
    """A GraphQL input holding a list's filter: its fields, each null unless given."""
    if name not in _types:
        annotations = {n: _convert(i.annotation, _inputs) for n, i in model.model_fields.items()}
        defaults = {n: i.default for n, i in model.model_fields.items()}
        cls = type(name, (), {"__annotations__": annotations, **defaults})
        typed = strawberry.input(cls, name=name, description=model.__doc__)
        _types[name] = defined_by(descriptions_of(model))(typed)
    return _types[name]


def argument_type(annotation: Any) -> Any:
    """The GraphQL type of an argument taking a core model's field, as inputs type it."""
    return _convert(annotation, _inputs)


def output_type(
    model: type[BaseModel],
    name: str,
    extra: type | None = None,
    *,
    exclude: frozenset[str] = frozenset(),
    ahead: tuple[str, ...] = (),
    description: str | None = None,
) -> Any:
    """A GraphQL type with the model's fields, resolved from ORM rows or read models.

    A field whose model has a type of its own (made here before) gets that type, so
    nested read models stay typed. `extra` adds fields and resolvers after the model's
    (those named in `ahead` before them); `exclude` leaves model fields out. An
    annotation of `extra` named like a model field retypes it in its place; a resolver
    so named replaces the field and stands with the other resolvers. A resolver is for
    what the source, an ORM row, does not hold as the read model shows it: a value in
    the target's unit, a team's members.
    """
    if name not in _types:
        namespace = _namespace(extra)
        resolved = {n for n, v in namespace.items() if _resolves(v)}
        annotations = {
            n: _convert(i.annotation, _outputs)
            for n, i in model.model_fields.items()
            if n not in exclude and n not in resolved
        }
        annotations.update(getattr(extra, "__annotations__", {}))
        first = {n: annotations.pop(n) for n in ahead}
        annotations = {**first, **annotations}
        cls = type(name, (), {**namespace, "__annotations__": annotations})
        typed = strawberry.type(cls, name=name, description=description)
        _types[name] = defined_by(descriptions_of(model))(typed)
        _outputs.setdefault(model, _types[name])
    return _types[name]


def _namespace(extra: type | None) -> dict[str, Any]:
    if extra is None:
        return {}
    return {k: v for k, v in vars(extra).items() if not k.startswith("__")}


def _resolves(value: Any) -> bool:
    return isinstance(value, StrawberryField) and value.base_resolver is not None


def shaped(gql_type: Any, source: Any, **extra: Any) -> Any:
    """An instance of a derived type: `extra` gives some fields, `source` the others.

    For types whose fields are plain data; fields with resolvers are left to them.
    """
    names = [
        f.python_name
        for f in get_object_definition(gql_type, strict=True).fields
        if f.base_resolver is None
    ]
    return gql_type(**{n: extra[n] if n in extra else getattr(source, n) for n in names})


def list_of(item: Any) -> Any:
    """`list[item]` for a type made at import time, which mypy cannot read as a type."""
    return types.GenericAlias(list, (item,))
