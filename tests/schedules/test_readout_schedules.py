"""Scheduled readouts as an organization's admin and its leaders meet them."""

import asyncio
import email
import socket
from collections.abc import Iterator
from datetime import datetime, timedelta
from email.message import Message
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from tests.api_client import Api
from tests.clock import ManualClock
from tests.factories import Factory
from tests.job_runner import run_due_jobs, worker_of
from tests.problems import assert_problem
from tests.webhook_receiver import receiving

URL = "/api/v1/readout-schedules"


def schedule(api: Api, **overrides: Any) -> dict[str, Any]:
    body = {
        "name": "Monday steering",
        "cron": "0 8 * * MON",
        "timezone": "Europe/Berlin",
        "scope": "portfolio",
        "format": "markdown",
        "destination": "webhook",
        **overrides,
    }
    return dict(api.ok(api.post(URL, body), 201))


def when_due(api: Api, made: dict[str, Any]) -> ManualClock:
    """A clock at the schedule's next run, for a worker of `api`'s app."""
    clock = ManualClock()
    next_run = datetime.fromisoformat(made["next_run_at"].replace("Z", "+00:00"))
    clock.advance(max(timedelta(0), next_run - clock()) + timedelta(seconds=1))
    return clock


def tick_over(api: Api, clock: ManualClock) -> None:
    """A worker at `clock` sweeps for due schedules and runs what they queued."""
    worker = worker_of(api, clock=clock)
    api.client.blocking_portal.call(worker.sweep)
    run_due_jobs(api, worker)


def history(api: Api, made: dict[str, Any]) -> list[dict[str, Any]]:
    return list(api.ok(api.get(f"{URL}/{made['id']}/deliveries"))["items"])


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return tmp_path / "readouts"


@pytest.fixture
def mailbox() -> Iterator[tuple[Controller, list[Message]]]:
    received: list[Message] = []

    class Handler:
        async def handle_DATA(self, _server: Any, _session: Any, envelope: Any) -> str:
            received.append(email.message_from_bytes(envelope.content))
            return "250 OK"

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield controller, received
    finally:
        controller.stop()


def test_a_due_schedule_writes_its_readout_into_the_folder(app_with: Any, folder: Path) -> None:
    admin = app_with(readout_directory=str(folder.parent))
    Factory(admin).value_stream(name="Quote to cash")
    made = schedule(admin, destination="directory", directory=folder.name, format="html")

    tick_over(admin, when_due(admin, made))

    (delivered,) = history(admin, made)
    (written,) = sorted(folder.iterdir())
    assert delivered["status"] == "delivered"
    assert delivered["files"] == [written.name]
    assert written.name.endswith("portfolio.html")
    assert "Quote to cash" in written.read_text()
    assert delivered["bytes"] == written.stat().st_size


def test_a_due_schedule_mails_its_readout_to_the_recipients(
    app_with: Any, mailbox: tuple[Controller, list[Message]]
) -> None:
    controller, received = mailbox
    admin = app_with(smtp_host="127.0.0.1", smtp_port=controller.port, smtp_starttls=False)
    stream = Factory(admin).value_stream(name="Order to cash")
    made = schedule(
        admin,
        scope="value_stream",
        value_stream_ids=[stream["id"]],
        destination="email",
        recipients=["vp@example.com", "pmo@example.com"],
    )

    tick_over(admin, when_due(admin, made))

    (message,) = received
    (attachment,) = [part for part in message.walk() if part.get_filename()]
    assert message["To"] == "vp@example.com, pmo@example.com"
    assert message["Subject"].startswith("Monday steering: readout of ")
    assert attachment.get_filename() == "order-to-cash.md"
    assert "Order to cash" in attachment.get_payload(decode=True).decode()
    assert history(admin, made)[0]["status"] == "delivered"


def test_the_webhook_destination_tells_subscribers_where_to_fetch_the_file(
    app_with: Any,
) -> None:
    admin = app_with(webhook_allow_loopback=True)
    with receiving() as receiver:
        admin.ok(
            admin.post(
                "/api/v1/webhook-subscriptions",
                {"url": receiver.url, "events": ["report.delivered"]},
            ),
            201,
        )
        made = schedule(admin)
        tick_over(admin, when_due(admin, made))
        run_due_jobs(admin)
        (told,) = receiver.wait_for(1)

    data = told.json["data"]
    fetched = admin.get(data["download_url"])
    assert data["schedule_id"] == made["id"]
    assert fetched.status_code == 200
    assert fetched.headers["content-type"].startswith("text/markdown")


def test_each_tick_is_delivered_once_however_many_workers_sweep(
    app_with: Any, folder: Path
) -> None:
    admin = app_with(readout_directory=str(folder.parent))
    made = schedule(admin, destination="directory", directory=folder.name)
    clock = when_due(admin, made)
    workers = [worker_of(admin, clock=clock, name=f"w{n}") for n in range(3)]

    async def all_sweep() -> list[int]:
        return list(await asyncio.gather(*(w.sweep() for w in workers)))

    queued = admin.client.blocking_portal.call(all_sweep)
    run_due_jobs(admin, workers[0])
    again = admin.client.blocking_portal.call(all_sweep)

    assert sorted(queued) == [0, 0, 1]
    assert again == [0, 0, 0]
    assert len(history(admin, made)) == 1
    assert len(list(folder.iterdir())) == 1


def test_a_restart_that_missed_ticks_delivers_once_then_waits_for_the_next(
    app_with: Any, folder: Path
) -> None:
    admin = app_with(readout_directory=str(folder.parent))
    made = schedule(admin, cron="0 8 * * *", destination="directory", directory=folder.name)
    clock = when_due(admin, made)
    clock.advance(timedelta(days=5))

    tick_over(admin, clock)
    tick_over(admin, clock)

    (delivered,) = history(admin, made)
    after = admin.ok(admin.get(f"{URL}/{made['id']}"))
    next_run = datetime.fromisoformat(after["next_run_at"].replace("Z", "+00:00"))
    tick = datetime.fromisoformat(delivered["tick"].replace("Z", "+00:00"))
    assert clock() - timedelta(days=1) < tick <= clock()
    assert clock() < next_run <= clock() + timedelta(days=1)


def test_a_paused_schedule_delivers_nothing(app_with: Any, folder: Path) -> None:
    admin = app_with(readout_directory=str(folder.parent))
    made = schedule(admin, destination="directory", directory=folder.name)
    admin.ok(admin.patch(f"{URL}/{made['id']}", {"enabled": False}, if_match=made["version"]))

    tick_over(admin, when_due(admin, made))

    assert history(admin, made) == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        pytest.param({"cron": "99 * * * *"}, "cron", id="no cron expression"),
        pytest.param({"timezone": "Atlantis/Capital"}, "timezone", id="no time zone"),
        pytest.param({"format": "xlsx-deluxe"}, "format", id="a format nobody offers"),
        pytest.param({"value_stream_ids": ["S"]}, "value_stream_ids", id="portfolio with ids"),
        pytest.param({"scope": "value_stream"}, "value_stream_ids", id="a stream without id"),
        pytest.param(
            {"destination": "email", "recipients": ["a@example.com"]},
            "destination",
            id="email without an SMTP server",
        ),
        pytest.param({"destination": "directory"}, "directory", id="no folder allowed"),
        pytest.param({"destination": "email"}, "recipients", id="email to nobody"),
    ],
)
def test_a_schedule_that_could_never_deliver_is_refused(
    admin: Api, factory: Factory, body: dict[str, Any], field: str
) -> None:
    stream = factory.value_stream()
    body = {k: [stream["id"]] if v == ["S"] else v for k, v in body.items()}
    base = {
        "name": "Weekly",
        "cron": "0 8 * * MON",
        "scope": "portfolio",
        "destination": "webhook",
    }

    answer = admin.post(URL, {**base, **body})

    assert_problem(answer, 422, field=field if field != "recipients" else None)
    assert admin.ok(admin.get(URL))["items"] == []


def test_a_folder_outside_the_allowed_one_is_refused(app_with: Any, folder: Path) -> None:
    admin = app_with(readout_directory=str(folder))

    answer = admin.post(
        URL,
        {
            "name": "Escape",
            "cron": "0 8 * * *",
            "scope": "portfolio",
            "destination": "directory",
            "directory": "../../etc",
        },
    )

    assert_problem(answer, 422, field="directory")


def test_only_an_admin_schedules_readouts(editor: Api, outsider: Api, admin: Api) -> None:
    made = schedule(admin)

    body = {"name": "x", "cron": "0 8 * * *", "scope": "portfolio", "destination": "webhook"}
    assert_problem(editor.post(URL, body), 403)
    assert_problem(editor.get(URL), 403)
    assert_problem(outsider.get(f"{URL}/{made['id']}"), 404)
    assert outsider.ok(outsider.get(URL))["items"] == []


def test_a_new_cron_expression_moves_the_next_run(admin: Api) -> None:
    made = schedule(admin, cron="0 8 * * MON", timezone="UTC")

    changed = admin.ok(
        admin.patch(f"{URL}/{made['id']}", {"cron": "30 6 * * *"}, if_match=made["version"])
    )

    next_run = datetime.fromisoformat(changed["next_run_at"].replace("Z", "+00:00"))
    assert (next_run.hour, next_run.minute) == (6, 30)


def test_a_schedule_is_removed_with_its_history(app_with: Any, folder: Path) -> None:
    admin = app_with(readout_directory=str(folder.parent))
    made = schedule(admin, destination="directory", directory=folder.name)
    tick_over(admin, when_due(admin, made))
    current = admin.ok(admin.get(f"{URL}/{made['id']}"))

    admin.ok(admin.delete(f"{URL}/{made['id']}", if_match=current["version"]), 204)

    assert_problem(admin.get(f"{URL}/{made['id']}"), 404)
    assert_problem(admin.get(f"{URL}/{made['id']}/deliveries"), 404)


def test_the_next_readout_says_what_changed_since_the_last_one(app_with: Any, folder: Path) -> None:
    admin = app_with(readout_directory=str(folder.parent))
    factory = Factory(admin)
    stream = factory.value_stream(name="Quote to cash")
    made = schedule(
        admin,
        cron="0 8 * * *",
        scope="value_stream",
        value_stream_ids=[stream["id"]],
        destination="directory",
        directory=folder.name,
    )
    clock = when_due(admin, made)
    tick_over(admin, clock)
    factory.transition(stream["id"], "planning", force=True, justification="Chartered.")
    clock.advance(timedelta(days=1))
    tick_over(admin, clock)

    first, second = (path.read_text() for path in sorted(folder.iterdir()))
    summary = second.split("## Phase and gate")[0]
    assert "This is the first readout" in first
    assert "## Executive summary" in second
    assert "Compared with the readout delivered on" in summary
    assert "- Moved from Pre-planning to Planning." in summary
    assert "### Decisions needed" in summary
    assert "The gate to " in summary
