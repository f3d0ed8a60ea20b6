"""`python -m services.catalog`: the catalog process: the analytics catalog
(Lenz `AnalyticsService`: registry, config, forms) and the assignment of
analytics to streams (`PipelinesService`). Built by the catalog issue; until
then every method answers UNIMPLEMENTED."""

from __future__ import annotations

from services.common.server import Registration, base_registration, run_service
from services.common.settings import Settings
from vigil.analytics.v1 import analytics_service_pb2, analytics_service_pb2_grpc
from vigil.pipelines.v1 import pipelines_service_pb2, pipelines_service_pb2_grpc


def registrations(settings: Settings) -> list[Registration]:
    return [
        base_registration(analytics_service_pb2, analytics_service_pb2_grpc, "AnalyticsService"),
        base_registration(pipelines_service_pb2, pipelines_service_pb2_grpc, "PipelinesService"),
    ]


if __name__ == "__main__":
    run_service("catalog", registrations)
