"""Heavy work runs off the event loop, and the heavy routes have limits of their own.

One event loop answers every request of a worker process. A map import parses and
checks a document of thousands of steps; classify runs every plugin over a map;
exports lay out readouts, workbooks, PDFs and pictures. If any of that ran on the
loop, every other organization would wait for it.

The proof is by order, not by time: the heavy work is held inside its worker thread
(`core.offload.in_worker`) by an event the test controls. While it is held, `/health`
and another organization's read must be answered; only then is the work let go.
Were the work on the event loop, the held thread would be the loop itself: nothing
else would answer until the hold timed out, and the order would be wrong.
"""

import asyncio
import gc
import json
import multiprocessing
import os
import sys
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import yaml

from core import offload
from core.config import Settings
from core.maps.document_parsing import YAML_LOADER
from tests.api_client import Api
from tests.factories import Factory, map_document
from tests.problems import assert_problem

MAX_STEPS = 120
MAX_HANDOFFS = 300
MAX_BYTES = 96 * 1024
HOLD_SECONDS = 60
"""Only a guard against a hang if the work were on the loop: the test passes at once."""


@pytest.fixture
def settings(database_url: str) -> Settings:
    """Small limits, so the largest allowed import is quick to make and to check."""
    return Settings(
        database_url=database_url,
        auth_cache_seconds=0,
        map_import_max_steps=MAX_STEPS,
        map_import_max_handoffs=MAX_HANDOFFS,
        map_import_max_bytes=MAX_BYTES,
        _env_file=None,  # type: ignore[call-arg]
    )


class Hold:
    """Keeps heavy work waiting inside its worker thread until `release()`; logs the order."""

    def __init__(self) -> None:
        self.entered = threading.Event()
        self.gate = threading.Event()
        self.order: list[str] = []
        self.lock = threading.Lock()

    def note(self, event: str) -> None:
        with self.lock:
            self.order.append(event)

    def in_worker(self, call: Callable[[], Any]) -> Any:
        self.entered.set()
        self.note("work released" if self.gate.wait(HOLD_SECONDS) else "hold timed out")
        return call()

    def release(self) -> None:
        self.gate.set()


@pytest.fixture
def hold(monkeypatch: pytest.MonkeyPatch) -> Iterator[Hold]:
    holding = Hold()
    monkeypatch.setattr(offload, "in_worker", holding.in_worker)
    yield holding
    holding.release()


def _largest_import(api: Api, stream: dict[str, Any]) -> Any:
    document = json.dumps(map_document(MAX_STEPS, MAX_HANDOFFS))
    assert len(document) <= MAX_BYTES
    return api.post(
        f"/api/v1/value-streams/{stream['id']}/maps/import",
        content=document,
        headers={"Content-Type": "application/json"},
    )


HEAVY = {
    "largest allowed map import": lambda api, made: _largest_import(api, made["stream"]),
    "classify": lambda api, made: api.post(f"/api/v1/maps/{made['current']['id']}/classify"),
    "html readout": lambda api, made: api.get(
        f"/api/v1/value-streams/{made['stream']['id']}/export", params={"format": "html"}
    ),
    "pdf readout": lambda api, made: api.get(
        f"/api/v1/value-streams/{made['stream']['id']}/export", params={"format": "pdf"}
    ),
    "workbook": lambda api, made: api.get(
        f"/api/v1/value-streams/{made['stream']['id']}/export", params={"format": "xlsx"}
    ),
    "map picture": lambda api, made: api.get(f"/api/v1/maps/{made['current']['id']}/render"),
    "map document": lambda api, made: api.get(
        f"/api/v1/maps/{made['current']['id']}/document", params={"format": "yaml"}
    ),
    "graphql export": lambda api, made: api.client.post(
        "/graphql",
        json={
            "query": 'query($id: ID!) { export(valueStreamId: $id, format: "markdown") { text } }',
            "variables": {"id": made["stream"]["id"]},
        },
        headers={"Authorization": f"Bearer {api.token}"},
    ),
}


@pytest.mark.parametrize("work", sorted(HEAVY))
def test_other_requests_are_answered_while_heavy_work_is_running(
    editor: Api,
    outsider: Api,
    anonymous: Api,
    factory: Factory,
    outsider_factory: Factory,
    hold: Hold,
    work: str,
) -> None:
    made = factory.exportable_stream(name="Heavy")
    outsider_factory.value_stream(name="Globex stream")
    answers: list[Any] = []

    def heavy() -> None:
        answers.append(HEAVY[work](editor, made))
        hold.note("heavy work answered")

    worker = threading.Thread(target=heavy)
    worker.start()
    try:
        assert hold.entered.wait(HOLD_SECONDS), "the heavy work never reached a worker thread"
        health = anonymous.get("/health")
        hold.note("health answered")
        listed = outsider.get("/api/v1/value-streams")
        hold.note("another organization answered")
    finally:
        hold.release()
        worker.join(HOLD_SECONDS)

    assert health.status_code == 200
    assert [s["name"] for s in outsider.ok(listed)["items"]] == ["Globex stream"]
    assert hold.order[:3] == ["health answered", "another organization answered", "work released"]
    assert hold.order[-1] == "heavy work answered"
    assert "hold timed out" not in hold.order
    assert answers[0].status_code in (200, 201), answers[0].text


# --- the import's own limits


def test_the_largest_allowed_import_is_stored_whole(editor: Api, factory: Factory) -> None:
    stream = factory.value_stream()

    created = editor.ok(_largest_import(editor, stream), 201)

    assert _count(editor, f"/api/v1/maps/{created['id']}/steps") == MAX_STEPS
    assert _count(editor, f"/api/v1/maps/{created['id']}/handoffs") == MAX_HANDOFFS
    metrics = editor.ok(editor.get(f"/api/v1/maps/{created['id']}/metrics"))
    assert metrics["step_count"] == MAX_STEPS


def _count(api: Api, url: str) -> int:
    """Every item of a paginated list, counted page by page."""
    total, cursor = 0, None
    while True:
        params: dict[str, Any] = {"limit": 100, **({"cursor": cursor} if cursor else {})}
        page = api.ok(api.get(url, params=params))
        total += len(page["items"])
        cursor = page.get("next_cursor")
        if not cursor:
            return total


def _import(api: Api, stream: dict[str, Any], text: str | bytes, media: str) -> Any:
    return api.post(
        f"/api/v1/value-streams/{stream['id']}/maps/import",
        content=text,
        headers={"Content-Type": media},
    )


def _nothing_stored(api: Api, stream: dict[str, Any]) -> None:
    assert api.ok(api.get(f"/api/v1/value-streams/{stream['id']}/maps"))["items"] == []


@pytest.mark.parametrize(
    ("steps", "handoffs", "field"),
    [(MAX_STEPS + 1, 0, "steps"), (MAX_STEPS, MAX_HANDOFFS + 1, "handoffs")],
)
def test_a_document_over_the_step_or_handoff_limit_is_refused_naming_the_limit(
    editor: Api, factory: Factory, steps: int, handoffs: int, field: str
) -> None:
    stream = factory.value_stream()
    document = map_document(steps, handoffs)
    document["steps"] = [{"key": s["key"], "name": s["name"]} for s in document["steps"]]

    answer = _import(editor, stream, json.dumps(document), "application/json")

    body = assert_problem(answer, 422, field=field)
    limit = MAX_STEPS if field == "steps" else MAX_HANDOFFS
    assert f"at most {limit:,}" in body["detail"]
    assert f"VSM_MAP_IMPORT_MAX_{field.upper()}" in body["detail"]
    _nothing_stored(editor, stream)


def test_a_document_over_the_size_limit_is_413(editor: Api, factory: Factory) -> None:
    stream = factory.value_stream()
    document = map_document(3, notes="x" * MAX_BYTES)

    answer = _import(editor, stream, json.dumps(document), "application/json")

    body = assert_problem(answer, 413)
    assert body["code"] == "CONTENT_TOO_LARGE"
    assert f"{MAX_BYTES:,} bytes" in body["detail"]
    assert body["limit_bytes"] == MAX_BYTES
    _nothing_stored(editor, stream)


def test_a_document_over_the_size_limit_sent_without_a_length_is_413(
    editor: Api, factory: Factory
) -> None:
    stream = factory.value_stream()
    text = json.dumps(map_document(3, notes="x" * MAX_BYTES)).encode()
    chunks = (text[i : i + 8192] for i in range(0, len(text), 8192))

    answer = _import(editor, stream, chunks, "application/json")  # type: ignore[arg-type]

    assert_problem(answer, 413, code="CONTENT_TOO_LARGE")
    _nothing_stored(editor, stream)


def test_a_document_over_the_size_limit_is_refused_in_graphql_too(
    editor: Api, factory: Factory
) -> None:
    stream = factory.value_stream()
    document = json.dumps(map_document(3, notes="x" * MAX_BYTES))

    answer = editor.graphql(
        "mutation($vs: ID!, $doc: String!) {"
        " importMap(valueStreamId: $vs, document: $doc) { id } }",
        {"vs": stream["id"], "doc": document},
    )

    assert answer["errors"][0]["extensions"]["code"] == "CONTENT_TOO_LARGE"
    _nothing_stored(editor, stream)


def test_yaml_aliases_that_multiply_a_document_are_refused(editor: Api, factory: Factory) -> None:
    stream = factory.value_stream()
    lines = ['a0: &a0 ["x", "x", "x", "x", "x", "x", "x", "x", "x", "x"]']
    for level in range(1, 9):
        below = ", ".join([f"*a{level - 1}"] * 10)
        lines.append(f"a{level}: &a{level} [{below}]")
    bomb = "\n".join([*lines, "name: Bomb", "kind: desired", "notes: *a8"])

    answer = _import(editor, stream, bomb, "application/yaml")

    body = assert_problem(answer, 422, field="body")
    assert "aliases" in body["detail"]
    _nothing_stored(editor, stream)


@pytest.mark.parametrize(
    ("text", "media", "words"),
    [
        ('{"name": ', "application/json", "cannot be read"),
        ("name: [unclosed\nkind: current", "application/yaml", "cannot be read"),
        ('{"name": "a\\u0000b", "kind": "desired"}', "application/json", "NUL"),
        ('name: "a\\0b"\nkind: desired', "application/yaml", "NUL"),
        (
            '{"name": "x", "kind": "desired", "notes": ' + "[" * 100 + "]" * 100 + "}",
            "application/json",
            "deeper",
        ),
    ],
)
def test_a_document_that_cannot_be_read_is_400(
    editor: Api, factory: Factory, text: str, media: str, words: str
) -> None:
    stream = factory.value_stream()

    answer = _import(editor, stream, text, media)

    body = assert_problem(answer, 400)
    assert words in body["detail"]
    _nothing_stored(editor, stream)


def test_a_viewer_s_import_is_refused_before_its_document_is_read(
    viewer: Api, factory: Factory, hold: Hold
) -> None:
    stream = factory.value_stream()

    answer = _largest_import(viewer, stream)

    assert_problem(answer, 403)
    assert not hold.entered.is_set(), "no worker thread parsed the document of a viewer"


def test_map_documents_are_parsed_by_libyaml() -> None:
    """PyYAML's pure-Python parser took 21 s for a map of 15,000 steps."""
    assert yaml.__with_libyaml__, "this PyYAML was built without libyaml"
    assert issubclass(YAML_LOADER, yaml.cyaml.CParser)
    text = "name: Map\nkind: desired\nsteps:\n  - {key: a, name: A, tools: &t [Jira]}\n"
    assert yaml.load(text + "  - {key: b, name: B, tools: *t}\n", YAML_LOADER) == (
        yaml.safe_load(text + "  - {key: b, name: B, tools: *t}\n")
    )


def test_while_any_heavy_job_runs_the_collector_pauses() -> None:
    assert gc.isenabled()

    with offload.heavy_work_running():
        with offload.heavy_work_running():
            assert not gc.isenabled()
        assert not gc.isenabled(), "another heavy job is still running"

    assert gc.isenabled()


def test_while_any_job_runs_off_the_loop_the_loop_gets_the_lock_sooner() -> None:
    before = sys.getswitchinterval()
    inside: list[float] = []

    async def scenario() -> None:
        await offload.off_loop(lambda: inside.append(sys.getswitchinterval()))

    asyncio.run(scenario())

    assert inside == [pytest.approx(offload.SWITCH_INTERVAL)]
    assert sys.getswitchinterval() == before


def _a_worker_that_renders_once() -> None:
    """What a server worker started by multiprocessing does: heavy work, then it exits."""
    assert offload.in_process(os.getpid) != os.getpid()


def test_a_worker_started_by_multiprocessing_still_exits_after_heavy_work() -> None:
    """Granian starts its workers so; one waited forever for its heavy process at exit."""
    worker = multiprocessing.get_context("spawn").Process(target=_a_worker_that_renders_once)

    worker.start()
    worker.join(timeout=60)
    stuck = worker.is_alive()
    if stuck:
        worker.kill()

    assert not stuck
    assert worker.exitcode == 0
