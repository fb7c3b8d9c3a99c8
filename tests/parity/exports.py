"""Parity cases of what leaves the service whole: exports, renders, readouts, the portfolio."""

import io
import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import openpyxl
import pypdfium2

from tests.api_client import Api
from tests.factories import Factory, unique
from tests.parity.crud import refused_at_root
from tests.parity.harness import Case, QueryCase, Twin, comparable, graphql_data, rest_json

README = Path(__file__).resolve().parents[2] / "README.md"


def readme_portfolio_query() -> str:
    """The README's GraphQL portfolio query, as written there, for every stream."""
    text = README.read_text()
    start = text.index("```graphql\n") + len("```graphql\n")
    query = text[start : text.index("```", start)]
    assert "portfolio(first: 50, overdue: true)" in query
    return query.replace("portfolio(first: 50, overdue: true)", "portfolio(first: 50)")


def _streams_with_backlog_and_targets(factory: Factory, _admin: Factory) -> Twin:
    stream = factory.value_stream()
    factory.backlog_item(stream)
    factory.backlog_item(stream, status="done", owner_id=factory.person()["id"])
    factory.target(stream)
    return {"stream": stream, "other": factory.value_stream()}


def _portfolio_by_rest(api: Api, _twin: Twin) -> Any:
    rows = api.ok(api.get("/api/v1/portfolio"))["items"]
    return sorted(
        (
            r["name"], r["phase"], r["cycle"], round(r["days_in_phase"], 3), r["overdue"],
            r["blocking_criteria"], r["backlog_items"], r["backlog_done"],
            r["backlog_percent"], r["targets"]["on_track"], r["targets"]["at_risk"],
            r["targets"]["off_track"],
        )
        for r in rows
    )  # fmt: skip


def _portfolio_by_graphql(api: Api, _twin: Twin) -> Any:
    edges = graphql_data(api, readme_portfolio_query())["portfolio"]["edges"]
    return sorted(
        (
            n["valueStream"]["name"], n["valueStream"]["phase"], n["valueStream"]["cycle"],
            round(n["daysInPhase"], 3), n["overdue"], n["blockingCriteria"],
            n["backlog"]["items"], n["backlog"]["done"], n["backlog"]["percent"],
            n["targets"]["onTrack"], n["targets"]["atRisk"], n["targets"]["offTrack"],
        )
        for n in (edge["node"] for edge in edges)
    )  # fmt: skip


def _exportable(factory: Factory, _admin: Factory) -> Twin:
    return factory.exportable_stream()


def _filename(disposition: str) -> str:
    return unquote(disposition.split("filename*=UTF-8''")[1])


def _file_by_rest(url: str, fmt: str) -> Any:
    """The file REST streams: its media type, name and content (parsed, for JSON)."""

    def read(api: Api, twin: Twin) -> Any:
        answer = api.get(
            url.format(**{k: v["id"] for k, v in twin.items() if isinstance(v, dict)}),
            params={"format": fmt},
        )
        assert answer.status_code == 200, answer.text
        return {
            "media_type": answer.headers["content-type"].split(";")[0],
            "filename": _filename(answer.headers["content-disposition"]),
            "content": _content(answer.text, fmt),
        }

    return read


def _file_by_graphql(text: str, root: str, fmt: str) -> Any:
    """The file GraphQL answers inline: its media type, name and content (parsed, for JSON)."""

    def read(api: Api, twin: Twin) -> Any:
        ids = {k: v["id"] for k, v in twin.items() if isinstance(v, dict)}
        payload = graphql_data(api, text, f=fmt, **ids)[root]
        assert payload["format"] == fmt and payload["link"] is None
        return {
            "media_type": payload["mediaType"].split(";")[0],
            "filename": payload["filename"],
            "content": _content(payload["text"], fmt),
        }

    return read


def _content(text: str, fmt: str) -> Any:
    """The file's content, less the moment it was written (each transport wrote its own)."""
    if fmt != "json":
        return text.replace("\r\n", "\n")
    return {k: v for k, v in json.loads(text).items() if k != "exported_at"}


PAYLOAD = "{ format mediaType filename text link }"
STREAM_EXPORT = (
    f"query($stream: ID!, $f: String!) {{ export(valueStreamId: $stream, format: $f) {PAYLOAD} }}"
)

MOMENT = re.compile(
    r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2})?(\.\d+)?(Z|[+-]\d{2}:?\d{2}|\s?UTC)?"
)


def _binary_content(data: bytes, fmt: str) -> Any:
    """What a reader sees in a workbook or a PDF, less the moment it was written."""
    if fmt == "xlsx":
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
        return {
            sheet.title: [
                row for row in sheet.iter_rows(values_only=True) if row[:1] != ("Exported at",)
            ]
            for sheet in book.worksheets
        }
    document = pypdfium2.PdfDocument(data)
    return [MOMENT.sub("<moment>", page.get_textpage().get_text_range()) for page in document]


def _binary_answer(answer: Any, fmt: str) -> dict[str, Any]:
    assert answer.status_code == 200, answer.text
    return {
        "media_type": answer.headers["content-type"].split(";")[0],
        "filename": _filename(answer.headers["content-disposition"]),
        "content": _binary_content(answer.content, fmt),
    }


def _binary_by_rest(url: str, fmt: str) -> Any:
    def read(api: Api, twin: Twin) -> Any:
        return _binary_answer(
            api.get(url.format(stream=twin["stream"]["id"]), params={"format": fmt}), fmt
        )

    return read


def _binary_by_graphql(fmt: str) -> Any:
    """GraphQL does not inline a binary file: it links to it, and the link must give it."""

    def read(api: Api, twin: Twin) -> Any:
        payload = graphql_data(api, STREAM_EXPORT, f=fmt, stream=twin["stream"]["id"])["export"]
        assert payload["format"] == fmt and payload["text"] is None and payload["link"]
        return _binary_answer(api.get(payload["link"]), fmt)

    return read


def _imported(api: Api, twin: Twin) -> Any:
    found = rest_json(api, "/api/v1/value-streams", q=twin["name"])["items"]
    assert len(found) == 1
    stream_id = found[0]["id"]
    maps = rest_json(api, f"/api/v1/value-streams/{stream_id}/maps")["items"]
    items = rest_json(api, f"/api/v1/value-streams/{stream_id}/backlog-items")["items"]
    return {
        "stream": {k: found[0][k] for k in ("name", "description", "phase", "cycle")},
        "maps": [(m["kind"], m["name"], m["chosen"]) for m in maps],
        "backlog": [(i["title"], i["status"], i["wsjf"]) for i in items],
    }


def _exported(factory: Factory, _admin: Factory) -> Twin:
    stream = factory.value_stream(description="Quotes")
    factory.step(factory.map(stream, name="As is"), name="Quote", process_time="PT1H")
    factory.backlog_item(stream, title="Automate the quote", job_size=3)
    url = f"/api/v1/value-streams/{stream['id']}/export"
    document = factory.api.ok(factory.api.get(url, params={"format": "json"}))
    return {"document_of": stream, "name": unique("Imported"), "doc": [document]}


def _plugins_by_rest(api: Api, _twin: Twin) -> Any:
    offering = {
        p["name"] for p in rest_json(api, "/api/v1/plugins") if "register_exporters" in p["hooks"]
    }
    return sorted(offering)


def _plugins_by_graphql(api: Api, _twin: Twin) -> Any:
    return sorted({e["plugin"] for e in graphql_data(api, "{ exporters { plugin } }")["exporters"]})


CASES: list[Case | QueryCase] = [
    refused_at_root(
        "the portfolio's export of a phase too long",
        rest="/api/v1/portfolio/export",
        root="portfolioExport",
        query={"phase": "p" * 61},
        given=lambda _t: {"format": "json"},
        selection="filename",
    ),
    QueryCase(
        name="the export formats on offer",
        rest=("GET /api/v1/exporters",),
        graphql=("exporters",),
        arrange=lambda f, a: {},
        via_rest=lambda api, t: comparable(rest_json(api, "/api/v1/exporters")),
        via_graphql=lambda api, t: [
            {k: v for k, v in e.items() if k != "text"}
            for e in comparable(
                graphql_data(
                    api,
                    "{ exporters { name mediaType extension subjects description plugin text } }",
                )["exporters"]
            )
        ],
    ),
    QueryCase(
        name="the plugins that export",
        rest=("GET /api/v1/plugins",),
        graphql=("exporters",),
        arrange=lambda f, a: {},
        via_rest=_plugins_by_rest,
        via_graphql=_plugins_by_graphql,
    ),
    QueryCase(
        name="export a value stream as JSON",
        rest=("GET /api/v1/value-streams/{value_stream_id}/export",),
        graphql=("export",),
        arrange=_exportable,
        via_rest=_file_by_rest("/api/v1/value-streams/{stream}/export", "json"),
        via_graphql=_file_by_graphql(STREAM_EXPORT, "export", "json"),
    ),
    *(
        QueryCase(
            name=f"export a value stream as {fmt.upper()}",
            rest=("GET /api/v1/value-streams/{value_stream_id}/export",),
            graphql=("export",),
            arrange=_exportable,
            via_rest=_binary_by_rest("/api/v1/value-streams/{stream}/export", fmt),
            via_graphql=_binary_by_graphql(fmt),
        )
        for fmt in ("xlsx", "pdf")
    ),
    QueryCase(
        name="export a backlog as CSV",
        rest=("GET /api/v1/value-streams/{value_stream_id}/backlog/export",),
        graphql=("export",),
        arrange=_exportable,
        via_rest=_file_by_rest("/api/v1/value-streams/{stream}/backlog/export", "csv"),
        via_graphql=_file_by_graphql(
            "query($stream: ID!, $f: String!) { export(valueStreamId: $stream, format: $f, "
            f"subject: BACKLOG) {PAYLOAD} }}",
            "export",
            "csv",
        ),
    ),
    QueryCase(
        name="render a map as SVG",
        rest=("GET /api/v1/maps/{map_id}/render",),
        graphql=("mapExport",),
        arrange=_exportable,
        via_rest=_file_by_rest("/api/v1/maps/{current}/render", "svg"),
        via_graphql=_file_by_graphql(
            "query($current: ID!, $f: String!) { mapExport(mapId: $current, format: $f) "
            f"{PAYLOAD} }}",
            "mapExport",
            "svg",
        ),
    ),
    QueryCase(
        name="export the portfolio as CSV",
        rest=("GET /api/v1/portfolio/export",),
        graphql=("portfolioExport",),
        arrange=_exportable,
        via_rest=_file_by_rest("/api/v1/portfolio/export", "csv"),
        via_graphql=_file_by_graphql(
            f"query($f: String!) {{ portfolioExport(format: $f) {PAYLOAD} }}",
            "portfolioExport",
            "csv",
        ),
    ),
    QueryCase(
        name="a map as a document",
        rest=("GET /api/v1/maps/{map_id}/document", "GET /api/v1/maps/{map_id}/export"),
        graphql=("mapDocument",),
        arrange=_exportable,
        via_rest=lambda api, t: api.ok(api.get(f"/api/v1/maps/{t['current']['id']}/document")),
        via_graphql=lambda api, t: json.loads(
            graphql_data(api, "query($m: ID!) { mapDocument(id: $m) }", m=t["current"]["id"])[
                "mapDocument"
            ]
        ),
    ),
    Case(
        name="import a value stream from its export",
        rest=("POST /api/v1/import",),
        graphql=("importValueStream",),
        arrange=_exported,
        via_rest=lambda api, t: api.post("/api/v1/import", t["doc"][0], params={"name": t["name"]}),
        via_graphql=lambda api, t: graphql_data(
            api,
            "mutation($d: JSON!, $n: String!) { importValueStream(document: $d, name: $n) { id } }",
            d=t["doc"][0],
            n=t["name"],
        ),
        observe=_imported,
    ),
    QueryCase(
        name="the portfolio as the README queries it",
        rest=("GET /api/v1/portfolio",),
        graphql=("portfolio",),
        arrange=_streams_with_backlog_and_targets,
        via_rest=_portfolio_by_rest,
        via_graphql=_portfolio_by_graphql,
    ),
]
