"""Who a bearer secret belongs to, checked in a read unit and noted in a write unit.

Two units on purpose: the check is a read that must not take SQLite's write lock,
and noting the use is best-effort, so a database too busy to note it fails nobody's
read.
"""

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime

from core.actor import Actor
from core.db import Database
from core.db_errors import as_outage
from core.foundation import tokens
from core.unit_of_work import UnitOfWork

logger = logging.getLogger("valuestream.auth")


@dataclass(frozen=True, slots=True)
class Verified:
    actor: Actor
    expires_at: datetime | None


async def verify(database: Database, secret: str) -> Verified:
    """The caller a live token stands for; `Unauthenticated` for any other secret."""
    async with UnitOfWork.on(database, write=False) as session:
        token = await tokens.authenticate(session, secret)
    if tokens.needs_touch(token):
        await note_use(database, token.id)
    return Verified(actor=tokens.actor_for(token), expires_at=token.expires_at)


async def note_use(database: Database, token_id: uuid.UUID) -> None:
    """Note when a token was last used, unless the database is unavailable for writes."""
    try:
        async with UnitOfWork.on(database, write=True) as session:
            await tokens.mark_used(session, token_id)
    except Exception as exc:
        if as_outage(exc) is None:
            raise
        logger.info("could not note the use of token %s: %s", token_id, exc)
