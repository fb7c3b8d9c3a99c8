"""Exports in the background: 202 at once, a status to poll, the file when it is done."""

import json
import threading
import uuid
from typing import Any

import pytest

from tests.api_client import Api
from tests.factories import Factory
from tests.job_runner import run_due_jobs
from tests.problems import assert_problem


def test_an_export_job_answers_202_with_its_status_url_and_later_holds_the_file(
    editor: Api, factory: Factory
) -> None:
    stream = factory.value_stream(name="Quote to cash")

    started = editor.post(
        "/api/v1/export-jobs", {"subject": "value_stream", "id": stream["id"], "format": "json"}
    )
    job = editor.ok(started, 202)
    queued = editor.ok(editor.get(started.headers["location"]))
    ran = run_due_jobs(editor)
    done = editor.ok(editor.get(started.headers["location"]))
    output = editor.get(f"/api/v1/jobs/{job['id']}/output")

    assert started.headers["location"] == f"/api/v1/jobs/{job['id']}"
    assert (queued["status"], queued["attempts"], queued["output_bytes"]) == ("queued", 0, None)
    assert [succeeded for _claim, succeeded in ran] == [True]
    assert done["status"] == "succeeded"
    assert done["attempts"] == 1
    assert done["output_media_type"] == "application/json"
    assert done["output_name"] == "quote-to-cash.json"
    assert done["output_bytes"] == len(output.content)
    assert output.headers["content-type"].startswith("application/json")
    assert json.loads(output.content)["value_stream"]["name"] == "Quote to cash"


def test_the_file_of_a_job_not_done_yet_is_a_conflict(editor: Api, factory: Factory) -> None:
    job = factory.export_job(id=factory.value_stream()["id"], format="markdown")

    answer = editor.get(f"/api/v1/jobs/{job['id']}/output")

    assert_problem(answer, 409)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        pytest.param({"subject": "value_stream"}, "id", id="a value stream without an id"),
        pytest.param({"subject": "portfolio", "id": "P"}, "id", id="the portfolio with an id"),
        pytest.param(
            {"subject": "value_stream", "id": "S", "format": "no-such"},
            "format",
            id="a format nobody offers",
        ),
        pytest.param(
            {"subject": "backlog", "id": "S", "filters": {"phase": "planning"}},
            "filters",
            id="filters for a backlog",
        ),
        pytest.param({"subject": "song"}, "subject", id="an unknown subject"),
    ],
)
def test_an_export_that_could_never_run_is_refused_and_nothing_is_queued(
    editor: Api, factory: Factory, body: dict[str, Any], field: str
) -> None:
    stream = factory.value_stream()
    body = {k: stream["id"] if v in ("S", "P") else v for k, v in body.items()}

    answer = editor.post("/api/v1/export-jobs", body)

    assert_problem(answer, 422, field=field)
    assert editor.ok(editor.get("/api/v1/jobs"))["items"] == []


def test_a_stream_of_another_organization_is_refused_like_a_missing_one_and_nothing_is_queued(
    editor: Api, outsider_factory: Factory
) -> None:
    foreign = outsider_factory.value_stream()

    answer = editor.post("/api/v1/export-jobs", {"subject": "value_stream", "id": foreign["id"]})
    missing = editor.post("/api/v1/export-jobs", {"subject": "map", "id": str(uuid.uuid4())})

    assert_problem(answer, 422, field="id")
    assert_problem(missing, 422, field="id")
    assert (
        answer.json()["detail"].replace(foreign["id"], "X")
        == "no value stream X in your organization"
    )
    assert editor.ok(editor.get("/api/v1/jobs"))["items"] == []


def test_jobs_of_another_organization_are_neither_listed_nor_found(
    editor: Api, outsider: Api, outsider_factory: Factory
) -> None:
    theirs = outsider_factory.export_job(id=outsider_factory.value_stream()["id"])

    listed = editor.ok(editor.get("/api/v1/jobs"))
    answers = [
        editor.get(f"/api/v1/jobs/{theirs['id']}"),
        editor.get(f"/api/v1/jobs/{theirs['id']}/output"),
        editor.post(f"/api/v1/jobs/{theirs['id']}/retry", if_match=1),
    ]

    assert listed["items"] == []
    assert [a.status_code for a in answers] == [404, 404, 404]


def dead_export(admin: Api, factory: Factory) -> dict[str, Any]:
    """An export whose value stream was deleted before it ran: a job that died."""
    stream = factory.value_stream(name="Gone soon")
    job = factory.export_job(id=stream["id"])
    version = admin.get(f"/api/v1/value-streams/{stream['id']}").headers["etag"]
    admin.ok(admin.delete(f"/api/v1/value-streams/{stream['id']}", if_match=version), 204)
    return job


def test_an_export_whose_stream_was_deleted_meanwhile_dies_at_once_and_says_why(
    admin: Api, factory: Factory
) -> None:
    job = dead_export(admin, factory)

    ran = run_due_jobs(admin)
    dead = admin.ok(admin.get(f"/api/v1/jobs/{job['id']}"))

    assert [succeeded for _claim, succeeded in ran] == [False]
    assert (dead["status"], dead["attempts"]) == ("dead", 1)
    assert (
        dead["last_error"] == "the value stream to export was deleted after the export was queued"
    )


def test_a_dead_job_is_retried_by_an_editor_with_if_match_and_runs_again(
    admin: Api, editor: Api, viewer: Api, factory: Factory
) -> None:
    job = dead_export(admin, factory)
    run_due_jobs(admin)
    dead = admin.ok(admin.get(f"/api/v1/jobs/{job['id']}"))

    refused = viewer.post(f"/api/v1/jobs/{job['id']}/retry", if_match=dead["version"])
    stale = editor.post(f"/api/v1/jobs/{job['id']}/retry", if_match=dead["version"] - 1)
    retried = editor.ok(editor.post(f"/api/v1/jobs/{job['id']}/retry", if_match=dead["version"]))
    again = editor.post(f"/api/v1/jobs/{job['id']}/retry", if_match=retried["version"])

    assert dead["status"] == "dead"
    assert_problem(refused, 403)
    assert_problem(stale, 412)
    assert (retried["status"], retried["max_attempts"]) == ("queued", dead["attempts"] + 5)
    assert_problem(again, 409)
    (audited,) = admin.ok(
        admin.get("/api/v1/audit", params={"entity_id": job["id"], "action": "retry"})
    )["items"]
    assert (audited["before"]["status"], audited["after"]["status"]) == ("dead", "queued")


def test_jobs_are_listed_newest_first_and_filtered_by_status_and_kind(
    editor: Api, factory: Factory
) -> None:
    stream = factory.value_stream()
    first = factory.export_job(id=stream["id"], format="json")
    run_due_jobs(editor)
    second = factory.export_job(id=stream["id"], format="markdown")

    everything = editor.ok(editor.get("/api/v1/jobs"))["items"]
    queued = editor.ok(editor.get("/api/v1/jobs", params={"status": "queued"}))["items"]
    exports = editor.ok(editor.get("/api/v1/jobs", params={"kind": "export"}))["items"]
    other = editor.ok(editor.get("/api/v1/jobs", params={"kind": "webhook"}))["items"]
    page = editor.ok(editor.get("/api/v1/jobs", params={"limit": 1}))

    assert [j["id"] for j in everything] == [second["id"], first["id"]]
    assert [j["id"] for j in queued] == [second["id"]]
    assert len(exports) == 2
    assert other == []
    assert [j["id"] for j in page["items"]] == [second["id"]]
    follow = editor.ok(
        editor.get("/api/v1/jobs", params={"limit": 1, "cursor": page["next_cursor"]})
    )
    assert [j["id"] for j in follow["items"]] == [first["id"]]


def test_the_servers_own_worker_runs_a_job_as_soon_as_it_is_queued(
    app_with: Any, tenant: Any
) -> None:
    admin = app_with(jobs_in_process=True, job_poll_seconds=60)
    settled = threading.Event()
    admin.client.app.state.vsm.job_worker.settled.append(lambda _claim, _ok: settled.set())
    stream = Factory(admin).value_stream(name="Right away")

    job = Factory(admin).export_job(id=stream["id"], format="json")

    assert settled.wait(timeout=30), "the worker was woken by the commit, not its next poll"
    assert admin.ok(admin.get(f"/api/v1/jobs/{job['id']}"))["status"] == "succeeded"


def test_the_portfolio_is_exported_in_the_background_with_its_filters(
    editor: Api, factory: Factory, admin_factory: Factory
) -> None:
    factory.value_stream(name="Just started")
    moved_on = factory.value_stream(name="Moved on")
    moved = admin_factory.transition(
        moved_on["id"], "planning", force=True, justification="Chartered in the steering meeting."
    )
    assert moved.status_code == 201, moved.text
    job = factory.export_job(subject="portfolio", format="json", filters={"phase": "pre_planning"})

    run_due_jobs(editor)

    exported = json.loads(editor.get(f"/api/v1/jobs/{job['id']}/output").content)
    assert editor.ok(editor.get(f"/api/v1/jobs/{job['id']}"))["status"] == "succeeded"
    assert [row["name"] for row in exported["rows"]] == ["Just started"]


def test_graphql_refuses_an_export_that_could_never_run_with_a_code(
    editor: Api, factory: Factory
) -> None:
    answer = editor.graphql(
        "mutation($id: ID!) { startExport(subject: PORTFOLIO, id: $id) { id } }",
        {"id": factory.value_stream()["id"]},
    )

    assert answer["errors"][0]["extensions"]["code"] == "VALIDATION_FAILED"
    assert editor.ok(editor.get("/api/v1/jobs"))["items"] == []


def test_an_export_growing_past_the_output_limit_dies_and_says_so(app_with: Any) -> None:
    admin = app_with(job_output_max_bytes=1024)
    factory = Factory(admin)
    stream = factory.exportable_stream()["stream"]
    job = factory.export_job(id=stream["id"], format="json")

    run_due_jobs(admin)

    dead = admin.ok(admin.get(f"/api/v1/jobs/{job['id']}"))
    assert (dead["status"], dead["attempts"]) == ("dead", 1)
    assert dead["last_error"] == "the file grew past the limit of 1024 bytes"
