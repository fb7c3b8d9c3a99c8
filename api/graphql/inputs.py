"""Turning GraphQL inputs into the service layer's validated models."""

from typing import Any, TypeVar

import strawberry
from pydantic import BaseModel

M = TypeVar("M", bound=BaseModel)


def set_fields(obj: Any) -> dict[str, Any]:
    """The fields a client actually sent; UNSET ones stay out of a patch."""
    return {k: v for k, v in vars(obj).items() if v is not strawberry.UNSET}


def to_model(model: type[M], obj: Any, **extra: Any) -> M:
    return model.model_validate({**set_fields(obj), **extra})
