"""REST for background jobs: a job's status resource, its file, and a retry of a dead one.

Heavy work started with `POST /export-jobs` answers 202 at once with the job's URL in
`Location`; the client polls the job until it is `succeeded` (or `dead`) and downloads
its file from `/jobs/{id}/output`.
"""

import uuid
from typing import Annotated

from litestar import Controller, Response, get, post
from litestar.params import FromPath
from litestar.status_codes import HTTP_202_ACCEPTED
from sqlmodel.ext.asyncio.session import AsyncSession

from api.rest.common import (
    DEFAULT_LIMIT,
    CursorParam,
    LimitParam,
    PageOut,
    page_response,
    read_response,
    versioned,
)
from api.rest.exports import content_disposition
from api.rest.filters import query_filters
from api.state import AppState
from api.urls import resource_url
from core.actor import Actor
from core.exports import export_jobs
from core.jobs import queue
from core.models.job import JobRead
from core.services.context import Work
from core.services.crud import ExpectedVersion


class JobsController(Controller):
    path = "/jobs"
    tags = ["jobs"]

    @get(
        summary="List the organization's background jobs, newest first",
        dependencies={"filters": query_filters(queue.JobFilter)},
    )
    async def list_jobs(
        self,
        work: Work,
        limit: Annotated[int, LimitParam] = DEFAULT_LIMIT,
        cursor: Annotated[str | None, CursorParam] = None,
        *,
        filters: queue.JobFilter,
    ) -> Response[PageOut[JobRead]]:
        page = await queue.read_jobs(work, filters, limit=limit, cursor=cursor)
        return page_response(page, JobRead)

    @get("/{job_id:uuid}", summary="A background job: its status, attempts and outcome")
    async def get_job(self, work: Work, job_id: FromPath[uuid.UUID]) -> Response[JobRead]:
        job = await queue.read_job(work, job_id)
        return versioned(job, job.version)

    @get(
        "/{job_id:uuid}/output",
        summary="The file a succeeded job made (409 while it has none)",
        media_type="application/octet-stream",
    )
    async def get_job_output(
        self, session: AsyncSession, actor: Actor, job_id: FromPath[uuid.UUID]
    ) -> Response[bytes]:
        job, data = await queue.job_output(session, actor, job_id)
        return Response(
            data,
            media_type=job.output_media_type or "application/octet-stream",
            headers={"Content-Disposition": content_disposition(job.output_name or "output")},
        )

    @post(
        "/{job_id:uuid}/retry",
        summary="Queue a dead job again (editor, If-Match required)",
        status_code=200,
    )
    async def retry_job(
        self,
        session: AsyncSession,
        actor: Actor,
        job_id: FromPath[uuid.UUID],
        expected_version: ExpectedVersion,
    ) -> Response[JobRead]:
        job = await queue.retry_job(session, actor, job_id, expected_version=expected_version)
        return read_response(job, JobRead)


class ExportJobsController(Controller):
    path = "/export-jobs"
    tags = ["exports", "jobs"]

    @post(
        summary="Export in the background: 202 with the job's URL in Location",
        status_code=HTTP_202_ACCEPTED,
    )
    async def start_export(
        self,
        session: AsyncSession,
        actor: Actor,
        app_state: AppState,
        data: export_jobs.ExportJobCreate,
    ) -> Response[JobRead]:
        job = await export_jobs.start_export(session, actor, app_state.exporters, data)
        return versioned(
            JobRead.model_validate(job),
            job.version,
            status_code=HTTP_202_ACCEPTED,
            location=resource_url("jobs", job.id),
        )
