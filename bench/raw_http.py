"""A lean HTTP/1.1 client for open-loop load: one request per connection at a time.

httpx spends most of a core on its own bookkeeping once thousands of requests are in
flight (its pool scans every connection and waiting request on each event), so an
open-loop test with it measures the load generator, not the server. This client does
the least a load test needs: keep-alive connections reused last-in first-out, a new
connection whenever none is idle (as independent clients would open them), requests
with a JSON body, answers by Content-Length or chunked encoding.

A connection idle for longer than `KEEPALIVE_EXPIRY` is closed rather than reused, as
httpx and browsers do: the server closes a keep-alive connection that sends nothing for
a while (granian after 30 s), and a request sent on one it has just closed fails with no
answer. Without the expiry, a burst's connections left idle in the pool failed that way
when the next burst took them up again: errors of the client, not of the server.
"""

import asyncio
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit

KEEPALIVE_EXPIRY = 5.0
"""Seconds a connection may stay idle and still be reused (httpx's default)."""


class HTTPFailure(Exception):
    """The connection failed or the answer was not HTTP/1.1."""


@dataclass
class Answer:
    status_code: int
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


class RawClient:
    def __init__(
        self, base: str, timeout: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        parts = urlsplit(base)
        self.host = parts.hostname or "127.0.0.1"
        self.port = parts.port or 80
        self.timeout = timeout
        self.clock = clock
        self._idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter, float]] = []

    async def request(
        self,
        method: str,
        path: str,
        *,
        headers: dict[str, str] | None = None,
        params: dict[str, Any] | None = None,
        json_body: Any = None,
    ) -> Answer:
        if params:
            path = f"{path}?{urlencode(params)}"
        body = b"" if json_body is None else json.dumps(json_body).encode()
        lines = [f"{method} {path} HTTP/1.1", f"Host: {self.host}:{self.port}"]
        lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
        if json_body is not None:
            lines.append("Content-Type: application/json")
        lines.append(f"Content-Length: {len(body)}")
        message = ("\r\n".join(lines) + "\r\n\r\n").encode() + body
        reader, writer = self._idle_connection() or await self._connect()
        try:
            async with asyncio.timeout(self.timeout):
                writer.write(message)
                answer, keep = await _read_answer(reader)
        except (OSError, asyncio.IncompleteReadError, ValueError, TimeoutError) as exc:
            writer.close()
            raise HTTPFailure(type(exc).__name__) from exc
        if keep:
            self._idle.append((reader, writer, self.clock()))
        else:
            writer.close()
        return answer

    def _idle_connection(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter] | None:
        """The most recently used idle connection; every one idle too long is closed."""
        expired = self.clock() - KEEPALIVE_EXPIRY
        while self._idle:
            reader, writer, since = self._idle.pop()
            if since >= expired:
                return reader, writer
            writer.close()
            for _reader, stale, _since in self._idle:
                stale.close()
            self._idle.clear()
        return None

    async def _connect(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        try:
            return await asyncio.open_connection(self.host, self.port)
        except OSError as exc:
            raise HTTPFailure(type(exc).__name__) from exc

    def close(self) -> None:
        for _reader, writer, _since in self._idle:
            writer.close()
        self._idle.clear()


async def _read_answer(reader: asyncio.StreamReader) -> tuple[Answer, bool]:
    head = await reader.readuntil(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    status = int(status_line.split(" ", 2)[1])
    headers = {}
    for line in header_lines:
        if ":" in line:
            name, value = line.split(":", 1)
            headers[name.strip().lower()] = value.strip()
    if headers.get("transfer-encoding", "").lower() == "chunked":
        chunks = []
        while size := int((await reader.readuntil(b"\r\n")).split(b";")[0], 16):
            chunks.append(await reader.readexactly(size))
            await reader.readexactly(2)
        await reader.readuntil(b"\r\n")
        body = b"".join(chunks)
    else:
        body = await reader.readexactly(int(headers.get("content-length", "0")))
    return Answer(status, body), headers.get("connection", "").lower() != "close"
