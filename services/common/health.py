"""The one health probe of the platform: is a gRPC server SERVING on the
standard health service? Used by the supervisor (waiting for a start), the
System service (`/healthcheck?include_luna_services=1`) and the tests'
platform launcher."""

from __future__ import annotations

import asyncio

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc


async def serving(target: str, wait: float = 2.0) -> bool:
    """True when the gRPC server at `target` answers SERVING within `wait` seconds."""
    async with grpc.aio.insecure_channel(target) as channel:
        try:
            reply = await health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=wait)
        except grpc.aio.AioRpcError:
            return False
        return bool(reply.status == health_pb2.HealthCheckResponse.SERVING)


async def wait_serving(target: str, deadline: float, interval: float = 0.2) -> None:
    """Wait until the server at `target` is SERVING; TimeoutError once the
    event loop's clock passes `deadline`."""
    loop = asyncio.get_running_loop()
    while not await serving(target, wait=1):
        if loop.time() > deadline:
            raise TimeoutError(f"{target} is not SERVING")
        await asyncio.sleep(interval)
