"""GraphQL for background jobs: their status, a retry of a dead one, and exports started
in the background. A job's file is downloaded over REST (`outputLink`), as a GraphQL
answer is no place for a file."""

import enum
from typing import Any

import strawberry

from api.graphql.children import mutation
from api.graphql.context import Info
from api.graphql.convert import output_type
from api.graphql.cost import Cost
from api.graphql.extensions import Savepoint
from api.graphql.foundation import parse_id
from api.graphql.inputs import Filters
from api.graphql.relay import Connection, connection, connection_of, page_args
from api.urls import resource_url
from core.exports import export_jobs
from core.jobs import queue
from core.models.job import Job, JobRead
from core.workflow import phases as workflow


class _OutputLink:
    @strawberry.field(
        description="The REST URL (same token) of the file a succeeded job made; null "
        "while it has none."
    )
    def output_link(self, source: strawberry.Parent[Any]) -> str | None:
        if source.output_bytes is None:
            return None
        return resource_url("jobs", source.id, "output")


JobType = output_type(JobRead, "Job", _OutputLink)


@strawberry.enum(name="ExportJobSubject")
class ExportJobSubject(enum.Enum):
    VALUE_STREAM = "value_stream"
    BACKLOG = "backlog"
    MAP = "map"
    PORTFOLIO = "portfolio"


@strawberry.type
class Query:
    @strawberry.field(graphql_type=JobType | None, description="A background job.")
    async def job(self, info: Info, id: strawberry.ID) -> Job:
        return await queue.get_job(info.context.session, info.context.actor, parse_id(id))

    @strawberry.field(
        graphql_type=connection_of(JobType) | None,
        description="The organization's background jobs, newest first.",
        extensions=[Filters(queue.JobFilter)],
    )
    async def jobs(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        *,
        filters: queue.JobFilter,
    ) -> Connection[Job]:
        page = await queue.list_jobs(
            info.context.session, info.context.actor, filters, limit=page_args(first), cursor=after
        )
        return connection(page)


@strawberry.type
class Mutation:
    @mutation(graphql_type=JobType | None, description="Editor. Queue a dead job again.")
    async def retry_job(self, info: Info, id: strawberry.ID, expected_version: int) -> Job:
        return await queue.retry_job(
            info.context.session,
            info.context.actor,
            parse_id(id),
            expected_version=expected_version,
        )

    @strawberry.mutation(
        graphql_type=JobType | None,
        description="Export in the background: a value stream, its backlog or a map by `id`, "
        "or the portfolio (narrowed by `phase` and `overdue`). Poll `job` until it has "
        "succeeded, then download its `outputLink`.",
        directives=[Cost(weight=10)],
        extensions=[Savepoint(), Filters(workflow.PortfolioExportFilter)],
    )
    async def start_export(
        self,
        info: Info,
        subject: ExportJobSubject,
        id: strawberry.ID | None = None,
        format: str | None = None,
        *,
        filters: workflow.PortfolioExportFilter,
    ) -> Job:
        state = info.context.state
        assert state is not None
        given = filters.model_dump(exclude_defaults=True)
        data = export_jobs.ExportJobCreate(
            subject=export_jobs.ExportSubject(subject.value),
            id=parse_id(id) if id is not None else None,
            format=format,
            filters=filters if given else None,
        )
        return await export_jobs.start_export(
            info.context.session, info.context.actor, state.exporters, data
        )
