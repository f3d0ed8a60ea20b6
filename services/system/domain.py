"""System rules: the node registry, resource use, stored configuration,
health of the platform and its metrics."""

from __future__ import annotations

import asyncio
import logging
import shutil
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import psutil
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import REGISTRY, Collector

from services.common import hardware
from services.common.errors import InvalidArgument, Unavailable
from services.common.settings import SystemSettings
from services.db.models import as_utc, utcnow
from services.events.retention import Retention
from services.events.store import EventStore
from services.system.live import LiveConfig
from services.system.repository import SystemRepository

log = logging.getLogger(__name__)

LOCAL_NODE = 0
LOG_LEVELS = ("debug", "info", "warning", "error")
PLATFORM_DEFAULTS: dict[str, Any] = {
    "max_streams_per_node": 16,
    "event_retention_days": 30,
    "enable_cors": True,
    "log_level": "info",
}
DATABASE_DEFAULTS: dict[str, Any] = {"retention_days": 30, "max_events_per_stream": 100000}


def version_triple() -> tuple[int, int, int]:
    """The installed package's version as (major, minor, patch)."""
    parts = [int(p) if p.isdigit() else 0 for p in metadata.version("vigil").split(".")[:3]]
    major, minor, patch = [*parts, 0, 0, 0][:3]
    return major, minor, patch


@dataclass(frozen=True)
class NodeView:
    """A registry row with what is derived from it."""

    node_num: int
    status: str
    running_time_sec: float
    ip_address: str
    run_mode: str
    workers: list[WorkerStatus] = field(default_factory=list)


@dataclass(frozen=True)
class WorkerStatus:
    """A stream-engine worker of the registry, as the system routes show it."""

    worker_id: str
    node_num: int
    status: str
    work_held: int
    running_time_sec: float
    last_heartbeat_sec: float


@dataclass(frozen=True)
class ResourceView:
    """Resource use of one node."""

    node_num: int
    ip_address: str
    cpu_percent: float
    ram_percent: float
    swap_percent: float
    gpus: list[hardware.GpuInfo]
    #: (service name, number) of the node's analysis services.
    services: list[tuple[str, int]] = field(default_factory=list)


class _StreamsCollector(Collector):
    """`visionaire_streams_total`, read from the database at scrape time."""

    def __init__(self, repo: SystemRepository) -> None:
        self._repo = repo

    def collect(self) -> Any:
        gauge = GaugeMetricFamily("visionaire_streams_total", "Total streams")
        gauge.add_metric([], float(self._repo.stream_count()))
        yield gauge


class SystemDomain:
    """Everything the system routes answer from."""

    def __init__(
        self,
        settings: SystemSettings,
        repo: SystemRepository,
        service_checks: dict[str, Callable[[], Awaitable[bool]]] | None = None,
        live: LiveConfig | None = None,
        *,
        data_dir: Path = Path("data"),
        default_log_level: str = "info",
        multiprocess_metrics: bool = False,
        events: EventStore | None = None,
        worker_lease_seconds: float = 30.0,
    ) -> None:
        """`default_log_level` holds until a level is stored; with
        `multiprocess_metrics` (`vigil run` set PROMETHEUS_MULTIPROC_DIR)
        `/metrics` adds up the counters of every process."""
        self._settings = settings
        self._data_dir = data_dir
        self._default_log_level = default_log_level
        self._multiprocess_metrics = multiprocess_metrics
        self._repo = repo
        self._events = events
        self._live = live
        self._worker_lease = worker_lease_seconds
        self._service_checks = service_checks or {}
        self._started_at: datetime = utcnow()
        self._ip = settings.node_ip or hardware.primary_ip()
        psutil.cpu_percent(interval=None)  # primes the counter; later calls measure since the last one

    # -- node registry -------------------------------------------------------

    async def register_local_node(self) -> None:
        """Record node 0 with its real address, run mode and start time."""
        mode = await asyncio.to_thread(hardware.run_mode)
        await asyncio.to_thread(self._repo.register_node, LOCAL_NODE, self._ip, mode, self._started_at)

    async def heartbeat_forever(self) -> None:
        """Keep node 0's `last_seen` fresh so the registry shows it online."""
        while True:
            await asyncio.sleep(self._settings.heartbeat_seconds)
            await asyncio.to_thread(self._repo.heartbeat, LOCAL_NODE)

    async def nodes(self) -> list[NodeView]:
        rows = await asyncio.to_thread(self._repo.nodes)
        engine_workers = await self._workers()
        now = utcnow()
        stale = 3 * self._settings.heartbeat_seconds
        return [
            NodeView(
                node_num=row.node_num,
                status="online" if (now - as_utc(row.last_seen)).total_seconds() <= stale else "offline",
                running_time_sec=round((now - as_utc(row.started_at)).total_seconds(), 3),
                ip_address=row.ip_address,
                run_mode=row.run_mode,
                workers=[w for w in engine_workers if w.node_num == row.node_num],
            )
            for row in rows
        ]

    async def _workers(self) -> list[WorkerStatus]:
        """The engine workers of the registry with their status: online
        while they beat within the work lease."""
        rows = await asyncio.to_thread(self._repo.engine_workers)
        now = utcnow()
        out = []
        for row in rows:
            silent = max(0.0, (now - as_utc(row.heartbeat_at)).total_seconds())
            out.append(
                WorkerStatus(
                    worker_id=row.worker_id,
                    node_num=row.node_num,
                    status="online" if silent <= self._worker_lease else "offline",
                    work_held=row.work_held,
                    running_time_sec=round((now - as_utc(row.started_at)).total_seconds(), 3),
                    last_heartbeat_sec=round(silent, 3),
                )
            )
        return out

    async def resources(self) -> list[ResourceView]:
        """This node's CPU, RAM, swap and GPUs (other nodes report their own)."""
        gpus = await asyncio.to_thread(hardware.gpus)
        online = [w for w in await self._workers() if w.node_num == LOCAL_NODE and w.status == "online"]
        return [
            ResourceView(
                node_num=LOCAL_NODE,
                ip_address=self._ip,
                cpu_percent=psutil.cpu_percent(interval=None),
                ram_percent=psutil.virtual_memory().percent,
                swap_percent=psutil.swap_memory().percent,
                gpus=gpus,
                services=[
                    ("vigil::engine_worker", len(online)),
                    ("vigil::analytics_work", sum(w.work_held for w in online)),
                ],
            )
        ]

    # -- stored configuration --------------------------------------------------

    async def _load(self, key: str, defaults: dict[str, Any]) -> dict[str, Any]:
        stored = await asyncio.to_thread(self._repo.get_setting, key) or {}
        return {**defaults, **{k: v for k, v in stored.items() if k in defaults}}

    async def platform_config(self) -> dict[str, Any]:
        # Until a configuration is stored, the log level is VIGIL_LOG_LEVEL's.
        return await self._load("platform", {**PLATFORM_DEFAULTS, "log_level": self._default_log_level.lower()})

    async def apply_platform_config_forever(self) -> None:
        """Keep the stored platform configuration in force: at start (Envoy
        comes up after the services, so until it answers) and after."""
        while True:
            stored = await asyncio.to_thread(self._repo.get_setting, "platform")
            if self._live is not None and stored:
                try:
                    await self._live.apply(await self.platform_config())
                except Exception:
                    log.exception("applying the platform configuration failed")
            await asyncio.sleep(self._settings.heartbeat_seconds)

    async def set_platform_config(self, config: dict[str, Any]) -> dict[str, Any]:
        if config["max_streams_per_node"] < 1 or config["event_retention_days"] < 1:
            raise InvalidArgument("invalid configuration value")
        if config["log_level"] not in LOG_LEVELS:
            raise InvalidArgument("invalid configuration value")
        await asyncio.to_thread(self._repo.put_setting, "platform", config)
        if self._live is not None:
            await self._live.apply(config)
        return config

    async def database_config(self) -> dict[str, Any]:
        return await self._load("database", DATABASE_DEFAULTS)

    async def update_database_config(self, changes: dict[str, int]) -> dict[str, Any]:
        if any(value < 1 for value in changes.values()):
            raise InvalidArgument("invalid configuration value")
        config = {**await self.database_config(), **changes}
        await asyncio.to_thread(self._repo.put_setting, "database", config)
        return config

    async def checkin(self) -> dict[str, str]:
        stored = await asyncio.to_thread(self._repo.get_setting, "checkin")
        if not stored:
            return {
                "status": "inactive",
                "deployment_key": self._settings.deployment_key,
                "last_checkin_at": "",
                "expires_at": "",
            }
        return {
            "status": "active",
            "deployment_key": self._settings.deployment_key,
            "last_checkin_at": str(stored.get("last_checkin_at", "")),
            "expires_at": str(stored.get("expires_at", "")),
        }

    async def clear_checkin(self) -> None:
        await asyncio.to_thread(self._repo.delete_setting, "checkin")

    async def database_stats(self) -> dict[str, float]:
        """The data disk's size and free bytes; the bytes the database and
        the events' thumbnail files use; how many events are stored."""
        disk = await asyncio.to_thread(shutil.disk_usage, self._data_dir)
        used = await asyncio.to_thread(self._repo.database_bytes)
        count, thumbnails = await asyncio.to_thread(self._events.stats) if self._events else (0, 0)
        return {"total": float(disk.total), "used": used + thumbnails, "free": float(disk.free), "events": float(count)}

    async def retention(self) -> Retention:
        """What the stored configuration keeps: the shorter of `retention_days`
        (`/config/database`) and `event_retention_days` (`/config/platform`)."""
        database = await self.database_config()
        platform = await self.platform_config()
        days = min(int(database["retention_days"]), int(platform["event_retention_days"]))
        return Retention(retention_days=days, max_events_per_stream=int(database["max_events_per_stream"]))

    # -- health and metrics ----------------------------------------------------

    async def healthcheck(self, include_services: bool) -> float:
        """Check the database (and the services); return the seconds it took."""
        start = time.perf_counter()
        try:
            await asyncio.to_thread(self._repo.ping)
        except Exception as exc:
            raise Unavailable(f"database check failed: {type(exc).__name__}") from None
        if include_services:
            names = sorted(self._service_checks)
            results = await asyncio.gather(*(self._service_checks[n]() for n in names))
            failed = [n for n, ok in zip(names, results, strict=True) if not ok]
            if failed:
                raise Unavailable(f"services not serving: {', '.join(failed)}")
        return round(time.perf_counter() - start, 6)

    def metrics_text(self) -> bytes:
        """Prometheus text of every process's counters plus the stream total."""
        registry = CollectorRegistry()
        if self._multiprocess_metrics:
            MultiProcessCollector(registry)
            collectors = [registry]
        else:
            collectors = [REGISTRY]
        out = b"".join(generate_latest(r) for r in collectors)
        extra = CollectorRegistry()
        extra.register(_StreamsCollector(self._repo))
        return out + generate_latest(extra)
