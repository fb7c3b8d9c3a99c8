"""Plain scalar fields answered directly give exactly what graphql-core's general path gives."""

import enum
import types
from collections.abc import Iterator
from typing import Any

import pytest
import strawberry
from pydantic import BaseModel
from strawberry.extensions import SchemaExtension
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from api.graphql import execution
from api.graphql.execution import Execution, is_awaitable, leaves_of
from api.graphql.schema import build_schema
from core.config import Settings


@strawberry.enum
class Phase(enum.Enum):
    PLANNING = "planning"
    MAPPING = "mapping"


@strawberry.type
class Step:
    name: str
    minutes: int
    note: str | None
    phase: Phase

    @strawberry.field
    def shout(self) -> str:
        return self.name.upper()


class Raw:
    """A source whose attributes may break the schema's promises, as a buggy service might."""

    def __init__(self, **values: Any) -> None:
        self.__dict__.update(values)


STEPS: list[Any] = []


@strawberry.type
class Query:
    @strawberry.field(graphql_type=list[Step])
    def steps(self) -> list[Any]:
        return STEPS

    @strawberry.field(graphql_type=list[Step | None])
    def gaps(self) -> list[Any]:
        return STEPS

    @strawberry.field(graphql_type=Step | None)
    def first(self) -> Any:
        return STEPS[0]


QUERY = "{ steps { name minutes note phase shout } }"
PLAIN_QUERIES = [
    pytest.param("{ steps { name minutes note phase } }", id="a list of plain objects"),
    pytest.param("{ gaps { name minutes note phase } }", id="a list that may hold nulls"),
    pytest.param("{ first { name minutes note phase } }", id="one plain object"),
    pytest.param("{ steps { a: name b: name phase } }", id="aliases"),
]


def run(
    context: type, steps: list[Any], *extensions: type[SchemaExtension], query: str = QUERY
) -> Any:
    STEPS[:] = steps
    schema = strawberry.Schema(
        query=Query, execution_context_class=context, extensions=list(extensions)
    )
    result = schema.execute_sync(query)
    return result.data, [(e.message, e.path) for e in result.errors or []]


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The names of the fields the direct path answered."""
    answered: list[str] = []
    original = execution._answer

    def counting(leaf: execution.Leaf, source: Any) -> Any:
        answer = original(leaf, source)
        if answer is not execution.Undefined:
            answered.append(str(answer))
        return answer

    monkeypatch.setattr(execution, "_answer", counting)
    yield answered


def test_plain_fields_are_answered_directly_and_resolvers_as_before(counted: list[str]) -> None:
    steps = [Step(name="Approve", minutes=30, note=None, phase=Phase.MAPPING)]

    fast = run(Execution, steps)

    assert fast == run(StrawberryGraphQLCoreExecutionContext, steps)
    assert fast[0] == {
        "steps": [
            {"name": "Approve", "minutes": 30, "note": None, "phase": "MAPPING", "shout": "APPROVE"}
        ]
    }
    assert counted == ["Approve", "30", "None", "MAPPING"]


@pytest.mark.parametrize(
    "broken",
    [
        pytest.param({"name": None}, id="null for a non-null field"),
        pytest.param({"minutes": "thirty"}, id="a value its scalar refuses"),
        pytest.param({"minutes": 2**40}, id="an Int past 32 bits"),
        pytest.param({"phase": "archived"}, id="no such enum value"),
        pytest.param({"name": object()}, id="an object for a String"),
        pytest.param({"name": KeyError("gone")}, id="an exception for a value"),
    ],
)
def test_a_broken_value_gets_the_general_paths_error(broken: dict[str, Any]) -> None:
    values = {"name": "Approve", "minutes": 30, "note": None, "phase": Phase.PLANNING}
    steps = [Raw(**{**values, **broken})]

    fast = run(Execution, steps)

    assert fast == run(StrawberryGraphQLCoreExecutionContext, steps)
    assert fast[1], "the broken value must be reported"


@pytest.mark.parametrize("query", PLAIN_QUERIES)
def test_objects_of_plain_fields_alone_are_answered_in_one_loop(
    monkeypatch: pytest.MonkeyPatch, query: str
) -> None:
    executed: list[str] = []
    one_by_one = Execution.execute_field

    def watched(self: Execution, parent_type: Any, source: Any, details: Any, *rest: Any) -> Any:
        executed.append(details[0].node.name.value)
        return one_by_one(self, parent_type, source, details, *rest)

    monkeypatch.setattr(Execution, "execute_field", watched)
    steps = [Step(name="Approve", minutes=30, note=None, phase=Phase.MAPPING)] * 2

    fast = run(Execution, steps, query=query)

    assert fast == run(StrawberryGraphQLCoreExecutionContext, steps, query=query)
    assert not fast[1]
    assert len(executed) == 1, "only the root field goes field by field"


@pytest.mark.parametrize("query", PLAIN_QUERIES)
@pytest.mark.parametrize(
    "steps",
    [
        pytest.param([Raw(name=None, minutes=1, note=None, phase=Phase.PLANNING)], id="null name"),
        pytest.param([Raw(name="A", minutes="x", note=None, phase=Phase.PLANNING)], id="bad Int"),
        pytest.param([None], id="a null item"),
        pytest.param([Raw(name="A", minutes=1, note=None, phase="gone")], id="bad enum"),
    ],
)
def test_a_broken_item_of_plain_objects_gets_the_general_paths_answer(
    query: str, steps: list[Any]
) -> None:
    fast = run(Execution, steps, query=query)

    assert fast == run(StrawberryGraphQLCoreExecutionContext, steps, query=query)


def test_a_middleware_sees_every_field(counted: list[str]) -> None:
    seen: list[str] = []

    class Watch(SchemaExtension):
        def resolve(self, _next: Any, root: Any, info: Any, *args: Any, **kwargs: Any) -> Any:
            seen.append(info.field_name)
            return _next(root, info, *args, **kwargs)

    run(Execution, [Step(name="Approve", minutes=30, note="n", phase=Phase.PLANNING)], Watch)

    assert seen == ["steps", "name", "minutes", "note", "phase", "shout"]
    assert counted == []


class Model(BaseModel):
    name: str


class Ready:
    def __await__(self) -> Iterator[None]:
        yield None


async def coroutine() -> None:
    return None


@types.coroutine
def generator_coroutine() -> Iterator[None]:
    yield None


def test_awaitables_are_told_from_plain_objects_by_their_type() -> None:
    running = coroutine()
    try:
        assert is_awaitable(running)
    finally:
        running.close()
    assert is_awaitable(Ready())
    assert is_awaitable(generator_coroutine())
    assert not is_awaitable(Model(name="Approve"))
    assert not is_awaitable(Step(name="Approve", minutes=1, note=None, phase=Phase.PLANNING))
    assert not is_awaitable(iter(()))


def test_the_services_schema_answers_its_plain_fields_directly() -> None:
    """Guards the marker strawberry puts on its basic resolver, which an upgrade could drop."""
    schema = build_schema(Settings())._schema

    leaves = {kind.name: set(fields) for kind, fields in leaves_of(schema).items()}

    assert {"name", "phase", "version"} <= leaves["ValueStream"]
    assert {"key", "passed"} <= leaves["GateCriterion"]
    assert "phaseName" in leaves["PortfolioEntry"]
