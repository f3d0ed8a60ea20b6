"""The supervisor restarts a gRPC service that dies, up to
VIGIL_SERVICE_RESTARTS times a minute; past that the platform stops."""

from __future__ import annotations

import signal
import time
from pathlib import Path

import grpc
import psutil
import requests
from grpc_health.v1 import health_pb2, health_pb2_grpc

from services.platform.launcher import start_platform
from tests.conftest import free_port, fresh_database


def service(platform, name: str) -> psutil.Process | None:
    for child in psutil.Process(platform.process.pid).children(recursive=True):
        try:
            if f"services.{name}" in " ".join(child.cmdline()):
                return child
        except psutil.NoSuchProcess:
            continue
    return None


def serving(target: str) -> bool:
    try:
        with grpc.insecure_channel(target) as channel:
            reply = health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=1)
            return bool(reply.status == health_pb2.HealthCheckResponse.SERVING)
    except grpc.RpcError:
        return False


def test_restart_then_stop_past_the_limit(tmp_path: Path) -> None:
    with fresh_database("sqlite", tmp_path) as url:
        platform = start_platform(url, tmp_path, free_port, {"VIGIL_SERVICE_RESTARTS": "1"})
        try:
            first = service(platform, "pipelines")
            assert first is not None
            first.send_signal(signal.SIGKILL)
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                again = service(platform, "pipelines")
                if again is not None and again.pid != first.pid and serving(platform.grpc_target("pipelines")):
                    break
                time.sleep(0.2)
            else:
                raise AssertionError("pipelines was not restarted")
            while "pipelines serving again" not in platform.log.read_text() and time.monotonic() < deadline:
                time.sleep(0.2)
            assert platform.process.poll() is None
            assert requests.get(platform.url("/")).status_code == 200
            # A second death within the minute is one more than allowed.
            again.send_signal(signal.SIGKILL)
            assert platform.process.wait(60) == 1
            assert "restarted 1 times within a minute" in platform.log.read_text()
        finally:
            platform.stop()
