"""When a backlog item was done, and the backlog's throughput as a forecast's history."""

from datetime import date, datetime, timedelta
from typing import Any

import pytest

from tests.api_client import Api
from tests.clock import ManualClock
from tests.factories import Factory
from tests.problems import assert_problem

A_DAY = timedelta(days=1)


def day_of(item: dict[str, Any]) -> date:
    return datetime.fromisoformat(item["done_at"]).date()


def test_an_item_keeps_when_it_was_done_until_it_is_reopened(
    clocked: Api, clock: ManualClock
) -> None:
    factory = Factory(clocked)
    stream, owner = factory.value_stream(), factory.person()
    item = factory.backlog_item(stream)
    assert item["done_at"] is None

    done = factory.finish(item, owner)
    clock.advance(A_DAY)
    retitled = clocked.ok(
        clocked.patch(f"/api/v1/backlog-items/{item['id']}", {"title": "Renamed"}, if_match=2)
    )
    reopened = clocked.ok(
        clocked.patch(f"/api/v1/backlog-items/{item['id']}", {"status": "in_progress"}, if_match=3)
    )
    clock.advance(A_DAY)
    again = factory.finish(reopened, owner)

    assert done["done_at"] is not None
    assert retitled["done_at"] == done["done_at"]
    assert reopened["done_at"] is None
    assert day_of(again) == day_of(done) + 2 * A_DAY


def test_an_item_created_done_is_done_when_created(factory: Factory) -> None:
    stream, owner = factory.value_stream(), factory.person()

    item = factory.backlog_item(stream, status="done", owner_id=owner["id"])

    created, done = (datetime.fromisoformat(item[k]) for k in ("created_at", "done_at"))
    assert abs(done - created) < timedelta(seconds=5)


def steady_backlog(clocked: Api, clock: ManualClock) -> tuple[dict[str, Any], date]:
    """Two items done on each of three days, four open and one dropped; answers the
    stream and the day after the last done."""
    factory = Factory(clocked)
    stream, owner = factory.value_stream(), factory.person()
    last = None
    for day in range(3):
        if day:
            clock.advance(A_DAY)
        for _ in range(2):
            last = factory.finish(factory.backlog_item(stream), owner)
    for _ in range(4):
        factory.backlog_item(stream)
    factory.backlog_item(stream, status="dropped")
    assert last is not None
    return stream, day_of(last) + A_DAY


def test_the_backlog_forecast_replays_the_items_done_per_day(
    clocked: Api, clock: ManualClock
) -> None:
    """Two items done every day of the history: the four open items take two days in
    every trial, and a week finishes fourteen."""
    stream, start = steady_backlog(clocked, clock)

    answer = clocked.ok(
        clocked.get(
            f"/api/v1/value-streams/{stream['id']}/forecast",
            params={
                "source": "backlog",
                "start": start.isoformat(),
                "history_days": 3,
                "by": (start + 6 * A_DAY).isoformat(),
                "trials": 200,
            },
        )
    )

    assert (answer["source"], answer["history_items"], answer["history_days"]) == ("backlog", 6, 3)
    assert (answer["remaining"], answer["remaining_counted"]) == (4, True)
    assert {(w["days"], w["on"]) for w in answer["when"]} == {(2, (start + A_DAY).isoformat())}
    assert {c["items"] for c in answer["how_many"]} == {14}


def test_the_delivery_forecast_does_not_count_the_backlog(clocked: Api, clock: ManualClock) -> None:
    stream, start = steady_backlog(clocked, clock)

    answer = clocked.get(
        f"/api/v1/value-streams/{stream['id']}/forecast",
        params={"start": start.isoformat(), "history_days": 3, "remaining": 4},
    )

    assert_problem(answer, 422, field="history_days")


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"source": "roadmap"}, "source"),
        ({"source": "backlog"}, "remaining"),
        ({"source": "backlog", "remaining": 3}, "history_days"),
    ],
)
def test_a_backlog_forecast_without_what_it_needs_is_refused(
    editor: Api, factory: Factory, params: dict[str, Any], field: str
) -> None:
    stream = factory.value_stream()

    answer = editor.get(f"/api/v1/value-streams/{stream['id']}/forecast", params=params)

    assert_problem(answer, 422, field=field)
