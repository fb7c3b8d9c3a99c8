"""Parity cases for records with the usual five operations, generated from one spec each.

Most records (participants, risks, steps, targets...) are read, listed, created,
changed (If-Match / expectedVersion) and deleted alike on both transports. A
`Resource` says where one lives and how to arrange its parent; `cases` turns it into
real parity cases: each runs both transports and compares the stored state (for the
writes) or the answers (for the reads), so a drift in either transport fails it.

A read's GraphQL selection is every field of the type that needs no argument and is
a leaf, or an object of leaves; the REST answer is read on the same keys, and any key
REST answers beyond them must be named in `rest_only` with the reason.
"""

import re
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import graphql

from api.graphql.sdl import SDL_FILE
from tests.api_client import Api
from tests.factories import Factory
from tests.parity.harness import (
    Case,
    QueryCase,
    Twin,
    camel,
    camel_keys,
    comparable,
    graphql_data,
    graphql_refusal,
    rest_json,
    rest_refusal,
    snake,
)

ABSENT = "<absent>"

GraphqlRead = Callable[[Api, Twin, str], Any]


@cache
def _schema() -> graphql.GraphQLSchema:
    return graphql.build_schema(SDL_FILE.read_text(encoding="utf-8"))


def _costly(definition: graphql.GraphQLField) -> bool:
    node = definition.ast_node
    return node is not None and any(d.name.value == "cost" for d in node.directives or ())


def _selectable(definition: graphql.GraphQLField) -> bool:
    required = any(graphql.is_required_argument(a) for a in definition.args.values())
    return not required and not _costly(definition)


def _of_leaves(definition: graphql.GraphQLField) -> bool:
    kind = graphql.get_nullable_type(definition.type)
    return isinstance(kind, graphql.GraphQLObjectType) and all(
        graphql.is_leaf_type(graphql.get_named_type(f.type)) for f in kind.fields.values()
    )


def _list_of_leaves(definition: graphql.GraphQLField) -> bool:
    """A list of objects of leaves that is part of the record (a finding's rules), not a
    list of other records, which GraphQL reaches with a filter and REST by their own URL."""
    kind = graphql.get_nullable_type(definition.type)
    return (
        isinstance(kind, graphql.GraphQLList)
        and not definition.args
        and _of_leaves(graphql.GraphQLField(kind.of_type))
    )


@cache
def _fields(type_name: str) -> dict[str, str]:
    """Each compared field of `type_name`, by its name, with its selection."""
    kind = _schema().get_type(type_name)
    assert isinstance(kind, graphql.GraphQLObjectType), type_name
    chosen = {}
    for name, definition in kind.fields.items():
        if not _selectable(definition):
            continue
        if graphql.is_leaf_type(graphql.get_named_type(definition.type)):
            chosen[name] = name
        elif _of_leaves(definition) or _list_of_leaves(definition):
            inner = graphql.get_named_type(definition.type)
            chosen[name] = f"{name} {{ {' '.join(_fields(inner.name))} }}"
    return chosen


def selection(type_name: str, leave_out: Collection[str] = ()) -> str:
    """The fields of `type_name` an answer is compared on, less those in `leave_out`."""
    return " ".join(v for k, v in _fields(type_name).items() if snake(k) not in leave_out)


def _keys(resource: "Resource") -> list[str]:
    fields = (snake(name) for name in _fields(resource.type_name))
    return [name for name in fields if name not in resource.graphql_only]


@dataclass(frozen=True)
class Resource:
    """One kind of record and how each transport reaches it.

    `item` and `collection` are the REST paths as the OpenAPI document names them;
    `arrange` makes the parent (twin key `parent`) and what bodies refer to, `make`
    one record in it; `create` and `update` are REST bodies, sent to GraphQL with
    camelCase keys. `read_all` answers the parent's records through GraphQL,
    `read_one` one record by id (default: found among `read_all`). `rest_only` and
    `graphql_only` name the fields one transport answers and the other reaches another
    way, each with where.
    """

    noun: str
    type_name: str
    item: str
    collection: str | None
    arrange: Callable[[Factory], Twin]
    make: Callable[[Factory, Twin], dict[str, Any]]
    create: Callable[[Twin], dict[str, Any]]
    update: Callable[[Twin], dict[str, Any]]
    read_all: GraphqlRead
    reads_via: tuple[str, ...]
    read_one: Callable[[Api, Twin, str, str], Any] | None = None
    one_via: tuple[str, ...] = ()
    parent_argument: str | None = "valueStreamId"
    rest_only: dict[str, str] = field(default_factory=dict)
    graphql_only: dict[str, str] = field(default_factory=dict)
    skip: frozenset[str] = frozenset()

    def item_url(self, ident: str) -> str:
        return self.item.replace(self.item[self.item.rindex("{") :], ident)

    def collection_url(self, twin: Twin) -> str:
        assert self.collection is not None
        parent = twin["parent"]["id"] if "parent" in twin else ""
        return self.collection.replace("{parent_id}", parent)

    @property
    def title(self) -> str:
        return "".join(part.title() for part in self.noun.split("_"))

    @property
    def label(self) -> str:
        return self.noun.replace("_", " ")

    @property
    def one(self) -> str:
        return f"{'an' if self.label[0] in 'aeiou' else 'a'} {self.label}"


def nested(root: str, field_name: str, argument: str = "id") -> GraphqlRead:
    """A parent's records as `root(id) { field_name { ... } }` answers them."""

    def read(api: Api, twin: Twin, chosen: str) -> Any:
        text = f"query($p: ID!) {{ {root}({argument}: $p) {{ {field_name} {{ {chosen} }} }} }}"
        return graphql_data(api, text, p=twin["parent"]["id"])[root][field_name]

    return read


def connection(root: str) -> GraphqlRead:
    """The records of a root connection, as its first page answers them."""

    def read(api: Api, _twin: Twin, chosen: str) -> Any:
        return graphql_data(api, f"{{ {root} {{ nodes {{ {chosen} }} }} }}")[root]["nodes"]

    return read


def by_id(root: str) -> Callable[[Api, Twin, str, str], Any]:
    """One record as `root(id)` answers it."""

    def read(api: Api, _twin: Twin, ident: str, chosen: str) -> Any:
        return graphql_data(api, f"query($i: ID!) {{ {root}(id: $i) {{ {chosen} }} }}", i=ident)[
            root
        ]

    return read


def _on_keys(resource: Resource, answer: dict[str, Any]) -> dict[str, Any]:
    keys = _keys(resource)
    extra = set(answer) - set(keys) - set(resource.rest_only)
    assert not extra, f"REST answers {sorted(extra)} that GraphQL's {resource.type_name} lacks"
    return {k: answer.get(k, ABSENT) for k in keys}


def _rest_one(resource: Resource) -> Callable[[Api, Twin], Any]:
    def read(api: Api, twin: Twin) -> Any:
        return comparable(_on_keys(resource, rest_json(api, resource.item_url(twin["it"]["id"]))))

    return read


def _graphql_one(resource: Resource) -> Callable[[Api, Twin], Any]:
    chosen = selection(resource.type_name, resource.graphql_only)

    def read(api: Api, twin: Twin) -> Any:
        ident = twin["it"]["id"]
        if resource.read_one is not None:
            found = resource.read_one(api, twin, ident, chosen)
        else:
            found = next(r for r in resource.read_all(api, twin, chosen) if r["id"] == ident)
        return comparable(found)

    return read


def _rest_all(resource: Resource) -> Callable[[Api, Twin], Any]:
    def read(api: Api, twin: Twin) -> Any:
        page = rest_json(api, resource.collection_url(twin))
        return [comparable(_on_keys(resource, item)) for item in page["items"]]

    return read


def _graphql_all(resource: Resource) -> Callable[[Api, Twin], Any]:
    chosen = selection(resource.type_name, resource.graphql_only)

    def read(api: Api, twin: Twin) -> Any:
        return [comparable(r) for r in resource.read_all(api, twin, chosen)]

    return read


def _with_one(resource: Resource) -> Callable[[Factory, Factory], Twin]:
    def arrange(factory: Factory, _admin: Factory) -> Twin:
        twin = resource.arrange(factory)
        return {**twin, "it": resource.make(factory, twin)}

    return arrange


def _observe(resource: Resource, key: str) -> Callable[[Api, Twin], Any]:
    """The record as REST reads it (or that it is gone), and its parent's records."""

    def observe(api: Api, twin: Twin) -> Any:
        answer = api.get(resource.item_url(twin[key]["id"]))
        found = answer.status_code == 200
        seen: dict[str, Any] = {"status": answer.status_code, "record": found and answer.json()}
        if resource.collection is not None and "{parent_id}" in resource.collection:
            seen["all"] = rest_json(api, resource.collection_url(twin))["items"]
        return seen

    return observe


def _remember(twin: Twin, made: dict[str, Any]) -> dict[str, Any]:
    twin["made"] = {"id": made["id"]}
    return made


def _create_rest(resource: Resource) -> Callable[[Api, Twin], Any]:
    def create(api: Api, twin: Twin) -> Any:
        url = resource.collection_url(twin)
        answered = api.post(url, resource.create(twin))
        _remember(twin, api.ok(answered, 201))
        return answered

    return create


def _create_graphql(resource: Resource) -> Callable[[Api, Twin], Any]:
    field_name = f"create{resource.title}"
    input_type = f"{resource.title}CreateInput"

    def create(api: Api, twin: Twin) -> Any:
        body = camel_keys(resource.create(twin))
        if resource.parent_argument is None:
            text = f"mutation($in: {input_type}!) {{ {field_name}(input: $in) {{ id }} }}"
            data = graphql_data(api, text, **{"in": body})
        else:
            text = (
                f"mutation($p: ID!, $in: {input_type}!) {{ {field_name}("
                f"{resource.parent_argument}: $p, input: $in) {{ id }} }}"
            )
            data = graphql_data(api, text, p=twin["parent"]["id"], **{"in": body})
        return _remember(twin, data[field_name])

    return create


def _update_graphql(resource: Resource) -> Callable[[Api, Twin], Any]:
    field_name = f"update{resource.title}"
    text = (
        f"mutation($i: ID!, $v: Int!, $in: {resource.title}UpdateInput!) {{ "
        f"{field_name}(id: $i, expectedVersion: $v, input: $in) {{ id }} }}"
    )

    def update(api: Api, twin: Twin) -> Any:
        body = camel_keys(resource.update(twin))
        return graphql_data(api, text, i=twin["it"]["id"], v=twin["it"]["version"], **{"in": body})

    return update


def _delete_graphql(resource: Resource) -> Callable[[Api, Twin], Any]:
    field_name = f"delete{resource.title}"
    text = f"mutation($i: ID!, $v: Int!) {{ {field_name}(id: $i, expectedVersion: $v) }}"

    def delete(api: Api, twin: Twin) -> Any:
        return graphql_data(api, text, i=twin["it"]["id"], v=twin["it"]["version"])

    return delete


def cases(resource: Resource) -> list[Case | QueryCase]:
    """The parity cases of `resource`'s operations, less those in its `skip`."""
    arrange_one = _with_one(resource)
    made: list[Case | QueryCase] = []
    if "read" not in resource.skip:
        made.append(
            QueryCase(
                name=f"read {resource.one}",
                rest=(f"GET {resource.item}",),
                graphql=resource.one_via or resource.reads_via,
                arrange=arrange_one,
                via_rest=_rest_one(resource),
                via_graphql=_graphql_one(resource),
            )
        )
    if resource.collection is not None and "list" not in resource.skip:
        made.append(
            QueryCase(
                name=f"list the {resource.label}s",
                rest=(f"GET {resource.collection}",),
                graphql=resource.reads_via,
                arrange=arrange_one,
                via_rest=_rest_all(resource),
                via_graphql=_graphql_all(resource),
            )
        )
    if resource.collection is not None and "create" not in resource.skip:
        made.append(
            Case(
                name=f"create {resource.one}",
                rest=(f"POST {resource.collection}",),
                graphql=(f"create{resource.title}",),
                arrange=lambda f, _a: resource.arrange(f),
                via_rest=_create_rest(resource),
                via_graphql=_create_graphql(resource),
                observe=_observe(resource, "made"),
            )
        )
    if "update" not in resource.skip:
        made.append(
            Case(
                name=f"change {resource.one}",
                rest=(f"PATCH {resource.item}",),
                graphql=(f"update{resource.title}",),
                arrange=arrange_one,
                via_rest=lambda api, t: api.patch(
                    resource.item_url(t["it"]["id"]),
                    resource.update(t),
                    if_match=t["it"]["version"],
                ),
                via_graphql=_update_graphql(resource),
                observe=_observe(resource, "it"),
            )
        )
    if "delete" not in resource.skip:
        made.append(
            Case(
                name=f"delete {resource.one}",
                rest=(f"DELETE {resource.item}",),
                graphql=(f"delete{resource.title}",),
                arrange=arrange_one,
                via_rest=lambda api, t: api.delete(
                    resource.item_url(t["it"]["id"]), if_match=t["it"]["version"]
                ),
                via_graphql=_delete_graphql(resource),
                observe=_observe(resource, "it"),
            )
        )
    return made


def root_argument_types(root: str) -> dict[str, str]:
    """The GraphQL type of each argument of the root query field `root`."""
    query = _schema().query_type
    assert query is not None
    return {name: str(arg.type) for name, arg in query.fields[root].args.items()}


def _argument_types(root: str, field_name: str) -> dict[str, str]:
    """The GraphQL type of each argument of `field_name` on the type `root` answers."""
    query = _schema().query_type
    assert query is not None
    parent = graphql.get_named_type(query.fields[root].type)
    assert isinstance(parent, graphql.GraphQLObjectType), root
    return {name: str(arg.type) for name, arg in parent.fields[field_name].args.items()}


def _root_argument_types(root: str) -> dict[str, str]:
    """The GraphQL type of each argument of the root field `root`."""
    query = _schema().query_type
    assert query is not None
    return {name: str(arg.type) for name, arg in query.fields[root].args.items()}


def refused(
    resource: Resource,
    name: str,
    *,
    query: dict[str, Any],
    through: tuple[str, str],
) -> QueryCase:
    """A filter value out of its bounds, sent to the collection and to the list field.

    Both transports refuse it with the same code, naming the same parameters, REST's
    as REST names them and GraphQL's arguments in camelCase. `query` is sent as REST's
    query and as variables of the field `through` names, declared as its arguments.
    """
    root, field_name = through
    types = _argument_types(root, field_name)
    variables = {camel(key): value for key, value in query.items()}
    declared = "".join(f", ${key}: {types[key]}" for key in variables)
    passed = ", ".join(f"{key}: ${key}" for key in variables)
    text = f"query($p: ID!{declared}) {{ {root}(id: $p) {{ {field_name}({passed}) {{ id }} }} }}"

    def via_rest(api: Api, twin: Twin) -> Any:
        return rest_refusal(api.get(resource.collection_url(twin), params=query), camel)

    def via_graphql(api: Api, twin: Twin) -> Any:
        return graphql_refusal(api.graphql(text, {"p": twin["parent"]["id"], **variables}))

    return QueryCase(
        name=name,
        rest=(f"GET {resource.collection}",),
        graphql=(root,),
        arrange=lambda f, _a: resource.arrange(f),
        via_rest=via_rest,
        via_graphql=via_graphql,
    )


def refused_at_root(
    name: str,
    *,
    rest: str,
    root: str,
    query: dict[str, Any],
    arrange: Callable[[Factory, Factory], Twin] = lambda _f, _a: {},
    parent: Callable[[Twin], str] = lambda _t: "",
    given: Callable[[Twin], dict[str, Any]] = lambda _t: {},
    selection: str = "nodes { id }",
) -> QueryCase:
    """`refused` for a list that is a root field, its other arguments `given`.

    `rest` is the list's GET path as OpenAPI names it; `parent` fills its `{...}`.
    """
    types = _root_argument_types(root)
    variables = {camel(key): value for key, value in query.items()}

    def via_rest(api: Api, twin: Twin) -> Any:
        url = re.sub(r"\{[^}]+\}", parent(twin), rest)
        return rest_refusal(api.get(url, params=query), camel)

    def via_graphql(api: Api, twin: Twin) -> Any:
        sent = {**given(twin), **variables}
        declared = ", ".join(f"${key}: {types[key]}" for key in sent)
        passed = ", ".join(f"{key}: ${key}" for key in sent)
        text = f"query({declared}) {{ {root}({passed}) {{ {selection} }} }}"
        return graphql_refusal(api.graphql(text, sent))

    return QueryCase(
        name=name,
        rest=(f"GET {rest}",),
        graphql=(root,),
        arrange=arrange,
        via_rest=via_rest,
        via_graphql=via_graphql,
    )


def filtered(
    resource: Resource,
    name: str,
    *,
    arrange: Callable[[Factory, Twin], Twin],
    query: Callable[[Twin], dict[str, Any]],
    through: tuple[str, str],
) -> QueryCase:
    """The parent's records filtered by REST's query parameters and by the same arguments.

    `arrange` adds records to the resource's own arrangement, some the filter keeps and
    some it leaves out; `query` is the REST query of the twin, passed to the GraphQL
    field `through` names (a root field taking the parent's id, and its list field) as
    variables with camelCase names.
    """
    root, field_name = through
    types = _argument_types(root, field_name)
    chosen = selection(resource.type_name, resource.graphql_only)

    def via_rest(api: Api, twin: Twin) -> Any:
        page = rest_json(api, resource.collection_url(twin), **query(twin))
        return [comparable(_on_keys(resource, item)) for item in page["items"]]

    def via_graphql(api: Api, twin: Twin) -> Any:
        variables = {camel(key): value for key, value in query(twin).items()}
        declared = "".join(f", ${key}: {types[key]}" for key in variables)
        passed = ", ".join(f"{key}: ${key}" for key in variables)
        text = (
            f"query($p: ID!{declared}) {{ {root}(id: $p) {{ "
            f"{field_name}({passed}) {{ {chosen} }} }} }}"
        )
        found = graphql_data(api, text, p=twin["parent"]["id"], **variables)[root][field_name]
        return [comparable(record) for record in found]

    return QueryCase(
        name=name,
        rest=(f"GET {resource.collection}",),
        graphql=(root,),
        arrange=lambda f, _a: arrange(f, resource.arrange(f)),
        via_rest=via_rest,
        via_graphql=via_graphql,
    )
