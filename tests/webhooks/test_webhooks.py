"""Outbound webhooks as a subscriber meets them: signed, in order, retried, logged."""

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from core.webhooks import events
from core.webhooks.targets import why_refused
from tests.api_client import Api
from tests.clock import ManualClock
from tests.factories import Factory
from tests.job_runner import run_due_jobs, worker_of
from tests.problems import assert_problem
from tests.webhook_receiver import Receiver, receiving

URL = "/api/v1/webhook-subscriptions"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with receiving() as running:
        yield running


@pytest.fixture
def hooks_admin(app_with: Any) -> Api:
    """The admin of an app that may send webhooks to loopback, where the receiver runs."""
    return app_with(webhook_allow_loopback=True)


def subscribe(api: Api, url: str, events_: list[str] | None = None) -> dict[str, Any]:
    body = {"url": url, "events": events_ or ["*"], "description": "PMO board"}
    return dict(api.ok(api.post(URL, body), 201))


def deliveries(api: Api, subscription: dict[str, Any]) -> list[dict[str, Any]]:
    return list(api.ok(api.get(f"{URL}/{subscription['id']}/deliveries"))["items"])


def detail(api: Api, delivery: dict[str, Any]) -> dict[str, Any]:
    return dict(api.ok(api.get(f"/api/v1/webhook-deliveries/{delivery['id']}")))


def test_a_new_value_stream_reaches_the_subscriber_signed_with_its_secret(
    hooks_admin: Api, receiver: Receiver
) -> None:
    subscription = subscribe(hooks_admin, receiver.url, ["value_stream.created"])
    stream = Factory(hooks_admin).value_stream(name="Quote to cash")

    run_due_jobs(hooks_admin)

    (message,) = receiver.wait_for(1)
    (delivery,) = deliveries(hooks_admin, subscription)
    logged = detail(hooks_admin, delivery)
    assert message.verifies_with(subscription["secret"])
    assert message.headers["webhook-id"] == delivery["id"]
    assert message.json["type"] == "value_stream.created"
    assert message.json["version"] == 1
    assert message.json["data"] == {
        "value_stream_id": stream["id"],
        "name": "Quote to cash",
        "phase": "pre_planning",
    }
    assert (delivery["status"], delivery["attempts"]) == ("delivered", 1)
    assert [(a["status_code"], a["error"]) for a in logged["attempts_log"]] == [(200, None)]
    assert logged["attempts_log"][0]["duration_ms"] >= 0


def test_only_the_events_subscribed_to_are_sent(hooks_admin: Api, receiver: Receiver) -> None:
    subscription = subscribe(hooks_admin, receiver.url, ["backlog_item.status_changed"])
    factory = Factory(hooks_admin)
    stream = factory.value_stream()
    item = factory.backlog_item(stream)
    renamed = hooks_admin.patch(
        f"/api/v1/backlog-items/{item['id']}", {"title": "Renamed"}, if_match=item["version"]
    )
    hooks_admin.ok(
        hooks_admin.patch(
            f"/api/v1/backlog-items/{item['id']}",
            {"status": "dropped"},
            if_match=hooks_admin.ok(renamed)["version"],
        )
    )

    run_due_jobs(hooks_admin)

    (message,) = receiver.wait_for(1)
    assert [d["event_type"] for d in deliveries(hooks_admin, subscription)] == [
        "backlog_item.status_changed"
    ]
    assert (message.json["data"]["from_status"], message.json["data"]["to_status"]) == (
        "proposed",
        "dropped",
    )
    assert message.json["data"]["title"] == "Renamed"


def test_a_failed_delivery_is_retried_after_its_backoff_and_logged_each_time(
    hooks_admin: Api, receiver: Receiver
) -> None:
    subscription = subscribe(hooks_admin, receiver.url)
    receiver.answer_next(503)
    Factory(hooks_admin).value_stream()
    clock = ManualClock()
    worker = worker_of(hooks_admin, clock=clock)

    run_due_jobs(hooks_admin, worker)
    waiting = deliveries(hooks_admin, subscription)[0]
    clock.advance(timedelta(minutes=2))
    run_due_jobs(hooks_admin, worker)

    first, second = receiver.wait_for(2)
    (delivered,) = deliveries(hooks_admin, subscription)
    log = detail(hooks_admin, delivered)["attempts_log"]
    assert waiting["status"] == "pending"
    assert [a["status_code"] for a in log] == [503, 200]
    assert delivered["status"] == "delivered"
    assert first.headers["webhook-id"] == second.headers["webhook-id"]


def test_a_subscribers_events_arrive_in_the_order_they_happened(
    hooks_admin: Api, receiver: Receiver
) -> None:
    subscribe(hooks_admin, receiver.url, ["value_stream.created"])
    receiver.answer_next(500)
    factory = Factory(hooks_admin)
    factory.value_stream(name="First")
    factory.value_stream(name="Second")
    clock = ManualClock()
    worker = worker_of(hooks_admin, clock=clock)

    run_due_jobs(hooks_admin, worker)
    only_the_first_tried = [m.json["data"]["name"] for m in receiver.received]
    clock.advance(timedelta(minutes=2))
    run_due_jobs(hooks_admin, worker)
    clock.advance(timedelta(seconds=10))
    run_due_jobs(hooks_admin, worker)

    arrived = [m.json["data"]["name"] for m in receiver.wait_for(3)]
    assert only_the_first_tried == ["First"]
    assert arrived == ["First", "First", "Second"]


def test_after_a_day_of_failures_the_subscription_is_disabled_and_others_hear_of_it(
    hooks_admin: Api, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(events, "DELIVERY_ATTEMPTS", 2)
    with receiving() as failing:
        broken = subscribe(hooks_admin, failing.url, ["value_stream.created"])
        watcher = subscribe(hooks_admin, receiver.url, ["webhook_subscription.disabled"])
        failing.answer_next(500, 500)
        Factory(hooks_admin).value_stream()
        clock = ManualClock()
        worker = worker_of(hooks_admin, clock=clock)

        run_due_jobs(hooks_admin, worker)
        clock.advance(timedelta(minutes=2))
        run_due_jobs(hooks_admin, worker)
        run_due_jobs(hooks_admin, worker)

    disabled = hooks_admin.ok(hooks_admin.get(f"{URL}/{broken['id']}"))
    (told,) = receiver.wait_for(1)
    assert disabled["enabled"] is False
    assert "failed for about a day" in disabled["disabled_reason"]
    assert deliveries(hooks_admin, broken)[0]["status"] == "failed"
    assert told.json["type"] == "webhook_subscription.disabled"
    assert told.json["data"]["subscription_id"] == broken["id"]
    assert told.verifies_with(watcher["secret"])
    turned_on = hooks_admin.ok(
        hooks_admin.patch(f"{URL}/{broken['id']}", {"enabled": True}, if_match=disabled["version"])
    )
    assert (turned_on["enabled"], turned_on["disabled_reason"]) == (True, None)


def test_a_redelivery_sends_the_same_message_again(hooks_admin: Api, receiver: Receiver) -> None:
    subscription = subscribe(hooks_admin, receiver.url)
    Factory(hooks_admin).value_stream()
    run_due_jobs(hooks_admin)
    (delivery,) = deliveries(hooks_admin, subscription)

    again = hooks_admin.ok(
        hooks_admin.post(f"/api/v1/webhook-deliveries/{delivery['id']}/redeliver")
    )
    run_due_jobs(hooks_admin)

    first, second = receiver.wait_for(2)
    assert again["status"] == "pending"
    assert first.headers["webhook-id"] == second.headers["webhook-id"] == delivery["id"]
    assert first.body == second.body
    assert len(detail(hooks_admin, delivery)["attempts_log"]) == 2


def test_after_a_rotation_messages_carry_both_signatures_for_the_overlap(
    hooks_admin: Api, receiver: Receiver
) -> None:
    subscription = subscribe(hooks_admin, receiver.url)
    rotated = hooks_admin.ok(
        hooks_admin.post(
            f"{URL}/{subscription['id']}/rotate-secret", if_match=subscription["version"]
        )
    )
    Factory(hooks_admin).value_stream()

    run_due_jobs(hooks_admin)

    (message,) = receiver.wait_for(1)
    assert rotated["secret"] != subscription["secret"]
    assert rotated["previous_secret_expires_at"] is not None
    assert message.verifies_with(rotated["secret"])
    assert message.verifies_with(subscription["secret"])
    assert len(message.headers["webhook-signature"].split(" ")) == 2
    assert "secret" not in hooks_admin.ok(hooks_admin.get(f"{URL}/{subscription['id']}"))


def test_a_redirect_is_an_answer_not_followed(hooks_admin: Api, receiver: Receiver) -> None:
    subscription = subscribe(hooks_admin, receiver.url)
    receiver.answer_next(302)
    Factory(hooks_admin).value_stream()

    run_due_jobs(hooks_admin)

    (delivery,) = deliveries(hooks_admin, subscription)
    assert len(receiver.wait_for(1)) == 1
    assert [a["status_code"] for a in detail(hooks_admin, delivery)["attempts_log"]] == [302]
    assert delivery["status"] == "pending"


def test_loopback_is_refused_unless_a_setting_allows_it(admin: Api, receiver: Receiver) -> None:
    subscription = subscribe(admin, receiver.url)
    Factory(admin).value_stream()

    run_due_jobs(admin)

    (delivery,) = deliveries(admin, subscription)
    (attempt,) = detail(admin, delivery)["attempts_log"]
    assert receiver.received == []
    assert attempt["status_code"] is None
    assert "loopback" in attempt["error"]


@pytest.mark.parametrize(
    ("address", "refused_for"),
    [
        ("127.0.0.1", "loopback"),
        ("::1", "loopback"),
        ("10.1.2.3", "private"),
        ("192.168.0.10", "private"),
        ("172.16.5.4", "private"),
        ("169.254.169.254", "link-local"),
        ("fe80::1", "link-local"),
        ("0.0.0.0", "no webhook"),
        ("fd00::5", "private"),
        ("100.64.0.1", "private"),
    ],
)
def test_addresses_inside_the_services_network_are_refused(address: str, refused_for: str) -> None:
    import ipaddress

    reason = why_refused(ipaddress.ip_address(address), allow_loopback=False, allow_private=False)

    assert reason is not None and refused_for in reason


def test_metadata_addresses_are_refused_even_where_private_ones_are_allowed() -> None:
    import ipaddress

    metadata = ipaddress.ip_address("169.254.169.254")

    assert why_refused(metadata, allow_loopback=True, allow_private=True) is not None
    assert (
        why_refused(ipaddress.ip_address("10.0.0.1"), allow_loopback=False, allow_private=True)
        is None
    )
    assert (
        why_refused(
            ipaddress.ip_address("93.184.216.34"), allow_loopback=False, allow_private=False
        )
        is None
    )


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"url": "ftp://example.com/x", "events": ["*"]}, "url"),
        ({"url": "https://example.com/x", "events": ["value_stream.exploded"]}, "events"),
        ({"url": "https://example.com/x", "events": []}, "events"),
        ({"url": "not a url", "events": ["*"]}, "url"),
    ],
)
def test_a_subscription_that_could_never_work_is_refused(
    admin: Api, body: dict[str, Any], field: str
) -> None:
    assert_problem(admin.post(URL, body), 422, field=field)


def test_only_an_admin_manages_subscriptions(editor: Api, admin: Api) -> None:
    body = {"url": "https://example.com/hooks", "events": ["*"]}

    assert_problem(editor.post(URL, body), 403)
    assert_problem(editor.get(URL), 403)
    assert admin.ok(admin.post(URL, body), 201)["secret"].startswith("whsec_")


def test_another_organizations_subscriptions_are_not_found(admin: Api, outsider: Api) -> None:
    theirs = subscribe(outsider, "https://example.com/theirs")

    assert admin.ok(admin.get(URL))["items"] == []
    assert_problem(admin.get(f"{URL}/{theirs['id']}"), 404)
    assert_problem(admin.get(f"{URL}/{theirs['id']}/deliveries"), 404)


def test_the_catalogue_lists_every_event_type(viewer: Api) -> None:
    listed = viewer.ok(viewer.get("/api/v1/webhook-event-types"))

    assert {e["type"] for e in listed} >= {
        "value_stream.created",
        "value_stream.phase_changed",
        "signoff.recorded",
        "finding.confirmed",
        "backlog_item.status_changed",
        "measurement.recorded",
        "webhook_subscription.disabled",
    }
    assert {e["payload_version"] for e in listed} == {1}
