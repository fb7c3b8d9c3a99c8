"""The overload benchmark's HTTP client reads what the server answers, as HTTP/1.1 says."""

import asyncio
from typing import Any

from bench.raw_http import KEEPALIVE_EXPIRY, RawClient, _read_answer


def read(raw: bytes) -> Any:
    async def parse() -> Any:
        reader = asyncio.StreamReader()
        reader.feed_data(raw)
        reader.feed_eof()
        return await _read_answer(reader)

    return asyncio.run(parse())


def test_an_answer_with_a_length_is_read_to_its_length() -> None:
    answer, keep = read(b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 2\r\n\r\n{}extra")

    assert (answer.status_code, answer.body, keep) == (503, b"{}", True)


def test_a_chunked_answer_is_joined_and_a_closing_one_is_not_kept() -> None:
    raw = (
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
        b"3\r\n%PD\r\n2;ext=1\r\nF-\r\n0\r\n\r\n"
    )

    answer, keep = read(raw)

    assert (answer.status_code, answer.body, keep) == (200, b"%PDF-", False)


def test_the_client_reuses_its_connection_against_the_running_service(running_server: str) -> None:
    async def twice() -> tuple[Any, Any, int]:
        client = RawClient(running_server, timeout=10)
        first = await client.request("GET", "/health")
        second = await client.request("GET", "/health", params={"probe": "again"})
        idle = len(client._idle)
        client.close()
        return first, second, idle

    first, second, idle = asyncio.run(twice())

    assert first.status_code == second.status_code == 200
    assert first.json() == {"status": "ok"}
    assert idle == 1, "both requests went over one kept-alive connection"


def test_a_connection_idle_past_the_expiry_is_closed_not_reused(running_server: str) -> None:
    """A server closes keep-alive connections that stay idle; reusing one fails unanswered."""
    now = [0.0]

    async def apart() -> tuple[Any, Any, bool, bool]:
        client = RawClient(running_server, timeout=10, clock=lambda: now[0])
        first = await client.request("GET", "/health")
        ((_reader, stale, _since),) = client._idle
        now[0] += KEEPALIVE_EXPIRY + 1
        second = await client.request("GET", "/health")
        ((_reader, fresh, _since),) = client._idle
        client.close()
        return first, second, stale.is_closing(), fresh is stale

    first, second, stale_closed, reused = asyncio.run(apart())

    assert first.status_code == second.status_code == 200
    assert stale_closed and not reused
