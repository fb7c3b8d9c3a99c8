"""An app's clock: what `core.types.utcnow` answers while the app handles a request."""

from litestar.types import ASGIApp, Middleware, Receive, Scope, Send

from core.types import Clock, using_clock


def clock_middleware(clock: Clock | None) -> list[Middleware]:
    """The middleware that sets `clock` for each request; none for the system clock.

    It is the outermost layer, so authentication (token expiry) and every handler,
    resolver and service below it read the same clock.
    """
    if clock is None:
        return []

    def wrap(app: ASGIApp) -> ASGIApp:
        async def with_clock(scope: Scope, receive: Receive, send: Send) -> None:
            with using_clock(clock):
                await app(scope, receive, send)

        return with_clock

    return [wrap]
