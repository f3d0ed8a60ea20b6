"""`python -m services.pipelines`: the Pipelines process. Analytic assignment
arrives with the analytics-engine issue; until then every method answers
UNIMPLEMENTED."""

from __future__ import annotations

from services.common.server import Registration, base_registration, run_service
from services.common.settings import Settings
from vigil.pipelines.v1 import pipelines_service_pb2, pipelines_service_pb2_grpc


def registrations(settings: Settings) -> list[Registration]:
    return [base_registration(pipelines_service_pb2, pipelines_service_pb2_grpc, "PipelinesService")]


if __name__ == "__main__":
    run_service("pipelines", registrations)
