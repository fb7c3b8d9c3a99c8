"""GraphQL for exports: the formats on offer, and an export as text or as a REST link.

Text formats (JSON, CSV, Markdown, HTML, Mermaid, SVG...) come back inline in `text`;
binary ones (PDF, XLSX...) come back as `link`, the REST URL that streams the file,
since a GraphQL answer is JSON and no place for megabytes of base64.
"""

import enum
from typing import Any

import strawberry

from api.graphql.context import Info
from api.graphql.convert import list_of, output_type, shaped
from api.graphql.cost import Cost
from api.graphql.foundation import parse_id
from api.graphql.inputs import Filters
from api.urls import resource_url
from core.engagement import value_streams
from core.exports import snapshot_builders as snapshots
from core.exports.exporters import Exporter, choose, file_name, rendered
from core.maps import service as maps
from core.models.exporter import ExporterDescriptor, descriptors
from core.workflow import phases as workflow

TEXT_MEDIA_TYPES = frozenset({"application/json", "image/svg+xml", "application/xml"})


@strawberry.enum(name="ExportSubject")
class ExportSubject(enum.Enum):
    VALUE_STREAM = "value_stream"
    BACKLOG = "backlog"


class _InlineOrLink:
    text: bool = strawberry.field(description="Answered inline as `text`, else as a `link`.")


ExporterType = output_type(ExporterDescriptor, "Exporter", _InlineOrLink)


@strawberry.type
class ExportPayload:
    format: str
    media_type: str
    filename: str
    text: str | None = strawberry.field(description="The file itself, for a text format.")
    link: str | None = strawberry.field(
        description="For a binary format: the REST URL (same token) that streams the file."
    )


def is_text(exporter: Exporter) -> bool:
    media = exporter.media_type.split(";")[0].strip().lower()
    return (
        media.startswith("text/") or media in TEXT_MEDIA_TYPES or media.endswith(("+json", "+xml"))
    )


def _exporters(info: Info) -> dict[str, Exporter]:
    state = info.context.state
    assert state is not None
    return state.exporters


async def _payload(
    exporter: Exporter,
    subject: str,
    title: str,
    link: str,
    data: Any = None,
) -> ExportPayload:
    text = None
    if data is not None:
        text = (await rendered(exporter, subject, data)).decode("utf-8")
    return ExportPayload(
        format=exporter.name,
        media_type=exporter.media_type,
        filename=file_name(exporter, subject, title),
        text=text,
        link=None if text is not None else link,
    )


@strawberry.type
class Query:
    @strawberry.field(
        graphql_type=list_of(ExporterType) | None,
        description="Every export format the loaded plugins offer.",
    )
    async def exporters(self, info: Info) -> list[object]:
        info.context.actor  # noqa: B018 - only callers with a token may list them
        offered = _exporters(info)
        return [
            shaped(ExporterType, d, text=is_text(offered[d.name])) for d in descriptors(offered)
        ]

    @strawberry.field(
        description="A value stream (or its backlog) in one export format.",
        directives=[Cost(weight=1000)],
    )
    async def export(
        self,
        info: Info,
        value_stream_id: strawberry.ID,
        format: str,
        subject: ExportSubject = ExportSubject.VALUE_STREAM,
    ) -> ExportPayload | None:
        ident = parse_id(value_stream_id, "valueStreamId")
        exporter = choose(_exporters(info), subject.value, name=format)
        session, actor = info.context.session, info.context.actor
        path = "export" if subject is ExportSubject.VALUE_STREAM else "backlog/export"
        link = resource_url("value-streams", ident, path, format=exporter.name)
        if not is_text(exporter):
            stream = await value_streams.get_value_stream(session, actor, ident)
            return await _payload(exporter, subject.value, stream.name, link)
        data = await snapshots.value_stream_snapshot(session, actor, ident)
        return await _payload(exporter, subject.value, data.value_stream.name, link, data)

    @strawberry.field(
        description="A value stream map in one export format (mermaid, svg...).",
        directives=[Cost(weight=200)],
    )
    async def map_export(
        self, info: Info, map_id: strawberry.ID, format: str
    ) -> ExportPayload | None:
        ident = parse_id(map_id, "mapId")
        exporter = choose(_exporters(info), "map", name=format)
        session, actor = info.context.session, info.context.actor
        link = resource_url("maps", ident, "render", format=exporter.name)
        if not is_text(exporter):
            stream_map = await maps.maps.get(session, actor, ident)
            return await _payload(exporter, "map", stream_map.name, link)
        data = await snapshots.map_snapshot(session, actor, ident)
        return await _payload(exporter, "map", data.map.name, link, data)

    @strawberry.field(
        description="The portfolio, every value stream's status, in one format.",
        directives=[Cost(weight=2000)],
        extensions=[Filters(workflow.PortfolioExportFilter)],
    )
    async def portfolio_export(
        self,
        info: Info,
        format: str,
        *,
        filters: workflow.PortfolioExportFilter,
    ) -> ExportPayload | None:
        exporter = choose(_exporters(info), "portfolio", name=format)
        link = resource_url("portfolio", "export", format=exporter.name, **filters.given())
        if not is_text(exporter):
            info.context.actor  # noqa: B018 - a link is for callers with a token only
            return await _payload(exporter, "portfolio", "portfolio", link)
        data = await snapshots.portfolio_snapshot(info.context.session, info.context.actor, filters)
        return await _payload(exporter, "portfolio", "portfolio", link, data)
