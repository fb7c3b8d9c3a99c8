"""A stored map written out as a map document, in JSON or YAML."""

import json
import uuid
from typing import Any

import yaml
from sqlmodel.ext.asyncio.session import AsyncSession

from core.actor import Actor
from core.maps import service as maps
from core.maps.document_schema import HandoffDocument, MapDocument, StepDocument
from core.models.value_stream_map import DataBoxFields, MapKind, ValueStreamMap, iso_duration
from core.offload import off_loop


async def export_document(
    session: AsyncSession, actor: Actor, map_id: uuid.UUID, media_type: str
) -> str:
    """The map as a JSON or YAML document; written in a worker thread from the rows read."""
    stream_map = await maps.maps.get(session, actor, map_id)
    ordered = (await maps.steps.for_parents(session, actor, [stream_map.id])).get(stream_map.id, [])
    links = (await maps.handoffs.for_parents(session, actor, [stream_map.id])).get(
        stream_map.id, []
    )
    return await off_loop(lambda: dump(map_document(stream_map, ordered, links), media_type))


def map_document(
    stream_map: ValueStreamMap, ordered: list[Any], links: list[Any]
) -> dict[str, Any]:
    key_of = {step.id: f"s{i + 1}" for i, step in enumerate(ordered)}
    document = MapDocument(
        name=stream_map.name,
        kind=MapKind(stream_map.kind),
        notes=stream_map.notes,
        chosen=stream_map.chosen,
        calendar={
            "hours_per_working_day": stream_map.hours_per_working_day,
            "waits_in": stream_map.waits_in,
        },
        data_box={
            name: getattr(stream_map, name)
            for name in DataBoxFields.model_fields
            if getattr(stream_map, name) != DataBoxFields.model_fields[name].default
        },
        steps=[
            StepDocument(
                key=key_of[s.id],
                name=s.name,
                position=s.position,
                description=s.description,
                role=s.role,
                team=s.team,
                people=s.people,
                process_time=iso_duration(s.process_seconds),
                wait_time=iso_duration(s.wait_seconds),
                percent_complete_accurate=s.percent_complete_accurate,
                tools=list(s.tools or []),
                artifacts=list(s.artifacts or []),
                automated=s.automated,
                cicd_stage=s.cicd_stage,
                value_class=s.value_class,
                queue_size=s.queue_size,
                cycle_time=iso_duration(s.cycle_seconds),
                changeover_time=iso_duration(s.changeover_seconds),
                uptime_percent=s.uptime_percent,
                batch_size=s.batch_size,
            )
            for s in ordered
        ],
        handoffs=[
            HandoffDocument(
                **{"from": key_of[h.from_step_id]},
                to=key_of[h.to_step_id],
                artifact=h.artifact,
                cross_team=h.cross_team,
                rework=h.rework,
                wait_time=iso_duration(h.wait_seconds),
                rework_percent=h.rework_percent,
            )
            for h in links
        ],
    )
    return document.model_dump(mode="json", by_alias=True, exclude_none=True)


YAML_DUMPER: Any = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def dump(document: dict[str, Any], media_type: str) -> str:
    if "yaml" in media_type:
        return yaml.dump(document, Dumper=YAML_DUMPER, sort_keys=False, allow_unicode=True)
    return json.dumps(document, indent=2)
