"""What a list may be narrowed by, declared once per list for every transport.

A list's filter is a `ListFilter`: each field is a query parameter of its REST
collection and an argument of its GraphQL field, with the bounds a value must keep
(lengths of the columns compared, cycles from 1, the values of an enumeration). REST
documents and enforces them as parameter bounds, GraphQL checks its arguments through
the same model, so a value one transport refuses the other refuses too, naming the
field, instead of comparing it with a column it cannot match.
"""

from collections.abc import Mapping
from typing import Annotated, Any, Self

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from core.errors import field_problems, refused
from core.ranges import INT32_MAX

CycleFilter = Annotated[
    int | None, Field(ge=1, le=INT32_MAX, description="a cycle of the engagement, from 1")
]


class ListFilter(BaseModel):
    """The base of every list's filter; a field left None does not narrow the list."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    @classmethod
    def parse(cls, values: Mapping[str, Any]) -> Self:
        """The filter a client asked for, checked here so no transport checks it its own way.

        Every field out of bounds is named in the domain's words, which each transport
        renames to the parameter or argument its client wrote.
        """
        try:
            return cls.model_validate(dict(values))
        except ValidationError as exc:
            raise refused(field_problems(exc.errors())) from exc

    def given(self) -> dict[str, Any]:
        """The fields that narrow the list, by name; what a cache of its answers is keyed on."""
        return {
            name: getattr(self, name)
            for name in type(self).model_fields
            if getattr(self, name) is not None
        }


class NoFilter(ListFilter):
    """A list that is never narrowed: every record of the parent, in its order."""
