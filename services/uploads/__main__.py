"""`python -m services.uploads`: the Uploads process (Lenz chunked uploads
and FindFace archives). Built by the uploads issue; until then every method
answers UNIMPLEMENTED."""

from __future__ import annotations

from services.common.server import Registration, base_registration, run_service
from services.common.settings import Settings
from vigil.uploads.v1 import (
    archives_service_pb2,
    archives_service_pb2_grpc,
    uploads_service_pb2,
    uploads_service_pb2_grpc,
)


def registrations(settings: Settings) -> list[Registration]:
    return [
        base_registration(uploads_service_pb2, uploads_service_pb2_grpc, "UploadsService"),
        base_registration(archives_service_pb2, archives_service_pb2_grpc, "ArchivesService"),
    ]


if __name__ == "__main__":
    run_service("uploads", registrations)
