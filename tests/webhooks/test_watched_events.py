"""The events no single write names: gates opening and closing, timeboxes running out,
milestones missed, targets changing course."""

import asyncio
from datetime import timedelta
from typing import Any

from tests.api_client import Api
from tests.clock import ManualClock
from tests.factories import Factory
from tests.job_runner import worker_of

ONE_RISK_GATE = {
    "iterate_to": "map",
    "phases": [
        {
            "key": "prepare",
            "name": "Prepare",
            "timebox_days": 10,
            "criteria": [
                {
                    "key": "risk_log",
                    "check": "risks",
                    "description": "At least one risk",
                    "params": {"min": 1},
                }
            ],
        },
        {"key": "map", "name": "Map"},
        {"key": "improve", "name": "Improve"},
    ],
}
WATCHED = [
    "gate.blocked",
    "gate.passing",
    "value_stream.timebox_overdue",
    "milestone.missed",
    "target.status_changed",
]


class Watcher:
    """A subscriber to the watched events and a worker on a clock a test moves."""

    def __init__(self, admin: Api) -> None:
        self.admin = admin
        self.subscription = admin.ok(
            admin.post(
                "/api/v1/webhook-subscriptions",
                {"url": "https://pmo.example.com/vsm", "events": WATCHED},
            ),
            201,
        )
        self.clock = ManualClock()
        self.worker = worker_of(admin, clock=self.clock)

    def sweep(self, after: timedelta = timedelta(seconds=11)) -> None:
        self.clock.advance(after)
        self.admin.client.blocking_portal.call(self.worker.sweep)

    def events(self) -> list[tuple[str, dict[str, Any]]]:
        url = f"/api/v1/webhook-subscriptions/{self.subscription['id']}/deliveries"
        found = self.admin.ok(self.admin.get(url, params={"limit": 100}))["items"]
        return [(d["event_type"], d["payload"]["data"]) for d in reversed(found)]


def test_a_gate_that_starts_and_stops_passing_is_told_each_time(
    admin: Api, admin_factory: Factory
) -> None:
    admin.ok(admin_factory.playbook(ONE_RISK_GATE))
    watcher = Watcher(admin)
    stream = admin_factory.value_stream()
    watcher.sweep()
    risk = admin_factory.risk(stream)

    watcher.sweep()
    admin.ok(admin.delete(f"/api/v1/risks/{risk['id']}", if_match=risk["version"]), 204)
    watcher.sweep()

    assert watcher.events() == [
        (
            "gate.passing",
            {
                "value_stream_id": stream["id"],
                "phase": "prepare",
                "cycle": 1,
                "blocking_criteria": [],
            },
        ),
        (
            "gate.blocked",
            {
                "value_stream_id": stream["id"],
                "phase": "prepare",
                "cycle": 1,
                "blocking_criteria": ["risk_log"],
            },
        ),
    ]


def test_a_stream_seen_for_the_first_time_is_only_recorded(
    admin: Api, admin_factory: Factory
) -> None:
    admin.ok(admin_factory.playbook(ONE_RISK_GATE))
    stream = admin_factory.value_stream()
    admin_factory.risk(stream)
    watcher = Watcher(admin)

    watcher.sweep()
    watcher.sweep()

    assert watcher.events() == []


def test_a_phase_that_runs_past_its_timebox_is_told_once(
    admin: Api, admin_factory: Factory
) -> None:
    admin.ok(admin_factory.playbook(ONE_RISK_GATE))
    watcher = Watcher(admin)
    stream = admin_factory.value_stream()
    watcher.sweep()

    watcher.sweep(timedelta(days=11))
    watcher.sweep(timedelta(hours=1))

    assert watcher.events() == [
        (
            "value_stream.timebox_overdue",
            {"value_stream_id": stream["id"], "phase": "prepare", "cycle": 1},
        )
    ]


def test_a_milestone_whose_day_passed_with_work_open_is_missed(
    admin: Api, admin_factory: Factory
) -> None:
    watcher = Watcher(admin)
    stream = admin_factory.value_stream()
    due = (watcher.clock() + timedelta(days=2)).date()
    milestone = admin_factory.milestone(stream, name="Pilot live", due_date=due.isoformat())
    admin_factory.backlog_item(stream, milestone_id=milestone["id"])
    watcher.sweep()

    watcher.sweep(timedelta(days=3))

    assert watcher.events() == [
        (
            "milestone.missed",
            {
                "milestone_id": milestone["id"],
                "value_stream_id": stream["id"],
                "name": "Pilot live",
                "due_date": due.isoformat(),
                "items": 1,
                "done": 0,
            },
        )
    ]


def test_a_target_whose_status_moves_is_told_with_before_and_after(
    admin: Api, admin_factory: Factory
) -> None:
    watcher = Watcher(admin)
    stream = admin_factory.value_stream()
    target = admin_factory.target(stream)
    watcher.sweep()

    admin_factory.measurement(target, target["target"])
    watcher.sweep()

    ((kind, data),) = watcher.events()
    assert kind == "target.status_changed"
    assert (data["target_id"], data["value_stream_id"]) == (target["id"], stream["id"])
    assert data["from_status"] == "no_data"
    assert data["to_status"] != "no_data"
    assert data["reason"]


def test_workers_sweeping_at_once_tell_each_change_once(admin: Api, admin_factory: Factory) -> None:
    admin.ok(admin_factory.playbook(ONE_RISK_GATE))
    watcher = Watcher(admin)
    others = [worker_of(admin, clock=watcher.clock) for _ in range(2)]
    stream = admin_factory.value_stream()
    watcher.sweep()
    admin_factory.risk(stream)
    watcher.clock.advance(timedelta(seconds=11))

    async def all_sweep() -> None:
        await asyncio.gather(watcher.worker.sweep(), *(w.sweep() for w in others))

    admin.client.blocking_portal.call(all_sweep)

    assert [kind for kind, _ in watcher.events()] == ["gate.passing"]
