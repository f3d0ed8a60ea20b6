"""The wiring of the catalog process: the analytics catalog (Lenz
`AnalyticsService`: registry, config, forms) and the assignment of analytics
to streams (`PipelinesService`). The catalog issue builds them; until then
every method answers UNIMPLEMENTED."""

from __future__ import annotations

from services.common.server import Built, base_registration
from services.common.settings import Settings
from vigil.analytics.v1 import analytics_service_pb2, analytics_service_pb2_grpc
from vigil.pipelines.v1 import pipelines_service_pb2, pipelines_service_pb2_grpc


def build(settings: Settings) -> Built:
    return Built(
        registrations=[
            base_registration(analytics_service_pb2, analytics_service_pb2_grpc, "AnalyticsService"),
            base_registration(pipelines_service_pb2, pipelines_service_pb2_grpc, "PipelinesService"),
        ]
    )
