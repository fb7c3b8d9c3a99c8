"""REST for flow-metric targets and their measurements."""

import uuid

from litestar import Controller, Response, post
from litestar.openapi import ResponseSpec
from litestar.params import FromPath
from pydantic import AwareDatetime, BaseModel, ConfigDict
from sqlmodel.ext.asyncio.session import AsyncSession

from api.rest.children import child_resource
from api.rest.common import versioned
from core.actor import Actor
from core.models.target import (
    FlowMeasurementsRead,
    MeasurementCreate,
    MeasurementRead,
    MeasurementUpdate,
    TargetCreate,
    TargetFromMaps,
    TargetRead,
    TargetUpdate,
)
from core.targets import service as targets


class FlowWindow(BaseModel):
    model_config = ConfigDict(extra="forbid")

    start: AwareDatetime
    end: AwareDatetime


class TargetActionsController(Controller):
    tags = ["targets"]

    @post(
        "/value-streams/{value_stream_id:uuid}/targets/measure-flow",
        summary="Measure every delivery-flow target over [start, end), once per window",
        description="Idempotent per target and window: 201 when a target was measured over "
        "this window for the first time, 200 when every target had been measured over it "
        "already. A target whose delivery data changed since has its measurement replaced "
        "(and audited); the answer lists what was recorded, replaced and left unchanged.",
        responses={
            200: ResponseSpec(
                FlowMeasurementsRead, description="every target had been measured over it"
            )
        },
    )
    async def measure_flow(
        self,
        session: AsyncSession,
        actor: Actor,
        value_stream_id: FromPath[uuid.UUID],
        data: FlowWindow,
    ) -> Response[FlowMeasurementsRead]:
        result = await targets.record_from_flow(
            session, actor, value_stream_id, start=data.start, end=data.end
        )
        answer = await targets.flow_measurements_read(session, actor, result)
        return Response(answer, status_code=201 if result.recorded else 200)

    @post(
        "/value-streams/{value_stream_id:uuid}/targets/from-maps",
        summary="A target with the current map's value as baseline and the desired map's as goal",
    )
    async def create_from_maps(
        self,
        session: AsyncSession,
        actor: Actor,
        value_stream_id: FromPath[uuid.UUID],
        data: TargetFromMaps,
    ) -> Response[TargetRead]:
        target = await targets.create_from_maps(session, actor, value_stream_id, data)
        shaped = (await targets.target_reads(session, actor, [target]))[0]
        return versioned(shaped, target.version, status_code=201)


CONTROLLERS = [
    *child_resource(
        segment="targets",
        noun="target",
        service=targets.targets,
        create_model=TargetCreate,
        update_model=TargetUpdate,
        read_model=TargetRead,
        enrich=targets.target_reads,
    ),
    TargetActionsController,
    *child_resource(
        parent_segment="targets",
        segment="measurements",
        noun="measurement",
        service=targets.measurements,
        create_model=MeasurementCreate,
        update_model=MeasurementUpdate,
        read_model=MeasurementRead,
        enrich=targets.measurement_reads,
    ),
]
