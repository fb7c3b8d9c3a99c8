"""The readout's registers: who leads, the risks by exposure, what is still open, the
lessons learned, and who answers for the top of the backlog."""

from tests.api_client import Api
from tests.factories import Factory


def markdown_readout(api: Api, stream: dict[str, object]) -> str:
    answer = api.get(f"/api/v1/value-streams/{stream['id']}/export", params={"format": "markdown"})
    assert answer.status_code == 200, answer.text
    return str(answer.text)


def section(text: str) -> str:
    return text.split("## People, risks and open items")[1].split("## Current and desired state")[0]


def test_the_readout_lists_leaders_risks_open_items_lessons_and_raci(
    editor: Api, factory: Factory
) -> None:
    stream = factory.value_stream(name="Quote to cash")
    factory.sponsor(stream, person_id=factory.person(name="Sam Sponsor")["id"])
    factory.participant(
        stream,
        role="champion",
        champion_kind="business_stakeholder",
        person_id=factory.person(name="Cleo Champion")["id"],
    )
    factory.risk(stream, title="Vendor exits", likelihood=4, impact=5, mitigation="Second source")
    factory.risk(stream, title="Analyst leaves", likelihood=2, impact=2)
    factory.action_item(stream, title="Book the workshop room")
    factory.action_item(stream, title="Ask finance about budgets", kind="parking_lot")
    factory.deliverable(stream, "lessons_learned", text="Map the waits before the work.")
    owner = factory.person(name="Ola Owner")
    item = factory.backlog_item(stream, title="Automate the credit check")
    factory.raci(item, owner, "R")

    text = section(markdown_readout(editor, stream))

    assert "Sam Sponsor (sponsor); Cleo Champion (champion, business stakeholder)" in text
    vendor = text.index("| Vendor exits | 4 | 5 | **20** |")
    assert vendor < text.index("| Analyst leaves | 2 | 2 | **4** |"), "by exposure"
    assert "Second source" in text
    assert "| Book the workshop room |" in text
    assert "### Parking lot" in text and "- Ask finance about budgets" in text
    assert "Map the waits before the work." in text
    assert "| Automate the credit check | proposed | Ola Owner |" in text


def test_an_empty_engagement_says_so_instead_of_empty_tables(editor: Api, factory: Factory) -> None:
    text = section(markdown_readout(editor, factory.value_stream()))

    assert "_No sponsor or champion is recorded yet._" in text
    assert "_No open risk._" in text
    assert "_No open action item._" in text
    assert "_No open backlog item._" in text
    assert "### Parking lot" not in text
