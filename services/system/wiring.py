"""The wiring of the System process: node registry, resources, platform
configuration, metrics, `/config`, the docs, and the events routes with
their retention housekeeping. Node 0 is registered before
the server serves; the heartbeat and the live platform configuration run
beside it."""

from __future__ import annotations

import os
import signal
from collections.abc import Awaitable, Callable
from functools import partial

from services.auth.edge_events import edge_events_handler
from services.common.health import serving
from services.common.server import Built, Registration
from services.common.settings import SERVICE_NAMES, Settings
from services.db.engine import make_engine
from services.events.follow import EventFeed
from services.events.store import EventStore
from services.system.domain import SystemDomain
from services.system.events import EventsDomain
from services.system.events_servicer import EventsServicer
from services.system.live import LiveConfig
from services.system.repository import SystemRepository
from services.system.servicer import SystemServicer
from vigil.events.v1 import events_service_pb2_grpc
from vigil.system.v1 import system_service_pb2_grpc


def service_checks(settings: Settings) -> dict[str, Callable[[], Awaitable[bool]]]:
    """A health probe per platform service, through its gRPC health stub."""
    return {name: partial(serving, settings.grpc_target(name)) for name in SERVICE_NAMES if name != "system"}


def supervisor_restart(settings: Settings) -> Callable[[], None] | None:
    """Ask `vigil run` (our parent, named in VIGIL_SUPERVISOR_PID) to restart
    the services; None when no supervisor runs us."""
    if settings.supervisor_pid <= 0:
        return None
    return partial(os.kill, settings.supervisor_pid, signal.SIGHUP)


def build(settings: Settings) -> Built:
    engine = make_engine(settings.sqlalchemy_url)
    repo = SystemRepository(engine)
    store = EventStore(engine, settings.data_dir)
    domain = SystemDomain(
        settings.system,
        repo,
        service_checks(settings),
        LiveConfig(settings.data_dir, settings.envoy_admin_port),
        data_dir=settings.data_dir,
        default_log_level=settings.log_level,
        multiprocess_metrics=bool(settings.prometheus_multiproc_dir),
        events=store,
        worker_lease_seconds=settings.engine.lease_seconds,
    )
    events = EventsDomain(
        store,
        EventFeed(store, settings.events.follow_poll_seconds),
        repo.stream_exists,
        domain.retention,
        housekeeping_seconds=settings.events.housekeeping_seconds,
    )
    servicer = SystemServicer(settings, domain, supervisor_restart(settings))
    return Built(
        registrations=[
            Registration(
                servicer, system_service_pb2_grpc.add_SystemServiceServicer_to_server, "vigil.system.v1.SystemService"
            ),
            Registration(
                EventsServicer(events, settings.events.follow_keepalive_seconds),
                events_service_pb2_grpc.add_EventsServiceServicer_to_server,
                "vigil.events.v1.EventsService",
            ),
        ],
        start=domain.register_local_node,
        background=[domain.heartbeat_forever, domain.apply_platform_config_forever, events.housekeeping_forever],
        handlers=[edge_events_handler()],
    )
