"""Exports: every format a plugin offers, streamed, chosen by `format` or the Accept header."""

import re
import unicodedata
import uuid
from typing import Annotated, Any
from urllib.parse import quote

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, Parameter
from litestar.response import Stream
from sqlmodel.ext.asyncio.session import AsyncSession

from api.load import HEAVY
from api.negotiation import exporter_for
from api.rest.common import versioned
from api.rest.filters import query_filters
from api.state import AppState
from api.urls import resource_url
from core.actor import Actor
from core.errors import ValidationFailed
from core.exports import importing
from core.exports import snapshot_builders as snapshots
from core.exports.exporters import Exporter, file_name, streamed
from core.models.exporter import ExporterDescriptor, descriptors
from core.models.value_stream import ValueStreamRead
from core.workflow import phases as workflow

FormatParam = Parameter(max_length=40, description="an exporter name; default by Accept, else json")
MapFormatParam = Parameter(
    max_length=40, description="an exporter name; default by Accept, else svg"
)


_NOT_TOKEN = re.compile(r"[^A-Za-z0-9._-]+")


def content_disposition(filename: str) -> str:
    """`attachment` with the name in UTF-8 (RFC 6266, RFC 8187) and an ASCII fallback.

    Headers travel as Latin-1, so a name in Cyrillic, Greek or CJK goes percent-encoded
    in `filename*`; clients too old for it take `filename`, the name reduced to ASCII.
    """
    stem, dot, extension = filename.rpartition(".")
    ascii_stem = _NOT_TOKEN.sub("-", _ascii(stem)).strip("-.") or "export"
    fallback = f"{ascii_stem}{dot}{_NOT_TOKEN.sub('', extension)}"
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")


async def stream(exporter: Exporter, subject: str, data: Any, title: str) -> Stream:
    """Stream the file, rendered chunk by chunk in worker threads (`core.exports.exporters`)."""
    return Stream(
        await streamed(exporter, subject, data),
        media_type=exporter.media_type,
        headers={"Content-Disposition": content_disposition(file_name(exporter, subject, title))},
    )


class ExportsController(Controller):
    tags = ["exports"]

    @get("/exporters", summary="Every export format the loaded plugins offer")
    async def list_exporters(self, app_state: AppState, actor: Actor) -> list[ExporterDescriptor]:
        return descriptors(app_state.exporters)

    @get("/value-streams/{value_stream_id:uuid}/export", summary="Export a value stream", opt=HEAVY)
    async def export_value_stream(
        self,
        request: Request[Any, Any, Any],
        session: AsyncSession,
        actor: Actor,
        app_state: AppState,
        value_stream_id: FromPath[uuid.UUID],
        format: Annotated[str | None, FormatParam] = None,
    ) -> Stream:
        exporter = exporter_for(
            app_state.exporters, "value_stream", name=format, accept=request.headers.get("accept")
        )
        data = await snapshots.value_stream_snapshot(session, actor, value_stream_id)
        return await stream(exporter, "value_stream", data, data.value_stream.name)

    @get(
        "/value-streams/{value_stream_id:uuid}/backlog/export",
        summary="Export a backlog",
        opt=HEAVY,
    )
    async def export_backlog(
        self,
        request: Request[Any, Any, Any],
        session: AsyncSession,
        actor: Actor,
        app_state: AppState,
        value_stream_id: FromPath[uuid.UUID],
        format: Annotated[str | None, FormatParam] = None,
    ) -> Stream:
        exporter = exporter_for(
            app_state.exporters, "backlog", name=format, accept=request.headers.get("accept")
        )
        data = await snapshots.value_stream_snapshot(session, actor, value_stream_id)
        return await stream(exporter, "backlog", data, data.value_stream.name)

    @get(
        "/maps/{map_id:uuid}/render",
        summary="A map in a picture or diagram format (svg...)",
        opt=HEAVY,
    )
    async def render_map(
        self,
        request: Request[Any, Any, Any],
        session: AsyncSession,
        actor: Actor,
        app_state: AppState,
        map_id: FromPath[uuid.UUID],
        format: Annotated[str | None, MapFormatParam] = None,
    ) -> Stream:
        exporter = exporter_for(
            app_state.exporters, "map", name=format, accept=request.headers.get("accept")
        )
        data = await snapshots.map_snapshot(session, actor, map_id)
        return await stream(exporter, "map", data, data.map.name)

    @get(
        "/portfolio/export",
        summary="Export the portfolio: every value stream's status",
        opt=HEAVY,
        dependencies={"filters": query_filters(workflow.PortfolioExportFilter)},
    )
    async def export_portfolio(
        self,
        request: Request[Any, Any, Any],
        session: AsyncSession,
        actor: Actor,
        app_state: AppState,
        format: Annotated[str | None, FormatParam] = None,
        *,
        filters: workflow.PortfolioExportFilter,
    ) -> Stream:
        exporter = exporter_for(
            app_state.exporters, "portfolio", name=format, accept=request.headers.get("accept")
        )
        data = await snapshots.portfolio_snapshot(session, actor, filters)
        return await stream(exporter, "portfolio", data, "portfolio")

    @post(
        "/import",
        summary="Import a value stream from its JSON export",
        status_code=201,
        opt=HEAVY,
    )
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
            location=resource_url("value-streams", stream_row.id),
        )
