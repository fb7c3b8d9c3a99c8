"""The Idempotency-Key header on REST: every POST may carry one.

The request's own unit of work claims the key before the handler runs and keeps
the answer after the handler has shaped it, in a callback it runs just before the
commit; a retry with
the same key and body is answered from that record, marked `Idempotent-Replayed`.
Litestar's after-request hook sees the answer but not the request, so the two
meet in a slot that the before-request hook puts in a context variable: the
dependencies run in tasks of their own (with copies of the context), and the slot
is the one object all of them share with the request's task.
"""

from contextvars import ContextVar
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from litestar import Request, Response
from litestar.serialization import get_serializer
from sqlmodel.ext.asyncio.session import AsyncSession

from core.actor import Actor
from core.foundation import idempotency
from core.foundation.idempotency import StoredAnswer
from core.unit_of_work import UnitOfWork

KEPT_HEADERS = ("location", "etag", "content-type")


class Replay(Exception):
    """The request was answered before; its stored answer is the answer again."""

    def __init__(self, answer: StoredAnswer) -> None:
        super().__init__("replayed")
        self.answer = answer


@dataclass
class Pending:
    request: Request[Any, Any, Any]
    key: str
    status_code: int | None = None
    headers: dict[str, str] | None = None
    body: bytes | None = None


@dataclass
class Slot:
    pending: Pending | None = None


_slot: ContextVar[Slot | None] = ContextVar("idempotent_request", default=None)


def open_slot() -> None:
    """At the start of every request, in the request's own task."""
    _slot.set(Slot())


def _pending() -> Pending | None:
    slot = _slot.get()
    return slot.pending if slot is not None else None


async def claim(
    request: Request[Any, Any, Any], unit: UnitOfWork, actor: Actor, retention: timedelta
) -> None:
    """Before the handler: answer from the record, or claim the key for this request.

    A claimed key is kept with the answer just before the unit commits (`keep`).
    """
    raw = request.headers.get(idempotency.HEADER.lower())
    if raw is None or request.method != "POST":
        return
    key = idempotency.check_key(raw.strip())
    body = await request.body()
    fingerprint = idempotency.fingerprint(
        request.method, request.url.path, request.url.query or "", body
    )
    stored = await idempotency.claim(unit.session, actor, key, fingerprint, retention=retention)
    if stored is not None:
        raise Replay(stored)
    slot = _slot.get()
    if slot is None:
        raise RuntimeError("open_slot() runs before every request")
    slot.pending = Pending(request, key)
    unit.before_commit(lambda: keep(unit.session, actor))


async def capture(response: Response[Any]) -> Response[Any]:
    """After the handler (Litestar's after_request hook): render and keep a 2xx answer."""
    pending = _pending()
    if pending is None:
        return response
    status = response.status_code or pending.request.route_handler.status_code
    if not 200 <= status < 300:
        return response
    media_type = str(response.media_type or "application/json")
    encoders = pending.request.route_handler.resolve_type_encoders()
    body = response.render(response.content, media_type, get_serializer(encoders))
    response.content = body
    headers = {k: str(v) for k, v in response.headers.items() if k.lower() in KEPT_HEADERS}
    headers.setdefault("content-type", media_type)
    pending.status_code, pending.headers, pending.body = status, headers, body
    return response


async def keep(session: AsyncSession, actor: Actor) -> None:
    """Before the commit: store what `capture` saw, in the same transaction."""
    pending = _pending()
    if pending is None or pending.body is None or pending.status_code is None:
        return
    await idempotency.record_answer(
        session,
        actor,
        pending.key,
        status_code=pending.status_code,
        headers=pending.headers or {},
        body=pending.body,
    )


def replay_handler(request: Request[Any, Any, Any], exc: Replay) -> Response[bytes]:
    answer = exc.answer
    headers = {k: v for k, v in answer.headers.items() if k.lower() != "content-type"}
    headers["Idempotent-Replayed"] = "true"
    return Response(
        answer.body,
        status_code=answer.status_code,
        headers=headers,
        media_type=answer.headers.get("content-type", "application/json"),
    )
