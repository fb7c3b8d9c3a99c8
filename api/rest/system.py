"""Liveness, readiness and the plugin list."""

from litestar import Response, get
from pydantic import BaseModel
from sqlalchemy import text

from api.state import AppState
from core.actor import Actor
from core.plugins import describe


class PluginOut(BaseModel):
    name: str
    hooks: list[str]
    distribution: str | None
    version: str | None


@get("/health", tags=["system"], summary="Liveness: the process answers", exclude_from_auth=True)
async def health() -> dict[str, str]:
    return {"status": "ok"}


@get("/ready", tags=["system"], summary="Readiness: the database answers", exclude_from_auth=True)
async def ready(app_state: AppState) -> Response[dict[str, str]]:
    try:
        async with app_state.database.read_engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
    except Exception as exc:  # any failure means "not ready", which is the answer asked for
        return Response({"status": "unavailable", "detail": type(exc).__name__}, status_code=503)
    return Response({"status": "ready"})


@get("/api/v1/plugins", tags=["system"], summary="Plugins loaded by this server")
async def list_plugins(app_state: AppState, actor: Actor) -> list[PluginOut]:
    return [PluginOut(**vars(info)) for info in describe(app_state.plugins)]
