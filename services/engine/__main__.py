"""`python -m services.engine`: the stream engine process (sources, decode,
analysis, tracking, rules, events, live views; built by the stream-engine
issue). Until the recognition issue it also hosts SearchService, which
answers UNIMPLEMENTED like every method not built yet."""

from __future__ import annotations

from services.common.server import Registration, base_registration, run_service
from services.common.settings import Settings
from vigil.analytics.v1 import search_service_pb2, search_service_pb2_grpc


def registrations(settings: Settings) -> list[Registration]:
    return [base_registration(search_service_pb2, search_service_pb2_grpc, "SearchService")]


if __name__ == "__main__":
    run_service("engine", registrations)
