"""GraphQL for outbound webhooks: the event catalogue, subscriptions (admin) and their
deliveries with each attempt."""

from typing import Annotated, Any

import strawberry

from api.graphql.children import mutation
from api.graphql.context import Info
from api.graphql.convert import input_type, list_of, output_type
from api.graphql.foundation import parse_id
from api.graphql.inputs import Filters, to_model
from api.graphql.relay import Connection, connection, connection_of, page_args
from core.models.webhook import (
    WebhookAttemptRead,
    WebhookDelivery,
    WebhookDeliveryDetail,
    WebhookDeliveryRead,
    WebhookEventType,
    WebhookSubscription,
    WebhookSubscriptionCreate,
    WebhookSubscriptionRead,
    WebhookSubscriptionUpdate,
)
from core.webhooks import subscriptions as hooks

WebhookEventTypeType = output_type(WebhookEventType, "WebhookEventType")
WebhookSubscriptionType = output_type(WebhookSubscriptionRead, "WebhookSubscription")
WebhookDeliveryType = output_type(WebhookDeliveryRead, "WebhookDelivery")
WebhookAttemptType = output_type(WebhookAttemptRead, "WebhookAttempt")
WebhookDeliveryDetailType = output_type(WebhookDeliveryDetail, "WebhookDeliveryDetail")
WebhookSubscriptionCreateInput = input_type(
    WebhookSubscriptionCreate, "WebhookSubscriptionCreateInput"
)
WebhookSubscriptionUpdateInput = input_type(
    WebhookSubscriptionUpdate, "WebhookSubscriptionUpdateInput", partial=True
)


@strawberry.type
class WebhookSubscriptionWithSecretPayload:
    subscription: WebhookSubscription = strawberry.field(graphql_type=WebhookSubscriptionType)
    secret: str = strawberry.field(
        description="whsec_...: the key receivers verify signatures with; shown once."
    )


def _with_secret(subscription: WebhookSubscription) -> WebhookSubscriptionWithSecretPayload:
    return WebhookSubscriptionWithSecretPayload(
        subscription=subscription, secret=subscription.secret
    )


@strawberry.type
class Query:
    @strawberry.field(
        graphql_type=list_of(WebhookEventTypeType) | None,
        description="The events a webhook subscription can receive.",
    )
    async def webhook_event_types(self, info: Info) -> list[WebhookEventType]:
        info.context.actor  # noqa: B018 - only callers with a token may list them
        return hooks.event_types()

    @strawberry.field(
        description="Admin only.",
        graphql_type=connection_of(WebhookSubscriptionType) | None,
        extensions=[Filters(hooks.SubscriptionFilter)],
    )
    async def webhook_subscriptions(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        *,
        filters: hooks.SubscriptionFilter,
    ) -> Connection[WebhookSubscription]:
        page = await hooks.list_subscriptions(
            info.context.session, info.context.actor, filters, limit=page_args(first), cursor=after
        )
        return connection(page)

    @strawberry.field(description="Admin only.", graphql_type=WebhookSubscriptionType | None)
    async def webhook_subscription(self, info: Info, id: strawberry.ID) -> WebhookSubscription:
        return await hooks.get_subscription(info.context.session, info.context.actor, parse_id(id))

    @strawberry.field(
        description="Admin only. A subscription's deliveries, newest first.",
        graphql_type=connection_of(WebhookDeliveryType) | None,
        extensions=[Filters(hooks.DeliveryFilter)],
    )
    async def webhook_deliveries(
        self,
        info: Info,
        subscription_id: strawberry.ID,
        first: int | None = None,
        after: str | None = None,
        *,
        filters: hooks.DeliveryFilter,
    ) -> Connection[WebhookDelivery]:
        page = await hooks.list_deliveries(
            info.context.session,
            info.context.actor,
            parse_id(subscription_id, "subscriptionId"),
            filters,
            limit=page_args(first),
            cursor=after,
        )
        return connection(page)

    @strawberry.field(
        description="Admin only. A delivery with each attempt's status code and timing.",
        graphql_type=WebhookDeliveryDetailType | None,
    )
    async def webhook_delivery(self, info: Info, id: strawberry.ID) -> WebhookDeliveryDetail:
        return await hooks.delivery_detail(info.context.session, info.context.actor, parse_id(id))


@strawberry.type
class Mutation:
    @mutation(description="Admin only. The secret is in this answer and nowhere ever again.")
    async def create_webhook_subscription(
        self,
        info: Info,
        input: Annotated[object, strawberry.argument(graphql_type=WebhookSubscriptionCreateInput)],
    ) -> WebhookSubscriptionWithSecretPayload | None:
        subscription = await hooks.create_subscription(
            info.context.session,
            info.context.actor,
            to_model(WebhookSubscriptionCreate, input),
        )
        return _with_secret(subscription)

    @mutation(
        description="Admin only. Change a subscription, or turn a disabled one back on.",
        graphql_type=WebhookSubscriptionType | None,
    )
    async def update_webhook_subscription(
        self,
        info: Info,
        id: strawberry.ID,
        expected_version: int,
        input: Annotated[object, strawberry.argument(graphql_type=WebhookSubscriptionUpdateInput)],
    ) -> WebhookSubscription:
        return await hooks.update_subscription(
            info.context.session,
            info.context.actor,
            parse_id(id),
            to_model(WebhookSubscriptionUpdate, input),
            expected_version=expected_version,
        )

    @mutation(description="Admin only. Remove a subscription and its delivery log.")
    async def delete_webhook_subscription(
        self, info: Info, id: strawberry.ID, expected_version: int
    ) -> strawberry.ID | None:
        ident = parse_id(id)
        await hooks.delete_subscription(
            info.context.session, info.context.actor, ident, expected_version=expected_version
        )
        return strawberry.ID(str(ident))

    @mutation(
        description="Admin only. A new secret; the old one signs alongside it for the overlap."
    )
    async def rotate_webhook_secret(
        self, info: Info, id: strawberry.ID, expected_version: int
    ) -> WebhookSubscriptionWithSecretPayload | None:
        state = info.context.state
        assert state is not None
        subscription = await hooks.rotate_secret(
            info.context.session,
            info.context.actor,
            parse_id(id),
            state.settings,
            expected_version=expected_version,
        )
        return _with_secret(subscription)

    @mutation(
        description="Admin only. Send a delivery again, as the same message.",
        graphql_type=WebhookDeliveryType | None,
    )
    async def redeliver_webhook(self, info: Info, id: strawberry.ID) -> Any:
        return await hooks.redeliver(info.context.session, info.context.actor, parse_id(id))
