"""The building blocks every use case shares: scoped reads, versioned writes, audit.

Each aggregate's service composes these; the organization scope and the audit
event are applied here, once, so no use case can forget them.
"""

import uuid
from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError
from sqlmodel import SQLModel, col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.expression import SelectOfScalar

from core.actor import Actor
from core.errors import Conflict, NotFound, StaleVersion, ValidationFailed, not_found
from core.foundation import audit
from core.models.base import Entity, Identified, OrgScoped, Timestamped, Versioned, table_of
from core.models.organization import Organization
from core.tenancy import of_organization
from core.types import utcnow

M = TypeVar("M", bound=Entity)
S = TypeVar("S", bound=OrgScoped)
V = TypeVar("V", bound=Entity | Organization)
"""A row with an id and a version: every entity, and the organization itself."""


def entity_type(model: type[SQLModel] | SQLModel) -> str:
    cls = model if isinstance(model, type) else type(model)
    return str(cls.__tablename__)


def missing(model: type[SQLModel], ident: uuid.UUID) -> NotFound:
    """The one answer for a row that is not there, or is another organization's."""
    return not_found(entity_type(model).replace("_", " "), ident)


def scoped(model: type[S], actor: Actor) -> SelectOfScalar[S]:
    """`SELECT model WHERE organization_id = caller's`: the start of every read."""
    return select(model).where(of_organization(table_of(model), actor.organization_id))


async def get(
    session: AsyncSession,
    actor: Actor,
    model: type[M],
    ident: uuid.UUID,
    *,
    options: Sequence[Any] = (),
) -> M:
    """Another organization's row answers exactly like a missing one."""
    statement = scoped(model, actor).where(model.id == ident)
    if options:
        statement = statement.options(*options)
    obj = (await session.exec(statement)).first()
    if obj is None:
        raise missing(model, ident)
    return obj


async def get_many(
    session: AsyncSession, actor: Actor, model: type[M], idents: Sequence[uuid.UUID]
) -> dict[uuid.UUID, M]:
    if not idents:
        return {}
    rows = (await session.exec(scoped(model, actor).where(col(model.id).in_(set(idents))))).all()
    return {row.id: row for row in rows}


async def require_reference(
    session: AsyncSession, actor: Actor, model: type[M], ident: uuid.UUID | None, *, field: str
) -> M | None:
    """A foreign id from the client must name a row of the caller's organization."""
    if ident is None:
        return None
    statement = scoped(model, actor).where(model.id == ident)
    obj = (await session.exec(statement)).first()
    if obj is None:
        raise ValidationFailed(
            f"{field} names no {entity_type(model).replace('_', ' ')} of this organization",
            field=field,
        )
    return obj


async def lock(session: AsyncSession, obj: Identified) -> None:
    """Hold the row until the transaction ends, so checks against its children stay true.

    PostgreSQL takes a row lock (SELECT ... FOR NO KEY UPDATE); on SQLite every write
    transaction already runs alone (BEGIN IMMEDIATE), and the clause is left out. The
    lock is the weaker of PostgreSQL's two exclusive ones: writers that take it still
    queue, but it does not wait for the key-share locks that inserting a child takes on
    its parent, so two transactions that each inserted a child before locking do not
    deadlock.
    """
    model = type(obj)
    statement = select(model.id).where(model.id == obj.id).with_for_update(key_share=True)
    await session.exec(statement)


def contains(column: Any, text: str) -> Any:
    """Case-insensitive substring match; `%` and `_` in the text are literal characters."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return col(column).ilike(f"%{escaped}%", escape="\\")


async def count(session: AsyncSession, statement: Any) -> int:
    return int((await session.exec(select(func.count()).select_from(statement.subquery()))).one())


ExpectedVersion = int | frozenset[int] | None
"""What a writer says it read: one version, any of several (an If-Match list), or
None when it accepts whatever is stored (`If-Match: *`, or an operator's command)."""


def check_version(obj: Versioned, expected_version: ExpectedVersion) -> None:
    check_version_number(obj.version, expected_version)


def check_version_number(current: int, expected_version: ExpectedVersion) -> None:
    if expected_version is None:
        return
    if isinstance(expected_version, int):
        matches = current == expected_version
        expected = f"version {expected_version}"
    elif expected_version:
        matches = current in expected_version
        expected = "one of versions " + ", ".join(str(v) for v in sorted(expected_version))
    else:
        matches = False
        expected = 'no version this service issues (ETags look like "3")'
    if not matches:
        raise StaleVersion(
            f"expected {expected}, but the stored version is {current}",
            extra={"current_version": current},
        )


async def flush(session: AsyncSession) -> None:
    """Flush, turning constraint and concurrency failures into domain errors."""
    try:
        await session.flush()
    except IntegrityError as exc:
        raise Conflict(_integrity_message(exc)) from exc
    except StaleDataError as exc:
        raise StaleVersion(
            "another writer changed this object at the same time; read it again"
        ) from exc


def _integrity_message(exc: IntegrityError) -> str:
    text = str(exc.orig).lower()
    if "unique" in text or "duplicate" in text:
        return "an object with the same unique values already exists"
    if "foreign key" in text:
        return "the change refers to an object that does not exist or is still referred to"
    return "the change conflicts with stored data"


async def create(
    session: AsyncSession,
    actor: Actor,
    model: type[M],
    data: SQLModel | Mapping[str, Any],
    **extra: Any,
) -> M:
    actor.require_write()
    values = data.model_dump() if isinstance(data, SQLModel) else dict(data)
    values.update(extra)
    obj = model(**values, organization_id=actor.organization_id)
    session.add(obj)
    await flush(session)
    audit.record(
        session,
        actor,
        action="create",
        entity_type=entity_type(model),
        entity_id=obj.id,
        after=audit.snapshot(obj),
    )
    return obj


async def create_many(
    session: AsyncSession, actor: Actor, model: type[M], rows: Sequence[Mapping[str, Any]]
) -> list[M]:
    """Like `create` for many rows at once: one flush, one audit event per row."""
    actor.require_write()
    objs = [model(**dict(values), organization_id=actor.organization_id) for values in rows]
    session.add_all(objs)
    await flush(session)
    for obj in objs:
        audit.record(
            session,
            actor,
            action="create",
            entity_type=entity_type(model),
            entity_id=obj.id,
            after=audit.snapshot(obj),
        )
    return objs


async def update(
    session: AsyncSession,
    actor: Actor,
    obj: V,
    patch: SQLModel | Mapping[str, Any],
    *,
    expected_version: ExpectedVersion,
    action: str = "update",
) -> V:
    """Apply only the fields the client sent; a no-op patch changes nothing and audits nothing."""
    actor.require_write()
    check_version(obj, expected_version)
    changes = patch.model_dump(exclude_unset=True) if isinstance(patch, SQLModel) else dict(patch)
    changes = {k: v for k, v in changes.items() if getattr(obj, k) != v}
    if not changes:
        return obj
    refuse_nulls(obj, changes)
    before = audit.snapshot(obj)
    obj.sqlmodel_update(changes)
    if isinstance(obj, Timestamped):
        obj.updated_at = utcnow()
    session.add(obj)
    await flush(session)
    audit.record(
        session,
        actor,
        action=action,
        entity_type=entity_type(obj),
        entity_id=obj.id,
        before=before,
        after=audit.snapshot(obj),
    )
    return obj


def refuse_nulls(obj: SQLModel, changes: Mapping[str, Any]) -> None:
    """A patch may clear optional fields only; null for a required one is the client's error."""
    columns = table_of(type(obj)).columns
    for name, value in changes.items():
        if value is None and name in columns and not columns[name].nullable:
            raise ValidationFailed(f"{name} cannot be null", field=name)


async def delete(
    session: AsyncSession, actor: Actor, obj: M, *, expected_version: ExpectedVersion
) -> None:
    actor.require_write()
    check_version(obj, expected_version)
    before = audit.snapshot(obj)
    await session.delete(obj)
    await flush(session)
    audit.record(
        session,
        actor,
        action="delete",
        entity_type=entity_type(obj),
        entity_id=obj.id,
        before=before,
    )
