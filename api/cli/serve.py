"""`vsm serve`: the API under granian, once the port is free and the database current.

Every second from here to a worker that answers `/ready` is an outage after a crash or
a deploy, so the parent does what the workers would otherwise each do again: granian
forks its workers (on Linux), and a module imported before the fork is one the worker
has already, so the app's modules are imported here, once for every worker, with the
garbage collector paused (imports create objects by the hundred thousand and no
garbage worth a collection) and then frozen: the collector of each worker never scans
those objects again, and their memory stays shared among the workers.
"""

import errno
import gc
import importlib
import multiprocessing
import socket
from typing import Annotated

import typer

from api.cli.runner import FAILED, fail, load_settings, require_ready

APP_MODULE = "api.app"


def serve(
    host: Annotated[str | None, typer.Option(help="default: VSM_HOST")] = None,
    port: Annotated[int | None, typer.Option(help="default: VSM_PORT")] = None,
    workers: Annotated[int | None, typer.Option(help="default: VSM_WORKERS")] = None,
) -> None:
    """Serve the API with granian (a Rust ASGI server)."""
    from granian.constants import Interfaces
    from granian.log import LogLevels
    from granian.server import Server

    settings = load_settings()
    address, number = host or settings.host, port or settings.port
    _require_free_port(address, number)
    require_ready(settings)
    _import_before_fork(APP_MODULE)
    Server(
        f"{APP_MODULE}:create_app_from_env",
        address=address,
        port=number,
        interface=Interfaces.ASGI,
        workers=workers or settings.workers,
        factory=True,
        log_level=LogLevels(settings.log_level),
    ).serve()


def _import_before_fork(module: str) -> None:
    """Where workers are spawned (a fresh interpreter each), importing here would only add
    to the start, so this does nothing there."""
    if multiprocessing.get_start_method() != "fork":
        return
    gc.disable()
    try:
        importlib.import_module(module)
    finally:
        gc.freeze()
        gc.enable()


def _require_free_port(host: str, port: int) -> None:
    """Refuse a port another process listens on.

    granian binds with SO_REUSEPORT, so on a taken port it would not fail: it would share
    the port with the other server (perhaps an older version, or one on another
    database), and the kernel would spread connections over both. A probe bound without
    that option fails on a port anyone listens on, which is the answer wanted here.
    """
    try:
        family, kind, proto, _name, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
    except socket.gaierror as exc:
        raise fail(f"cannot listen on {host}:{port}: {exc.strerror}", FAILED) from exc
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise fail(
                    f"port {port} on {host} is already in use by another process: stop it, "
                    "or serve on another port with --port or VSM_PORT",
                    FAILED,
                ) from exc
            raise fail(f"cannot listen on {host}:{port}: {exc.strerror}", FAILED) from exc
