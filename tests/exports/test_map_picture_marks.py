"""The map picture tells the constraint from the longest queue and draws rework loops."""

import xml.etree.ElementTree as ET

from tests.api_client import Api
from tests.factories import Factory

SVG = "{http://www.w3.org/2000/svg}"


def picture(api: Api, map_id: str) -> ET.Element:
    response = api.get(f"/api/v1/maps/{map_id}/render", params={"format": "svg"})
    assert response.status_code == 200, response.text
    return ET.fromstring(response.text)


def classes_of(root: ET.Element, step_id: str) -> set[str]:
    (group,) = [g for g in root.iter(f"{SVG}g") if g.get("data-step-id") == step_id]
    return set((group.get("class") or "").split())


def test_the_constraint_and_the_longest_queue_are_drawn_apart(
    editor: Api, factory: Factory
) -> None:
    """A slow cell (62 s against a 60 s takt) after a long queue of inventory."""
    stream_map = factory.map(
        factory.value_stream(), demand_units=920, shift_hours=16, break_minutes_per_shift=40
    )
    queue = factory.step(stream_map, name="Weld", cycle_time="PT39S", queue_size=7000)
    slow = factory.step(stream_map, name="Assemble", cycle_time="PT62S", queue_size=100)

    root = picture(editor, stream_map["id"])

    assert "constraint" in classes_of(root, slow["id"])
    assert "bottleneck" in classes_of(root, queue["id"])
    assert "constraint" not in classes_of(root, queue["id"])
    text = "".join(root.itertext())
    assert "takt time 60 s" in text
    assert "C/T 62 s" in text
    assert "7.6 d (inv.)" in text


def test_a_rework_loop_is_drawn_back_with_its_share(editor: Api, factory: Factory) -> None:
    stream_map = factory.map(factory.value_stream())
    build = factory.step(stream_map, name="Build", process_time="1 h", wait_time="1 h")
    test = factory.step(stream_map, name="Test", process_time="1 h", wait_time="1 h")
    factory.handoff(stream_map, build, test)
    factory.handoff(stream_map, test, build, rework=True, rework_percent=20)

    root = picture(editor, stream_map["id"])

    loops = [g for g in root.iter(f"{SVG}g") if "vsm-rework" in (g.get("class") or "")]
    assert len(loops) == 1
    assert "rework 20 %" in "".join(loops[0].itertext())
    assert "with expected rework" in "".join(root.itertext())


def test_mermaid_draws_a_rework_loop_back_on_a_chain(editor: Api, factory: Factory) -> None:
    stream_map = factory.map(factory.value_stream())
    build = factory.step(stream_map, name="Build")
    factory.step(stream_map, name="Review")
    test = factory.step(stream_map, name="Test")
    factory.handoff(stream_map, test, build, rework=True, rework_percent=15)

    response = editor.get(f"/api/v1/maps/{stream_map['id']}/render", params={"format": "mermaid"})

    lines = [line.strip() for line in response.text.splitlines()]
    assert "s1 --> s2" in lines and "s2 --> s3" in lines
    assert 's3 -.->|"rework 15 %"| s1' in lines
