"""The readout's block on the backlog: what its done items changed, and when the rest
will be done."""

import re
from datetime import timedelta
from typing import Any

import pytest

from core.models.token import Role
from plugins.readout.markdown import render_markdown
from tests.api_client import Api
from tests.bdd import world
from tests.clock import ManualClock
from tests.conftest import Tenant
from tests.exports.test_readout_render import section, synthetic_stream
from tests.factories import Factory

EFFECTS = [
    {"metric": "lead_time", "change": -2, "unit": "days", "note": "one approval"},
    {"metric": "flow_time", "change": -5, "unit": "days"},
]


@pytest.fixture
def remapped(clocked: Api, clock: ManualClock, tenant: Tenant) -> dict[str, Any]:
    """An item done between two current-state maps, two more done the same day and three
    open; a day later, the readout."""
    admin = Api(clocked.client, tenant.secrets[Role.admin])
    factory = Factory(clocked)
    stream = world.create_stream(factory)
    ref, owner = {"id": stream.id}, factory.person()
    factory.step(factory.map(ref, kind="current"), process_time="PT4H", wait_time="P3D")
    item = factory.backlog_item(ref, title="Drop the second approval", expected_effects=EFFECTS)
    factory.finish(item, owner)
    for title in ("Map the intake", "Train the approvers"):
        factory.finish(factory.backlog_item(ref, title=title), owner)
    for title in ("Automate billing", "Retire the old form", "Self-service quotes"):
        factory.backlog_item(ref, title=title)
    world.bring_to(admin, stream, "execution")
    admin.ok(world.move(admin, stream, "iterate", force=True, justification="remap"), 201)
    factory.step(factory.map(ref, kind="current"), process_time="PT4H", wait_time="P1D")
    clock.advance(timedelta(days=1))
    return {"stream": ref}


def exported(api: Api, made: dict[str, Any], fmt: str) -> str:
    response = api.get(f"/api/v1/value-streams/{made['stream']['id']}/export?format={fmt}")
    assert response.status_code == 200, response.text
    return str(response.text)


def test_the_html_readout_shows_what_done_items_changed_and_when_the_rest_is_done(
    clocked: Api, remapped: dict[str, Any]
) -> None:
    block = section(exported(clocked, remapped, "html"), "backlog-effects")

    rows = re.findall(r"<tr><td>Drop the second approval</td>.*?</tr>", block)
    lead, flow = rows
    assert "<td>Lead time</td>" in lead and "100 % of expected" in lead
    assert lead.count("-2 days") == 2  # expected and realised
    assert "awaiting data" in flow and "-5 days" in flow
    assert "3 open items" in block and "3 items done in the 90 days" in block
    assert [c for c in (50, 85, 95) if f"{c} %</td>" in block] == [50, 85, 95]


def test_the_markdown_readout_has_the_block_as_tables(
    clocked: Api, remapped: dict[str, Any]
) -> None:
    markdown = exported(clocked, remapped, "markdown")

    assert "\n## What the done backlog items changed\n" in markdown
    assert "\n## When the rest of the backlog is done\n" in markdown
    assert "| Drop the second approval |" in markdown
    assert "| 85 % |" in markdown


def test_a_readout_without_done_effects_or_pace_says_so(editor: Api, factory: Factory) -> None:
    stream = factory.value_stream()
    factory.backlog_item(stream, expected_effects=EFFECTS)

    block = section(exported(editor, {"stream": stream}, "html"), "backlog-effects")

    assert "No done backlog item has stated an expected effect yet." in block
    assert "No forecast: no backlog item was done in the last 90 days" in block


def test_a_snapshot_made_before_the_block_still_renders() -> None:
    old = synthetic_stream(steps=3, items=2, targets=1, points=3)

    markdown = "".join(render_markdown("value_stream", old))

    assert "_This readout was made before backlog forecasts._" in markdown
