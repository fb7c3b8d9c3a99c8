"""REST for outbound webhooks: the event catalogue, subscriptions (admin), and each
subscription's deliveries with the log of their attempts."""

import uuid
from typing import Annotated

from litestar import Controller, Response, delete, get, patch, post
from litestar.params import FromPath
from litestar.status_codes import HTTP_201_CREATED, HTTP_204_NO_CONTENT
from sqlmodel.ext.asyncio.session import AsyncSession

from api.rest.common import (
    DEFAULT_LIMIT,
    CursorParam,
    LimitParam,
    PageOut,
    json_response,
    page_response,
    read_response,
    versioned,
)
from api.rest.filters import query_filters
from api.state import AppState
from api.urls import resource_url
from core.actor import Actor
from core.models.webhook import (
    WebhookDeliveryDetail,
    WebhookDeliveryRead,
    WebhookEventType,
    WebhookSubscription,
    WebhookSubscriptionCreate,
    WebhookSubscriptionRead,
    WebhookSubscriptionUpdate,
    WebhookSubscriptionWithSecret,
)
from core.services.crud import ExpectedVersion
from core.webhooks import subscriptions as hooks


def _with_secret(
    subscription: WebhookSubscription, *, status_code: int = 200, location: str | None = None
) -> Response[WebhookSubscriptionWithSecret]:
    body = WebhookSubscriptionWithSecret.model_validate(subscription, from_attributes=True)
    return versioned(body, subscription.version, status_code=status_code, location=location)


class WebhookSubscriptionsController(Controller):
    """Admin only. The secret is in the answers to create and rotate, and nowhere else."""

    path = "/webhook-subscriptions"
    tags = ["webhooks"]

    @get(
        summary="List webhook subscriptions (admin)",
        dependencies={"filters": query_filters(hooks.SubscriptionFilter)},
    )
    async def list_webhook_subscriptions(
        self,
        session: AsyncSession,
        actor: Actor,
        limit: Annotated[int, LimitParam] = DEFAULT_LIMIT,
        cursor: Annotated[str | None, CursorParam] = None,
        *,
        filters: hooks.SubscriptionFilter,
    ) -> Response[PageOut[WebhookSubscriptionRead]]:
        page = await hooks.list_subscriptions(session, actor, filters, limit=limit, cursor=cursor)
        reads = page.with_items([WebhookSubscriptionRead.model_validate(s) for s in page.items])
        return page_response(reads, WebhookSubscriptionRead)

    @post(summary="Subscribe a URL to events (admin); the answer holds the secret once")
    async def create_webhook_subscription(
        self, session: AsyncSession, actor: Actor, data: WebhookSubscriptionCreate
    ) -> Response[WebhookSubscriptionWithSecret]:
        subscription = await hooks.create_subscription(session, actor, data)
        return _with_secret(
            subscription,
            status_code=HTTP_201_CREATED,
            location=resource_url("webhook-subscriptions", subscription.id),
        )

    @get("/{subscription_id:uuid}", summary="A webhook subscription (admin)")
    async def get_webhook_subscription(
        self, session: AsyncSession, actor: Actor, subscription_id: FromPath[uuid.UUID]
    ) -> Response[WebhookSubscriptionRead]:
        subscription = await hooks.get_subscription(session, actor, subscription_id)
        return read_response(subscription, WebhookSubscriptionRead)

    @patch(
        "/{subscription_id:uuid}",
        summary="Change a subscription, or turn a disabled one back on (admin, If-Match)",
    )
    async def update_webhook_subscription(
        self,
        session: AsyncSession,
        actor: Actor,
        subscription_id: FromPath[uuid.UUID],
        data: WebhookSubscriptionUpdate,
        expected_version: ExpectedVersion,
    ) -> Response[WebhookSubscriptionRead]:
        subscription = await hooks.update_subscription(
            session, actor, subscription_id, data, expected_version=expected_version
        )
        return read_response(subscription, WebhookSubscriptionRead)

    @delete(
        "/{subscription_id:uuid}",
        summary="Remove a subscription and its delivery log (admin, If-Match)",
        status_code=HTTP_204_NO_CONTENT,
    )
    async def delete_webhook_subscription(
        self,
        session: AsyncSession,
        actor: Actor,
        subscription_id: FromPath[uuid.UUID],
        expected_version: ExpectedVersion,
    ) -> None:
        await hooks.delete_subscription(
            session, actor, subscription_id, expected_version=expected_version
        )

    @post(
        "/{subscription_id:uuid}/rotate-secret",
        summary="A new secret (admin, If-Match); the old one signs alongside it for the "
        "overlap (VSM_WEBHOOK_SECRET_OVERLAP_HOURS)",
        status_code=200,
    )
    async def rotate_webhook_secret(
        self,
        session: AsyncSession,
        actor: Actor,
        app_state: AppState,
        subscription_id: FromPath[uuid.UUID],
        expected_version: ExpectedVersion,
    ) -> Response[WebhookSubscriptionWithSecret]:
        subscription = await hooks.rotate_secret(
            session, actor, subscription_id, app_state.settings, expected_version=expected_version
        )
        return _with_secret(subscription)

    @get(
        "/{subscription_id:uuid}/deliveries",
        summary="A subscription's deliveries, newest first (admin)",
        dependencies={"filters": query_filters(hooks.DeliveryFilter)},
    )
    async def list_webhook_deliveries(
        self,
        session: AsyncSession,
        actor: Actor,
        subscription_id: FromPath[uuid.UUID],
        limit: Annotated[int, LimitParam] = DEFAULT_LIMIT,
        cursor: Annotated[str | None, CursorParam] = None,
        *,
        filters: hooks.DeliveryFilter,
    ) -> Response[PageOut[WebhookDeliveryRead]]:
        page = await hooks.list_deliveries(
            session, actor, subscription_id, filters, limit=limit, cursor=cursor
        )
        reads = page.with_items([WebhookDeliveryRead.model_validate(d) for d in page.items])
        return page_response(reads, WebhookDeliveryRead)


class WebhookDeliveriesController(Controller):
    path = "/webhook-deliveries"
    tags = ["webhooks"]

    @get(
        "/{delivery_id:uuid}",
        summary="A delivery with each attempt's status code and timing (admin)",
    )
    async def get_webhook_delivery(
        self, session: AsyncSession, actor: Actor, delivery_id: FromPath[uuid.UUID]
    ) -> Response[WebhookDeliveryDetail]:
        return json_response(await hooks.delivery_detail(session, actor, delivery_id))

    @post(
        "/{delivery_id:uuid}/redeliver",
        summary="Send a delivery again, as the same message (admin)",
        status_code=200,
    )
    async def redeliver_webhook(
        self, session: AsyncSession, actor: Actor, delivery_id: FromPath[uuid.UUID]
    ) -> Response[WebhookDeliveryRead]:
        delivery = await hooks.redeliver(session, actor, delivery_id)
        return json_response(WebhookDeliveryRead.model_validate(delivery))


class WebhookEventTypesController(Controller):
    path = "/webhook-event-types"
    tags = ["webhooks"]

    @get(summary="The events a subscription can receive, with the payload version")
    async def list_webhook_event_types(self, actor: Actor) -> list[WebhookEventType]:
        return hooks.event_types()
