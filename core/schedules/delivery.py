"""Ticks coming due, and the `readout.deliver` job that renders and delivers each one.

Workers look for due schedules between jobs (`sweep`). A due schedule's rows are claimed
with `FOR UPDATE SKIP LOCKED` on PostgreSQL, and each delivery is unique per schedule and
tick, so one tick makes one delivery however many workers sweep at once. The delivery is
a job: rendered off the event loop, sent, retried on failure like any job, and recorded
in the schedule's history; every delivered readout is also a `report.delivered` event,
which is how the `webhook` destination reaches its subscribers.
"""

import asyncio
import io
import smtplib
import uuid
import zipfile
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from sqlalchemy import and_
from sqlmodel import col, select

from core.actor import Actor
from core.config import Settings
from core.db import Database
from core.errors import NotFound
from core.exports import snapshot_builders as snapshots
from core.exports.export_jobs import rendered_within, still_offered
from core.exports.exporters import file_name
from core.exports.readout_figures import figures_of
from core.jobs import queue
from core.jobs.kinds import Environment, Permanent, kind, sweep
from core.jobs.queue import Claim, Outcome
from core.models.schedule import (
    ReadoutDelivery,
    ReadoutDeliveryStatus,
    ReadoutDestination,
    ReadoutSchedule,
    ReadoutScope,
)
from core.models.token import Role
from core.schedules import ticks
from core.schedules.service import folder_below, subject_of
from core.types import utcnow
from core.unit_of_work import UnitOfWork
from core.webhooks import events
from core.workflow import phases as workflow

READOUT = "readout.deliver"
SWEEP_BATCH = 50


def _due(now: datetime) -> Any:
    return and_(col(ReadoutSchedule.enabled).is_(True), col(ReadoutSchedule.next_run_at) <= now)


@sweep()
async def queue_due_readouts(database: Database, now: datetime) -> int:
    """Queue a delivery for every schedule due at `now`; how many were queued. A read looks
    first, so a sweep that finds nothing due takes no write lock."""
    async with UnitOfWork.on(database, write=False) as session:
        anything = await session.exec(select(ReadoutSchedule.id).where(_due(now)).limit(1))
        if anything.first() is None:
            return 0
    async with UnitOfWork.on(database, write=True) as session:
        due = (
            await session.exec(
                select(ReadoutSchedule)
                .where(_due(now))
                .order_by(col(ReadoutSchedule.next_run_at))
                .limit(SWEEP_BATCH)
                .with_for_update(skip_locked=True)
            )
        ).all()
        for schedule in due:
            tick, following = ticks.due(schedule.cron, schedule.timezone, schedule.next_run_at, now)
            delivery = ReadoutDelivery(
                organization_id=schedule.organization_id, schedule_id=schedule.id, tick=tick
            )
            session.add(delivery)
            system = Actor(organization_id=schedule.organization_id, role=Role.admin)
            job = await queue.enqueue(session, system, READOUT, {"delivery_id": str(delivery.id)})
            delivery.job_id = job.id
            schedule.next_run_at = following
        return len(due)


@dataclass(frozen=True)
class File:
    name: str
    data: bytes
    media_type: str


async def _render(
    env: Environment, actor: Actor, schedule: ReadoutSchedule
) -> tuple[list[File], list[dict[str, Any]]]:
    """The readout's files, and the figures of each stream it showed."""
    subject = subject_of(ReadoutScope(schedule.scope))
    exporter = still_offered(env.exporters, subject, schedule.format)
    limit = env.settings.job_output_max_bytes
    files = []
    titled: list[tuple[Any, str]] = []
    shown: list[dict[str, Any]] = []
    async with UnitOfWork.on(env.database, write=False) as session:
        try:
            if schedule.scope == ReadoutScope.portfolio:
                data = await snapshots.portfolio_snapshot(
                    session, actor, workflow.PortfolioExportFilter()
                )
                titled.append((data, "portfolio"))
            else:
                for ident in schedule.value_stream_ids:
                    held = await snapshots.value_stream_snapshot(session, actor, uuid.UUID(ident))
                    titled.append((held, held.value_stream.name))
                    shown.append(figures_of(held).model_dump(mode="json"))
        except NotFound as exc:
            raise Permanent("a value stream of the schedule was deleted") from exc
    for data, title in titled:
        body = await rendered_within(exporter, subject, data, limit)
        files.append(File(file_name(exporter, subject, title), body, exporter.media_type))
    return files, shown


def _write(folder: Path, tick: datetime, files: list[File]) -> list[str]:
    """Each file under a name that starts with its tick, written whole or not at all."""
    folder.mkdir(parents=True, exist_ok=True)
    names = []
    for file in files:
        name = f"{tick:%Y-%m-%d-%H%M}-{file.name}"
        partial = folder / f".{name}.partial"
        partial.write_bytes(file.data)
        partial.replace(folder / name)
        names.append(name)
    return names


def _mail(settings: Settings, schedule: ReadoutSchedule, tick: datetime, files: list[File]) -> None:
    local = tick.astimezone(ticks.zone(schedule.timezone))
    message = EmailMessage()
    message["Subject"] = f"{schedule.name}: readout of {local:%Y-%m-%d %H:%M %Z}"
    message["From"] = settings.smtp_sender
    message["To"] = ", ".join(schedule.recipients)
    message.set_content(
        f"The readout '{schedule.name}' of {local:%A %d %B %Y, %H:%M %Z} is attached.\n"
    )
    for file in files:
        main, _, sub = file.media_type.split(";")[0].partition("/")
        message.add_attachment(file.data, maintype=main, subtype=sub or "octet-stream",
                               filename=file.name)  # fmt: skip
    assert settings.smtp_host is not None
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=30) as smtp:
        if settings.smtp_starttls:
            smtp.starttls()
        if settings.smtp_username:
            smtp.login(settings.smtp_username, settings.smtp_password or "")
        smtp.send_message(message)


def _bundle(files: list[File]) -> Outcome:
    if len(files) == 1:
        (file,) = files
        return Outcome(output=file.data, media_type=file.media_type, name=file.name)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for file in files:
            archive.writestr(file.name, file.data)
    return Outcome(output=buffer.getvalue(), media_type="application/zip", name="readouts.zip")


@kind(READOUT)
async def deliver_readout(claim: Claim, env: Environment) -> Outcome:
    delivery_id = uuid.UUID(claim.payload["delivery_id"])
    async with UnitOfWork.on(env.database, write=False) as session:
        delivery = await session.get(ReadoutDelivery, delivery_id)
        schedule = await session.get(ReadoutSchedule, delivery.schedule_id) if delivery else None
    if delivery is None or schedule is None:
        raise Permanent("the schedule was deleted")
    if delivery.status == ReadoutDeliveryStatus.delivered:
        return Outcome(result={"delivery": str(delivery_id), "status": "delivered"})
    try:
        files, shown = await _render(env, claim.actor, schedule)
        total = sum(len(f.data) for f in files)
        if total > env.settings.job_output_max_bytes:
            raise Permanent(
                f"the readout grew past the limit of {env.settings.job_output_max_bytes} bytes"
            )
        names = [f.name for f in files]
        if schedule.destination == ReadoutDestination.directory:
            folder = folder_below(env.settings, schedule.directory)
            names = await asyncio.to_thread(_write, folder, delivery.tick, files)
        elif schedule.destination == ReadoutDestination.email:
            if not env.settings.smtp_host:
                raise Permanent("email needs an SMTP server (VSM_SMTP_HOST)")
            await asyncio.to_thread(_mail, env.settings, schedule, delivery.tick, files)
    except Exception as exc:
        final = isinstance(exc, Permanent) or claim.attempt >= claim.max_attempts
        if final:
            await _record(env, delivery_id, ReadoutDeliveryStatus.failed, error=str(exc)[:2000])
        raise
    await _record(
        env,
        delivery_id,
        ReadoutDeliveryStatus.delivered,
        files=names,
        size=total,
        job_id=claim.job_id,
        figures=shown,
    )
    return _bundle(files)


async def _record(
    env: Environment,
    delivery_id: uuid.UUID,
    status: ReadoutDeliveryStatus,
    *,
    files: list[str] | None = None,
    size: int | None = None,
    error: str | None = None,
    job_id: uuid.UUID | None = None,
    figures: list[dict[str, Any]] | None = None,
) -> None:
    async with UnitOfWork.on(env.database, write=True) as session:
        delivery = await session.get(ReadoutDelivery, delivery_id)
        if delivery is None:
            return
        delivery.status = status
        delivery.error = error
        if status == ReadoutDeliveryStatus.delivered:
            delivery.delivered_at = utcnow()
            delivery.files = files or []
            delivery.bytes = size
            delivery.figures = figures or []
            system = Actor(organization_id=delivery.organization_id, role=Role.admin)
            await session.flush()
            await events.emit(
                session,
                system,
                "report.delivered",
                {
                    "schedule_id": str(delivery.schedule_id),
                    "delivery_id": str(delivery.id),
                    "tick": delivery.tick.isoformat().replace("+00:00", "Z"),
                    "files": delivery.files,
                    "download_url": f"/api/v1/jobs/{job_id}/output" if job_id else None,
                },
            )
