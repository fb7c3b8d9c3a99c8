"""Turning GraphQL inputs into the service layer's validated models."""

from collections.abc import Mapping
from typing import Any, TypeVar

import strawberry
from pydantic import BaseModel
from strawberry.annotation import StrawberryAnnotation
from strawberry.extensions import FieldExtension
from strawberry.types.arguments import StrawberryArgument
from strawberry.types.base import has_object_definition
from strawberry.types.field import StrawberryField
from strawberry.utils.str_converters import to_camel_case

from api.graphql.convert import argument_type
from core.errors import FieldProblem, ValidationFailed, refused
from core.services.filters import ListFilter

M = TypeVar("M", bound=BaseModel)
F = TypeVar("F", bound=ListFilter)


def plain(value: Any) -> Any:
    """An argument as plain data, for core to validate and name problems in its own words.

    Inputs become dicts of the fields a client actually sent (UNSET ones stay out of a
    patch), nested inputs and lists of them included.
    """
    if isinstance(value, list):
        return [plain(item) for item in value]
    if has_object_definition(value):
        return {k: plain(v) for k, v in vars(value).items() if v is not strawberry.UNSET}
    return value


def to_model(model: type[M], obj: Any, **extra: Any) -> M:
    return model.model_validate({**plain(obj), **extra})


def to_filter(model: type[F], arguments: Mapping[str, Any], *, within: str = "") -> F:
    """A list's filter from its arguments, refused by the names the client sent them under.

    Core names a field as the domain does (`owner_id`); the client wrote `ownerId`, or
    `filter.ownerId` when the filter is one input object (`within`).
    """
    try:
        return model.parse(arguments)
    except ValidationFailed as error:
        prefix = f"{within}." if within else ""
        raise refused(
            [
                FieldProblem(prefix + to_camel_case(p.field), p.message, p.allowed)
                for p in error.problems
            ]
        ) from error


class Filters(FieldExtension):
    """A list field's filter arguments, declared by its core filter and checked through it.

    The resolver takes `filters: <the model>`; in the schema that one parameter becomes
    an argument per field of the model, typed, defaulted and described as the model
    says, and the resolver is handed the model checked against its bounds. So a filter
    and its bounds are written once, in core, for REST's query and GraphQL's arguments.
    """

    def __init__(self, model: type[ListFilter]) -> None:
        self.model = model

    def apply(self, field: StrawberryField) -> None:
        """Each schema built from the module's types applies it; the first one rewrites."""
        arguments = list(field.arguments)
        names = [a.python_name for a in arguments]
        if "filters" not in names:
            if set(self.model.model_fields) <= set(names):
                return
            raise TypeError(f"{field.python_name} needs a `filters: {self.model.__name__}`")
        at = names.index("filters")
        arguments[at : at + 1] = [
            StrawberryArgument(
                python_name=name,
                graphql_name=None,
                type_annotation=StrawberryAnnotation(argument_type(info.annotation)),
                default=info.default,
                description=info.description,
            )
            for name, info in self.model.model_fields.items()
        ]
        field.arguments = arguments

    def map_arguments(self, kwargs: dict[str, Any]) -> dict[str, Any]:
        given = {name: kwargs.pop(name) for name in self.model.model_fields if name in kwargs}
        return {**kwargs, "filters": to_filter(self.model, given)}
