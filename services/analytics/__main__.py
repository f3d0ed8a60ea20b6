"""`python -m services.analytics`: the Analytics process (analytics registry,
Lenz catalog and config, smart search). Built by later issues; until then
every method answers UNIMPLEMENTED."""

from __future__ import annotations

from services.common.server import Registration, base_registration, run_service
from services.common.settings import Settings
from vigil.analytics.v1 import (
    analytics_service_pb2,
    analytics_service_pb2_grpc,
    search_service_pb2,
    search_service_pb2_grpc,
)


def registrations(settings: Settings) -> list[Registration]:
    return [
        base_registration(analytics_service_pb2, analytics_service_pb2_grpc, "AnalyticsService"),
        base_registration(search_service_pb2, search_service_pb2_grpc, "SearchService"),
    ]


if __name__ == "__main__":
    run_service("analytics", registrations)
