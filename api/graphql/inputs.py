"""Turning GraphQL inputs into the service layer's validated models."""

from typing import Any, TypeVar

import strawberry
from pydantic import BaseModel
from strawberry.types.base import has_object_definition

M = TypeVar("M", bound=BaseModel)


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
