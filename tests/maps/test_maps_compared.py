"""Any two maps of a value stream compared: planned against what came about, cycle on cycle."""

from typing import Any

from tests.api_client import Api
from tests.factories import Factory
from tests.maps.test_carry_over import drawn, next_cycle
from tests.problems import assert_problem


def test_a_later_map_against_an_earlier_one(editor: Api, factory: Factory) -> None:
    """Waits of an hour and a day (25 h) against a flow whose only wait is an hour: the
    lead time falls by 24 hours, 96 % of the earlier value."""
    stream = factory.value_stream()
    before = drawn(factory, stream, "current")
    after = factory.map(stream, kind="desired", name="Faster")
    order = factory.step(after, name="Order", position=0)
    ship = factory.step(after, name="Ship", position=1, wait_time="PT1H")
    factory.handoff(after, order, ship)

    answer = editor.ok(editor.get(f"/api/v1/maps/{before['id']}/compared-with/{after['id']}"))

    assert (answer["before_map_id"], answer["after_map_id"]) == (before["id"], after["id"])
    lead = answer["changes"]["lead_time_seconds"]
    assert (lead["before"], lead["after"], lead["absolute_change"]) == (90_000, 3_600, -86_400)
    assert lead["percent_change"] == -96.0


def test_one_cycles_current_state_against_the_next(
    admin: Api, editor: Api, factory: Factory
) -> None:
    ref, _stream = next_cycle(admin, factory)
    maps = editor.ok(editor.get(f"/api/v1/value-streams/{ref['id']}/maps"))["items"]
    first = next(m for m in maps if m["kind"] == "current" and m["cycle"] == 1)
    second = editor.ok(editor.post(f"/api/v1/value-streams/{ref['id']}/maps/carry-over", {}), 201)

    answer = editor.ok(editor.get(f"/api/v1/maps/{first['id']}/compared-with/{second['id']}"))

    assert answer["changes"]["step_count"] == {
        "before": 3,
        "after": 3,
        "absolute_change": 0,
        "percent_change": 0.0,
    }


def test_only_two_different_maps_of_one_stream_compare(editor: Api, factory: Factory) -> None:
    stream = factory.value_stream()
    one = factory.map(stream)
    other = factory.map(factory.value_stream())

    def compared(a: dict[str, Any], b: dict[str, Any]) -> Any:
        return editor.get(f"/api/v1/maps/{a['id']}/compared-with/{b['id']}")

    assert_problem(compared(one, one), 422, field="after")
    assert_problem(compared(one, other), 422, field="after")
    missing = {"id": "01a2519f-b724-7c75-9da4-e9d0c046d64f"}
    assert compared(one, missing).status_code == 404
