"""What a GraphQL operation may cost, judged from the document before anything runs.

Depth, alias and token limits bound a document's size, not its work: thirty aliases of
`portfolio(first: 100)` are a small document that computes three thousand gates. So every
operation is priced statically, as the large public GraphQL APIs do, and refused with
`QUERY_TOO_COSTLY` (naming its cost and the budget) when it costs more than
`VSM_GRAPHQL_MAX_COST`:

- a field costs its weight plus the cost of its selection; a leaf (scalar, enum) weighs
  0, an object 1, a mutation 10, and fields that compute (gates, map metrics,
  comparisons, flow metrics, classification, exports) declare their own weight next to
  their definition with `@cost(weight: ...)`, which the published SDL shows;
- a list costs its size times (weight + selection): a connection's page is its `first`
  (literal, variable or the default page size), a plain list counts `LIST_SIZE` items;
  a connection field's own weight is paid per item of its page (the portfolio computes
  a gate for every stream on it, selected or not);
- aliases and fragments add up as they are spread; `@skip`/`@include` are not
  evaluated (the price is an upper bound).
"""

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import strawberry
from graphql import (
    DocumentNode,
    ExecutionResult,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLList,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
    get_named_type,
    get_nullable_type,
    is_composite_type,
)
from strawberry.extensions import SchemaExtension
from strawberry.schema_directive import Location

from core.pagination import DEFAULT_LIMIT, MAX_LIMIT

LIST_SIZE = 10
"""Items assumed in a list without `first` (steps, criteria, participants...)."""
OBJECT_WEIGHT = 1
MUTATION_WEIGHT = 10
INTROSPECTION_WEIGHT = 100
"""`__schema` and `__type` at a flat price: bounded by the schema, and what tools ask first."""
PAGED = frozenset({"edges", "nodes"})


@strawberry.schema_directive(
    locations=[Location.FIELD_DEFINITION],
    name="cost",
    description="What resolving this field once costs toward the query budget "
    "(for a connection: each item of its page).",
)
class Cost:
    weight: int


@dataclass
class _Walk:
    variables: dict[str, Any]
    defaults: dict[str, Any]
    fragments: dict[str, FragmentDefinitionNode]
    spreading: set[str] = field(default_factory=set)


class Pricing:
    """The price list of one schema, read once from its `@cost` declarations."""

    def __init__(self, schema: GraphQLSchema) -> None:
        self.schema = schema
        self.weights: dict[tuple[str, str], int] = {}
        for type_ in schema.type_map.values():
            if isinstance(type_, GraphQLObjectType) and not type_.name.startswith("__"):
                for name, definition in type_.fields.items():
                    declared = _declared_weight(definition.extensions)
                    if declared is not None:
                        self.weights[(type_.name, name)] = declared
        mutation = schema.mutation_type
        if mutation is not None:
            for name in mutation.fields:
                self.weights.setdefault((mutation.name, name), MUTATION_WEIGHT)

    def price(
        self, document: DocumentNode, operation_name: str | None, variables: dict[str, Any]
    ) -> int:
        """The cost of the operation that would run; 0 when none can (execution says why)."""
        operation = _operation(document, operation_name)
        if operation is None:
            return 0
        root = self.schema.get_root_type(operation.operation)
        if root is None:
            return 0
        walk = _Walk(
            variables=variables or {},
            defaults={
                d.variable.name.value: d.default_value for d in operation.variable_definitions or ()
            },
            fragments={
                d.name.value: d
                for d in document.definitions
                if isinstance(d, FragmentDefinitionNode)
            },
        )
        return self._selections(root, operation.selection_set, walk, page=None)

    def _selections(
        self,
        parent: GraphQLNamedType,
        selection_set: SelectionSetNode | None,
        walk: _Walk,
        page: int | None,
    ) -> int:
        if selection_set is None:
            return 0
        total = 0
        for type_, node in self._fields(parent, selection_set, walk):
            total += self._field(type_, node, walk, page)
        return total

    def _fields(
        self, parent: GraphQLNamedType, selection_set: SelectionSetNode, walk: _Walk
    ) -> Iterator[tuple[GraphQLNamedType, FieldNode]]:
        """The fields a selection set asks for, fragments spread, with their parent type."""
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                yield parent, selection
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                inner = self.schema.get_type(condition.name.value) if condition else parent
                yield from self._fields(inner or parent, selection.selection_set, walk)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                fragment = walk.fragments.get(name)
                if fragment is None or name in walk.spreading:
                    continue
                walk.spreading.add(name)
                inner = self.schema.get_type(fragment.type_condition.name.value)
                yield from self._fields(inner or parent, fragment.selection_set, walk)
                walk.spreading.discard(name)

    def _field(
        self, parent: GraphQLNamedType, node: FieldNode, walk: _Walk, page: int | None
    ) -> int:
        name = node.name.value
        if name in ("__schema", "__type"):
            return INTROSPECTION_WEIGHT
        fields = getattr(parent, "fields", {})
        if name not in fields:
            return 0  # __typename, or a field validation has refused already
        definition = fields[name]
        named = get_named_type(definition.type)
        default = OBJECT_WEIGHT if is_composite_type(named) else 0
        weight = self.weights.get((parent.name, name), default)
        if "first" in definition.args:
            size = self._first(node, walk)
            return size * weight + self._selections(named, node.selection_set, walk, page=size)
        selection = self._selections(named, node.selection_set, walk, page=None)
        if isinstance(get_nullable_type(definition.type), GraphQLList):
            size = page if page is not None and name in PAGED else LIST_SIZE
            return size * (weight + selection)
        return weight + selection

    @staticmethod
    def _first(node: FieldNode, walk: _Walk) -> int:
        value: Any = None
        for argument in node.arguments or ():
            if argument.name.value != "first":
                continue
            given = argument.value
            if isinstance(given, VariableNode):
                variable = given.name.value
                value = walk.variables.get(variable)
                if value is None and isinstance(walk.defaults.get(variable), IntValueNode):
                    value = int(walk.defaults[variable].value)
            elif isinstance(given, IntValueNode):
                value = int(given.value)
        if not isinstance(value, int) or isinstance(value, bool):
            return DEFAULT_LIMIT
        return max(0, min(value, MAX_LIMIT))


def _declared_weight(extensions: dict[str, Any] | None) -> int | None:
    definition = (extensions or {}).get("strawberry-definition")
    for directive in getattr(definition, "directives", None) or ():
        if isinstance(directive, Cost):
            return directive.weight
    return None


def _operation(document: DocumentNode, name: str | None) -> OperationDefinitionNode | None:
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if name is None:
        return operations[0] if len(operations) == 1 else None
    return next((o for o in operations if o.name and o.name.value == name), None)


class CostLimit(SchemaExtension):
    """Refuses an operation that costs more than the budget, before any resolver runs."""

    def __init__(self, pricing: Pricing, budget: int) -> None:
        self.pricing = pricing
        self.budget = budget

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        assert context.graphql_document is not None
        cost = self.pricing.price(
            context.graphql_document, context.operation_name, context.variables or {}
        )
        if cost > self.budget:
            context.result = ExecutionResult(
                data=None,
                errors=[
                    GraphQLError(
                        f"this operation costs {cost}, more than the budget of {self.budget}: "
                        "ask for smaller pages (first), fewer aliases or fewer computed "
                        "fields (see @cost in the schema)",
                        extensions={
                            "code": "QUERY_TOO_COSTLY",
                            "cost": cost,
                            "budget": self.budget,
                        },
                    )
                ],
            )
        yield
