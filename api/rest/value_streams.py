import uuid
from typing import Annotated

from litestar import Controller, Response, delete, get, patch, post
from litestar.params import FromPath
from pydantic import BaseModel
from sqlmodel.ext.asyncio.session import AsyncSession

from api.rest.common import (
    DEFAULT_LIMIT,
    CursorParam,
    LimitParam,
    PageOut,
    created_response,
    page_out,
    page_response,
    read_response,
    versioned,
)
from api.rest.filters import query_filters
from api.urls import resource_url
from core.actor import Actor
from core.engagement import value_streams
from core.models.value_stream import (
    PhaseTransitionRead,
    TransitionCreate,
    ValueStreamCreate,
    ValueStreamRead,
    ValueStreamUpdate,
)
from core.services.context import Work
from core.services.crud import ExpectedVersion
from core.workflow import phases as workflow
from core.workflow.gates import GateResult


class TransitionOut(BaseModel):
    value_stream: ValueStreamRead
    transition: PhaseTransitionRead


class ValueStreamsController(Controller):
    path = "/value-streams"
    tags = ["value streams"]

    @get(
        summary="List value streams",
        dependencies={"filters": query_filters(value_streams.ValueStreamFilter)},
    )
    async def list_value_streams(
        self,
        work: Work,
        limit: Annotated[int, LimitParam] = DEFAULT_LIMIT,
        cursor: Annotated[str | None, CursorParam] = None,
        *,
        filters: value_streams.ValueStreamFilter,
    ) -> Response[PageOut[ValueStreamRead]]:
        page = await value_streams.read_value_streams(work, filters, limit=limit, cursor=cursor)
        return page_response(page, ValueStreamRead)

    @post(summary="Start a value stream's engagement (in the playbook's first phase)")
    async def create_value_stream(
        self, session: AsyncSession, actor: Actor, data: ValueStreamCreate
    ) -> Response[ValueStreamRead]:
        stream = await value_streams.create_value_stream(session, actor, data)
        return created_response(stream, ValueStreamRead, resource_url("value-streams", stream.id))

    @get("/{value_stream_id:uuid}", summary="Get a value stream")
    async def get_value_stream(
        self, work: Work, value_stream_id: FromPath[uuid.UUID]
    ) -> Response[ValueStreamRead]:
        stream = await value_streams.read_value_stream(work, value_stream_id)
        return versioned(stream, stream.version)

    @patch("/{value_stream_id:uuid}", summary="Change name, description or owner (If-Match)")
    async def update_value_stream(
        self,
        session: AsyncSession,
        actor: Actor,
        value_stream_id: FromPath[uuid.UUID],
        data: ValueStreamUpdate,
        expected_version: ExpectedVersion,
    ) -> Response[ValueStreamRead]:
        stream = await value_streams.update_value_stream(
            session, actor, value_stream_id, data, expected_version=expected_version
        )
        return read_response(stream, ValueStreamRead)

    @delete("/{value_stream_id:uuid}", summary="Delete a value stream and all it holds (If-Match)")
    async def delete_value_stream(
        self,
        session: AsyncSession,
        actor: Actor,
        value_stream_id: FromPath[uuid.UUID],
        expected_version: ExpectedVersion,
    ) -> None:
        await value_streams.delete_value_stream(
            session, actor, value_stream_id, expected_version=expected_version
        )

    @get("/{value_stream_id:uuid}/gate", summary="Every criterion of leaving the current phase")
    async def get_gate(
        self, session: AsyncSession, actor: Actor, value_stream_id: FromPath[uuid.UUID]
    ) -> GateResult:
        return await workflow.gate(session, actor, value_stream_id)

    @post(
        "/{value_stream_id:uuid}/transitions",
        summary="Move to another phase, or 'iterate' from the last (If-Match of the stream)",
        status_code=201,
    )
    async def create_transition(
        self,
        session: AsyncSession,
        actor: Actor,
        value_stream_id: FromPath[uuid.UUID],
        data: TransitionCreate,
        expected_version: ExpectedVersion,
    ) -> Response[TransitionOut]:
        stream, record = await workflow.transition(
            session, actor, value_stream_id, data, expected_version=expected_version
        )
        body = TransitionOut(
            value_stream=ValueStreamRead.model_validate(stream, from_attributes=True),
            transition=PhaseTransitionRead.model_validate(record, from_attributes=True),
        )
        return versioned(body, stream.version, status_code=201)

    @get("/{value_stream_id:uuid}/history", summary="Every transition, oldest first")
    async def get_history(
        self,
        session: AsyncSession,
        actor: Actor,
        value_stream_id: FromPath[uuid.UUID],
        limit: Annotated[int, LimitParam] = DEFAULT_LIMIT,
        cursor: Annotated[str | None, CursorParam] = None,
    ) -> PageOut[PhaseTransitionRead]:
        page = await workflow.history(session, actor, value_stream_id, limit=limit, cursor=cursor)
        return page_out(page, PhaseTransitionRead)
