"""`python -m services.analytics`: the Analytics process: the catalog's
AnalyticsService (analytics registry, Lenz catalog and config, wired in
services/catalog/wiring.py) and smart search, which answers UNIMPLEMENTED
until the recognition issue."""

from __future__ import annotations

from services.catalog.wiring import build
from services.common.server import Registration, base_registration, run_service
from services.common.settings import Settings
from vigil.analytics.v1 import (
    search_service_pb2,
    search_service_pb2_grpc,
)


def registrations(settings: Settings) -> list[Registration]:
    return [
        build(settings).analytics,
        base_registration(search_service_pb2, search_service_pb2_grpc, "SearchService"),
    ]


if __name__ == "__main__":
    run_service("analytics", registrations)
