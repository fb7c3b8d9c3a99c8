"""The portfolio on paper: many streams blocked at their gates still fit a few pages."""

import io

import pypdfium2

from tests.api_client import Api
from tests.factories import Factory


def test_twelve_blocked_streams_fit_on_three_pages(viewer: Api, factory: Factory) -> None:
    for n in range(12):
        factory.value_stream(name=f"Stream number {n} with a longer name")

    answer = viewer.get("/api/v1/portfolio/export", params={"format": "pdf"})

    document = pypdfium2.PdfDocument(io.BytesIO(answer.content))
    text = "".join(document[i].get_textpage().get_text_range() for i in range(len(document)))
    assert answer.status_code == 200
    assert len(document) <= 3, f"{len(document)} pages"
    assert all(f"Stream number {n} " in text.replace("\r\n", " ") for n in range(12))
    assert "and 5 more" in text
