"""Expected effects of backlog items beside the change measured before and after they
were done: the rule's pure parts, then worked examples through the API."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from core.metrics.effects import maps_around, realised, windows_around
from tests.api_client import Api
from tests.bdd import world
from tests.clock import ManualClock
from tests.factories import Factory
from tests.problems import assert_problem

DONE = datetime(2026, 3, 1, 12, tzinfo=UTC)
DAY = timedelta(days=1)


def test_the_windows_are_equal_and_meet_at_the_moment_the_item_was_done() -> None:
    windows = windows_around(DONE, 30)

    assert (windows.before_start, windows.done, windows.after_end) == (
        DONE - 30 * DAY,
        DONE,
        DONE + 30 * DAY,
    )
    assert not windows.after_is_over(DONE + 30 * DAY - timedelta(seconds=1))
    assert windows.after_is_over(DONE + 30 * DAY)


def test_the_realised_change_is_after_minus_before_and_its_share_of_the_expected() -> None:
    """The issue's own example: an item expected to take lead time down by 5 days, which
    went from 12 to 6 days, took it down by 6: 1.2 times what was expected."""
    found = realised(12.0, 6.0, -5.0)

    assert (found.change, found.share_of_expected) == (-6.0, pytest.approx(1.2))
    assert realised(12.0, 14.0, -5.0).share_of_expected == pytest.approx(-0.4)
    assert realised(12.0, 6.0, None).share_of_expected is None
    assert realised(12.0, 6.0, 0.0).share_of_expected is None


def test_the_maps_around_are_the_last_before_and_the_first_since() -> None:
    maps = [("c", DONE + 9 * DAY), ("a", DONE - 9 * DAY), ("b", DONE - DAY), ("d", DONE + DAY)]

    assert maps_around(maps, DONE) == ("b", "d")
    assert maps_around(maps[:1], DONE) == (None, "c")
    assert maps_around([], DONE) == (None, None)


# -- through the API ---------------------------------------------------------------------------

EXPECTED = [
    {"metric": "flow_time", "change": -5, "unit": "days", "note": "smaller batches"},
    {"metric": "deployment_frequency", "change": 1, "unit": "deployments per day"},
]


def effects_of(api: Api, item: dict[str, Any], **params: Any) -> dict[str, Any]:
    return api.ok(api.get(f"/api/v1/backlog-items/{item['id']}/effects", params=params))


def by_metric(answer: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {e["metric"]: e for e in answer["effects"]}


def delivery_around(factory: Factory, stream: dict[str, Any], done: datetime) -> None:
    """Thirty days before `done`: three items of 10 days' flow time, a deployment every
    other day; thirty days after: three items of 4 days, three deployments every two days."""
    items = []
    before = [(done - back * DAY, 10) for back in (20, 15, 10)]
    after = [(done + ahead * DAY, 4) for ahead in (5, 10, 15)]
    for n, (finished, days) in enumerate([*before, *after]):
        items.append(
            {
                "external_id": f"W{n}",
                "type": "feature",
                "created": (finished - days * DAY).isoformat(),
                "finished": finished.isoformat(),
            }
        )
    factory.ingest(stream, "work-items", items)
    deployed = [done - 30 * DAY + (2 * k + 1) * DAY for k in range(15)]
    deployed += [done + k * (2 * DAY / 3) + timedelta(hours=1) for k in range(45)]
    factory.ingest(
        stream,
        "deployments",
        [{"external_id": f"D{n}", "deployed_at": t.isoformat()} for n, t in enumerate(deployed)],
    )


def test_a_done_item_shows_its_realised_effect_beside_the_expected_one(
    clocked: Api, clock: ManualClock
) -> None:
    """Worked example. Flow time is the median time from start to finish of the items
    finished in a window (Kersten, Project to Product, 2018: flow time); deployment
    frequency is deployments per day (Forsgren, Humble and Kim, Accelerate, 2018). Before
    the item, items took 10 days and the team deployed 15 times in 30 days (0.5 a day);
    after it, 4 days and 45 times (1.5 a day). Expected: flow time -5 days and one
    deployment a day more. Realised: -6 days (1.2 of the expected) and +1 a day (1.0)."""
    factory = Factory(clocked)
    stream, owner = factory.value_stream(), factory.person()
    item = factory.backlog_item(stream, title="Smaller batches", expected_effects=EXPECTED)
    done = factory.finish(item, owner)
    done_at = datetime.fromisoformat(done["done_at"])
    waiting = by_metric(effects_of(clocked, item))

    clock.advance(31 * DAY)
    delivery_around(factory, stream, done_at)
    answer = effects_of(clocked, item)

    assert {e["status"] for e in waiting.values()} == {"awaiting_data"}
    assert all(e["change"] is None for e in waiting.values())
    assert (answer["status"], answer["window_days"]) == ("done", 30)
    flow, deploys = by_metric(answer)["flow_time"], by_metric(answer)["deployment_frequency"]
    assert (flow["status"], flow["unit"], flow["expected_change"]) == ("measured", "days", -5)
    assert (flow["before"], flow["after"], flow["change"]) == (10, 4, -6)
    assert flow["share_of_expected"] == pytest.approx(1.2)
    assert flow["note"] == "smaller batches"
    assert (deploys["before"], deploys["after"], deploys["change"]) == (0.5, 1.5, 1)
    assert deploys["share_of_expected"] == pytest.approx(1.0)
    assert datetime.fromisoformat(flow["before_start"]) == done_at - 30 * DAY
    assert datetime.fromisoformat(flow["after_end"]) == done_at + 30 * DAY


def test_an_item_not_done_or_without_data_says_so_rather_than_a_number(
    clocked: Api, clock: ManualClock
) -> None:
    factory = Factory(clocked)
    stream, owner = factory.value_stream(), factory.person()
    open_item = factory.backlog_item(stream, expected_effects=EXPECTED)
    quiet = factory.backlog_item(stream, expected_effects=EXPECTED)
    factory.finish(quiet, owner)
    clock.advance(8 * DAY)

    pending = by_metric(effects_of(clocked, open_item))
    unmeasured = by_metric(effects_of(clocked, quiet, window_days=7))

    assert {e["status"] for e in pending.values()} == {"not_done"}
    assert {e["status"] for e in unmeasured.values()} == {"no_data"}
    assert "no work and no deployments" in unmeasured["deployment_frequency"]["reason"]
    assert all(e["change"] is None for e in unmeasured.values())
    assert all(e["before"] is None for e in pending.values())


def test_a_window_with_deployments_but_no_finished_work_has_no_flow_time(
    clocked: Api, clock: ManualClock
) -> None:
    factory = Factory(clocked)
    stream, owner = factory.value_stream(), factory.person()
    item = factory.backlog_item(stream, expected_effects=EXPECTED)
    done_at = datetime.fromisoformat(factory.finish(item, owner)["done_at"])
    clock.advance(8 * DAY)
    deployed = [done_at - 3 * DAY, done_at + 2 * DAY, done_at + 3 * DAY]
    factory.ingest(
        stream,
        "deployments",
        [{"external_id": f"D{n}", "deployed_at": t.isoformat()} for n, t in enumerate(deployed)],
    )

    effects = by_metric(effects_of(clocked, item, window_days=7))

    assert effects["flow_time"]["status"] == "no_data"
    assert "has no flow_time in the 7 days before" in effects["flow_time"]["reason"]
    deploys = effects["deployment_frequency"]
    assert (deploys["before"], deploys["after"]) == (pytest.approx(1 / 7), pytest.approx(2 / 7))
    assert deploys["share_of_expected"] == pytest.approx(1 / 7)


def test_a_map_metric_compares_the_current_state_maps_before_and_since(
    admin: Api, factory: Factory
) -> None:
    """Lead time of a one-step map is its process time plus its wait (Rother and Shook,
    Learning to See, 1999): 4 hours and 3 days is 3 1/6 days before, 4 hours and 1 day is
    1 1/6 days since: 2 days less, as expected."""
    stream = world.create_stream(factory)
    ref, owner = {"id": stream.id}, factory.person()
    factory.step(factory.map(ref, kind="current"), process_time="PT4H", wait_time="P3D")
    item = factory.backlog_item(
        ref, expected_effects=[{"metric": "lead_time", "change": -2, "unit": "days"}]
    )
    factory.finish(item, owner)
    awaiting = by_metric(effects_of(factory.api, item))["lead_time"]
    world.bring_to(admin, stream, "execution")
    admin.ok(world.move(admin, stream, "iterate", force=True, justification="remap"), 201)
    factory.step(factory.map(ref, kind="current"), process_time="PT4H", wait_time="P1D")

    measured = by_metric(effects_of(factory.api, item))["lead_time"]

    assert awaiting["status"] == "awaiting_data"
    assert (measured["status"], measured["measured_from"]) == ("measured", "maps")
    assert measured["before"] == pytest.approx(3 + 1 / 6)
    assert measured["after"] == pytest.approx(1 + 1 / 6)
    assert (measured["change"], measured["share_of_expected"]) == (-2, 1)
    assert measured["before_map_id"] != measured["after_map_id"]


def test_the_streams_done_items_with_effects_most_recent_first(
    clocked: Api, clock: ManualClock
) -> None:
    factory = Factory(clocked)
    stream, owner = factory.value_stream(), factory.person()
    first = factory.backlog_item(stream, title="First", expected_effects=EXPECTED)
    second = factory.backlog_item(stream, title="Second", expected_effects=EXPECTED)
    factory.backlog_item(stream, title="Open", expected_effects=EXPECTED)
    factory.finish(factory.backlog_item(stream, title="Done, expecting nothing"), owner)
    factory.finish(first, owner)
    clock.advance(DAY)
    factory.finish(second, owner)

    answer = clocked.ok(clocked.get(f"/api/v1/value-streams/{stream['id']}/backlog-effects"))

    assert [a["title"] for a in answer] == ["Second", "First"]


@pytest.mark.parametrize(
    ("effect", "field"),
    [
        ({"metric": "happiness", "change": 1}, "expected_effects.0.metric"),
        ({"metric": "custom", "change": 1}, "expected_effects.0.metric"),
        ({"metric": "lead_time", "change": -5, "unit": "sprints"}, "expected_effects.0.unit"),
        ({"metric": "deployment_frequency", "unit": "/day"}, "expected_effects.0.unit"),
    ],
)
def test_an_effect_on_no_metric_or_in_no_unit_of_it_is_refused(
    editor: Api, factory: Factory, effect: dict[str, Any], field: str
) -> None:
    stream = factory.value_stream()

    answer = editor.post(
        f"/api/v1/value-streams/{stream['id']}/backlog-items",
        {"title": "Vague", "expected_effects": [effect]},
    )

    assert_problem(answer, 422, field=field)


def test_an_effects_unit_is_kept_as_spelled_and_defaults_to_the_metrics(factory: Factory) -> None:
    stream = factory.value_stream()

    item = factory.backlog_item(
        stream,
        expected_effects=[
            {"metric": "lead_time", "change": -5, "unit": " Days "},
            {"metric": "deployment_frequency", "change": 1},
        ],
    )

    assert [e["unit"] for e in item["expected_effects"]] == ["days", "deployments per day"]


def test_a_window_out_of_range_is_refused(editor: Api, factory: Factory) -> None:
    item = factory.backlog_item(factory.value_stream())

    answer = editor.get(f"/api/v1/backlog-items/{item['id']}/effects", params={"window_days": 0})

    assert_problem(answer, 422, field="window_days")


def test_graphql_refuses_an_effect_on_no_metric_naming_the_field(
    editor: Api, factory: Factory
) -> None:
    stream = factory.value_stream()

    answer = editor.graphql(
        'mutation($s: ID!) { createBacklogItem(valueStreamId: $s, input: {title: "Vague", '
        'expectedEffects: [{metric: "happiness", change: 1}]}) { id } }',
        {"s": stream["id"]},
    )

    (error,) = answer["errors"]
    assert error["extensions"]["code"] == "VALIDATION_FAILED"
    assert [f["field"] for f in error["extensions"]["fields"]] == ["expected_effects.0.metric"]
