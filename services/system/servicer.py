"""The System service's gRPC face: protobuf in, domain calls, protobuf out."""

from __future__ import annotations

import asyncio
from typing import Any

import grpc
from google.api import httpbody_pb2

from services.common.errors import InvalidArgument, Unimplemented, UnsupportedMediaType
from services.common.interceptors import HTTP_STATUS_KEY
from services.common.settings import Settings
from services.system import console, manual, openapi
from services.system.accept import accept_header, negotiate
from services.system.domain import SystemDomain, version_triple
from vigil.system.v1 import system_pb2, system_service_pb2_grpc
from vigil.system.v1 import system_service_pb2 as pb


def _resource_data(view: Any) -> system_pb2.ResourceData:
    return system_pb2.ResourceData(
        cpu_percent=view.cpu_percent,
        ram_percent=view.ram_percent,
        swap_memory_percent=view.swap_percent,
        gpus=[
            system_pb2.Gpu(
                gpu_id=g.index,
                gpu_name=g.name,
                gpu_utilization=g.utilization,
                gpu_temperature=g.temperature,
                gpu_memory_total=g.memory_total,
                gpu_memory_used=g.memory_used,
                gpu_memory_free=g.memory_free,
            )
            for g in view.gpus
        ],
        services=[system_pb2.GpuService(service_name=name, service_number=number) for name, number in view.services],
    )


class SystemServicer(system_service_pb2_grpc.SystemServiceServicer):
    """Visionaire4 system and platform routes, LUNA service routes."""

    def __init__(self, settings: Settings, domain: SystemDomain, restart: Any = None) -> None:
        self._settings = settings
        self._domain = domain
        self._restart = restart

    async def GetSystemInfo(self, request: pb.GetSystemInfoRequest, context: grpc.aio.ServicerContext) -> Any:
        major, minor, patch = version_triple()
        return pb.GetSystemInfoResponse(
            name="Vigil",
            version=system_pb2.Version(major=major, minor=minor, patch=patch),
            deployment_key=self._settings.system.deployment_key,
        )

    async def GetNodeStatus(self, request: pb.GetNodeStatusRequest, context: grpc.aio.ServicerContext) -> Any:
        nodes = await self._domain.nodes()
        return pb.GetNodeStatusResponse(
            node_number=len(nodes),
            nodes=[
                system_pb2.Node(
                    node_num=n.node_num,
                    status=n.status,
                    running_time_sec=n.running_time_sec,
                    ip_address=n.ip_address,
                    run_mode=n.run_mode,
                    workers=[
                        system_pb2.EngineWorker(
                            worker_id=w.worker_id,
                            status=w.status,
                            work_held=w.work_held,
                            running_time_sec=w.running_time_sec,
                            last_heartbeat_sec=w.last_heartbeat_sec,
                        )
                        for w in n.workers
                    ],
                )
                for n in nodes
            ],
        )

    async def GetResourceStats(self, request: pb.GetResourceStatsRequest, context: grpc.aio.ServicerContext) -> Any:
        views = await self._domain.resources()
        return pb.GetResourceStatsResponse(
            devices=[system_pb2.DeviceStats(node_num=v.node_num, data=_resource_data(v)) for v in views]
        )

    async def GetResourceStatsV2(self, request: pb.GetResourceStatsV2Request, context: grpc.aio.ServicerContext) -> Any:
        views = await self._domain.resources()
        return pb.GetResourceStatsV2Response(
            devices=[
                system_pb2.DeviceStatsV2(node_num=v.node_num, ip_address=v.ip_address, data=_resource_data(v))
                for v in views
            ]
        )

    async def RestartSystem(self, request: pb.RestartSystemRequest, context: grpc.aio.ServicerContext) -> Any:
        if self._restart is None:
            raise Unimplemented("restart needs the platform supervisor (`vigil run`)")
        # Answer first; the supervisor restarts the services a moment later.
        asyncio.get_running_loop().call_later(0.5, self._restart)
        return pb.RestartSystemResponse(code=200, message="System restart initiated")

    async def GetMetrics(self, request: pb.GetMetricsRequest, context: grpc.aio.ServicerContext) -> Any:
        text = await asyncio.to_thread(self._domain.metrics_text)
        return httpbody_pb2.HttpBody(content_type="text/plain; version=0.0.4; charset=utf-8", data=text)

    async def GetPlatformConfig(self, request: pb.GetPlatformConfigRequest, context: grpc.aio.ServicerContext) -> Any:
        config = await self._domain.platform_config()
        return pb.GetPlatformConfigResponse(code=200, message="success", config=system_pb2.PlatformConfig(**config))

    async def UpdatePlatformConfig(
        self, request: pb.UpdatePlatformConfigRequest, context: grpc.aio.ServicerContext
    ) -> Any:
        config = await self._domain.set_platform_config(
            {
                "max_streams_per_node": request.max_streams_per_node,
                "event_retention_days": request.event_retention_days,
                "enable_cors": request.enable_cors,
                "log_level": request.log_level,
            }
        )
        return pb.UpdatePlatformConfigResponse(code=200, message="success", config=system_pb2.PlatformConfig(**config))

    async def GetDatabaseStats(self, request: pb.GetDatabaseStatsRequest, context: grpc.aio.ServicerContext) -> Any:
        stats = await self._domain.database_stats()
        return pb.GetDatabaseStatsResponse(
            code=200,
            message="success",
            total_size_bytes=stats["total"],
            used_size_bytes=stats["used"],
            free_size_bytes=stats["free"],
            event_count=stats["events"],
        )

    async def GetDatabaseConfig(self, request: pb.GetDatabaseConfigRequest, context: grpc.aio.ServicerContext) -> Any:
        config = await self._domain.database_config()
        return pb.GetDatabaseConfigResponse(code=200, message="success", config=system_pb2.DatabaseConfig(**config))

    async def UpdateDatabaseConfig(
        self, request: pb.UpdateDatabaseConfigRequest, context: grpc.aio.ServicerContext
    ) -> Any:
        changes = {f: getattr(request, f) for f in ("retention_days", "max_events_per_stream") if request.HasField(f)}
        config = await self._domain.update_database_config(changes)
        return pb.UpdateDatabaseConfigResponse(code=200, message="success", config=system_pb2.DatabaseConfig(**config))

    async def GetCheckin(self, request: pb.GetCheckinRequest, context: grpc.aio.ServicerContext) -> Any:
        state = await self._domain.checkin()
        return pb.GetCheckinResponse(code=200, message="success", checkin=system_pb2.Checkin(**state))

    async def CreateCheckin(self, request: pb.CreateCheckinRequest, context: grpc.aio.ServicerContext) -> Any:
        if not request.access_key or not request.secret_key:
            raise InvalidArgument("invalid license credentials")
        raise Unimplemented("no licence server is configured, so credentials cannot be checked in")

    async def DeleteCheckin(self, request: pb.DeleteCheckinRequest, context: grpc.aio.ServicerContext) -> Any:
        await self._domain.clear_checkin()
        return pb.DeleteCheckinResponse(code=200, message="checkin credentials cleared")

    async def GetVersion(self, request: pb.GetVersionRequest, context: grpc.aio.ServicerContext) -> Any:
        major, minor, patch = version_triple()
        return pb.GetVersionResponse(Version=system_pb2.LunaVersion(api=1, major=major, minor=minor, patch=patch))

    async def GetHealthcheck(self, request: pb.GetHealthcheckRequest, context: grpc.aio.ServicerContext) -> Any:
        if request.include_luna_services not in (0, 1):
            raise InvalidArgument("include_luna_services must be 0 or 1")
        took = await self._domain.healthcheck(bool(request.include_luna_services))
        return pb.GetHealthcheckResponse(execution_time=took)

    async def GetConfig(self, request: pb.GetConfigRequest, context: grpc.aio.ServicerContext) -> Any:
        sections = self._settings.masked()
        if negotiate(accept_header(context), ("application/json", "text/plain")) == "text/plain":
            return httpbody_pb2.HttpBody(
                content_type="text/plain; charset=utf-8", data=manual.config_text(sections).encode()
            )
        return httpbody_pb2.HttpBody(content_type="application/json", data=manual.config_json(sections))

    async def ListPlugins(self, request: pb.ListPluginsRequest, context: grpc.aio.ServicerContext) -> Any:
        return pb.ListPluginsResponse(plugins=[])  # the platform loads no plugins

    async def GetDocsSpec(self, request: pb.GetDocsSpecRequest, context: grpc.aio.ServicerContext) -> Any:
        kind = negotiate(accept_header(context), ("application/x-yaml", "text/html"))
        if kind == "application/x-yaml":
            return httpbody_pb2.HttpBody(content_type="application/x-yaml", data=openapi.spec_yaml().encode())
        if kind == "text/html":
            return httpbody_pb2.HttpBody(content_type="text/html; charset=utf-8", data=openapi.spec_html().encode())
        raise UnsupportedMediaType("Accept must be application/x-yaml or text/html")

    async def GetDocsDev(self, request: pb.GetDocsDevRequest, context: grpc.aio.ServicerContext) -> Any:
        await context.send_initial_metadata(((HTTP_STATUS_KEY, "302"), ("location", manual.INDEX)))
        return httpbody_pb2.HttpBody(content_type="text/html; charset=utf-8", data=manual.redirect_page())

    async def GetDocsDevPage(self, request: pb.GetDocsDevPageRequest, context: grpc.aio.ServicerContext) -> Any:
        return httpbody_pb2.HttpBody(content_type="text/html; charset=utf-8", data=manual.page(request.page))

    async def GetConsoleFile(self, request: pb.GetConsoleFileRequest, context: grpc.aio.ServicerContext) -> Any:
        content_type, data = await asyncio.to_thread(console.console_file, request.path)
        return httpbody_pb2.HttpBody(content_type=content_type, data=data)
