"""The wiring of the stream engine process (sources, decode, analysis,
tracking, rules, events, live views: the stream-engine issue builds them
here). Until the recognition issue it also hosts SearchService, which
answers UNIMPLEMENTED like every method not built yet."""

from __future__ import annotations

from services.common.server import Built, base_registration
from services.common.settings import Settings
from vigil.analytics.v1 import search_service_pb2, search_service_pb2_grpc


def build(settings: Settings) -> Built:
    return Built(registrations=[base_registration(search_service_pb2, search_service_pb2_grpc, "SearchService")])
