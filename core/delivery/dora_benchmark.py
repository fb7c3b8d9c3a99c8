"""An organization's DORA benchmark: its own thresholds of the tiers, else the default.

The default is `core.metrics.dora_tiers.DORA_2023`. An admin replaces it with the
organization's own (a benchmark of its choosing, or tiers it set itself) and may go back
to the default. The row stays when it does, holding no thresholds: versions keep
counting, so a write prepared before the reset is refused as stale instead of landing
on a record that happens to have the same version again. Version 0 is the default
before anything was ever stored.
"""

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from core.actor import Actor
from core.errors import invalid
from core.foundation import audit
from core.metrics.dora_tiers import DORA_2023, TIER_RULE, DoraBenchmark
from core.models.dora_benchmark import DoraBenchmarkRecord
from core.services import crud
from core.workflow.kept import Recent

ENTITY = "dora_benchmark"


class DoraBenchmarkSetting(BaseModel):
    """The thresholds of the DORA performance tiers an organization's reports use."""

    model_config = ConfigDict(frozen=True)

    benchmark: DoraBenchmark = Field(
        description=f"the benchmark's name, source and thresholds. {TIER_RULE}"
    )
    is_default: bool = Field(
        description="true while the organization uses the default benchmark, the thresholds "
        "of the Accelerate State of DevOps Report 2023 (DORA, Google Cloud)"
    )
    version: int = Field(
        description="the organization's setting's version: 0 before it stored any, and it "
        "keeps counting through replacements and returns to the default"
    )


async def _record(session: AsyncSession, actor: Actor) -> DoraBenchmarkRecord | None:
    statement = select(DoraBenchmarkRecord).where(
        DoraBenchmarkRecord.organization_id == actor.organization_id
    )
    return (await session.exec(statement)).first()


_PARSED: Recent[DoraBenchmark] = Recent(512)
"""Organizations' benchmarks as parsed, by record and version: a version is never reused."""


def _setting(record: DoraBenchmarkRecord | None) -> DoraBenchmarkSetting:
    if record is None:
        return DoraBenchmarkSetting(benchmark=DORA_2023, is_default=True, version=0)
    if record.data is None:
        return DoraBenchmarkSetting(benchmark=DORA_2023, is_default=True, version=record.version)
    key = (record.id, record.version)
    benchmark = _PARSED.get(key)
    if benchmark is None:
        benchmark = DoraBenchmark.model_validate(record.data)
        _PARSED.put(key, benchmark)
    return DoraBenchmarkSetting(benchmark=benchmark, is_default=False, version=record.version)


async def get_benchmark(session: AsyncSession, actor: Actor) -> DoraBenchmarkSetting:
    """The organization's benchmark, or the default; one query."""
    return _setting(await _record(session, actor))


def parse_benchmark(data: object) -> DoraBenchmark:
    """`data` as a benchmark, or a 422 naming each field it gets wrong."""
    if isinstance(data, DoraBenchmark):
        return data
    try:
        return DoraBenchmark.model_validate(data)
    except ValidationError as exc:
        raise invalid(exc, "the DORA benchmark") from exc


def _stored(record: DoraBenchmarkRecord | None) -> dict[str, Any] | None:
    return dict(record.data) if record is not None and record.data is not None else None


async def _store(
    session: AsyncSession,
    actor: Actor,
    record: DoraBenchmarkRecord | None,
    stored: dict[str, Any] | None,
    *,
    action: str,
) -> DoraBenchmarkSetting:
    """Store `stored` (None: the default) as the organization's thresholds, audited."""
    before = _stored(record)
    if record is None:
        record = DoraBenchmarkRecord(organization_id=actor.organization_id)
    record.data = stored
    session.add(record)
    await crud.flush(session)
    audit.record(
        session,
        actor,
        action=action,
        entity_type=ENTITY,
        entity_id=record.id,
        before={"benchmark": before},
        after={"benchmark": stored},
    )
    return _setting(record)


async def _checked_record(
    session: AsyncSession, actor: Actor, expected_version: crud.ExpectedVersion
) -> DoraBenchmarkRecord | None:
    actor.require_admin()
    record = await _record(session, actor)
    crud.check_version_number(record.version if record is not None else 0, expected_version)
    return record


async def replace_benchmark(
    session: AsyncSession,
    actor: Actor,
    data: object,
    *,
    expected_version: crud.ExpectedVersion,
) -> DoraBenchmarkSetting:
    """Admins replace the organization's thresholds; the change is audited."""
    actor.require_admin()
    stored = parse_benchmark(data).model_dump(mode="json")
    record = await _checked_record(session, actor, expected_version)
    return await _store(session, actor, record, stored, action="update")


async def reset_benchmark(
    session: AsyncSession, actor: Actor, *, expected_version: crud.ExpectedVersion
) -> DoraBenchmarkSetting:
    """Admins go back to the default; nothing changes (and nothing is audited) when the
    organization uses the default already."""
    record = await _checked_record(session, actor, expected_version)
    if record is None or record.data is None:
        return _setting(record)
    return await _store(session, actor, record, None, action="delete")
