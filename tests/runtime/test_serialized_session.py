"""A field that fails while a sibling's statement runs costs only its own answer.

graphql-core cancels the siblings of a field that fails, and a DataLoader cancels its
batch when nobody waits for it any more. A batch statement cancelled halfway made
SQLAlchemy throw the connection away while the operation's rollback was using it, so
the rollback failed and the whole answer became INTERNAL ("Cannot operate on a closed
database" on SQLite, "connection is closed" on PostgreSQL). A statement that has begun
now completes; only its caller stops waiting.
"""

import asyncio
import uuid
from dataclasses import dataclass
from typing import Any

import strawberry
from sqlalchemy import event, text

from api.graphql.context import Context, Info
from api.graphql.extensions import UnitOfWork, coded
from api.graphql.loaders import load
from core.actor import Actor
from core.config import Settings
from core.db import Database
from core.errors import NotFound
from core.models.token import Role

VIEWER = Actor(organization_id=uuid.UUID("01a24d71-1618-7f73-8486-02f12407eb90"), role=Role.viewer)
SLOW = {
    "sqlite": "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 300000) "
    "SELECT count(*) FROM n",
    "postgresql": "SELECT count(*) FROM pg_sleep(0.2)",
}


@dataclass
class Stage:
    """What the two fields need: the database, and a signal that the slow statement began."""

    database: Database
    settings: Settings
    slow_started: asyncio.Event


async def _count(session: Any, _actor: Actor, keys: list[Any]) -> dict[Any, int]:
    counted = (await session.execute(text(SLOW[session.bind.dialect.name]))).scalar_one()
    return dict.fromkeys(keys, counted)


@strawberry.type
class Slow:
    key: strawberry.ID

    @strawberry.field
    async def count(self, info: Info) -> int:
        return await load(info.context, "count", _count, self.key, default=int)


@strawberry.type
class Query:
    @strawberry.field
    async def slow(self, info: Info) -> Slow:
        await info.context.session.execute(text("SELECT 1"))
        return Slow(key=strawberry.ID("01a24d71-1618-7f73-8486-02f12407eb9f"))

    @strawberry.field
    async def failing(self, info: Info) -> int:
        assert info.context.state is not None
        await info.context.state.slow_started.wait()  # type: ignore[attr-defined]
        raise NotFound("no such thing")


def test_a_sibling_cancelled_mid_statement_leaves_a_coded_error_not_internal(
    settings: Settings,
) -> None:
    schema = strawberry.Schema(query=Query, extensions=[UnitOfWork])

    async def scenario() -> Any:
        database = Database.from_settings(settings)
        stage = Stage(database, settings, asyncio.Event())

        def on_execute(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
            if "count(*)" in statement:
                stage.slow_started.set()

        engine = database.read_engine.sync_engine
        event.listen(engine, "before_cursor_execute", on_execute)
        try:
            context = Context(state=stage, actor_or_none=VIEWER)  # type: ignore[arg-type]
            result = await schema.execute("{ failing slow { count } }", context_value=context)
            again = Context(state=stage, actor_or_none=VIEWER)  # type: ignore[arg-type]
            after = await schema.execute("{ slow { count } }", context_value=again)
        finally:
            event.remove(engine, "before_cursor_execute", on_execute)
            await database.dispose()
        return result, after

    result, after = asyncio.run(scenario())

    assert result.data is None
    assert [coded(e).extensions["code"] for e in result.errors] == ["NOT_FOUND"]
    assert after.errors is None and after.data["slow"]["count"] > 0
