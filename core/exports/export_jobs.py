"""Exports as background jobs: the client is answered 202 at once and fetches the file
from the job when it is done, instead of holding a request open while a PDF renders."""

import enum
import uuid
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlmodel.ext.asyncio.session import AsyncSession

from core.actor import Actor
from core.engagement.value_streams import get_value_stream
from core.errors import NotFound, ValidationFailed
from core.exports import snapshot_builders as snapshots
from core.exports.exporters import Exporter, choose, file_name, streamed
from core.jobs import queue
from core.jobs.kinds import Environment, Permanent, kind
from core.jobs.queue import Claim, Outcome
from core.maps import service as maps
from core.models.job import Job
from core.unit_of_work import UnitOfWork
from core.workflow import phases as workflow

EXPORT = "export"


class ExportSubject(enum.StrEnum):
    value_stream = "value_stream"
    backlog = "backlog"
    map = "map"
    portfolio = "portfolio"


class ExportJobCreate(BaseModel):
    """What to export: a value stream, its backlog or a map by id, or the portfolio."""

    model_config = ConfigDict(extra="forbid")

    subject: ExportSubject
    id: uuid.UUID | None = Field(
        default=None, description="the value stream or map; none for the portfolio"
    )
    format: str | None = Field(
        default=None, max_length=40, description="an exporter name; default: the subject's"
    )
    filters: workflow.PortfolioExportFilter | None = Field(
        default=None, description="the portfolio's filters"
    )


async def start_export(
    session: AsyncSession, actor: Actor, exporters: dict[str, Exporter], data: ExportJobCreate
) -> Job:
    """Queue the export, after checking the format and that the caller may read what it
    names: what would fail on every attempt is refused now, with a 4xx."""
    subject = data.subject.value
    exporter = choose(exporters, subject, name=data.format)
    if (data.id is None) != (data.subject is ExportSubject.portfolio):
        raise ValidationFailed(
            "the portfolio takes no id; every other subject needs one", field="id"
        )
    if data.filters is not None and data.subject is not ExportSubject.portfolio:
        raise ValidationFailed("only the portfolio takes filters", field="filters")
    if data.id is not None:
        try:
            await _title(session, actor, subject, data.id)
        except NotFound as exc:
            what = "map" if data.subject is ExportSubject.map else "value stream"
            raise ValidationFailed(f"no {what} {data.id} in your organization", field="id") from exc
    payload = {
        "subject": subject,
        "id": str(data.id) if data.id is not None else None,
        "format": exporter.name,
        "filters": data.filters.model_dump(mode="json") if data.filters else {},
    }
    return await queue.enqueue(session, actor, EXPORT, payload)


async def _title(session: AsyncSession, actor: Actor, subject: str, subject_id: uuid.UUID) -> str:
    if subject == "map":
        return (await maps.maps.get(session, actor, subject_id)).name
    return (await get_value_stream(session, actor, subject_id)).name


async def _data(session: AsyncSession, actor: Actor, payload: dict[str, Any]) -> tuple[Any, str]:
    subject = payload["subject"]
    if subject == "portfolio":
        chosen = workflow.PortfolioExportFilter.model_validate(payload.get("filters") or {})
        return await snapshots.portfolio_snapshot(session, actor, chosen), "portfolio"
    ident = uuid.UUID(payload["id"])
    if subject == "map":
        drawn = await snapshots.map_snapshot(session, actor, ident)
        return drawn, drawn.map.name
    held = await snapshots.value_stream_snapshot(session, actor, ident)
    return held, held.value_stream.name


def still_offered(exporters: dict[str, Exporter], subject: str, name: str) -> Exporter:
    """The exporter a job was queued for; its plugin may have gone since, for good."""
    try:
        return choose(exporters, subject, name=name)
    except ValidationFailed as exc:
        raise Permanent(f"the format {name!r} is not offered any more") from exc


async def rendered_within(exporter: Exporter, subject: str, data: Any, limit: int) -> bytes:
    """The whole file, rendered chunk by chunk off the event loop, given up as soon as it
    grows past `limit` bytes."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in await streamed(exporter, subject, data):
        size += len(chunk)
        if size > limit:
            raise Permanent(f"the file grew past the limit of {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


@kind(EXPORT)
async def run_export(claim: Claim, env: Environment) -> Outcome:
    payload = claim.payload
    subject = payload["subject"]
    exporter = still_offered(env.exporters, subject, payload["format"])
    try:
        async with UnitOfWork.on(env.database, write=False) as session:
            data, title = await _data(session, claim.actor, payload)
    except NotFound as exc:
        what = "map" if subject == "map" else "value stream"
        raise Permanent(f"the {what} to export was deleted after the export was queued") from exc
    output = await rendered_within(exporter, subject, data, env.settings.job_output_max_bytes)
    return Outcome(
        result={"subject": subject, "format": exporter.name},
        output=output,
        media_type=exporter.media_type,
        name=file_name(exporter, subject, title),
    )
