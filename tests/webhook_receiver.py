"""A webhook receiver on loopback, as a subscriber runs one: it records every request and
answers with the statuses a test queues (200 once they run out)."""

import http.server
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from standardwebhooks.webhooks import Webhook


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body)

    def verifies_with(self, secret: str) -> bool:
        try:
            Webhook(secret).verify(self.body, self.headers)
        except Exception:
            return False
        return True


@dataclass
class Receiver:
    url: str
    received: list[Received] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)
    arrived: threading.Condition = field(default_factory=threading.Condition)
    hold_next: bool = False
    """The next request is held unanswered until `release` is set; `holding` tells when."""
    holding: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)

    def answer_next(self, *statuses: int) -> None:
        self.statuses.extend(statuses)

    def wait_for(self, count: int, timeout: float = 10) -> list[Received]:
        """Until `count` requests have arrived (woken by each arrival, not by polling)."""
        with self.arrived:
            assert self.arrived.wait_for(lambda: len(self.received) >= count, timeout), (
                f"{len(self.received)} of {count} deliveries arrived"
            )
            return list(self.received)


@contextmanager
def receiving(path: str = "/hooks") -> Iterator[Receiver]:
    receiver: Receiver

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length", 0)))
            if receiver.hold_next:
                receiver.hold_next = False
                with receiver.arrived:
                    receiver.received.append(Received(dict(self.headers.items()), body))
                receiver.holding.set()
                receiver.release.wait(timeout=60)
                return
            status = receiver.statuses.pop(0) if receiver.statuses else 200
            self.send_response(status)
            if status in (301, 302, 307, 308):
                self.send_header("location", receiver.url + "/elsewhere")
            self.send_header("content-length", "0")
            self.end_headers()
            with receiver.arrived:
                receiver.received.append(Received(dict(self.headers.items()), body))
                receiver.arrived.notify_all()

        def log_message(self, *_args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    receiver = Receiver(url=f"http://127.0.0.1:{server.server_address[1]}{path}")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
