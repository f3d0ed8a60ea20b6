"""The wiring of the inference process (KServe v2 / Triton gRPC on
`VIGIL_INFERENCE_PORT`, KServe v2 HTTP/REST on `VIGIL_INFERENCE_HTTP_PORT`,
Prometheus metrics on `VIGIL_INFERENCE_METRICS_PORT`): both protocol fronts
over one data plane. The models load before the server serves."""

from __future__ import annotations

from inference import grpc_service_pb2_grpc

from services.common.server import Built, Registration
from services.common.settings import Settings
from services.inference.dataplane import DataPlane
from services.inference.domain import InferenceDomain
from services.inference.metrics import MetricsServer
from services.inference.repository import ModelRepository
from services.inference.rest import RestFront
from services.inference.servicer import InferenceServicer

SERVICE = "inference.GRPCInferenceService"


def build(settings: Settings) -> Built:
    own = settings.inference
    domain = InferenceDomain(
        ModelRepository(own.model_repository),
        control_mode=own.model_control_mode,
        poll_seconds=own.repository_poll_seconds,
        threads=own.threads,
        default_max_queue_size=own.max_queue_size,
    )
    plane = DataPlane(domain)
    metrics = MetricsServer(settings.grpc_host, settings.inference_metrics_port, domain.all_stats)
    rest = RestFront(plane, settings.grpc_host, settings.inference_http_port)

    async def start() -> None:
        await domain.start([m.strip() for m in own.load_models.split(",")])
        await metrics.start()
        await rest.start()

    async def stop() -> None:
        await rest.stop()
        await metrics.stop()
        await domain.close()

    return Built(
        registrations=[
            Registration(
                InferenceServicer(plane), grpc_service_pb2_grpc.add_GRPCInferenceServiceServicer_to_server, SERVICE
            )
        ],
        start=start,
        stop=stop,
    )
