"""Parity cases of background jobs: exports started in the background, a job, the list,
a job's file and the retry of a dead job."""

from typing import Any

from tests.api_client import Api
from tests.factories import Factory
from tests.job_runner import run_due_jobs
from tests.parity.crud import selection
from tests.parity.harness import (
    Case,
    QueryCase,
    Twin,
    comparable,
    graphql_data,
    graphql_nodes,
)

JOB = selection("Job", leave_out=("output_link",))


def _job(api: Api, twin: Twin) -> Any:
    return api.ok(api.get(f"/api/v1/jobs/{twin['job']}"))


def _a_stream(factory: Factory, _admin: Factory) -> Twin:
    return {"stream": factory.value_stream()}


def _started_by_rest(api: Api, twin: Twin) -> Any:
    body = {"subject": "value_stream", "id": twin["stream"]["id"], "format": "json"}
    answer = api.post("/api/v1/export-jobs", body)
    twin["job"] = answer.json()["id"]
    return answer


def _started_by_graphql(api: Api, twin: Twin) -> Any:
    started = graphql_data(
        api,
        'mutation($id: ID!) { startExport(subject: VALUE_STREAM, id: $id, format: "json") { id } }',
        id=twin["stream"]["id"],
    )
    twin["job"] = started["startExport"]["id"]


def _dead(factory: Factory, _admin: Factory) -> Twin:
    """An export whose stream was deleted before it ran, so it died."""
    api = factory.api
    stream = factory.value_stream()
    job = factory.export_job(id=stream["id"])
    etag = api.get(f"/api/v1/value-streams/{stream['id']}").headers["etag"]
    api.ok(api.delete(f"/api/v1/value-streams/{stream['id']}", if_match=etag), 204)
    run_due_jobs(api)
    version = api.ok(api.get(f"/api/v1/jobs/{job['id']}"))["version"]
    return {"stream": stream, "job": job["id"], "version": version}


def _retried_by_rest(api: Api, twin: Twin) -> Any:
    return api.post(f"/api/v1/jobs/{twin['job']}/retry", if_match=twin["version"])


def _retried_by_graphql(api: Api, twin: Twin) -> Any:
    graphql_data(
        api,
        "mutation($id: ID!, $v: Int!) { retryJob(id: $id, expectedVersion: $v) { id } }",
        id=twin["job"],
        v=twin["version"],
    )


def _done(factory: Factory, _admin: Factory) -> Twin:
    stream = factory.value_stream()
    job = factory.export_job(id=stream["id"], format="markdown")
    run_due_jobs(factory.api)
    return {"stream": stream, "job": job["id"]}


def _file_by_graphql(api: Api, twin: Twin) -> bytes:
    found = graphql_data(api, "query($id: ID!) { job(id: $id) { outputLink } }", id=twin["job"])
    answer = api.get(found["job"]["outputLink"])
    assert answer.status_code == 200, answer.text
    return bytes(answer.content)


def _file_by_rest(api: Api, twin: Twin) -> bytes:
    answer = api.get(f"/api/v1/jobs/{twin['job']}/output")
    assert answer.status_code == 200, answer.text
    return bytes(answer.content)


CASES: list[Case | QueryCase] = [
    Case(
        name="start an export in the background",
        rest=("POST /api/v1/export-jobs",),
        graphql=("startExport",),
        arrange=_a_stream,
        via_rest=_started_by_rest,
        via_graphql=_started_by_graphql,
        observe=_job,
    ),
    Case(
        name="retry a dead job",
        rest=("POST /api/v1/jobs/{job_id}/retry",),
        graphql=("retryJob",),
        arrange=_dead,
        via_rest=_retried_by_rest,
        via_graphql=_retried_by_graphql,
        observe=_job,
    ),
    QueryCase(
        name="a background job",
        rest=("GET /api/v1/jobs/{job_id}",),
        graphql=("job",),
        arrange=_done,
        via_rest=lambda api, t: comparable(_job(api, t)),
        via_graphql=lambda api, t: comparable(
            graphql_data(api, f"query($id: ID!) {{ job(id: $id) {{ {JOB} }} }}", id=t["job"])["job"]
        ),
    ),
    QueryCase(
        name="the organization's jobs",
        rest=("GET /api/v1/jobs",),
        graphql=("jobs",),
        arrange=_done,
        via_rest=lambda api, t: comparable(api.ok(api.get("/api/v1/jobs"))["items"]),
        via_graphql=lambda api, t: comparable(
            graphql_nodes(api, f"{{ jobs {{ edges {{ node {{ {JOB} }} }} }} }}", "jobs")
        ),
    ),
    QueryCase(
        name="the file a job made",
        rest=("GET /api/v1/jobs/{job_id}/output",),
        graphql=(),
        arrange=_done,
        via_rest=_file_by_rest,
        via_graphql=_file_by_graphql,
    ),
]
