"""`python -m services.inference`: the inference process (KServe v2 / Triton gRPC
on `VIGIL_INFERENCE_PORT`, KServe v2 HTTP/REST on `VIGIL_INFERENCE_HTTP_PORT`,
Prometheus metrics on `VIGIL_INFERENCE_METRICS_PORT`), both protocol fronts
over one data plane."""

from __future__ import annotations

import asyncio

from inference import grpc_service_pb2_grpc

from services.common.server import Registration, configure_logging, serve
from services.common.settings import Settings
from services.inference.dataplane import DataPlane
from services.inference.domain import InferenceDomain
from services.inference.metrics import MetricsServer
from services.inference.repository import ModelRepository
from services.inference.rest import RestFront
from services.inference.servicer import InferenceServicer

SERVICE = "inference.GRPCInferenceService"


def main() -> None:
    settings = Settings()
    configure_logging(settings)
    domain = InferenceDomain(
        ModelRepository(settings.model_repository),
        control_mode=settings.model_control_mode,
        poll_seconds=settings.repository_poll_seconds,
        threads=settings.inference_threads,
        default_max_queue_size=settings.inference_max_queue_size,
    )
    plane = DataPlane(domain)
    metrics = MetricsServer(settings.grpc_host, settings.inference_metrics_port, domain.all_stats)
    rest = RestFront(plane, settings.grpc_host, settings.inference_http_port)

    async def run() -> None:
        await domain.start([m.strip() for m in settings.load_models.split(",")])
        await metrics.start()
        await rest.start()

        async def stop() -> None:
            await rest.stop()
            await metrics.stop()
            await domain.close()

        registration = Registration(
            InferenceServicer(plane), grpc_service_pb2_grpc.add_GRPCInferenceServiceServicer_to_server, SERVICE
        )
        await serve(settings, "inference", [registration], on_stop=stop)

    asyncio.run(run())


if __name__ == "__main__":
    main()
