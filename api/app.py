"""The Litestar app factory: one place that wires settings, database, plugins and transports."""

import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pluggy
from litestar import Litestar, Router
from litestar.config.cors import CORSConfig
from litestar.datastructures import State
from litestar.di import Provide
from litestar.logging import LoggingConfig
from litestar.middleware import DefineMiddleware
from litestar.openapi import OpenAPIConfig

from api import idempotency, openapi
from api.assets import assets_router, swagger_ui
from api.auth import PUBLIC_PATHS, BearerTokenMiddleware
from api.clock import clock_middleware
from api.deps import (
    provide_actor,
    provide_expected_version,
    provide_session,
    provide_state,
    provide_work,
)
from api.graphql.schema import graphql_controller
from api.headers import allowed_methods, response_headers
from api.inputs import ApiRequest, StrictBodyPlugin, before_request
from api.limits import TokenBuckets
from api.load import LoadGate, LoadLimits, LoadShedder, OrganizationShare, OrganizationTurns
from api.problems import EXCEPTION_HANDLERS
from api.rest import CONTROLLERS
from api.rest.system import health, list_plugins, ready
from api.state import AppState, TokenCache, seconds_of
from api.urls import API_PREFIX
from core.config import Settings
from core.db import Database
from core.exports.exporters import collect_exporters
from core.jobs.kinds import Environment
from core.jobs.worker import Worker, running
from core.plugins import Plugins, build_plugin_manager
from core.types import Clock, system_clock


def create_app(
    settings: Settings,
    *,
    plugins: pluggy.PluginManager | None = None,
    clock: Clock | None = None,
) -> Litestar:
    """Build an app. Nothing connects until it starts; tests build many side by side.

    `plugins` (default: the built-ins and the `vsm` entry points, less
    `VSM_DISABLED_PLUGINS`) is the app's plugin manager; tests pass one of their own.
    `clock` (default: the system clock) is what `core.types.utcnow` answers during this
    app's requests, and what its token cache counts seconds with: tests move it forward.
    """
    manager = (
        plugins if plugins is not None else build_plugin_manager(disabled=settings.disabled_plugins)
    )
    state = AppState(
        settings=settings,
        plugins=Plugins(manager, classifier_defaults=settings.classifier_config),
        tokens=TokenCache(ttl=settings.auth_cache_seconds, clock=seconds_of(clock)),
        exporters=collect_exporters(manager),
    )

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        state.load_gate = LoadGate(
            LoadLimits(
                max_active=settings.max_active_requests,
                max_waiting=settings.max_waiting_requests,
                max_wait_seconds=settings.max_wait_seconds,
                deadline_seconds=settings.request_timeout_seconds,
                heavy_deadline_seconds=settings.heavy_request_timeout_seconds,
            )
        )
        state.organization_turns = OrganizationTurns(
            settings.heavy_requests_per_organization,
            max_waiting=settings.max_waiting_requests,
            max_wait_seconds=settings.heavy_wait_seconds,
        )
        state.rate = TokenBuckets(settings.rate_limit_requests, settings.rate_limit_window_seconds)
        state.failed_auth = TokenBuckets(settings.auth_failures_per_minute, 60)
        state.db = Database.from_settings(settings)
        try:
            manager.hook.startup(settings=settings)
            async with contextlib.AsyncExitStack() as background:
                if settings.jobs_in_process:
                    worker = Worker(
                        Environment(state.db, settings, state.exporters),
                        clock=clock or system_clock,
                    )
                    state.job_worker = await background.enter_async_context(running(worker))
                yield
        finally:
            state.job_worker = None
            await state.db.dispose()
            state.db = None

    api = Router(path=API_PREFIX, route_handlers=[*CONTROLLERS])
    app = Litestar(
        route_handlers=[
            health,
            ready,
            list_plugins,
            api,
            graphql_controller(settings),
            assets_router(),
        ],
        dependencies={
            "app_state": Provide(provide_state, sync_to_thread=False),
            "actor": Provide(provide_actor, sync_to_thread=False),
            "work": Provide(provide_work, sync_to_thread=False),
            "session": Provide(provide_session),
            "expected_version": Provide(provide_expected_version, sync_to_thread=False),
        },
        middleware=[
            *clock_middleware(clock),
            LoadShedder,
            DefineMiddleware(BearerTokenMiddleware, exclude=PUBLIC_PATHS),
            OrganizationShare,
        ],
        before_send=[response_headers],
        request_class=ApiRequest,
        plugins=[StrictBodyPlugin()],
        before_request=before_request,
        after_request=idempotency.capture,
        exception_handlers={**EXCEPTION_HANDLERS, idempotency.Replay: idempotency.replay_handler},
        lifespan=[lifespan],
        state=State({"vsm": state}),
        cors_config=CORSConfig(allow_origins=settings.cors_origins)
        if settings.cors_origins
        else None,
        openapi_config=OpenAPIConfig(
            title="valuestream",
            version="1",
            description="Value Stream Mapping as a tracked transformation. "
            "Send `Authorization: Bearer <token>`; writes need `If-Match` with the ETag. "
            "Errors are RFC 9457 problem documents: 400 when a request cannot be read (not "
            "JSON, nested deeper than 64 levels, or text holding a NUL character, which no "
            "string may contain), 422 naming each field when its content is not valid.",
            path="/schema",
            render_plugins=[swagger_ui()],
        ),
        logging_config=LoggingConfig(
            root={"level": settings.log_level.upper(), "handlers": ["queue_listener"]},
            log_exceptions="debug",
        ),
        request_max_body_size=settings.max_request_body_bytes,
        debug=False,
    )
    openapi.complete(app)
    state.allowed_methods = allowed_methods(app)
    return app


def create_app_from_env() -> Litestar:
    """Entry point for ASGI servers: settings from the environment, read at call time."""
    logging.captureWarnings(True)
    return create_app(Settings())
