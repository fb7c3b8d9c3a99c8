"""The readout names the constraint and ranks waste by what it costs the flow."""

from tests.api_client import Api
from tests.factories import Factory


def readout(api: Api, stream: dict[str, str], fmt: str) -> str:
    response = api.get(f"/api/v1/value-streams/{stream['id']}/export", params={"format": fmt})
    assert response.status_code == 200, response.text
    return response.text


def test_a_long_wait_outranks_a_short_manual_step_in_the_readout(
    editor: Api, factory: Factory
) -> None:
    """A 14-day wait for approval ranks above a 20-minute manual step that takes people 40
    hours a week, and the constraint is named with its capacity against demand."""
    stream = factory.value_stream()
    stream_map = factory.map(stream, demand_units=40, shift_hours=8)
    approve = factory.step(
        stream_map, name="Approve", process_time="1 h", wait_time="14 days", cycle_time="PT10M"
    )
    key_in = factory.step(
        stream_map, name="Key in", process_time="20 min", wait_time=0, cycle_time="PT15M"
    )
    factory.finding(
        stream_map,
        step_id=key_in["id"],
        category="manual_activities",
        description="Orders keyed in by hand",
        estimated_cost_hours_per_week=40,
    )
    factory.finding(
        stream_map,
        step_id=approve["id"],
        category="delays",
        description="Approval waits for the weekly board",
        estimated_cost_hours_per_week=1,
    )

    html = readout(editor, stream, "html")
    markdown = readout(editor, stream, "markdown")

    for text in (html, markdown):
        assert text.index("Approval waits for the weekly board") < text.index(
            "Orders keyed in by hand"
        )
        assert "14 d (100 %)" in text
        assert "takt time" in text and "12 min" in text
    assert "constraint: <strong>Key in</strong> (makes 32 a day, short of a demand of 40)" in html
    assert "longest queue: Approve" in html
