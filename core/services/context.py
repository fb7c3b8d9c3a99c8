"""What a use case works with for one request or command: who, in which transaction, when.

REST builds one per request (a dependency), GraphQL one per operation (its unit-of-work
extension), the CLI one per transaction of a command (its runner), all through
`Work.open`, so a service sees the same bundle whichever transport called it.
"""

from dataclasses import dataclass, replace
from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from core.actor import Actor
from core.config import Settings
from core.db import Database
from core.point_reads import PointReader
from core.types import Clock, utcnow
from core.unit_of_work import UnitOfWork


@dataclass(frozen=True, slots=True)
class Work:
    actor: Actor
    unit: UnitOfWork
    settings: Settings
    reader: PointReader
    clock: Clock = utcnow

    @classmethod
    def open(
        cls,
        database: Database,
        settings: Settings,
        actor: Actor,
        *,
        write: bool,
        serialized: bool = False,
    ) -> "Work":
        """The bundle with a unit not yet entered: nothing connects until a session is needed."""
        unit = UnitOfWork.on(database, write=write, serialized=serialized)
        return cls(actor=actor, unit=unit, settings=settings, reader=database.point_reader)

    @property
    def session(self) -> AsyncSession:
        return self.unit.session

    @property
    def may_point_read(self) -> bool:
        """Whether one committed row may come from the point reader instead of the session.

        Only when the work is read-only: a read-only unit refuses to write, so nothing in
        it can have changed what the row says. A writing unit must see its own uncommitted
        changes, and must read under its own lock what it is about to change.
        """
        return not self.unit.write

    def now(self) -> datetime:
        return self.clock()

    def acting_as(self, actor: Actor) -> "Work":
        """The same transaction for another caller (a command learns its organization in it)."""
        return replace(self, actor=actor)
