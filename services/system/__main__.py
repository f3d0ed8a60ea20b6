"""`python -m services.system`: the System process."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
from collections.abc import Awaitable, Callable
from functools import partial

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from services.auth.edge_events import edge_events_handler
from services.common.server import Registration, configure_logging, serve
from services.common.settings import SERVICE_NAMES, Settings
from services.db.engine import make_engine
from services.system.domain import SystemDomain
from services.system.live import LiveConfig
from services.system.repository import SystemRepository
from services.system.servicer import SystemServicer
from vigil.system.v1 import system_service_pb2_grpc

log = logging.getLogger(__name__)


async def _serving(target: str) -> bool:
    """True when the gRPC server at `target` reports SERVING."""
    async with grpc.aio.insecure_channel(target) as channel:
        try:
            reply = await health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=2)
        except grpc.aio.AioRpcError:
            return False
        return bool(reply.status == health_pb2.HealthCheckResponse.SERVING)


def service_checks(settings: Settings) -> dict[str, Callable[[], Awaitable[bool]]]:
    """A health probe per platform service, through its gRPC health stub."""
    return {name: partial(_serving, settings.grpc_target(name)) for name in SERVICE_NAMES if name != "system"}


def supervisor_restart(settings: Settings) -> Callable[[], None] | None:
    """Ask `vigil run` (our parent, named in VIGIL_SUPERVISOR_PID) to restart
    the services; None when no supervisor runs us."""
    if settings.supervisor_pid <= 0:
        return None
    return partial(os.kill, settings.supervisor_pid, signal.SIGHUP)


def main() -> None:
    settings = Settings()
    configure_logging(settings)
    engine = make_engine(settings.sqlalchemy_url)
    domain = SystemDomain(settings, SystemRepository(engine), service_checks(settings), LiveConfig(settings))
    servicer = SystemServicer(settings, domain, supervisor_restart(settings))

    async def run() -> None:
        await domain.register_local_node()
        await serve(
            settings,
            "system",
            [
                Registration(
                    servicer,
                    system_service_pb2_grpc.add_SystemServiceServicer_to_server,
                    "vigil.system.v1.SystemService",
                )
            ],
            background=[domain.heartbeat_forever, domain.apply_platform_config_forever],
            handlers=[edge_events_handler()],
        )

    asyncio.run(run())


if __name__ == "__main__":
    main()
