"""Delivering one event to one subscriber: the `webhook.delivery` job.

Each attempt is signed afresh (Standard Webhooks: `webhook-id`, `webhook-timestamp`,
`webhook-signature`, with the previous secret's signature too while a rotation overlaps)
and logged with its status code and timing. A subscriber's deliveries go out in the
order their events happened: one waits while an earlier one to the same subscriber is
pending. Failures are retried for about a day (a minute, doubling up to four hours);
when the last attempt fails the subscription is disabled and the organization's other
subscribers hear of it (`webhook_subscription.disabled`).
"""

import asyncio
import json
import time
import uuid
import weakref
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit, urlunsplit

import httpx
from sqlalchemy import tuple_
from sqlmodel import col, select
from standardwebhooks.webhooks import Webhook

from core.actor import Actor
from core.jobs.kinds import Deferred, Environment, Permanent, kind
from core.jobs.queue import Claim, Outcome
from core.jobs.retry import RetryPolicy
from core.models.token import Role
from core.models.webhook import (
    DeliveryStatus,
    WebhookAttempt,
    WebhookDelivery,
    WebhookSubscription,
)
from core.types import utcnow
from core.unit_of_work import UnitOfWork
from core.webhooks import events
from core.webhooks.targets import Refused, Target, resolve

POLICY = RetryPolicy(base_seconds=60, cap_seconds=4 * 3600)
ORDER_WAIT = timedelta(seconds=5)
USER_AGENT = "valuestream-webhooks/1"


@dataclass(frozen=True)
class Sent:
    status_code: int | None
    error: str | None
    duration_ms: int

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def body_of(payload: dict[str, object]) -> bytes:
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()


def signed_headers(
    subscription: WebhookSubscription, message_id: str, body: bytes
) -> dict[str, str]:
    """The three Standard Webhooks headers; the signature of each secret in use."""
    now = utcnow()
    secrets = [subscription.secret]
    expires = subscription.previous_secret_expires_at
    if subscription.previous_secret and expires is not None and expires > now:
        secrets.append(subscription.previous_secret)
    signatures = " ".join(Webhook(s).sign(message_id, now, body) for s in secrets)
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": signatures,
        "content-type": "application/json",
        "user-agent": USER_AGENT,
    }


CLIENTS_PER_LOOP = 256

_CLIENTS: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[str, httpx.AsyncClient]]" = (
    weakref.WeakKeyDictionary()
)


def _client(host: str) -> httpx.AsyncClient:
    """One client per receiving host and event loop: making one loads the CA bundle into a
    TLS context, which took longer than a delivery to a receiver nearby, and its pool
    keeps connections open between messages. Per host, because the pool knows a
    connection by the address it was made to, and a TLS connection was verified for the
    host it was made for."""
    clients = _CLIENTS.setdefault(asyncio.get_running_loop(), {})
    client = clients.pop(host, None) or httpx.AsyncClient(follow_redirects=False)
    clients[host] = client
    if len(clients) > CLIENTS_PER_LOOP:
        oldest = next(iter(clients))
        asyncio.get_running_loop().create_task(clients.pop(oldest).aclose())
    return client


async def post(target: Target, body: bytes, headers: dict[str, str], seconds: float) -> Sent:
    """POST to the checked address itself, naming the host in `Host` (and in TLS's SNI,
    against which the certificate is verified); a redirect is an answer, not followed."""
    parts = urlsplit(target.url)
    address = f"[{target.address}]" if target.address.version == 6 else str(target.address)
    netloc = f"{address}:{target.port}"
    url = urlunsplit((parts.scheme, netloc, parts.path or "/", parts.query, ""))
    host = target.host if parts.port is None else f"{target.host}:{parts.port}"
    started = time.perf_counter()
    try:
        answer = await _client(target.host).post(
            url,
            content=body,
            headers={**headers, "host": host},
            extensions={"sni_hostname": target.host},
            timeout=seconds,
        )
        status, error = answer.status_code, None
    except httpx.HTTPError as exc:
        status, error = None, f"{type(exc).__name__}: {exc}"[:2000]
    return Sent(status, error, int((time.perf_counter() - started) * 1000))


@kind(events.DELIVER, POLICY)
async def deliver(claim: Claim, env: Environment) -> Outcome:
    delivery_id = uuid.UUID(claim.payload["delivery_id"])
    async with UnitOfWork.on(env.database, write=False) as session:
        delivery = await session.get(WebhookDelivery, delivery_id)
        if delivery is None:
            raise Permanent("the delivery was deleted with its subscription")
        if delivery.status == DeliveryStatus.delivered:
            return Outcome(result={"delivery": str(delivery_id), "status": "delivered"})
        subscription = await session.get(WebhookSubscription, delivery.subscription_id)
        if subscription is None or not subscription.enabled:
            await _settle(env, delivery_id, None, DeliveryStatus.failed)
            raise Permanent("the subscription is disabled")
        earlier = (
            await session.exec(
                select(WebhookDelivery.id)
                .where(
                    col(WebhookDelivery.subscription_id) == delivery.subscription_id,
                    col(WebhookDelivery.status) == DeliveryStatus.pending,
                    tuple_(col(WebhookDelivery.created_at), col(WebhookDelivery.id))
                    < tuple_(delivery.created_at, delivery.id),
                )
                .limit(1)
            )
        ).first()
    if earlier is not None:
        raise Deferred(ORDER_WAIT, "an earlier event to this subscriber is not delivered yet")
    settings = env.settings
    body = body_of(delivery.payload)
    try:
        target = await asyncio.to_thread(
            resolve,
            subscription.url,
            allow_loopback=settings.webhook_allow_loopback,
            allow_private=settings.webhook_allow_private,
        )
    except Refused as exc:
        sent = Sent(None, f"refused: {exc}", 0)
    else:
        headers = signed_headers(subscription, str(delivery.id), body)
        sent = await post(target, body, headers, settings.webhook_timeout_seconds)
    last = claim.attempt >= claim.max_attempts
    status = (
        DeliveryStatus.delivered
        if sent.ok
        else DeliveryStatus.failed
        if last
        else DeliveryStatus.pending
    )
    await _settle(env, delivery_id, sent, status, disable=subscription if last else None)
    if not sent.ok:
        raise RuntimeError(sent.error or f"the receiver answered {sent.status_code}")
    return Outcome(
        result={"delivery": str(delivery_id), "status_code": sent.status_code},
    )


async def _settle(
    env: Environment,
    delivery_id: uuid.UUID,
    sent: Sent | None,
    status: DeliveryStatus,
    *,
    disable: WebhookSubscription | None = None,
) -> None:
    """Log the attempt and the delivery's new status; after the last failed attempt,
    disable the subscription and tell the organization's other subscribers."""
    async with UnitOfWork.on(env.database, write=True) as session:
        delivery = await session.get(WebhookDelivery, delivery_id)
        if delivery is None:
            return
        now = utcnow()
        if sent is not None:
            session.add(
                WebhookAttempt(
                    organization_id=delivery.organization_id,
                    delivery_id=delivery_id,
                    at=now,
                    status_code=sent.status_code,
                    error=sent.error,
                    duration_ms=sent.duration_ms,
                )
            )
            delivery.attempts += 1
        delivery.status = status
        if status == DeliveryStatus.delivered:
            delivery.delivered_at = now
        if disable is not None and status == DeliveryStatus.failed:
            subscription = await session.get(WebhookSubscription, disable.id)
            if subscription is not None and subscription.enabled:
                subscription.enabled = False
                subscription.disabled_reason = (
                    f"every attempt to deliver event {delivery.event_id} failed for about a day"
                )
                subscription.updated_at = now
                system = Actor(organization_id=delivery.organization_id, role=Role.admin)
                await session.flush()
                await events.emit(
                    session,
                    system,
                    "webhook_subscription.disabled",
                    {"subscription_id": str(subscription.id), "url": subscription.url},
                )
