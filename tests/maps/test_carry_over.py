"""A new cycle's current-state map starts as a copy of where the last cycle meant to arrive."""

import itertools
from typing import Any

import pytest

from tests.api_client import Api
from tests.bdd import world
from tests.factories import Factory
from tests.problems import assert_problem


def drawn(factory: Factory, stream: dict[str, Any], kind: str, **extra: Any) -> dict[str, Any]:
    """A map of three steps in a row, the last two an hour and a day's wait."""
    stream_map = factory.map(stream, kind=kind, **extra)
    steps = [
        factory.step(stream_map, name=name, position=n, wait_time=wait)
        for n, (name, wait) in enumerate((("Order", None), ("Check", "PT1H"), ("Ship", "P1D")))
    ]
    for source, target in itertools.pairwise(steps):
        factory.handoff(stream_map, source, target)
    return stream_map


def next_cycle(admin: Api, factory: Factory) -> tuple[dict[str, Any], world.Stream]:
    """A stream with a current and a chosen desired map in cycle 1, now in cycle 2."""
    stream = world.create_stream(factory)
    ref = {"id": stream.id}
    drawn(factory, ref, "current", name="As is")
    drawn(factory, ref, "desired", name="To be", chosen=True)
    world.bring_to(admin, stream, "execution")
    admin.ok(world.move(admin, stream, "iterate", force=True, justification="next cycle"), 201)
    return ref, stream


def test_the_chosen_desired_map_becomes_the_next_cycles_current_map(
    admin: Api, editor: Api, factory: Factory
) -> None:
    ref, _stream = next_cycle(admin, factory)

    made = editor.ok(editor.post(f"/api/v1/value-streams/{ref['id']}/maps/carry-over", {}), 201)

    assert (made["kind"], made["cycle"], made["name"], made["chosen"]) == (
        "current",
        2,
        "To be",
        False,
    )
    steps = editor.ok(editor.get(f"/api/v1/maps/{made['id']}/steps"))["items"]
    assert [s["name"] for s in steps] == ["Order", "Check", "Ship"]
    handoffs = editor.ok(editor.get(f"/api/v1/maps/{made['id']}/handoffs"))["items"]
    assert len(handoffs) == 2
    metrics = editor.ok(editor.get(f"/api/v1/maps/{made['id']}/metrics"))
    assert metrics["lead_time_seconds"] == 25 * 3600


def test_a_cycle_has_one_current_map_and_the_first_has_nothing_to_carry(
    admin: Api, editor: Api, factory: Factory
) -> None:
    ref, _stream = next_cycle(admin, factory)
    url = f"/api/v1/value-streams/{ref['id']}/maps/carry-over"
    editor.ok(editor.post(url, {"name": "Cycle 2 as is"}), 201)

    assert_problem(editor.post(url, {}), 409, field="kind")
    first = factory.value_stream()
    assert_problem(
        editor.post(f"/api/v1/value-streams/{first['id']}/maps/carry-over", {}),
        422,
        field="from_map_id",
    )


@pytest.mark.parametrize(
    ("body", "field"),
    [({"name": ""}, "name"), ({"from_map_id": "not-an-id"}, "from_map_id"), ({"x": 1}, "x")],
)
def test_bad_bodies_are_refused(
    editor: Api, factory: Factory, body: dict[str, Any], field: str
) -> None:
    stream = factory.value_stream()

    answer = editor.post(f"/api/v1/value-streams/{stream['id']}/maps/carry-over", body)

    assert_problem(answer, 422, field=field)


def test_a_map_of_this_cycle_or_of_another_stream_is_no_source(
    admin: Api, editor: Api, factory: Factory
) -> None:
    ref, _stream = next_cycle(admin, factory)
    this_cycle = drawn(factory, ref, "desired", name="Cycle 2 draft")
    other = factory.map(factory.value_stream())
    url = f"/api/v1/value-streams/{ref['id']}/maps/carry-over"

    for source in (this_cycle, other):
        answer = editor.post(url, {"from_map_id": source["id"]})
        assert_problem(answer, 422, field="from_map_id")


def test_graphql_carries_over_the_same_way(admin: Api, editor: Api, factory: Factory) -> None:
    ref, _stream = next_cycle(admin, factory)

    answer = editor.graphql(
        'mutation($s: ID!) { carryOverMap(valueStreamId: $s, name: "Again") '
        "{ kind cycle name steps { name } } }",
        {"s": ref["id"]},
    )

    assert "errors" not in answer, answer
    made = answer["data"]["carryOverMap"]
    assert (made["kind"], made["cycle"], made["name"]) == ("current", 2, "Again")
    assert [s["name"] for s in made["steps"]] == ["Order", "Check", "Ship"]
