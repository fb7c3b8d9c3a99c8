"""What the services answer, read without a transport: both REST and GraphQL show these."""

import uuid
from typing import Any

from core.backlog.milestones import milestone_progress
from core.maps.measuring import comparison
from core.metrics.map_metrics import MapComparison
from core.models.portfolio import TargetStatusCounts
from core.workflow import phases as workflow
from tests.factories import Factory


def test_a_portfolio_row_names_its_phase_as_the_playbook_does(
    factory: Factory, as_tenant: Any
) -> None:
    stream = factory.value_stream()
    factory.backlog_item(stream, status="done", owner_id=factory.person()["id"])
    factory.backlog_item(stream)

    page = as_tenant(
        lambda session, actor: workflow.portfolio_rows(
            session, actor, workflow.PortfolioFilter(), limit=10, cursor=None
        )
    )

    (row,) = page.items
    assert (row.phase, row.phase_name) == ("pre_planning", "Pre-planning")
    assert (row.backlog_items, row.backlog_done, row.backlog_percent) == (2, 1, 50.0)
    assert row.targets == TargetStatusCounts()
    assert row.blocking_criteria > 0 and not row.gate_passed


def test_a_comparison_names_both_maps_and_what_moved(factory: Factory, as_tenant: Any) -> None:
    stream = factory.value_stream()
    current = factory.map(stream)
    factory.step(current, process_time="PT1H", wait_time="PT3H")
    desired = factory.map(stream, kind="desired", chosen=True)
    factory.step(desired, process_time="PT1H", wait_time="PT1H")

    found = as_tenant(lambda session, actor: comparison(session, actor, uuid.UUID(stream["id"])))

    assert isinstance(found, MapComparison)
    assert (str(found.current_map_id), str(found.desired_map_id)) == (current["id"], desired["id"])
    assert (found.current.lead_time_seconds, found.desired.lead_time_seconds) == (14_400, 7_200)
    lead = found.changes["lead_time_seconds"]
    assert (lead.absolute_change, lead.percent_change) == (-7_200, -50.0)


def test_milestone_progress_counts_only_the_callers_organization(
    factory: Factory, outsider_factory: Factory, as_tenant: Any
) -> None:
    theirs = outsider_factory.value_stream()
    milestone = outsider_factory.milestone(theirs)
    outsider_factory.backlog_item(
        theirs,
        milestone_id=milestone["id"],
        status="done",
        owner_id=outsider_factory.person()["id"],
    )
    ident = uuid.UUID(milestone["id"])

    progress = as_tenant(lambda session, actor: milestone_progress(session, actor, [ident]))

    assert (progress[ident].items, progress[ident].done, progress[ident].percent) == (0, 0, None)


def test_gates_of_another_organizations_streams_are_not_answered(
    factory: Factory, outsider_factory: Factory, as_tenant: Any
) -> None:
    ours, theirs = factory.value_stream(), outsider_factory.value_stream()
    ids = [uuid.UUID(ours["id"]), uuid.UUID(theirs["id"])]

    gates = as_tenant(lambda session, actor: workflow.gates_batch(session, actor, ids))

    assert set(gates) == {ids[0]}
    assert gates[ids[0]].phase == "pre_planning"
