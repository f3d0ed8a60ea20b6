"""Run one gRPC microservice: interceptors, health, reflection, graceful stop.

Every Vigil process calls `serve()` from its `__main__` after wiring its
dependencies. The server registers the standard health service (every
service SERVING once started, NOT_SERVING on SIGTERM before the graceful
stop) and reflection, so `grpcurl list`, `describe` and health probes work
without proto files.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass
from typing import Any

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

from services.common.interceptors import ErrorInterceptor
from services.common.settings import Settings

log = logging.getLogger(__name__)

#: Large enough for a 64 MiB upload chunk; upload bodies stream in chunks.
MAX_MESSAGE_BYTES = 80 * 1024 * 1024
#: Room for the JSON body copy the edge forwards as metadata (envoy/vigil.lua).
MAX_METADATA_BYTES = 128 * 1024


@dataclass(frozen=True)
class Registration:
    """A servicer and the generated function that adds it to a server."""

    servicer: Any
    add_to_server: Callable[[Any, grpc.aio.Server], None]
    service_name: str


def base_registration(pb2_module: Any, grpc_module: Any, service: str) -> Registration:
    """Register grpcio-tools' base servicer of `service`: every method answers
    UNIMPLEMENTED (HTTP 501 through the edge) until its issue builds it."""
    full_name = pb2_module.DESCRIPTOR.services_by_name[service].full_name
    return Registration(
        getattr(grpc_module, f"{service}Servicer")(),
        getattr(grpc_module, f"add_{service}Servicer_to_server"),
        full_name,
    )


def run_service(service: str, build: Callable[[Settings], Sequence[Registration]]) -> None:
    """The `__main__` of a process: settings, logging, wiring, serve."""
    settings = Settings()
    configure_logging(settings)
    asyncio.run(serve(settings, service, build(settings)))


def configure_logging(settings: Settings) -> None:
    """One log format for every process."""
    logging.basicConfig(
        level=settings.log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )


async def build_server(
    registrations: Sequence[Registration], address: str, options: Sequence[tuple[str, Any]] = ()
) -> tuple[grpc.aio.Server, Any, int]:
    """Create and start a server; returns it, its health servicer and its port.
    `options` are extra gRPC channel arguments for this server."""
    server = grpc.aio.server(
        interceptors=[ErrorInterceptor()],
        options=[
            ("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
            ("grpc.max_send_message_length", MAX_MESSAGE_BYTES),
            # The edge copies JSON bodies up to 64 KiB into metadata (base64,
            # ~88 KiB); gRPC's defaults (8 KiB soft, 16 KiB hard) refuse them.
            ("grpc.max_metadata_size", MAX_METADATA_BYTES),
            ("grpc.absolute_max_metadata_size", MAX_METADATA_BYTES),
            *options,
        ],
    )
    health_servicer = health.aio.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    for reg in registrations:
        reg.add_to_server(reg.servicer, server)
    names = [reg.service_name for reg in registrations]
    reflection.enable_server_reflection([*names, health.SERVICE_NAME, reflection.SERVICE_NAME], server)
    port = server.add_insecure_port(address)
    if port == 0:
        raise RuntimeError(f"cannot listen on {address}")
    await server.start()
    for name in ["", *names]:
        await health_servicer.set(name, health_pb2.HealthCheckResponse.SERVING)
    return server, health_servicer, port


async def serve(
    settings: Settings,
    service: str,
    registrations: Sequence[Registration],
    *,
    background: Sequence[Callable[[], Coroutine[Any, Any, None]]] = (),
    on_stop: Callable[[], Coroutine[Any, Any, None]] | None = None,
    options: Sequence[tuple[str, Any]] = (),
) -> None:
    """Serve until SIGTERM or SIGINT, then go NOT_SERVING and stop gracefully.
    `options` are extra gRPC channel arguments (see build_server)."""
    address = settings.grpc_target(service)
    server, health_servicer, _ = await build_server(registrations, address, options)
    log.info("%s serving on %s", service, address)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    tasks: list[asyncio.Task[None]] = [asyncio.create_task(job()) for job in background]
    await stop.wait()
    log.info("%s stopping: NOT_SERVING, then a %.1fs grace period", service, settings.grace_seconds)
    await health_servicer.enter_graceful_shutdown()
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    await server.stop(settings.grace_seconds)
    if on_stop is not None:
        await on_stop()
    log.info("%s stopped", service)
