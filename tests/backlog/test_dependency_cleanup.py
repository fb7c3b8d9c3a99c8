"""A request refused while its transaction was being opened leaves nothing half-closed.

Litestar resolves a route's dependencies side by side; when one of them refuses
the request (a bad filter) after another has opened the transaction, the opened
one is abandoned and finalized by the garbage collector. That must close it
cleanly, not log "aclose(): asynchronous generator is already running".
"""

import gc
import logging

import pytest

from tests.api_client import Api
from tests.factories import Factory


def test_refused_filters_leave_no_generator_to_close_twice(
    editor: Api, factory: Factory, caplog: pytest.LogCaptureFixture
) -> None:
    stream = factory.value_stream()
    url = f"/api/v1/value-streams/{stream['id']}/backlog-items"

    with caplog.at_level(logging.ERROR):
        answers = [editor.get(url, params={"status": f"bogus{n}"}) for n in range(20)]
        gc.collect()
        after = editor.get(url)

    assert {answer.status_code for answer in answers} == {422}
    assert after.status_code == 200
    assert [r.getMessage() for r in caplog.records if "aclose" in r.getMessage()] == []
    assert "aclose" not in caplog.text
