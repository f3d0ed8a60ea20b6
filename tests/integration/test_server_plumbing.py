"""What every Vigil server has: reflection, health, UNIMPLEMENTED for what is
not built yet, INTERNAL without leaking details, NOT_SERVING before a
graceful stop."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import grpc
import pytest
from google.protobuf import descriptor_pool
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha.proto_reflection_descriptor_database import ProtoReflectionDescriptorDatabase

from services.common.server import Registration, base_registration
from tests.conftest import ROOT, free_port
from vigil.pipelines.v1 import pipelines_service_pb2 as pipelines_pb
from vigil.pipelines.v1 import pipelines_service_pb2_grpc as pipelines_grpc
from vigil.system.v1 import system_service_pb2 as pb
from vigil.system.v1 import system_service_pb2_grpc


def test_reflection_lists_and_describes_services(aio_server) -> None:
    server = aio_server(lambda: [base_registration(pipelines_pb, pipelines_grpc, "PipelinesService")])
    database = ProtoReflectionDescriptorDatabase(server.channel)
    names = set(database.get_services())
    assert {"vigil.pipelines.v1.PipelinesService", "grpc.health.v1.Health"} <= names
    pool = descriptor_pool.DescriptorPool(database)
    service = pool.FindServiceByName("vigil.pipelines.v1.PipelinesService")
    assert "GetPipeline" in [m.name for m in service.methods]


def test_health_reports_every_service(aio_server) -> None:
    server = aio_server(lambda: [base_registration(pipelines_pb, pipelines_grpc, "PipelinesService")])
    stub = health_pb2_grpc.HealthStub(server.channel)
    for name in ("", "vigil.pipelines.v1.PipelinesService"):
        reply = stub.Check(health_pb2.HealthCheckRequest(service=name))
        assert reply.status == health_pb2.HealthCheckResponse.SERVING


def test_unbuilt_method_is_unimplemented(aio_server) -> None:
    server = aio_server(lambda: [base_registration(pipelines_pb, pipelines_grpc, "PipelinesService")])
    with pytest.raises(grpc.RpcError) as err:
        pipelines_grpc.PipelinesServiceStub(server.channel).GetPipeline(pipelines_pb.GetPipelineRequest())
    assert err.value.code() == grpc.StatusCode.UNIMPLEMENTED
    assert dict(err.value.trailing_metadata())["vigil-http-status"] == "501"


class _Broken(system_service_pb2_grpc.SystemServiceServicer):
    async def GetSystemInfo(self, request, context):
        raise RuntimeError("secret path /etc/vigil leaked")


def test_unexpected_exception_is_internal_without_details(aio_server) -> None:
    server = aio_server(
        lambda: [
            Registration(
                _Broken(), system_service_pb2_grpc.add_SystemServiceServicer_to_server, "vigil.system.v1.SystemService"
            )
        ]
    )
    with pytest.raises(grpc.RpcError) as err:
        system_service_pb2_grpc.SystemServiceStub(server.channel).GetSystemInfo(pb.GetSystemInfoRequest())
    assert err.value.code() == grpc.StatusCode.INTERNAL
    assert "secret" not in (err.value.details() or "")


def test_sigterm_goes_not_serving_then_stops(tmp_path) -> None:
    port = free_port()
    env = dict(
        os.environ,
        VIGIL_CATALOG_PORT=str(port),
        VIGIL_GRACE_SECONDS="1",
        VIGIL_DATA_DIR=str(tmp_path),
        VIGIL_ENV_FILE=str(tmp_path / "none.env"),
    )
    proc = subprocess.Popen([sys.executable, "-m", "services.catalog"], cwd=ROOT, env=env)
    try:
        channel = grpc.insecure_channel(f"127.0.0.1:{port}")
        grpc.channel_ready_future(channel).result(timeout=30)
        stub = health_pb2_grpc.HealthStub(channel)
        watch = stub.Watch(health_pb2.HealthCheckRequest(service=""), timeout=30)
        assert next(watch).status == health_pb2.HealthCheckResponse.SERVING
        time.sleep(0.2)
        proc.send_signal(signal.SIGTERM)
        assert next(watch).status == health_pb2.HealthCheckResponse.NOT_SERVING
        assert proc.wait(30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
