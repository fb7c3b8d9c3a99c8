"""Liveness, readiness and the plugin list."""

from litestar import Response, get
from pydantic import BaseModel

from api.state import AppState
from api.urls import API_PREFIX
from core import readiness
from core.actor import Actor
from core.plugins import describe


class PluginOut(BaseModel):
    name: str
    hooks: list[str]
    distribution: str | None
    version: str | None
    built_in: bool


@get("/health", tags=["system"], summary="Liveness: the process answers", exclude_from_auth=True)
async def health() -> dict[str, str]:
    return {"status": "ok"}


@get(
    "/ready",
    tags=["system"],
    summary="Readiness: the database answers and can write (answers within a second)",
    exclude_from_auth=True,
)
async def ready(app_state: AppState) -> Response[dict[str, object]]:
    settings = app_state.settings
    report = await readiness.check(
        app_state.database,
        app_state.write_health,
        within_seconds=settings.ready_timeout_seconds,
        min_free_bytes=settings.min_free_disk_bytes,
    )
    if report.ready:
        return Response(report.as_dict())
    return Response(report.as_dict(), status_code=503, headers={"Retry-After": "5"})


@get(f"{API_PREFIX}/plugins", tags=["system"], summary="Plugins loaded by this server")
async def list_plugins(app_state: AppState, actor: Actor) -> list[PluginOut]:
    return [PluginOut(**vars(info)) for info in describe(app_state.plugins.manager)]
