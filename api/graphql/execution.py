"""GraphQL execution with less work per field than graphql-core's general path.

A portfolio of 50 streams asks for about 1,100 scalars that just read an attribute (a
name, a phase, each gate criterion's key and whether it passed). For each one
graphql-core builds a resolve info, tests the value for an awaitable and goes through
`complete_value` twice (non-null, then leaf) before it coerces the value: about a tenth
of such an answer's CPU. strawberry gives those fields its basic resolver, which takes no
info and no arguments, so for them this context reads the value and coerces it with the
field type's own coercer, as graphql-core would. Whatever is not plain (an error, a null
where the schema promises a value, a coercion that refuses, a middleware) takes the
general path, which answers with the same error it always did; reading an attribute
twice changes nothing.

Most of those scalars belong to objects that hold nothing else (a criterion's key and
whether it passed): such an object's fields are answered in one loop, without the path,
the resolve info and the awaitable test graphql-core gives each field; the selection
decides once per query whether an object is such a one.

Every object a field returns is also tested for an awaitable; `is_awaitable` answers that
once per type.
"""

import weakref
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from operator import attrgetter
from types import CoroutineType, GeneratorType
from typing import Any, TypeGuard

from graphql import (
    GraphQLField,
    GraphQLList,
    GraphQLObjectType,
    GraphQLResolveInfo,
    GraphQLSchema,
    get_nullable_type,
    is_leaf_type,
    is_non_null_type,
    is_object_type,
)
from graphql.execution.collect_fields import FieldDetailsList, GroupedFieldSet
from graphql.pyutils import Path, Undefined
from graphql.pyutils.undefined import UndefinedType
from strawberry.execution.is_awaitable import optimized_is_awaitable
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext


@dataclass(frozen=True, slots=True)
class Leaf:
    """How a plain scalar field is answered: its attribute read, its value coerced."""

    read: Callable[[Any], Any]
    coerce: Callable[[Any], Any]
    non_null: bool


def plain_leaf(field: GraphQLField) -> Leaf | None:
    """The field's `Leaf` when strawberry resolves it by reading an attribute, else None."""
    kind = get_nullable_type(field.type)
    read = field.resolve
    if read is None or field.args or not _basic(read):
        return None
    if not is_leaf_type(kind):
        return None
    return Leaf(_reader(field, read), kind.coerce_output_value, is_non_null_type(field.type))


def _reader(field: GraphQLField, resolve: Callable[..., Any]) -> Callable[[Any], Any]:
    """The attribute read itself where strawberry's basic resolver would call `getattr`
    (its default resolver) with the field's Python name: one C call instead of three
    Python frames; otherwise the basic resolver."""
    definition = (field.extensions or {}).get("strawberry-definition")
    name = getattr(definition, "python_name", None)
    if name and getattr(definition, "default_resolver", None) is getattr:
        return attrgetter(name)
    return lambda source: resolve(source, None)


def _basic(read: Callable[..., Any]) -> bool:
    """strawberry's resolver of a field without resolver or extensions. It marks others
    `_is_default` too (a field whose extensions run on the default resolver), so the name
    of its basic resolver is checked as well."""
    return bool(getattr(read, "_is_default", False)) and read.__name__ == "_get_basic_result"


Leaves = dict[GraphQLObjectType, dict[str, Leaf]]

LeafSet = list[tuple[str, Leaf]] | None
"""A selection's fields by response name, when every one is a plain leaf."""

_LEAVES: "weakref.WeakKeyDictionary[GraphQLSchema, Leaves]" = weakref.WeakKeyDictionary()


def leaves_of(schema: GraphQLSchema) -> Leaves:
    """Every object type's plain scalar fields, found once per schema."""
    found = _LEAVES.get(schema)
    if found is None:
        found = {}
        for kind in schema.type_map.values():
            if is_object_type(kind):
                plain = {name: plain_leaf(field) for name, field in kind.fields.items()}
                found[kind] = {name: leaf for name, leaf in plain.items() if leaf is not None}
        _LEAVES[schema] = found
    return found


_NEVER_AWAITED: dict[type, bool] = {}


def is_awaitable(value: Any) -> TypeGuard[Awaitable[Any]]:
    """graphql-core's test, answered once per type.

    Every object a field returns is tested. On a pydantic model the test's
    `hasattr(value, "__await__")` goes through the model's `__getattr__`, which raises
    an AttributeError with a formatted message: about a microsecond, 650 times in a
    portfolio of 50 streams. `await` itself looks `__await__` up on the type, so a type
    without it (and not a coroutine or generator, whose instances differ) never makes an
    awaitable.
    """
    kind = type(value)
    never = _NEVER_AWAITED.get(kind)
    if never is None:
        never = _NEVER_AWAITED[kind] = not (
            issubclass(kind, CoroutineType | GeneratorType) or hasattr(kind, "__await__")
        )
    return False if never else optimized_is_awaitable(value)


class Execution(StrawberryGraphQLCoreExecutionContext):
    """strawberry's execution context, with plain scalar fields answered directly."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.is_awaitable = is_awaitable
        manager = self.middleware_manager
        self.leaves = leaves_of(self.schema) if not manager or not manager.middlewares else {}
        self.leaf_sets: dict[tuple[GraphQLObjectType, int], tuple[GroupedFieldSet, LeafSet]] = {}

    def execute_fields(
        self,
        parent_type: GraphQLObjectType,
        source_value: Any,
        path: Path | None,
        grouped_field_set: GroupedFieldSet,
        position_context: Any,
    ) -> Any:
        leaves = self._leaves_of_set(parent_type, grouped_field_set)
        if leaves is not None:
            results: dict[str, Any] = {}
            for response_name, leaf in leaves:
                answer = _answer(leaf, source_value)
                if answer is Undefined:
                    break
                results[response_name] = answer
            else:
                return results
        return super().execute_fields(
            parent_type, source_value, path, grouped_field_set, position_context
        )

    def complete_list_value(
        self,
        return_type: GraphQLList[Any],
        field_details_list: FieldDetailsList,
        info: GraphQLResolveInfo[Any],
        path: Path,
        result: Any,
        position_context: Any,
    ) -> Any:
        rows = self._plain_rows(return_type, field_details_list, path, result)
        if rows is not None:
            return rows
        return super().complete_list_value(
            return_type, field_details_list, info, path, result, position_context
        )

    def _plain_rows(
        self,
        return_type: GraphQLList[Any],
        field_details_list: FieldDetailsList,
        path: Path,
        result: Any,
    ) -> list[Any] | None:
        """A list of plain objects (a gate's criteria) answered item by item in one loop,
        or None where graphql-core's path must decide: an object whose type checks its
        values, a selection that defers or streams, an item that is not plain."""
        item_type = return_type.of_type
        kind = get_nullable_type(item_type)
        if not isinstance(result, list | tuple) or not is_object_type(kind) or kind.is_type_of:
            return None
        grouped, deferred, _ = self.collect_subfields(kind, field_details_list)
        if deferred or self.get_stream_usage(field_details_list, path) is not None:
            return None
        leaves = self._leaves_of_set(kind, grouped)
        if leaves is None:
            return None
        nullable = not is_non_null_type(item_type)
        rows: list[Any] = []
        for item in result:
            if item is None:
                if not nullable:
                    return None
                rows.append(None)
                continue
            row: dict[str, Any] = {}
            for response_name, leaf in leaves:
                answer = _answer(leaf, item)
                if answer is Undefined:
                    return None
                row[response_name] = answer
            rows.append(row)
        return rows

    def _leaves_of_set(
        self, parent_type: GraphQLObjectType, grouped_field_set: GroupedFieldSet
    ) -> LeafSet:
        """The selection's leaves when it selects plain scalar fields only, else None.

        graphql-core collects a list's items' selection once, so the same set comes back
        for each item; like its own memo this one is keyed by identity and keeps the set
        alive, so that an id is never reused within the query.
        """
        key = (parent_type, id(grouped_field_set))
        known = self.leaf_sets.get(key)
        if known is not None:
            return known[1]
        of_type = self.leaves.get(parent_type, {})
        leaves: list[tuple[str, Leaf]] | None = []
        for response_name, details in grouped_field_set.items():
            leaf = of_type.get(details[0].node.name.value)
            if leaf is None or leaves is None:
                leaves = None
                break
            leaves.append((response_name, leaf))
        self.leaf_sets[key] = (grouped_field_set, leaves)
        return leaves

    def execute_field(
        self,
        parent_type: GraphQLObjectType,
        source: Any,
        field_details_list: FieldDetailsList,
        path: Path,
        position_context: Any,
    ) -> Any | UndefinedType:
        of_type = self.leaves.get(parent_type)
        if of_type:
            leaf = of_type.get(field_details_list[0].node.name.value)
            if leaf is not None:
                answer = _answer(leaf, source)
                if answer is not Undefined:
                    return answer
        return super().execute_field(
            parent_type, source, field_details_list, path, position_context
        )


def _answer(leaf: Leaf, source: Any) -> Any:
    """The field's answer, or Undefined where the general path must decide (and explain)."""
    try:
        value = leaf.read(source)
        if isinstance(value, Exception):
            return Undefined
        if value is None:
            return Undefined if leaf.non_null else None
        coerced = leaf.coerce(value)
    except Exception:
        return Undefined
    return Undefined if coerced is None else coerced
