"""Export routes and GraphQL exports: negotiation, tenancy, streaming, Mermaid, a plugin's format.

This module runs with a third-party exporter installed: `tests/example_exporter/` is a
package an outside team could publish (it depends on pluggy only and declares an
entry point in the `vsm` group). pip installs it into a temporary directory that is
on `sys.path` while these tests run, so the plugin manager finds it exactly as a
production install would, next to the built-in exporters.
"""

import ast
import csv
import io
import json
import re
import sys
import urllib.parse
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openpyxl
import pluggy
import pytest
import sqlalchemy

from core.models.value_stream import ValueStream
from core.plugins import build_plugin_manager
from plugins.mermaid_export import escape
from plugins.tabular_export.xlsx_writer import XLSX_MEDIA_TYPE
from tests import packages
from tests.api_client import Api
from tests.conftest import run_in_db
from tests.factories import Factory

EXAMPLE_SOURCE = Path(__file__).resolve().parents[1] / "example_exporter"
MODULE = "vsm_example_exporter"
DISTRIBUTION = "vsm-example-exporter"
ENTRY_POINT = "example_exporter"


# --- the third-party exporter, installed for this module


@pytest.fixture(scope="module")
def example_exporter_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The example distribution installed by pip into a directory on `sys.path`.

    The source is copied first, because setuptools builds in the source tree. The build
    runs without isolation (no network); a setuptools too old to build wheels by itself
    gets a newer one in a temporary directory, for the build only.
    """
    site = packages.install(EXAMPLE_SOURCE, tmp_path_factory.mktemp("example-exporter"), MODULE)
    with packages.importable(site, MODULE):
        yield site


@pytest.fixture(scope="module")
def plugin_manager(example_exporter_site: Path) -> pluggy.PluginManager:
    """Built as the app builds it: every plugin of the `vsm` entry-point group."""
    return build_plugin_manager()


@pytest.fixture
def made(factory: Factory) -> dict[str, Any]:
    return factory.exportable_stream(name="Quote to cash")


def _url(made: dict[str, Any], what: str = "export") -> str:
    return f"/api/v1/value-streams/{made['stream']['id']}/{what}"


def test_the_example_exporter_imports_nothing_of_the_service() -> None:
    tree = ast.parse((EXAMPLE_SOURCE / f"{MODULE}.py").read_text())
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            imported.add((node.module or "").split(".")[0])

    assert imported - set(sys.stdlib_module_names) == {"pluggy"}


def test_the_installed_exporter_is_listed_with_its_plugin(viewer: Api) -> None:
    exporters = {e["name"]: e for e in viewer.ok(viewer.get("/api/v1/exporters"))}

    assert exporters["todo-txt"] == {
        "name": "todo-txt",
        "media_type": "text/plain",
        "extension": "todo.txt",
        "subjects": ["backlog", "value_stream"],
        "description": "The backlog as a todo.txt task list (example plugin).",
        "plugin": ENTRY_POINT,
    }
    plugins = {p["name"]: p for p in viewer.ok(viewer.get("/api/v1/plugins"))}
    assert plugins[ENTRY_POINT]["distribution"] == DISTRIBUTION
    assert plugins[ENTRY_POINT]["hooks"] == ["register_exporters"]


def test_the_installed_exporter_exports_a_value_stream(viewer: Api, made: dict[str, Any]) -> None:
    response = viewer.get(_url(made), params={"format": "todo-txt"})

    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    assert 'filename="quote-to-cash.todo.txt"' in response.headers["content-disposition"]
    assert response.text.splitlines() == [
        "(A) Automate approval +Quote-to-cash @Vera-Owner due:2027-02-15",
        "(B) =HYPERLINK('http://x.example','click') +Quote-to-cash",
        'x Zoë\'s "big", odd item +Quote-to-cash @Zoë-"Z"-Ökland status:done',
    ]


def test_the_example_exporter_is_gone_once_its_directory_leaves_the_path(
    example_exporter_site: Path,
) -> None:
    names = packages.plugin_names_without(example_exporter_site)

    assert ENTRY_POINT not in names
    assert {"json_export", "tabular_export", "mermaid_export"} <= names


# --- the list of formats


def test_exporters_lists_the_built_in_formats_with_their_subjects(viewer: Api) -> None:
    exporters = {e["name"]: e for e in viewer.ok(viewer.get("/api/v1/exporters"))}

    assert exporters["csv"]["subjects"] == ["backlog", "portfolio"]
    assert exporters["findings-csv"]["subjects"] == ["value_stream"]
    assert exporters["measurements-csv"]["subjects"] == ["value_stream"]
    assert exporters["xlsx"]["subjects"] == ["portfolio", "value_stream"]
    assert exporters["xlsx"]["media_type"] == XLSX_MEDIA_TYPE
    assert exporters["mermaid"]["subjects"] == ["map", "value_stream"]
    assert exporters["mermaid"]["media_type"] == "text/vnd.mermaid"
    assert {exporters[n]["plugin"] for n in ("csv", "xlsx")} == {"tabular_export"}


def test_exporters_need_a_token(anonymous: Api) -> None:
    assert anonymous.get("/api/v1/exporters").status_code == 401


# --- content negotiation


def test_accept_text_csv_on_a_backlog_export_picks_csv(viewer: Api, made: dict[str, Any]) -> None:
    response = viewer.get(_url(made, "backlog/export"), headers={"Accept": "text/csv"})

    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    assert response.text.startswith("rank,title,")


def test_accept_by_quality_and_json_without_a_preference(viewer: Api, made: dict[str, Any]) -> None:
    preferred = viewer.get(
        _url(made, "backlog/export"), headers={"Accept": "text/csv;q=0.4, application/json"}
    )
    anything = viewer.get(_url(made, "backlog/export"), headers={"Accept": "*/*"})
    workbook = viewer.get(_url(made), headers={"Accept": f"text/html;q=0.1, {XLSX_MEDIA_TYPE}"})

    assert preferred.headers["content-type"].startswith("application/json")
    assert anything.headers["content-type"].startswith("application/json")
    assert workbook.headers["content-type"] == XLSX_MEDIA_TYPE


def test_format_wins_over_accept(viewer: Api, made: dict[str, Any]) -> None:
    response = viewer.get(
        _url(made, "backlog/export"), params={"format": "json"}, headers={"Accept": "text/csv"}
    )

    assert response.headers["content-type"].startswith("application/json")


def test_an_unknown_format_is_refused_naming_the_format_field(
    viewer: Api, made: dict[str, Any]
) -> None:
    response = viewer.get(_url(made), params={"format": "docx"})

    assert response.status_code == 422
    problem = response.json()
    assert problem["code"] == "VALIDATION_FAILED"
    assert [e["field"] for e in problem["errors"]] == ["format"]
    assert "docx" in problem["detail"]
    assert "xlsx" in problem["detail"]


@pytest.mark.parametrize(
    ("what", "fmt"),
    [
        ("backlog", "mermaid"),
        ("backlog", "xlsx"),
        ("value_stream", "csv"),
        ("map", "csv"),
        ("map", "xlsx"),
        ("portfolio", "mermaid"),
        ("portfolio", "findings-csv"),
    ],
)
def test_a_format_not_offered_for_the_subject_is_refused(
    viewer: Api, made: dict[str, Any], what: str, fmt: str
) -> None:
    url = {
        "backlog": _url(made, "backlog/export"),
        "value_stream": _url(made),
        "map": f"/api/v1/maps/{made['current']['id']}/render",
        "portfolio": "/api/v1/portfolio/export",
    }[what]

    response = viewer.get(url, params={"format": fmt})

    assert response.status_code == 422, response.text
    assert [e["field"] for e in response.json()["errors"]] == ["format"]


# --- tenancy, roles, streaming


@pytest.mark.parametrize(
    ("what", "fmt"),
    [
        ("export", "xlsx"),
        ("export", "findings-csv"),
        ("export", "mermaid"),
        ("backlog/export", "csv"),
        ("render", "mermaid"),
    ],
)
def test_another_organization_gets_not_found(
    outsider: Api, made: dict[str, Any], what: str, fmt: str
) -> None:
    url = f"/api/v1/maps/{made['current']['id']}/render" if what == "render" else _url(made, what)

    response = outsider.get(url, params={"format": fmt})

    assert response.status_code == 404, response.text
    assert "Quote" not in response.text


def test_the_portfolio_export_shows_only_the_caller_s_organization(
    outsider: Api, outsider_factory: Factory, made: dict[str, Any]
) -> None:
    outsider_factory.value_stream(name="Globex stream")

    response = outsider.get("/api/v1/portfolio/export", params={"format": "csv"})

    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [r["name"] for r in rows] == ["Globex stream"]
    book = openpyxl.load_workbook(
        io.BytesIO(outsider.get("/api/v1/portfolio/export", params={"format": "xlsx"}).content)
    )
    assert [row[0] for row in book["Portfolio"].iter_rows(min_row=2, values_only=True)] == [
        "Globex stream"
    ]


@pytest.mark.parametrize(
    ("path", "fmt", "media", "filename"),
    [
        ("export", "json", "application/json", "quote-to-cash.json"),
        ("export", "xlsx", XLSX_MEDIA_TYPE, "quote-to-cash.xlsx"),
        ("export", "findings-csv", "text/csv", "quote-to-cash-findings.csv"),
        ("export", "measurements-csv", "text/csv", "quote-to-cash-measurements.csv"),
        ("export", "mermaid", "text/vnd.mermaid", "quote-to-cash.mmd"),
        ("backlog/export", "csv", "text/csv", "quote-to-cash-backlog.csv"),
        ("render", "mermaid", "text/vnd.mermaid", "as-is.mmd"),
        ("portfolio", "csv", "text/csv", "portfolio.csv"),
        ("portfolio", "xlsx", XLSX_MEDIA_TYPE, "portfolio.xlsx"),
    ],
)
def test_a_viewer_may_export_and_gets_a_streamed_attachment(
    viewer: Api, made: dict[str, Any], path: str, fmt: str, media: str, filename: str
) -> None:
    url = {
        "render": f"/api/v1/maps/{made['current']['id']}/render",
        "portfolio": "/api/v1/portfolio/export",
    }.get(path) or _url(made, path)

    response = viewer.get(url, params={"format": fmt})

    assert response.status_code == 200, response.text
    assert response.headers["content-type"].split(";")[0] == media
    assert _attachment_name(response) == filename
    assert "content-length" not in response.headers, "a streamed answer has no length up front"
    assert response.content


ATTR_CHARS = r"[A-Za-z0-9!#$&+.^_`|~-]"
"""What RFC 8187 lets stand unencoded in an extended parameter value."""


def _attachment_name(response: Any) -> str:
    """The file name a browser saves the answer as: `filename*` (RFC 6266, 8187)."""
    header = response.headers["content-disposition"]
    assert header.startswith("attachment;"), header
    match = re.search(rf"(?:^|;)\s*filename\*=UTF-8''((?:{ATTR_CHARS}|%[0-9A-F]{{2}})+)$", header)
    assert match is not None, header
    return urllib.parse.unquote(match.group(1), errors="strict")


def _ascii_fallback(response: Any) -> str:
    match = re.search(r'(?:^|;)\s*filename="([^"]*)"', response.headers["content-disposition"])
    assert match is not None, response.headers["content-disposition"]
    return match.group(1)


def test_the_csv_exports_of_one_stream_have_different_file_names(
    viewer: Api, made: dict[str, Any]
) -> None:
    names = {
        fmt: _attachment_name(viewer.get(_url(made, path), params={"format": fmt}))
        for path, fmt in (
            ("export", "findings-csv"),
            ("export", "measurements-csv"),
            ("backlog/export", "csv"),
        )
    }

    assert names == {
        "findings-csv": "quote-to-cash-findings.csv",
        "measurements-csv": "quote-to-cash-measurements.csv",
        "csv": "quote-to-cash-backlog.csv",
    }


NAMES_IN_SCRIPTS = {
    "cyrillic": ("Поток заказов", "поток-заказов"),
    "greek": ("Ροή αξίας", "ροή-αξίας"),
    "cjk": ("価値の流れ 受注", "価値の流れ-受注"),
    "quotes and slashes": ('Quote "to" cash/../..\\etc', "quote-to-cash-etc"),
    "accents": ("Zoë's Ökonomie", "zoë-s-ökonomie"),
}


@pytest.mark.parametrize("script", sorted(NAMES_IN_SCRIPTS))
@pytest.mark.parametrize(
    ("path", "fmt", "extension"),
    [
        ("export", "json", "json"),
        ("export", "xlsx", "xlsx"),
        ("export", "html", "html"),
        ("export", "measurements-csv", "csv"),
        ("backlog/export", "csv", "csv"),
    ],
)
def test_a_stream_named_in_any_script_exports_under_its_own_name(
    viewer: Api, factory: Factory, script: str, path: str, fmt: str, extension: str
) -> None:
    name, stem = NAMES_IN_SCRIPTS[script]
    stream = factory.value_stream(name=name)
    suffix = {"measurements-csv": "-measurements", "csv": "-backlog"}.get(fmt, "")

    response = viewer.get(f"/api/v1/value-streams/{stream['id']}/{path}", params={"format": fmt})

    assert response.status_code == 200, response.text
    assert _attachment_name(response) == f"{stem}{suffix}.{extension}"
    fallback = _ascii_fallback(response)
    assert re.fullmatch(r"[A-Za-z0-9._-]+", fallback), fallback
    assert fallback.endswith(f".{extension}")


def test_a_map_with_a_cjk_name_renders_under_its_name(viewer: Api, factory: Factory) -> None:
    stream_map = factory.map(factory.value_stream(), kind="current", name="現状マップ")

    response = viewer.get(f"/api/v1/maps/{stream_map['id']}/render", params={"format": "svg"})

    assert response.status_code == 200, response.text
    assert _attachment_name(response) == "現状マップ.svg"
    assert _ascii_fallback(response) == "export.svg"


def test_line_breaks_in_a_name_cannot_add_a_header(
    viewer: Api, factory: Factory, database_url: str
) -> None:
    stream = factory.value_stream(name="Quote to cash")
    _rename_stream(database_url, stream["id"], "Evil\r\nSet-Cookie: a=b\r\n\r\nbody")

    response = viewer.get(f"/api/v1/value-streams/{stream['id']}/export", params={"format": "json"})

    assert response.status_code == 200, response.text
    assert "set-cookie" not in response.headers
    assert _attachment_name(response) == "evil-set-cookie-a-b-body.json"


def test_a_very_long_name_gives_a_file_name_a_file_system_takes(
    viewer: Api, factory: Factory
) -> None:
    stream = factory.value_stream(name="流" * 200)

    response = viewer.get(
        f"/api/v1/value-streams/{stream['id']}/export", params={"format": "measurements-csv"}
    )

    assert response.status_code == 200, response.text
    name = _attachment_name(response)
    assert name.startswith("流" * 10)
    assert name.endswith("-measurements.csv")
    assert len(name.encode()) <= 255


def test_graphql_names_the_file_of_a_cyrillic_stream(viewer: Api, factory: Factory) -> None:
    stream = factory.value_stream(name="Поток заказов")

    answer = viewer.graphql(EXPORT, {"id": stream["id"], "format": "measurements-csv"})

    assert answer["data"]["export"]["filename"] == "поток-заказов-measurements.csv"


def _rename_stream(database_url: str, stream_id: str, name: str) -> None:
    """Store a name the API would refuse, as older data may hold it."""

    async def work(session: Any) -> None:
        await session.exec(
            sqlalchemy.update(ValueStream)
            .where(ValueStream.id == uuid.UUID(stream_id))
            .values(name=name)
        )

    run_in_db(database_url, work)


# --- the map picture's default format


def test_render_without_a_format_answers_the_documented_svg(
    viewer: Api, made: dict[str, Any]
) -> None:
    response = viewer.get(f"/api/v1/maps/{made['current']['id']}/render")

    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("image/svg+xml")
    assert _attachment_name(response) == "as-is.svg"
    assert "<svg" in response.text


def test_render_by_accept_still_picks_mermaid(viewer: Api, made: dict[str, Any]) -> None:
    response = viewer.get(
        f"/api/v1/maps/{made['current']['id']}/render",
        headers={"Accept": "text/vnd.mermaid, */*;q=0.1"},
    )

    assert response.status_code == 200, response.text
    assert response.text.startswith("flowchart LR")


def test_render_is_documented_with_svg_as_its_default(viewer: Api) -> None:
    schema = viewer.get("/schema/openapi.json").json()
    parameters = schema["paths"]["/api/v1/maps/{map_id}/render"]["get"]["parameters"]
    described = next(p for p in parameters if p["name"] == "format")

    assert "svg" in described["description"]


def _body_messages(api: Api, path: str, query: str) -> list[bytes]:
    """The body messages the app sends, straight from ASGI: a stream sends one per chunk."""
    import anyio

    sent: list[bytes] = []
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query.encode(),
        "root_path": "",
        "headers": [
            (b"host", b"testserver.local"),
            (b"authorization", f"Bearer {api.token}".encode()),
        ],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver.local", 80),
    }

    async def call() -> None:
        requested = False
        finished = anyio.Event()

        async def receive() -> dict[str, Any]:
            nonlocal requested
            if not requested:
                requested = True
                return {"type": "http.request", "body": b"", "more_body": False}
            await finished.wait()
            return {"type": "http.disconnect"}

        async def send(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                assert message["status"] == 200
            elif message["type"] == "http.response.body":
                if message.get("body"):
                    sent.append(message["body"])
                if not message.get("more_body"):
                    finished.set()

        await api.client.app(scope, receive, send)

    api.client.blocking_portal.call(call)
    return sent


def test_a_csv_export_is_sent_a_row_at_a_time(viewer: Api, made: dict[str, Any]) -> None:
    messages = _body_messages(viewer, _url(made, "backlog/export"), "format=csv")

    assert len(messages) == 1 + len(made["items"])
    assert (
        messages[0] == b"rank,title,type,status,owner,accountable,responsible,team,milestone,"
        b"due_date,overdue,wsjf,business_value,time_criticality,risk_reduction,job_size,"
        b"depends_on,findings,id\r\n"
    )


def test_exporting_leaves_nothing_changed(viewer: Api, made: dict[str, Any]) -> None:
    before = viewer.ok(viewer.get(f"/api/v1/value-streams/{made['stream']['id']}"))
    audit_before = viewer.get("/api/v1/audit")

    for fmt in ("json", "xlsx", "findings-csv", "mermaid"):
        assert viewer.get(_url(made), params={"format": fmt}).status_code == 200

    after = viewer.ok(viewer.get(f"/api/v1/value-streams/{made['stream']['id']}"))
    assert after["version"] == before["version"]
    if audit_before.status_code == 200:
        assert viewer.get("/api/v1/audit").json() == audit_before.json()


def test_anonymous_callers_cannot_export(anonymous: Api, made: dict[str, Any]) -> None:
    assert anonymous.get(_url(made), params={"format": "csv"}).status_code == 401
    assert anonymous.get("/api/v1/portfolio/export").status_code == 401


# --- Mermaid


def _mermaid(api: Api, url: str) -> str:
    response = api.get(url, params={"format": "mermaid"})
    assert response.status_code == 200, response.text
    return response.text


def test_mermaid_draws_a_node_per_step_and_an_edge_per_handoff(
    viewer: Api, made: dict[str, Any]
) -> None:
    text = _mermaid(viewer, f"/api/v1/maps/{made['current']['id']}/render")
    lines = [line.strip() for line in text.splitlines()]

    assert lines[0] == "flowchart LR"
    nodes = [line for line in lines if re.match(r"^s\d+\[", line)]
    assert len(nodes) == 3
    assert nodes[1] == 's2["<b>Approve</b><br/>Manager<br/>PT 15 min, WT 2 d"]'
    assert nodes[2] == 's3["<b>Ship</b><br/>Ops<br/>PT 2 h, WT 4 h"]'
    assert 's1 -.->|"quote #quot;v2#quot;"| s2' in lines
    assert "s2 --> s3" in lines
    assert "linkStyle 0 stroke:#d62728,stroke-width:2px" in lines
    assert "classDef value_add fill:#e6f4ea,stroke:#2e7d32" in lines
    assert "class s1 value_add" in lines
    assert "style s2 stroke-width:4px" in lines, "the bottleneck is marked"


def test_mermaid_labels_cannot_break_out_of_their_quotes_or_inject_markup(
    viewer: Api, made: dict[str, Any]
) -> None:
    text = _mermaid(viewer, f"/api/v1/maps/{made['current']['id']}/render")
    first = next(line.strip() for line in text.splitlines() if line.strip().startswith("s1["))

    assert first == (
        's1["<b>Quote #quot;fast#quot; #lt;b#gt;now#lt;/b#gt;</b><br/>Sales #amp; Ops'
        '<br/>PT 1 h, WT 1 d"]'
    )
    inside = first[len('s1["') : -len('"]')]
    assert '"' not in inside


def test_escape_flattens_lines_and_codes_every_special_character() -> None:
    assert escape('a\n"b" <c> & #d | `e` \\f %%{x}%%\x00\x07') == (
        "a #quot;b#quot; #lt;c#gt; #amp; #35;d #124; #96;e#96; #92;f #37;#37;#123;x#125;#37;#37;"
    )


HOSTILE = {
    "directive": "%%{init: {'theme':'dark','themeCSS':'svg{display:none}'}}%%",
    "directive, spaced": "x %%{ init: { 'securityLevel': 'loose' } }%% y",
    "click": 'x"]\n    click s1 call alert(1)\n    y["z',
    "click, unicode line break": 'a\u2028click s1 href "javascript:alert(1)"\u2029b',
    "script": "<script>alert(1)</script>",
    "html": '<img src=x onerror="alert(1)"><a href="javascript:alert(1)">x</a>',
    "statement end": 'a"];style s1 fill:#f00;x["',
    "edge label": 'v2|> s1 --> s9["owned"',
    "comment": "%% a comment\n%%{init:{}}%%",
}
STATEMENTS = [
    r"flowchart LR",
    r"%% [^%{}\n]*",
    r'(?:m\d+)?s\d+\["[^"]*"\]',
    r'(?:m\d+)?empty\["\(no steps yet\)"\]',
    r'none\["No maps in cycle \d+ yet"\]',
    r'(?:m\d+)?s\d+ (?:-->|-\.->)(?:\|"[^"]*"\|)? (?:m\d+)?s\d+',
    r'subgraph m\d+\["[^"]*"\]',
    r"direction LR",
    r"end",
    r"classDef \w+ [\w:#,-]+",
    r"class [\w,]+ \w+",
    r"style (?:m\d+)?s\d+ stroke-width:4px",
    r"linkStyle [\d,]+ [\w:#,-]+",
]


@pytest.mark.parametrize("attack", sorted(HOSTILE))
def test_hostile_text_cannot_inject_a_directive_a_click_or_markup_into_mermaid(
    viewer: Api, factory: Factory, attack: str
) -> None:
    hostile = HOSTILE[attack]
    stream = factory.value_stream(name=hostile)
    stream_map = factory.map(stream, kind="current", name=hostile)
    first = factory.step(stream_map, name=hostile, role=hostile, process_time="1 h")
    second = factory.step(stream_map, name="Next", role="Ops")
    factory.handoff(stream_map, first, second, artifact=hostile[:200])

    for url in (
        f"/api/v1/maps/{stream_map['id']}/render",
        f"/api/v1/value-streams/{stream['id']}/export",
    ):
        text = _mermaid(viewer, url)

        assert "%%{" not in text and "}%%" not in text
        for line in (line.strip() for line in text.splitlines()):
            assert any(re.fullmatch(statement, line) for statement in STATEMENTS), line
            assert not line.startswith("click")
        tags = set(re.findall(r"<\s*/?\s*([A-Za-z]+)", text))
        assert tags <= {"b", "br"}, tags


def test_mermaid_chains_the_steps_of_a_map_without_handoffs(viewer: Api, factory: Factory) -> None:
    stream_map = factory.map(factory.value_stream(), kind="current", name="Plain")
    for name in ("One", "Two", "Three"):
        factory.step(stream_map, name=name, process_time="1 h", wait_time="1 h")

    text = _mermaid(viewer, f"/api/v1/maps/{stream_map['id']}/render")

    lines = [line.strip() for line in text.splitlines()]
    assert "s1 --> s2" in lines
    assert "s2 --> s3" in lines
    assert not any("linkStyle" in line for line in lines)


def test_mermaid_of_a_map_without_steps_is_still_a_flowchart(viewer: Api, factory: Factory) -> None:
    stream_map = factory.map(factory.value_stream(), kind="current", name="Empty")

    text = _mermaid(viewer, f"/api/v1/maps/{stream_map['id']}/render")

    assert text.splitlines()[0] == "flowchart LR"
    assert 'empty["(no steps yet)"]' in text


def test_mermaid_of_a_value_stream_has_a_subgraph_per_map_of_the_cycle(
    viewer: Api, made: dict[str, Any]
) -> None:
    text = _mermaid(viewer, _url(made))
    lines = [line.strip() for line in text.splitlines()]

    assert lines[0] == "flowchart LR"
    assert 'subgraph m1["Current state: As is"]' in lines
    assert 'subgraph m2["Desired state, chosen: To be"]' in lines
    assert lines.count("end") == 2
    assert 'm1s1 -.->|"quote #quot;v2#quot;"| m1s2' in lines
    assert "m2s1 --> m2s2" in lines, "the desired map has no handoffs: a chain"
    assert "linkStyle 0 stroke:#d62728,stroke-width:2px" in lines


# --- GraphQL

EXPORTERS = "{ exporters { name mediaType extension subjects plugin text } }"
EXPORT = """
query($id: ID!, $format: String!, $subject: ExportSubject) {
  export(valueStreamId: $id, format: $format, subject: $subject) {
    format mediaType filename text link
  }
}"""
PORTFOLIO_EXPORT = """
query($format: String!, $phase: String) {
  portfolioExport(format: $format, phase: $phase) { format mediaType filename text link }
}"""
MAP_EXPORT = """
query($id: ID!, $format: String!) {
  mapExport(mapId: $id, format: $format) { format mediaType filename text link }
}"""


def test_graphql_lists_the_exporters(viewer: Api) -> None:
    answer = viewer.graphql(EXPORTERS)

    exporters = {e["name"]: e for e in answer["data"]["exporters"]}
    assert exporters["xlsx"]["text"] is False
    assert exporters["csv"]["text"] is True
    assert exporters["mermaid"] == {
        "name": "mermaid",
        "mediaType": "text/vnd.mermaid",
        "extension": "mmd",
        "subjects": ["map", "value_stream"],
        "plugin": "mermaid_export",
        "text": True,
    }
    assert "todo-txt" in exporters


def test_graphql_export_answers_a_text_format_inline(viewer: Api, made: dict[str, Any]) -> None:
    answer = viewer.graphql(EXPORT, {"id": made["stream"]["id"], "format": "json"})

    payload = answer["data"]["export"]
    assert payload["format"] == "json"
    assert payload["mediaType"] == "application/json"
    assert payload["filename"] == "quote-to-cash.json"
    assert payload["link"] is None
    document = json.loads(payload["text"])
    assert document["value_stream"]["name"] == "Quote to cash"
    rest = viewer.get(_url(made), params={"format": "json"}).json()
    assert document["backlog"] == rest["backlog"]


def test_graphql_export_of_the_backlog_as_csv(viewer: Api, made: dict[str, Any]) -> None:
    answer = viewer.graphql(
        EXPORT, {"id": made["stream"]["id"], "format": "csv", "subject": "BACKLOG"}
    )

    payload = answer["data"]["export"]
    assert payload["filename"] == "quote-to-cash-backlog.csv"
    rows = list(csv.DictReader(io.StringIO(payload["text"])))
    assert rows[0]["title"] == "Automate approval"
    assert (
        payload["text"] == viewer.get(_url(made, "backlog/export"), params={"format": "csv"}).text
    )


def test_graphql_export_answers_a_binary_format_with_a_working_link(
    viewer: Api, made: dict[str, Any]
) -> None:
    answer = viewer.graphql(EXPORT, {"id": made["stream"]["id"], "format": "xlsx"})

    payload = answer["data"]["export"]
    assert payload["text"] is None
    assert payload["link"] == f"/api/v1/value-streams/{made['stream']['id']}/export?format=xlsx"
    assert payload["filename"] == "quote-to-cash.xlsx"
    assert payload["mediaType"] == XLSX_MEDIA_TYPE
    fetched = viewer.get(payload["link"])
    assert fetched.status_code == 200
    assert openpyxl.load_workbook(io.BytesIO(fetched.content)).sheetnames[0] == "Summary"


def test_graphql_portfolio_export_inline_and_as_link(
    viewer: Api, made: dict[str, Any], factory: Factory
) -> None:
    factory.value_stream(name="Hire to retire")

    text = viewer.graphql(PORTFOLIO_EXPORT, {"format": "csv"})["data"]["portfolioExport"]
    link = viewer.graphql(PORTFOLIO_EXPORT, {"format": "xlsx", "phase": "pre_planning"})["data"][
        "portfolioExport"
    ]

    rows = list(csv.DictReader(io.StringIO(text["text"])))
    assert sorted(r["name"] for r in rows) == ["Hire to retire", "Quote to cash"]
    assert text["filename"] == "portfolio.csv"
    assert link["text"] is None
    assert link["link"] == "/api/v1/portfolio/export?format=xlsx&phase=pre_planning"
    assert viewer.get(link["link"]).status_code == 200


def test_graphql_map_export_as_mermaid(viewer: Api, made: dict[str, Any]) -> None:
    answer = viewer.graphql(MAP_EXPORT, {"id": made["current"]["id"], "format": "mermaid"})

    payload = answer["data"]["mapExport"]
    assert payload["filename"] == "as-is.mmd"
    assert payload["text"].startswith("flowchart LR\n")


@pytest.mark.parametrize("fmt", ["docx", "csv", "mermaid-ish"])
def test_graphql_export_refuses_a_format_the_subject_lacks(
    viewer: Api, made: dict[str, Any], fmt: str
) -> None:
    answer = viewer.graphql(EXPORT, {"id": made["stream"]["id"], "format": fmt})

    assert answer["data"] == {"export": None}
    (error,) = answer["errors"]
    assert error["extensions"]["code"] == "VALIDATION_FAILED"
    assert error["extensions"]["fields"][0]["field"] == "format"


@pytest.mark.parametrize("fmt", ["json", "xlsx"])
def test_graphql_export_of_another_organization_s_stream_is_not_found(
    outsider: Api, made: dict[str, Any], fmt: str
) -> None:
    answer = outsider.graphql(EXPORT, {"id": made["stream"]["id"], "format": fmt})

    assert answer["data"] == {"export": None}
    assert answer["errors"][0]["extensions"]["code"] == "NOT_FOUND"


def test_graphql_exports_need_a_token(anonymous: Api, made: dict[str, Any]) -> None:
    for query, variables in (
        (EXPORTERS, {}),
        (EXPORT, {"id": made["stream"]["id"], "format": "xlsx"}),
        (PORTFOLIO_EXPORT, {"format": "xlsx"}),
    ):
        response = anonymous.client.post("/graphql", json={"query": query, "variables": variables})
        assert response.status_code == 401, query
        assert "Quote" not in response.text


@pytest.mark.parametrize(("fmt", "inline"), [("html", True), ("markdown", True), ("pdf", False)])
def test_graphql_export_of_the_readout_formats(
    viewer: Api, made: dict[str, Any], app: Any, fmt: str, inline: bool
) -> None:
    if fmt not in app.state.vsm.exporters:
        pytest.skip(f"no {fmt} exporter is installed")

    payload = viewer.graphql(EXPORT, {"id": made["stream"]["id"], "format": fmt})["data"]["export"]

    if inline:
        assert "Quote to cash" in payload["text"]
        assert payload["link"] is None
    else:
        assert payload["text"] is None
        assert (
            payload["link"] == f"/api/v1/value-streams/{made['stream']['id']}/export?format={fmt}"
        )
        assert viewer.get(payload["link"]).content.startswith(b"%PDF")
