"""Emitting an event: one delivery and one job per subscriber, in the transaction of the
change, so an event exists exactly when its change committed."""

from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from core.actor import Actor
from core.ids import new_id
from core.jobs import queue
from core.models.webhook import WebhookDelivery, WebhookSubscription
from core.types import utcnow
from core.webhooks.catalogue import ALL, EVENT_TYPES, envelope

DELIVER = "webhook.delivery"
DELIVERY_ATTEMPTS = 14
"""With the delivery policy's backoff (a minute doubling to four hours), about a day."""


async def emit(
    session: AsyncSession, actor: Actor, event_type: str, data: dict[str, Any]
) -> list[WebhookDelivery]:
    """`event_type` with `data` to every enabled subscriber of the caller's organization."""
    if event_type not in EVENT_TYPES:
        raise ValueError(f"{event_type!r} is not in the event catalogue")
    subscriptions = (
        await session.exec(
            select(WebhookSubscription).where(
                col(WebhookSubscription.organization_id) == actor.organization_id,
                col(WebhookSubscription.enabled).is_(True),
            )
        )
    ).all()
    chosen = [s for s in subscriptions if ALL in s.events or event_type in s.events]
    if not chosen:
        return []
    event_id, now = new_id(), utcnow()
    payload = envelope(event_type, event_id, now, actor.organization_id, data)
    deliveries = []
    for subscription in chosen:
        delivery = WebhookDelivery(
            organization_id=actor.organization_id,
            subscription_id=subscription.id,
            event_id=event_id,
            event_type=event_type,
            payload=payload,
            created_at=now,
        )
        session.add(delivery)
        job = await queue.enqueue(
            session,
            actor,
            DELIVER,
            {"delivery_id": str(delivery.id)},
            max_attempts=DELIVERY_ATTEMPTS,
        )
        delivery.job_id = job.id
        deliveries.append(delivery)
    return deliveries
