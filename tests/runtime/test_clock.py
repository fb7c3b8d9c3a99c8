"""An app's clock: tests move time forward for one app instead of waiting for it.

`create_app(settings, clock=...)` makes `core.types.utcnow` answer from that clock during
the app's requests, for every stored time and every rule, and the token cache counts its
seconds on it; another app, and code outside any request, keep the system clock.
"""

from datetime import datetime, timedelta
from typing import Any

from litestar.testing import TestClient

from api.app import create_app
from core.config import Settings
from core.types import utcnow
from tests.api_client import Api
from tests.clock import ManualClock
from tests.factories import Factory

A_MONTH = timedelta(days=30)


def client_of(settings: Settings, plugins: Any, clock: ManualClock | None) -> Any:
    return TestClient(create_app(settings, plugins=plugins, clock=clock))


def created_at(answer: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(answer["created_at"])


def test_what_an_app_stores_is_dated_by_its_clock_and_not_another_apps(
    clocked: Api, editor: Api, clock: ManualClock
) -> None:
    clock.advance(A_MONTH)

    later = Factory(clocked).person()
    now = Factory(editor).person()

    assert created_at(later) - created_at(now) > A_MONTH - timedelta(minutes=5)
    assert abs(created_at(now) - utcnow()) < timedelta(minutes=5)


def test_token_expiry_is_judged_by_the_apps_clock(
    settings: Settings,
    plugin_manager: Any,
    clock: ManualClock,
    admin_factory: Factory,
    editor: Api,
) -> None:
    cached = settings.model_copy(update={"auth_cache_seconds": 3600.0})
    token = admin_factory.token(expires_at=(utcnow() + timedelta(days=1)).isoformat())
    with client_of(cached, plugin_manager, clock) as client:
        caller = Api(client, token["secret"])
        assert caller.get("/api/v1/people").status_code == 200  # and now kept in its cache

        clock.advance(timedelta(days=2))

        assert caller.get("/api/v1/people").status_code == 401
    assert Api(editor.client, token["secret"]).get("/api/v1/people").status_code == 200
