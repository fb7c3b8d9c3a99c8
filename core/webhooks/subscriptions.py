"""An organization's webhook subscriptions, their deliveries, and what an admin does with
them: subscribe, change, rotate the secret, turn back on, redeliver.

Admin only: a subscription sends the organization's data to a URL of the subscriber's
choosing, and its secret vouches for every message.
"""

import base64
import secrets
import uuid
from datetime import timedelta
from typing import Any

from pydantic import Field
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.expression import SelectOfScalar

from core.actor import Actor
from core.config import Settings
from core.errors import NotFound, ValidationFailed
from core.foundation import audit
from core.jobs import queue
from core.models.webhook import (
    DeliveryStatus,
    WebhookAttempt,
    WebhookAttemptRead,
    WebhookDelivery,
    WebhookDeliveryDetail,
    WebhookDeliveryRead,
    WebhookEventType,
    WebhookSubscription,
    WebhookSubscriptionCreate,
    WebhookSubscriptionUpdate,
)
from core.pagination import Page, paginate
from core.services import crud
from core.services.filters import ListFilter
from core.types import utcnow
from core.webhooks import catalogue, events
from core.webhooks.targets import check_url


def new_secret() -> str:
    """whsec_ and 32 random bytes in base64, the Standard Webhooks form."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def _check_events(types: list[str]) -> list[str]:
    wrong = catalogue.unknown(types)
    if wrong:
        raise ValidationFailed(
            f"unknown event types: {', '.join(wrong)}; see GET /webhook-event-types",
            field="events",
        )
    return sorted(set(types))


async def create_subscription(
    session: AsyncSession, actor: Actor, data: WebhookSubscriptionCreate
) -> WebhookSubscription:
    actor.require_admin()
    check_url(str(data.url))
    return await crud.create(
        session,
        actor,
        WebhookSubscription,
        {
            "url": str(data.url),
            "events": _check_events(data.events),
            "description": data.description,
        },
        secret=new_secret(),
    )


class SubscriptionFilter(ListFilter):
    enabled: bool | None = Field(default=None, description="only enabled (or disabled) ones")


def _subscriptions(
    actor: Actor, filters: SubscriptionFilter
) -> SelectOfScalar[WebhookSubscription]:
    actor.require_admin()
    statement = crud.scoped(WebhookSubscription, actor)
    if filters.enabled is not None:
        statement = statement.where(col(WebhookSubscription.enabled).is_(filters.enabled))
    return statement


async def list_subscriptions(
    session: AsyncSession,
    actor: Actor,
    filters: SubscriptionFilter,
    *,
    limit: int,
    cursor: str | None,
) -> Page[WebhookSubscription]:
    return await paginate(
        session,
        _subscriptions(actor, filters),
        keys=[col(WebhookSubscription.id)],
        limit=limit,
        cursor=cursor,
    )


async def get_subscription(
    session: AsyncSession, actor: Actor, subscription_id: uuid.UUID
) -> WebhookSubscription:
    actor.require_admin()
    return await crud.get(session, actor, WebhookSubscription, subscription_id)


async def update_subscription(
    session: AsyncSession,
    actor: Actor,
    subscription_id: uuid.UUID,
    data: WebhookSubscriptionUpdate,
    *,
    expected_version: crud.ExpectedVersion,
) -> WebhookSubscription:
    """Turning a disabled subscription back on clears why it was disabled; the deliveries
    that failed meanwhile stay failed until redelivered."""
    subscription = await get_subscription(session, actor, subscription_id)
    changes: dict[str, Any] = data.model_dump(exclude_unset=True)
    if "url" in changes:
        if changes["url"] is None:
            raise ValidationFailed("url cannot be null", field="url")
        check_url(str(changes["url"]))
        changes["url"] = str(changes["url"])
    if "events" in changes:
        if changes["events"] is None:
            raise ValidationFailed("events cannot be null", field="events")
        changes["events"] = _check_events(changes["events"])
    if changes.get("enabled") is None:
        changes.pop("enabled", None)
    elif changes["enabled"]:
        changes["disabled_reason"] = None
    return await crud.update(
        session, actor, subscription, changes, expected_version=expected_version
    )


async def delete_subscription(
    session: AsyncSession,
    actor: Actor,
    subscription_id: uuid.UUID,
    *,
    expected_version: crud.ExpectedVersion,
) -> None:
    subscription = await get_subscription(session, actor, subscription_id)
    await crud.delete(session, actor, subscription, expected_version=expected_version)


async def rotate_secret(
    session: AsyncSession,
    actor: Actor,
    subscription_id: uuid.UUID,
    settings: Settings,
    *,
    expected_version: crud.ExpectedVersion,
) -> WebhookSubscription:
    """A new secret at once; the old one keeps signing alongside it for the overlap, so a
    receiver can switch without losing a message."""
    subscription = await get_subscription(session, actor, subscription_id)
    overlap = timedelta(hours=settings.webhook_secret_overlap_hours)
    return await crud.update(
        session,
        actor,
        subscription,
        {
            "secret": new_secret(),
            "previous_secret": subscription.secret,
            "previous_secret_expires_at": utcnow() + overlap,
        },
        expected_version=expected_version,
        action="rotate_secret",
    )


class DeliveryFilter(ListFilter):
    status: DeliveryStatus | None = Field(default=None, description="only deliveries in this state")
    event_type: str | None = Field(default=None, max_length=80)


async def list_deliveries(
    session: AsyncSession,
    actor: Actor,
    subscription_id: uuid.UUID,
    filters: DeliveryFilter,
    *,
    limit: int,
    cursor: str | None,
) -> Page[WebhookDelivery]:
    """A subscription's deliveries, newest first."""
    await get_subscription(session, actor, subscription_id)
    statement = crud.scoped(WebhookDelivery, actor).where(
        col(WebhookDelivery.subscription_id) == subscription_id
    )
    if filters.status is not None:
        statement = statement.where(col(WebhookDelivery.status) == filters.status)
    if filters.event_type is not None:
        statement = statement.where(col(WebhookDelivery.event_type) == filters.event_type)
    return await paginate(
        session,
        statement,
        keys=[col(WebhookDelivery.created_at), col(WebhookDelivery.id)],
        limit=limit,
        cursor=cursor,
        descending=True,
    )


async def get_delivery(
    session: AsyncSession, actor: Actor, delivery_id: uuid.UUID
) -> WebhookDelivery:
    actor.require_admin()
    delivery = await session.get(WebhookDelivery, delivery_id)
    if delivery is None or delivery.organization_id != actor.organization_id:
        raise NotFound(f"webhook delivery {delivery_id} not found")
    return delivery


async def attempts_of(
    session: AsyncSession, actor: Actor, delivery_ids: list[uuid.UUID]
) -> dict[uuid.UUID, list[WebhookAttempt]]:
    """Each delivery's attempts, oldest first, in one query."""
    rows = (
        await session.exec(
            select(WebhookAttempt)
            .where(
                col(WebhookAttempt.organization_id) == actor.organization_id,
                col(WebhookAttempt.delivery_id).in_(delivery_ids),
            )
            .order_by(col(WebhookAttempt.at), col(WebhookAttempt.id))
        )
    ).all()
    found: dict[uuid.UUID, list[WebhookAttempt]] = {i: [] for i in delivery_ids}
    for row in rows:
        found[row.delivery_id].append(row)
    return found


async def redeliver(session: AsyncSession, actor: Actor, delivery_id: uuid.UUID) -> WebhookDelivery:
    """Send a delivery again, whatever became of it, as the same message (same
    `webhook-id`, so a receiver that has it already can tell); its attempts so far stay in
    its log."""
    delivery = await get_delivery(session, actor, delivery_id)
    before = audit.snapshot(delivery)
    job = await queue.enqueue(
        session,
        actor,
        events.DELIVER,
        {"delivery_id": str(delivery.id)},
        max_attempts=events.DELIVERY_ATTEMPTS,
    )
    delivery.status = DeliveryStatus.pending
    delivery.delivered_at = None
    delivery.job_id = job.id
    await crud.flush(session)
    audit.record(
        session,
        actor,
        action="redeliver",
        entity_type=crud.entity_type(WebhookDelivery),
        entity_id=delivery.id,
        before=before,
        after=audit.snapshot(delivery),
    )
    return delivery


def event_types() -> list[WebhookEventType]:
    return [
        WebhookEventType(type=name, description=text, payload_version=catalogue.PAYLOAD_VERSION)
        for name, text in catalogue.EVENT_TYPES.items()
    ]


async def delivery_detail(
    session: AsyncSession, actor: Actor, delivery_id: uuid.UUID
) -> WebhookDeliveryDetail:
    delivery = await get_delivery(session, actor, delivery_id)
    attempts = (await attempts_of(session, actor, [delivery.id]))[delivery.id]
    return WebhookDeliveryDetail.model_validate(
        {
            **WebhookDeliveryRead.model_validate(delivery).model_dump(),
            "attempts_log": [WebhookAttemptRead.model_validate(a) for a in attempts],
        }
    )
