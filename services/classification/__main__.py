"""`python -m services.classification`: the Classification process (Gaard
`/api/classify`, `/api/result`). Built by the classification issue; until then
every method answers UNIMPLEMENTED."""

from __future__ import annotations

from services.common.server import Registration, base_registration, run_service
from services.common.settings import Settings
from vigil.classification.v1 import classification_service_pb2, classification_service_pb2_grpc


def registrations(settings: Settings) -> list[Registration]:
    return [base_registration(classification_service_pb2, classification_service_pb2_grpc, "ClassificationService")]


if __name__ == "__main__":
    run_service("classification", registrations)
