"""Lookups of many records by id at once, for callers that batch (GraphQL's DataLoaders).

Each takes the caller and answers only for what belongs to the caller's organization:
an id of another organization is simply absent from the answer, as if it did not exist.
Batches that are a use case of their own live with it (`measuring.metrics_batch`,
`workflow.gates_batch`, `backlog.milestone_progress`, `ChildService.for_parents`).
"""

import uuid
from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

from sqlmodel.ext.asyncio.session import AsyncSession

from core.actor import Actor
from core.metrics.target_progress import ProgressRead
from core.models.base import Entity
from core.models.person import Person
from core.models.target import FlowTarget
from core.models.value_stream_map import ValueStreamMap
from core.services import crud
from core.targets import service as targets
from core.workflow import organization_playbook as playbooks
from core.workflow.playbook import Playbook

M = TypeVar("M", bound=Entity)
Batch = Callable[[AsyncSession, Actor, Sequence[uuid.UUID]], Awaitable[dict[uuid.UUID, M]]]


def by_id(model: type[M]) -> Batch[M]:
    """The caller's rows of `model` by id."""

    async def fetch(
        session: AsyncSession, actor: Actor, ids: Sequence[uuid.UUID]
    ) -> dict[uuid.UUID, M]:
        return await crud.get_many(session, actor, model, ids)

    return fetch


people = by_id(Person)
maps = by_id(ValueStreamMap)
flow_targets = by_id(FlowTarget)


async def target_progress(
    session: AsyncSession, actor: Actor, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, ProgressRead]:
    rows = await flow_targets(session, actor, ids)
    return await targets.progress_of(session, actor, list(rows.values()))


async def playbook(
    session: AsyncSession, actor: Actor, organization_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, Playbook]:
    """The caller's own playbook, keyed by its organization; any other id gets none."""
    if actor.organization_id not in organization_ids:
        return {}
    found, _version = await playbooks.get_playbook(session, actor)
    return {actor.organization_id: found}
