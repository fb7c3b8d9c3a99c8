"""GraphQL for the workflow: gates and their criteria, phase transitions, the playbook.

The value stream's own type (engagement) shows its gate and history with these types;
the transition of a stream answers with the stream, so that mutation stays with it.
"""

from typing import Any

import strawberry
from strawberry.scalars import JSON

from api.graphql.children import mutation
from api.graphql.context import Context, Info
from api.graphql.convert import output_type
from api.graphql.loaders import load
from core.models.value_stream import PhaseTransitionRead
from core.services import batches
from core.workflow import organization_playbook as playbooks
from core.workflow.gates import CriterionResult, GateResult

TransitionType = output_type(PhaseTransitionRead, "PhaseTransition")
CriterionType = output_type(CriterionResult, "GateCriterion")
GateType = output_type(GateResult, "Gate", description=GateResult.__doc__)


async def organization_playbook(context: Context) -> Any:
    """The caller's playbook, loaded once per request however many streams ask for it."""
    return await load(
        context, "playbook", batches.playbook, context.actor.organization_id, default=dict
    )


@strawberry.type
class PlaybookPayload:
    version: int
    playbook: dict[str, Any] = strawberry.field(graphql_type=JSON)


@strawberry.type
class Query:
    @strawberry.field(description="The organization's playbook and its version (0: default).")
    async def playbook(self, info: Info) -> PlaybookPayload | None:
        playbook, version = await playbooks.get_playbook(info.context.session, info.context.actor)
        return PlaybookPayload(version=version, playbook=playbook.model_dump(mode="json"))


@strawberry.type
class Mutation:
    @mutation(description="Admin only. Replace the whole playbook; expectedVersion 0 for default.")
    async def replace_playbook(
        self, info: Info, expected_version: int, playbook: JSON
    ) -> PlaybookPayload | None:
        result, version = await playbooks.replace_playbook(
            info.context.session, info.context.actor, playbook, expected_version=expected_version
        )
        return PlaybookPayload(version=version, playbook=result.model_dump(mode="json"))
