"""A list's query parameters, read from its filter in core.

Each field of a `ListFilter` is one query parameter of the same name, type, default,
description and bounds, so Litestar documents the bounds in OpenAPI and refuses a value
past them with a 422 naming the parameter, as for any parameter it declares itself.
"""

import functools
import inspect
import operator
import types
import typing
from datetime import datetime
from typing import Annotated, Any, TypeVar

import annotated_types
from litestar.di import Provide
from litestar.params import Parameter
from pydantic import AwareDatetime
from pydantic.fields import FieldInfo

from core.services.context import Work
from core.services.filters import ListFilter

F = TypeVar("F", bound=ListFilter)

BOUNDS: dict[type[Any], str] = {
    annotated_types.Ge: "ge",
    annotated_types.Gt: "gt",
    annotated_types.Le: "le",
    annotated_types.Lt: "lt",
    annotated_types.MinLen: "min_length",
    annotated_types.MaxLen: "max_length",
}
"""pydantic's constraint classes by the `Parameter` option that documents and checks them."""


def _query_type(annotation: Any) -> Any:
    """The type Litestar parses: an aware instant is read as any instant, which core checks.

    Litestar cannot parse pydantic's `AwareDatetime`; core refuses one without a zone
    with the same 422 naming the parameter.
    """
    if annotation is AwareDatetime:
        return datetime
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        return functools.reduce(operator.or_, map(_query_type, typing.get_args(annotation)))
    return annotation


def _parameter(info: FieldInfo) -> Any:
    options: dict[str, Any] = {"description": info.description}
    for constraint in info.metadata:
        option = BOUNDS.get(type(constraint))
        if option is not None:
            options[option] = getattr(constraint, option)
    return Parameter(**options)


def query_filters(model: type[F]) -> Provide:
    """A dependency answering `model` from the query parameters its fields declare.

    Litestar reads a dependency's parameters from its signature, so the provider gets one
    made of the model's fields rather than a hand-written copy of them.

    The provider also takes the request's `work`, which it does not use: Litestar
    resolves dependencies that do not depend on each other in a task group of their
    own, which cost a list page 5 % of its CPU for two dependencies it could have run
    one after the other.
    """

    def provide(work: Work, **values: Any) -> F:
        return model.parse(values)

    parameters = [inspect.Parameter("work", inspect.Parameter.KEYWORD_ONLY, annotation=Work)] + [
        inspect.Parameter(
            name,
            inspect.Parameter.KEYWORD_ONLY,
            default=info.default,
            annotation=Annotated[_query_type(info.annotation), _parameter(info)],
        )
        for name, info in model.model_fields.items()
    ]
    provider: Any = provide
    provider.__signature__ = inspect.Signature(parameters, return_annotation=model)
    provider.__annotations__ = {p.name: p.annotation for p in parameters} | {"return": model}
    return Provide(provider, sync_to_thread=False)
