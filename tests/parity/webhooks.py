"""Parity cases of outbound webhooks: subscriptions, their deliveries, the catalogue."""

from typing import Any

from tests.api_client import Api
from tests.factories import Factory
from tests.parity.crud import selection
from tests.parity.harness import (
    Case,
    QueryCase,
    Twin,
    comparable,
    graphql_data,
    graphql_nodes,
)

URL = "/api/v1/webhook-subscriptions"
SUBSCRIPTION = selection("WebhookSubscription")
DELIVERY = selection("WebhookDelivery")
BODY = {"url": "https://example.com/hooks", "events": ["value_stream.created"]}


def _subscribed(_factory: Factory, admin: Factory) -> Twin:
    """A subscription, and a value stream created after it, so one delivery waits."""
    api = admin.api
    subscription = api.ok(api.post(URL, {**BODY, "description": "PMO"}), 201)
    stream = admin.value_stream()
    (delivery,) = api.ok(api.get(f"{URL}/{subscription['id']}/deliveries"))["items"]
    return {"subscription": subscription, "stream": stream, "delivery": delivery}


def _nothing(_factory: Factory, _admin: Factory) -> Twin:
    return {}


def _read(api: Api, twin: Twin) -> Any:
    answer = api.get(f"{URL}/{twin['subscription']['id']}")
    return answer.json() if answer.status_code == 200 else answer.status_code


def _created_by_rest(api: Api, twin: Twin) -> Any:
    answer = api.post(URL, BODY)
    twin["subscription"] = answer.json()
    return answer


def _created_by_graphql(api: Api, twin: Twin) -> Any:
    made = graphql_data(
        api,
        "mutation($i: WebhookSubscriptionCreateInput!) { createWebhookSubscription(input: $i) "
        "{ secret subscription { id } } }",
        i=BODY,
    )["createWebhookSubscription"]
    assert made["secret"].startswith("whsec_")
    twin["subscription"] = made["subscription"]


def _version(api: Api, twin: Twin) -> int:
    return int(api.ok(api.get(f"{URL}/{twin['subscription']['id']}"))["version"])


def _mutate(name: str, arguments: str, selection_: str = "") -> Any:
    def via_graphql(api: Api, twin: Twin) -> Any:
        graphql_data(
            api,
            f"mutation($id: ID!, $v: Int!) {{ {name}(id: $id, expectedVersion: $v{arguments}) "
            f"{selection_} }}",
            id=twin["subscription"]["id"],
            v=_version(api, twin),
        )

    return via_graphql


def _delivery_by_rest(api: Api, twin: Twin) -> Any:
    found = api.ok(api.get(f"/api/v1/webhook-deliveries/{twin['delivery']['id']}"))
    return comparable(found)


def _delivery_by_graphql(api: Api, twin: Twin) -> Any:
    fields = selection("WebhookDeliveryDetail")
    found = graphql_data(
        api,
        f"query($id: ID!) {{ webhookDelivery(id: $id) {{ {fields} }} }}",
        id=twin["delivery"]["id"],
    )["webhookDelivery"]
    return comparable(found)


CASES: list[Case | QueryCase] = [
    Case(
        name="subscribe to webhooks",
        rest=(f"POST {URL}",),
        graphql=("createWebhookSubscription",),
        arrange=_nothing,
        via_rest=_created_by_rest,
        via_graphql=_created_by_graphql,
        observe=_read,
    ),
    Case(
        name="change a webhook subscription",
        rest=(f"PATCH {URL}/{{subscription_id}}",),
        graphql=("updateWebhookSubscription",),
        arrange=_subscribed,
        via_rest=lambda api, t: api.patch(
            f"{URL}/{t['subscription']['id']}",
            {"events": ["*"], "description": None},
            if_match=_version(api, t),
        ),
        via_graphql=_mutate(
            "updateWebhookSubscription",
            ', input: {events: ["*"], description: null}',
            "{ id }",
        ),
        observe=_read,
    ),
    Case(
        name="remove a webhook subscription",
        rest=(f"DELETE {URL}/{{subscription_id}}",),
        graphql=("deleteWebhookSubscription",),
        arrange=_subscribed,
        via_rest=lambda api, t: api.delete(
            f"{URL}/{t['subscription']['id']}", if_match=_version(api, t)
        ),
        via_graphql=_mutate("deleteWebhookSubscription", ""),
        observe=_read,
    ),
    Case(
        name="rotate a webhook secret",
        rest=(f"POST {URL}/{{subscription_id}}/rotate-secret",),
        graphql=("rotateWebhookSecret",),
        arrange=_subscribed,
        via_rest=lambda api, t: api.post(
            f"{URL}/{t['subscription']['id']}/rotate-secret", if_match=_version(api, t)
        ),
        via_graphql=_mutate("rotateWebhookSecret", "", "{ secret }"),
        observe=_read,
    ),
    Case(
        name="redeliver a webhook",
        rest=("POST /api/v1/webhook-deliveries/{delivery_id}/redeliver",),
        graphql=("redeliverWebhook",),
        arrange=_subscribed,
        via_rest=lambda api, t: api.post(
            f"/api/v1/webhook-deliveries/{t['delivery']['id']}/redeliver"
        ),
        via_graphql=lambda api, t: graphql_data(
            api,
            "mutation($id: ID!) { redeliverWebhook(id: $id) { id } }",
            id=t["delivery"]["id"],
        ),
        observe=lambda api, t: [
            job["kind"] for job in api.ok(api.get("/api/v1/jobs"))["items"]
        ].count("webhook.delivery"),
    ),
    QueryCase(
        name="a webhook subscription",
        rest=(f"GET {URL}/{{subscription_id}}",),
        graphql=("webhookSubscription",),
        arrange=_subscribed,
        via_rest=lambda api, t: comparable(api.ok(api.get(f"{URL}/{t['subscription']['id']}"))),
        via_graphql=lambda api, t: comparable(
            graphql_data(
                api,
                f"query($id: ID!) {{ webhookSubscription(id: $id) {{ {SUBSCRIPTION} }} }}",
                id=t["subscription"]["id"],
            )["webhookSubscription"]
        ),
    ),
    QueryCase(
        name="the webhook subscriptions",
        rest=(f"GET {URL}",),
        graphql=("webhookSubscriptions",),
        arrange=_subscribed,
        via_rest=lambda api, t: comparable(api.ok(api.get(URL))["items"]),
        via_graphql=lambda api, t: comparable(
            graphql_nodes(
                api,
                f"{{ webhookSubscriptions {{ edges {{ node {{ {SUBSCRIPTION} }} }} }} }}",
                "webhookSubscriptions",
            )
        ),
    ),
    QueryCase(
        name="a subscription's deliveries",
        rest=(f"GET {URL}/{{subscription_id}}/deliveries",),
        graphql=("webhookDeliveries",),
        arrange=_subscribed,
        via_rest=lambda api, t: comparable(
            api.ok(api.get(f"{URL}/{t['subscription']['id']}/deliveries"))["items"]
        ),
        via_graphql=lambda api, t: comparable(
            graphql_nodes(
                api,
                f"query($id: ID!) {{ webhookDeliveries(subscriptionId: $id) {{ edges "
                f"{{ node {{ {DELIVERY} }} }} }} }}",
                "webhookDeliveries",
                id=t["subscription"]["id"],
            )
        ),
    ),
    QueryCase(
        name="a webhook delivery and its attempts",
        rest=("GET /api/v1/webhook-deliveries/{delivery_id}",),
        graphql=("webhookDelivery",),
        arrange=_subscribed,
        via_rest=_delivery_by_rest,
        via_graphql=_delivery_by_graphql,
    ),
    QueryCase(
        name="the webhook event types",
        rest=("GET /api/v1/webhook-event-types",),
        graphql=("webhookEventTypes",),
        arrange=_nothing,
        via_rest=lambda api, t: comparable(api.ok(api.get("/api/v1/webhook-event-types"))),
        via_graphql=lambda api, t: comparable(
            graphql_data(api, f"{{ webhookEventTypes {{ {selection('WebhookEventType')} }} }}")[
                "webhookEventTypes"
            ]
        ),
    ),
]
