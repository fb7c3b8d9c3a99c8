"""Exports: every format a plugin offers, streamed, chosen by `format` or the Accept header."""

import itertools
import uuid
from typing import Annotated, Any

import anyio
from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, FromQuery, Parameter
from litestar.response import Stream
from pydantic import BaseModel
from sqlmodel.ext.asyncio.session import AsyncSession

from api.rest.common import versioned
from api.state import AppState
from core.actor import Actor
from core.errors import ValidationFailed
from core.exporting import Exporter, choose
from core.models.value_stream import ValueStreamRead
from core.services import importing, snapshots, workflow

FormatParam = Parameter(max_length=40, description="an exporter name; default by Accept, else json")


class ExporterOut(BaseModel):
    name: str
    media_type: str
    extension: str
    subjects: list[str]
    description: str
    plugin: str


async def stream(exporter: Exporter, subject: str, data: Any, filename: str) -> Stream:
    """Stream the file; its first chunk is rendered before answering, off the event loop.

    Most render failures surface in the first chunk (a PDF is whole by then), so they
    answer with an error status instead of a 200 with a broken file.
    """
    chunks = exporter.chunks(subject, data)
    first = await anyio.to_thread.run_sync(next, chunks, b"")
    return Stream(
        itertools.chain([first], chunks),
        media_type=exporter.media_type,
        headers={"Content-Disposition": f'attachment; filename="{filename}.{exporter.extension}"'},
    )


def _slug(name: str) -> str:
    cleaned = "".join(c if c.isalnum() else "-" for c in name.lower()).strip("-")
    return "-".join(part for part in cleaned.split("-") if part)[:80] or "export"


class ExportsController(Controller):
    tags = ["exports"]

    @get("/exporters", summary="Every export format the loaded plugins offer")
    async def list_exporters(self, app_state: AppState, actor: Actor) -> list[ExporterOut]:
        return [
            ExporterOut(
                name=e.name,
                media_type=e.media_type,
                extension=e.extension,
                subjects=sorted(e.subjects),
                description=e.description,
                plugin=e.plugin,
            )
            for e in app_state.exporters.values()
        ]

    @get("/value-streams/{value_stream_id:uuid}/export", summary="Export a value stream")
    async def export_value_stream(
        self,
        request: Request[Any, Any, Any],
        session: AsyncSession,
        actor: Actor,
        app_state: AppState,
        value_stream_id: FromPath[uuid.UUID],
        format: Annotated[str | None, FormatParam] = None,
    ) -> Stream:
        exporter = choose(
            app_state.exporters, "value_stream", name=format, accept=request.headers.get("accept")
        )
        data = await snapshots.value_stream_snapshot(session, actor, value_stream_id)
        return await stream(exporter, "value_stream", data, _slug(data.value_stream.name))

    @get("/value-streams/{value_stream_id:uuid}/backlog/export", summary="Export a backlog")
    async def export_backlog(
        self,
        request: Request[Any, Any, Any],
        session: AsyncSession,
        actor: Actor,
        app_state: AppState,
        value_stream_id: FromPath[uuid.UUID],
        format: Annotated[str | None, FormatParam] = None,
    ) -> Stream:
        exporter = choose(
            app_state.exporters, "backlog", name=format, accept=request.headers.get("accept")
        )
        data = await snapshots.value_stream_snapshot(session, actor, value_stream_id)
        return await stream(exporter, "backlog", data, _slug(data.value_stream.name) + "-backlog")

    @get("/maps/{map_id:uuid}/render", summary="A map in a picture or diagram format (svg...)")
    async def render_map(
        self,
        request: Request[Any, Any, Any],
        session: AsyncSession,
        actor: Actor,
        app_state: AppState,
        map_id: FromPath[uuid.UUID],
        format: Annotated[str | None, FormatParam] = None,
    ) -> Stream:
        exporter = choose(
            app_state.exporters, "map", name=format, accept=request.headers.get("accept")
        )
        data = await snapshots.map_snapshot(session, actor, map_id)
        return await stream(exporter, "map", data, _slug(data.map.name))

    @get("/portfolio/export", summary="Export the portfolio: every value stream's status")
    async def export_portfolio(
        self,
        request: Request[Any, Any, Any],
        session: AsyncSession,
        actor: Actor,
        app_state: AppState,
        format: Annotated[str | None, FormatParam] = None,
        phase: Annotated[str | None, Parameter(max_length=60)] = None,
        overdue: FromQuery[bool | None] = None,
    ) -> Stream:
        exporter = choose(
            app_state.exporters, "portfolio", name=format, accept=request.headers.get("accept")
        )
        filters = workflow.PortfolioFilter(phase=phase, overdue=overdue)
        data = await snapshots.portfolio_snapshot(session, actor, filters)
        return await stream(exporter, "portfolio", data, "portfolio")

    @post("/import", summary="Import a value stream from its JSON export", status_code=201)
    async def import_value_stream(
        self,
        session: AsyncSession,
        actor: Actor,
        data: dict[str, Any],
        name: Annotated[str | None, Parameter(max_length=200, description="rename it")] = None,
    ) -> Response[ValueStreamRead]:
        if not isinstance(data, dict):
            raise ValidationFailed("send the JSON export of a value stream", field="body")
        stream_row = await importing.import_value_stream(session, actor, data, name=name)
        return versioned(
            ValueStreamRead.model_validate(stream_row, from_attributes=True),
            stream_row.version,
            status_code=201,
            location=f"/api/v1/value-streams/{stream_row.id}",
        )
