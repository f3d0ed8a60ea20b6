"""`python -m services.streams`: the Streams process (Visionaire4 streams and
visualisation, LUNA streams and groups)."""

from __future__ import annotations

from services.common.server import Registration, base_registration, run_service
from services.common.settings import Settings
from services.db.engine import make_engine
from services.streams.domain import StreamsDomain
from services.streams.repository import StreamRepository
from services.streams.visionaire import StreamsServicer
from vigil.streams.v1 import (
    luna_groups_service_pb2,
    luna_groups_service_pb2_grpc,
    luna_streams_service_pb2,
    luna_streams_service_pb2_grpc,
    visualization_service_pb2,
    visualization_service_pb2_grpc,
)
from vigil.streams.v1 import (
    streams_service_pb2_grpc as streams_grpc,
)


def registrations(settings: Settings) -> list[Registration]:
    """Wire the process: one engine, one repository, one domain, its faces.

    The LUNA and visualisation services are registered with grpcio-tools'
    base servicers, which answer UNIMPLEMENTED until their issues land.
    """
    engine = make_engine(settings.sqlalchemy_url)
    domain = StreamsDomain(StreamRepository(engine))
    return [
        Registration(
            StreamsServicer(domain),
            streams_grpc.add_StreamsServiceServicer_to_server,
            "vigil.streams.v1.StreamsService",
        ),
        base_registration(visualization_service_pb2, visualization_service_pb2_grpc, "VisualizationService"),
        base_registration(luna_streams_service_pb2, luna_streams_service_pb2_grpc, "LunaStreamsService"),
        base_registration(luna_groups_service_pb2, luna_groups_service_pb2_grpc, "LunaGroupsService"),
    ]


if __name__ == "__main__":
    run_service("streams", registrations)
