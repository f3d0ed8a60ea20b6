"""Run one gRPC microservice: interceptors, health, reflection, graceful stop.

Every Vigil process is built the same way: `services/<name>/wiring.py` has
`build(settings) -> Built` (its servicers, the jobs it runs beside the
server, what it does before serving and after stopping), and its `__main__`
calls `run(<name>, build)`. Tests serve the same `Built` on their own
servers (`build_server`). The server registers the standard health service (every
service SERVING once started, NOT_SERVING on SIGTERM before the graceful
stop) and reflection, both `grpc.reflection.v1` (what current grpcurl,
Postman and grpcui ask for first) and `grpc.reflection.v1alpha`, so
`grpcurl list`, `describe` and health probes work without proto files.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import os
import signal
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc
from google.protobuf import descriptor_pb2, descriptor_pool
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection, reflection_pb2

from services.common.interceptors import ErrorInterceptor
from services.common.settings import Settings, load_settings

log = logging.getLogger(__name__)

#: Large enough for a 64 MiB upload chunk; upload bodies stream in chunks.
MAX_MESSAGE_BYTES = 80 * 1024 * 1024
#: Room for the JSON body copy the edge forwards as metadata (envoy/vigil.lua):
#: a body up to the edge's largest JSON limit (`edge_max_json_bytes`, plus one
#: preview frame on the LUNA feedback routes), in base64.
MAX_METADATA_BYTES = 48 * 1024 * 1024


#: The current reflection service. grpcio-reflection ships only v1alpha; v1
#: is the same protocol (the same messages, field for field) in a new package.
REFLECTION_V1 = "grpc.reflection.v1.ServerReflection"


def _register_reflection_v1_descriptor() -> None:
    """Put `grpc/reflection/v1/reflection.proto` in the default pool, made
    from v1alpha's file with the package renamed, so reflection describes
    the v1 service like any other (`grpcurl describe grpc.reflection.v1...`)."""
    pool = descriptor_pool.Default()
    name = "grpc/reflection/v1/reflection.proto"
    try:
        pool.FindFileByName(name)
        return
    except KeyError:
        pass
    proto = descriptor_pb2.FileDescriptorProto()
    reflection_pb2.DESCRIPTOR.CopyToProto(proto)
    old = f".{proto.package}."
    proto.name, proto.package = name, "grpc.reflection.v1"
    proto.options.Clear()
    for msg in proto.message_type:
        for field in msg.field:
            if field.HasField("type_name"):
                field.type_name = field.type_name.replace(old, ".grpc.reflection.v1.")
    for svc in proto.service:
        for method in svc.method:
            method.input_type = method.input_type.replace(old, ".grpc.reflection.v1.")
            method.output_type = method.output_type.replace(old, ".grpc.reflection.v1.")
    pool.Add(proto)


def enable_reflection(server: grpc.aio.Server, service_names: Sequence[str]) -> None:
    """Serve reflection v1 and v1alpha, listing `service_names` and both
    reflection services. The two answer from one servicer: their messages
    are the same on the wire."""
    _register_reflection_v1_descriptor()
    names = [*service_names, REFLECTION_V1, reflection.SERVICE_NAME]
    servicer = reflection.aio.ReflectionServicer(names)
    reflection.enable_server_reflection(names, server)
    v1 = grpc.method_handlers_generic_handler(
        REFLECTION_V1,
        {
            "ServerReflectionInfo": grpc.stream_stream_rpc_method_handler(
                servicer.ServerReflectionInfo,
                request_deserializer=reflection_pb2.ServerReflectionRequest.FromString,
                response_serializer=reflection_pb2.ServerReflectionResponse.SerializeToString,
            )
        },
    )
    server.add_generic_rpc_handlers((v1,))


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


Job = Callable[[], Coroutine[Any, Any, None]]


@dataclass(kw_only=True)
class Built:
    """One service process, wired: what it serves, the jobs it runs beside
    the server (cancelled on stop), what it does before it serves (recovery,
    loading models) and after its server stopped (closing what it opened),
    and extra gRPC server options."""

    registrations: list[Registration]
    background: list[Job] = dataclasses.field(default_factory=list)
    start: Job | None = None
    stop: Job | None = None
    options: Sequence[tuple[str, Any]] = ()
    #: Server interceptors that run inside the error interceptor (credential
    #: checks), and generic handlers outside the contract (the edge's reports).
    interceptors: Sequence[grpc.aio.ServerInterceptor] = ()
    handlers: Sequence[grpc.GenericRpcHandler] = ()


def run(service: str, build: Callable[[Settings], Built]) -> None:
    """The whole `__main__` of a service process: settings (a bad or unknown
    `VIGIL_*` variable stops it here, named), logging, wiring, serving."""
    settings = load_settings(service)
    configure_logging(settings)
    asyncio.run(serve(settings, service, build(settings)))


def configure_logging(settings: Settings) -> None:
    """One log format for every process."""
    logging.basicConfig(
        level=settings.log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )


#: How often a service looks for a new log level (`POST /config/platform`).
LOG_LEVEL_POLL_SECONDS = 1.0


def log_level_path(data_dir: Path) -> Path:
    """The file holding the platform's stored log level, written by the
    System service when `POST /config/platform` changes it (and at its start)
    and followed by every service, so a change needs no restart."""
    return data_dir / "run" / "log_level"


def write_log_level(data_dir: Path, level: str) -> None:
    """Publish `level` to every service (atomically: write, then rename)."""
    path = log_level_path(data_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists() and path.read_text().strip() == level:
        return
    temporary = path.with_name(f".log_level.{os.getpid()}")
    temporary.write_text(level + "\n")
    temporary.replace(path)


async def follow_log_level(data_dir: Path, service: str, interval: float = LOG_LEVEL_POLL_SECONDS) -> None:
    """Keep this process's log level equal to the published one. Until a
    level is published, VIGIL_LOG_LEVEL holds."""
    path = log_level_path(data_dir)
    seen: tuple[int, int] | None = None
    while True:
        try:
            stat = await asyncio.to_thread(path.stat)
            if (stat.st_mtime_ns, stat.st_ino) != seen:
                seen = (stat.st_mtime_ns, stat.st_ino)
                level = (await asyncio.to_thread(path.read_text)).strip().upper()
                root = logging.getLogger()
                if level in ("DEBUG", "INFO", "WARNING", "ERROR") and logging.getLevelName(root.level) != level:
                    # Said as a warning under the more verbose of the two
                    # levels, so that it shows whichever way the level goes.
                    more_verbose = logging.getLevelName(level) < root.level
                    if more_verbose:
                        root.setLevel(level)
                    log.warning("%s: log level is now %s", service, level)
                    root.setLevel(level)
        except FileNotFoundError:
            seen = None
        except OSError as exc:
            log.debug("cannot read %s: %s", path, exc)
        await asyncio.sleep(interval)


async def build_server(
    registrations: Sequence[Registration],
    address: str,
    options: Sequence[tuple[str, Any]] = (),
    *,
    interceptors: Sequence[grpc.aio.ServerInterceptor] = (),
    handlers: Sequence[grpc.GenericRpcHandler] = (),
) -> tuple[grpc.aio.Server, Any, int]:
    """Create and start a server; returns it, its health servicer and its port.
    `options` are extra gRPC channel arguments for this server; `interceptors`
    run inside the error interceptor (what they raise is rendered like any
    error); `handlers` are generic handlers outside the contract."""
    names = [reg.service_name for reg in registrations]
    server = grpc.aio.server(
        interceptors=[ErrorInterceptor(names), *interceptors],
        options=[
            ("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
            ("grpc.max_send_message_length", MAX_MESSAGE_BYTES),
            # The edge copies whole JSON bodies into metadata (base64); gRPC's
            # defaults (8 KiB soft, 16 KiB hard) refuse any but the smallest.
            ("grpc.max_metadata_size", MAX_METADATA_BYTES),
            ("grpc.absolute_max_metadata_size", MAX_METADATA_BYTES),
            *options,
        ],
    )
    health_servicer = health.aio.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    for reg in registrations:
        reg.add_to_server(reg.servicer, server)
    if handlers:
        server.add_generic_rpc_handlers(tuple(handlers))
    enable_reflection(server, [*names, health.SERVICE_NAME])
    port = server.add_insecure_port(address)
    if port == 0:
        raise RuntimeError(f"cannot listen on {address}")
    await server.start()
    for name in ["", *names]:
        await health_servicer.set(name, health_pb2.HealthCheckResponse.SERVING)
    return server, health_servicer, port


async def serve(settings: Settings, service: str, built: Built) -> None:
    """Run `built.start`, then serve until SIGTERM or SIGINT, then go
    NOT_SERVING and stop gracefully; `built.stop` runs last, also when
    starting failed."""
    try:
        if built.start is not None:
            await built.start()
        await _serve(settings, service, built)
    finally:
        if built.stop is not None:
            await built.stop()


async def _serve(settings: Settings, service: str, built: Built) -> None:
    address = settings.grpc_target(service)
    server, health_servicer, _ = await build_server(
        built.registrations, address, built.options, interceptors=built.interceptors, handlers=built.handlers
    )
    log.info("%s serving on %s", service, address)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    tasks: list[asyncio.Task[None]] = [asyncio.create_task(job()) for job in built.background]
    tasks.append(asyncio.create_task(follow_log_level(settings.data_dir, service)))
    await stop.wait()
    log.info("%s stopping: NOT_SERVING, then a %.1fs grace period", service, settings.grace_seconds)
    await health_servicer.enter_graceful_shutdown()
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    await server.stop(settings.grace_seconds)
    log.info("%s stopped", service)
