"""REST for value stream maps: maps, steps, handoffs, metrics, comparison, documents, waste."""

import uuid
from typing import Annotated, Any, Literal

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, Parameter
from pydantic import BaseModel
from sqlmodel.ext.asyncio.session import AsyncSession

from api.load import HEAVY
from api.rest.children import child_resource
from api.rest.common import versioned
from api.state import AppState
from api.urls import resource_url
from core.actor import Actor
from core.errors import FieldProblem, ValidationFailed
from core.maps import measuring
from core.maps import service as maps
from core.maps.document_export import export_document
from core.maps.document_import import CarryOver, carry_over, import_document
from core.maps.document_parsing import ImportLimits
from core.metrics.map_metrics import MapComparison, MapMetrics, MapsCompared
from core.metrics.waste_cost import RANKING_RULE
from core.models.value_stream_map import (
    HandoffCreate,
    HandoffRead,
    HandoffUpdate,
    MapCreate,
    MapRead,
    MapUpdate,
    StepCreate,
    StepRead,
    StepUpdate,
    ValueStreamMap,
    handoff_read,
    step_read,
)
from core.models.waste_finding import (
    FindingCreate,
    FindingRead,
    FindingStatus,
    FindingUpdate,
    TriageDecision,
)
from core.ranges import INT32_MAX
from core.services.crud import ExpectedVersion
from core.waste import classify as classifying
from core.waste import findings
from core.waste import ranking as waste_ranking
from core.waste.ranking import MAX_RANKED, WasteRanking


class ClassifyOut(BaseModel):
    classifiers: list[str]
    created: list[FindingRead]
    skipped_known: int
    rejected: list[str]


MEDIA_TYPES = {"json": "application/json", "yaml": "application/yaml"}


async def _body_within(request: Request[Any, Any, Any], limits: ImportLimits) -> bytes:
    """The body, refused at its announced length when that is over the import's limit.

    A body sent without a length is read up to the service's own body limit
    (`VSM_MAX_REQUEST_BODY_BYTES`) and then measured.
    """
    announced = request.headers.get("content-length", "")
    if announced.isdigit():
        limits.check_size(int(announced))
    body = await request.body()
    limits.check_size(len(body))
    return body


async def _document(
    session: AsyncSession, actor: Actor, map_id: uuid.UUID, format: Literal["json", "yaml"]
) -> Response[str]:
    media_type = MEDIA_TYPES[format]
    document = await export_document(session, actor, map_id, media_type)
    return Response(document, media_type=media_type)


def _created(stream_map: ValueStreamMap) -> Response[MapRead]:
    """A map made whole in one call (imported, carried over), answered as its creation."""
    return versioned(
        MapRead.model_validate(stream_map, from_attributes=True),
        stream_map.version,
        status_code=201,
        location=resource_url("maps", stream_map.id),
    )


class MapAnalysisController(Controller):
    tags = ["maps"]

    @get("/maps/{map_id:uuid}/metrics", summary="Lead time, activity ratio, %C&A, bottleneck...")
    async def get_metrics(
        self, session: AsyncSession, actor: Actor, map_id: FromPath[uuid.UUID]
    ) -> MapMetrics:
        return await measuring.metrics(session, actor, map_id)

    @get(
        "/maps/{map_id:uuid}/compared-with/{other_map_id:uuid}",
        summary="Another map of the stream against this one, metric by metric",
        description="Any two maps of one value stream: a cycle's current state against a "
        "later cycle's, a desired map against the current map that followed it. Changes are "
        "from this map (before) to the other (after).",
    )
    async def get_maps_compared(
        self,
        session: AsyncSession,
        actor: Actor,
        map_id: FromPath[uuid.UUID],
        other_map_id: FromPath[uuid.UUID],
    ) -> MapsCompared:
        return await measuring.compare_maps(session, actor, map_id, other_map_id)

    @get(
        "/maps/{map_id:uuid}/waste-ranking",
        summary="The map's findings of waste, costliest to the flow first",
        description=f"Ranked {RANKING_RULE}. Each finding shows its share of lead time "
        "(waits) and of the expected rework, and its people-hours, beside its rank.",
    )
    async def get_waste_ranking(
        self,
        session: AsyncSession,
        actor: Actor,
        map_id: FromPath[uuid.UUID],
        status: Annotated[
            FindingStatus, Parameter(description="the triage status of the findings ranked")
        ] = FindingStatus.confirmed,
        first: Annotated[
            int, Parameter(ge=1, le=MAX_RANKED, description="how many of them to answer")
        ] = 20,
    ) -> WasteRanking:
        return await waste_ranking.ranking(session, actor, map_id, status, first)

    @get(
        "/value-streams/{value_stream_id:uuid}/comparison",
        summary="The chosen desired map against the current one, metric by metric",
    )
    async def get_comparison(
        self,
        session: AsyncSession,
        actor: Actor,
        value_stream_id: FromPath[uuid.UUID],
        cycle: Annotated[
            int | None,
            Parameter(ge=1, le=INT32_MAX, description="a cycle, from 1; default: the current"),
        ] = None,
    ) -> MapComparison:
        return await measuring.comparison(session, actor, value_stream_id, cycle)

    @get(
        "/maps/{map_id:uuid}/document",
        summary="The whole map as JSON or YAML (value stream as code)",
        description="The document `POST /value-streams/{id}/maps/import` takes back. The "
        "exporter plugins' renderings of a map (SVG, Mermaid, ...) are at `/maps/{id}/render`.",
        opt=HEAVY,
    )
    async def map_document(
        self,
        session: AsyncSession,
        actor: Actor,
        map_id: FromPath[uuid.UUID],
        format: Annotated[Literal["json", "yaml"], Parameter(description="json or yaml")] = "json",
    ) -> Response[str]:
        return await _document(session, actor, map_id, format)

    @get(
        "/maps/{map_id:uuid}/export",
        summary="Deprecated: the map's document, now at /maps/{id}/document",
        description="Kept for clients written before the document had its own name; a "
        "value stream's `/export` runs the exporter plugins, a map's gave its document, so "
        "the map's document moved to `/document`. Answers exactly as `/document` does.",
        opt=HEAVY,
        deprecated=True,
    )
    async def export_map(
        self,
        session: AsyncSession,
        actor: Actor,
        map_id: FromPath[uuid.UUID],
        format: Annotated[Literal["json", "yaml"], Parameter(description="json or yaml")] = "json",
    ) -> Response[str]:
        answer = await _document(session, actor, map_id, format)
        answer.headers["Deprecation"] = "true"
        return answer

    @post(
        "/value-streams/{value_stream_id:uuid}/maps/import",
        summary="Create a map from a JSON or YAML document (Content-Type says which)",
        opt=HEAVY,
        description=(
            "The document is checked whole before anything is stored. Its size is limited "
            "(VSM_MAP_IMPORT_MAX_BYTES, 16 MiB by default: 413 beyond), and so are its steps "
            "(VSM_MAP_IMPORT_MAX_STEPS, 20,000) and handoffs (VSM_MAP_IMPORT_MAX_HANDOFFS, "
            "50,000): 422 beyond. A document that cannot be read is a 400."
        ),
        status_code=201,
    )
    async def import_map(
        self,
        request: Request[Any, Any, Any],
        session: AsyncSession,
        actor: Actor,
        app_state: AppState,
        value_stream_id: FromPath[uuid.UUID],
    ) -> Response[MapRead]:
        actor.require_write()
        media_type = request.headers.get("content-type", "application/json")
        if "json" not in media_type and "yaml" not in media_type:
            raise ValidationFailed(
                "send the document as application/json or application/yaml",
                problems=[
                    FieldProblem("content-type", "not a map document", list(MEDIA_TYPES.values()))
                ],
            )
        limits = ImportLimits.of(app_state.settings)
        raw = await _body_within(request, limits)
        stream_map = await import_document(session, actor, value_stream_id, raw, media_type, limits)
        return _created(stream_map)

    @post(
        "/value-streams/{value_stream_id:uuid}/maps/carry-over",
        summary="Start this cycle's current-state map as a copy of an earlier cycle's map",
        description="By default from the previous cycle's chosen desired-state map, else its "
        "current-state map; `from_map_id` names another earlier map of the stream. Steps and "
        "handoffs are copied, findings are not. 409 when the cycle has a current-state map.",
        status_code=201,
        opt=HEAVY,
    )
    async def carry_over_map(
        self,
        session: AsyncSession,
        actor: Actor,
        value_stream_id: FromPath[uuid.UUID],
        data: CarryOver,
    ) -> Response[MapRead]:
        stream_map = await carry_over(
            session, actor, value_stream_id, from_map_id=data.from_map_id, name=data.name
        )
        return _created(stream_map)

    @post(
        "/maps/{map_id:uuid}/classify",
        summary="Run every waste classifier plugin; store new suggestions",
        status_code=200,
        opt=HEAVY,
    )
    async def classify(
        self,
        session: AsyncSession,
        actor: Actor,
        app_state: AppState,
        map_id: FromPath[uuid.UUID],
    ) -> ClassifyOut:
        outcome = await classifying.classify(session, actor, map_id, app_state.plugins)
        return ClassifyOut(
            classifiers=outcome.classifiers,
            created=outcome.created,
            skipped_known=outcome.skipped,
            rejected=outcome.rejected,
        )

    @post(
        "/findings/{finding_id:uuid}/triage",
        summary="Confirm or dismiss a finding (If-Match; dismissing needs a reason)",
        status_code=200,
    )
    async def triage(
        self,
        session: AsyncSession,
        actor: Actor,
        finding_id: FromPath[uuid.UUID],
        data: TriageDecision,
        expected_version: ExpectedVersion,
    ) -> Response[FindingRead]:
        finding = await findings.triage(
            session, actor, finding_id, data, expected_version=expected_version
        )
        return versioned(FindingRead.model_validate(finding, from_attributes=True), finding.version)


CONTROLLERS = [
    *child_resource(
        segment="maps",
        noun="map",
        service=maps.maps,
        create_model=MapCreate,
        update_model=MapUpdate,
        read_model=MapRead,
    ),
    *child_resource(
        parent_segment="maps",
        segment="steps",
        noun="step",
        service=maps.steps,
        create_model=StepCreate,
        update_model=StepUpdate,
        read_model=StepRead,
        shape=step_read,
    ),
    *child_resource(
        parent_segment="maps",
        segment="handoffs",
        noun="handoff",
        service=maps.handoffs,
        create_model=HandoffCreate,
        update_model=HandoffUpdate,
        read_model=HandoffRead,
        shape=handoff_read,
    ),
    *child_resource(
        parent_segment="maps",
        segment="findings",
        noun="finding",
        service=findings.findings,
        create_model=FindingCreate,
        update_model=FindingUpdate,
        read_model=FindingRead,
    ),
    MapAnalysisController,
]
