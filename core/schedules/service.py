"""An organization's readout schedules (admin) and the history of their deliveries.

Everything a delivery would fail on every time is refused when the schedule is made: a
cron expression or time zone that is not one, a format nobody offers for the scope, a
stream the caller cannot read, email without an SMTP server, a folder outside the one the
operator allowed.
"""

import uuid
from pathlib import Path
from typing import Any

from pydantic import Field
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from core.actor import Actor
from core.config import Settings
from core.errors import ValidationFailed
from core.exports.exporters import Exporter, choose
from core.exports.readout_figures import ReadoutFigures
from core.models.schedule import (
    ReadoutDelivery,
    ReadoutDeliveryStatus,
    ReadoutDestination,
    ReadoutSchedule,
    ReadoutScheduleCreate,
    ReadoutScheduleUpdate,
    ReadoutScope,
)
from core.models.value_stream import ValueStream
from core.pagination import Page, paginate
from core.schedules import ticks
from core.services import crud
from core.services.filters import ListFilter
from core.types import utcnow


def subject_of(scope: ReadoutScope) -> str:
    return "portfolio" if scope is ReadoutScope.portfolio else "value_stream"


def folder_below(settings: Settings, directory: str | None) -> Path:
    """`directory` resolved below VSM_READOUT_DIRECTORY; anything else is refused."""
    if not settings.readout_directory:
        raise ValidationFailed(
            "delivery to a directory needs VSM_READOUT_DIRECTORY set by the operator",
            field="directory",
        )
    root = Path(settings.readout_directory).resolve()
    folder = (root / (directory or "")).resolve()
    if folder != root and root not in folder.parents:
        raise ValidationFailed(
            "the directory must lie below VSM_READOUT_DIRECTORY", field="directory"
        )
    return folder


async def _check(
    session: AsyncSession,
    actor: Actor,
    settings: Settings,
    exporters: dict[str, Exporter],
    values: dict[str, Any],
) -> None:
    ticks.check_cron(values["cron"])
    ticks.zone(values["timezone"])
    scope = ReadoutScope(values["scope"])
    choose(exporters, subject_of(scope), name=values["format"])
    ids = [uuid.UUID(str(i)) for i in values["value_stream_ids"]]
    wanted = {ReadoutScope.value_stream: (1, 1), ReadoutScope.value_streams: (1, 100)}
    low, high = wanted.get(scope, (0, 0))
    if not low <= len(ids) <= high:
        raise ValidationFailed(
            f"scope {scope.value} takes {low if low == high else f'{low} to {high}'} value "
            "stream ids",
            field="value_stream_ids",
        )
    found = await crud.get_many(session, actor, ValueStream, ids)
    if len(found) != len(set(ids)):
        raise ValidationFailed(
            "a value stream of the list does not exist", field="value_stream_ids"
        )
    destination = ReadoutDestination(values["destination"])
    if destination is ReadoutDestination.email:
        if not values["recipients"]:
            raise ValidationFailed("email needs at least one recipient", field="recipients")
        if not settings.smtp_host:
            raise ValidationFailed(
                "email needs an SMTP server (VSM_SMTP_HOST) set by the operator",
                field="destination",
            )
    if destination is ReadoutDestination.directory:
        folder_below(settings, values.get("directory"))


async def create_schedule(
    session: AsyncSession,
    actor: Actor,
    settings: Settings,
    exporters: dict[str, Exporter],
    data: ReadoutScheduleCreate,
) -> ReadoutSchedule:
    actor.require_admin()
    values = data.model_dump(mode="json")
    await _check(session, actor, settings, exporters, values)
    values["next_run_at"] = ticks.next_run(values["cron"], values["timezone"], utcnow())
    return await crud.create(session, actor, ReadoutSchedule, values)


class ScheduleFilter(ListFilter):
    enabled: bool | None = Field(default=None, description="only enabled (or paused) ones")


async def list_schedules(
    session: AsyncSession, actor: Actor, filters: ScheduleFilter, *, limit: int, cursor: str | None
) -> Page[ReadoutSchedule]:
    actor.require_admin()
    statement = crud.scoped(ReadoutSchedule, actor)
    if filters.enabled is not None:
        statement = statement.where(col(ReadoutSchedule.enabled).is_(filters.enabled))
    return await paginate(
        session, statement, keys=[col(ReadoutSchedule.id)], limit=limit, cursor=cursor
    )


async def get_schedule(
    session: AsyncSession, actor: Actor, schedule_id: uuid.UUID
) -> ReadoutSchedule:
    actor.require_admin()
    return await crud.get(session, actor, ReadoutSchedule, schedule_id)


async def update_schedule(
    session: AsyncSession,
    actor: Actor,
    settings: Settings,
    exporters: dict[str, Exporter],
    schedule_id: uuid.UUID,
    data: ReadoutScheduleUpdate,
    *,
    expected_version: crud.ExpectedVersion,
) -> ReadoutSchedule:
    """A new cron expression or zone moves the next run; the history stays."""
    schedule = await get_schedule(session, actor, schedule_id)
    changes = data.model_dump(mode="json", exclude_unset=True)
    for name in ("name", "cron", "timezone", "format", "recipients", "enabled"):
        if name in changes and changes[name] is None:
            raise ValidationFailed(f"{name} cannot be null", field=name)
    current = ReadoutScheduleCreate.model_validate(
        {
            **{k: getattr(schedule, k) for k in ReadoutScheduleCreate.model_fields},
            **changes,
        }
    ).model_dump(mode="json")
    await _check(session, actor, settings, exporters, current)
    if {"cron", "timezone"} & changes.keys() or changes.get("enabled"):
        changes["next_run_at"] = ticks.next_run(current["cron"], current["timezone"], utcnow())
    return await crud.update(session, actor, schedule, changes, expected_version=expected_version)


async def delete_schedule(
    session: AsyncSession,
    actor: Actor,
    schedule_id: uuid.UUID,
    *,
    expected_version: crud.ExpectedVersion,
) -> None:
    schedule = await get_schedule(session, actor, schedule_id)
    await crud.delete(session, actor, schedule, expected_version=expected_version)


class ReadoutDeliveryFilter(ListFilter):
    status: ReadoutDeliveryStatus | None = Field(default=None)


async def list_deliveries(
    session: AsyncSession,
    actor: Actor,
    schedule_id: uuid.UUID,
    filters: ReadoutDeliveryFilter,
    *,
    limit: int,
    cursor: str | None,
) -> Page[ReadoutDelivery]:
    """A schedule's deliveries, the latest tick first."""
    await get_schedule(session, actor, schedule_id)
    statement = select(ReadoutDelivery).where(
        col(ReadoutDelivery.organization_id) == actor.organization_id,
        col(ReadoutDelivery.schedule_id) == schedule_id,
    )
    if filters.status is not None:
        statement = statement.where(col(ReadoutDelivery.status) == filters.status)
    return await paginate(
        session,
        statement,
        keys=[col(ReadoutDelivery.tick), col(ReadoutDelivery.id)],
        limit=limit,
        cursor=cursor,
        descending=True,
    )


RECENT_DELIVERIES = 50
"""Delivered readouts looked through for a stream's last one: the figures are JSON, read in
Python, so the look stops at the organization's latest few."""


async def latest_figures(
    session: AsyncSession, actor: Actor, value_stream_id: uuid.UUID
) -> ReadoutFigures | None:
    """The stream as the latest delivered scheduled readout that showed it saw it."""
    delivered = await session.exec(
        select(ReadoutDelivery.figures)
        .where(
            col(ReadoutDelivery.organization_id) == actor.organization_id,
            col(ReadoutDelivery.status) == ReadoutDeliveryStatus.delivered,
        )
        .order_by(col(ReadoutDelivery.delivered_at).desc())
        .limit(RECENT_DELIVERIES)
    )
    wanted = str(value_stream_id)
    for figures in delivered:
        for one in figures:
            if one.get("value_stream_id") == wanted:
                return ReadoutFigures.model_validate(one)
    return None
