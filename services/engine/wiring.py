"""The wiring of the stream engine process (sources, decode, live views
now; analysis, tracking, rules and events with the second half of the
stream-engine issue). Until the recognition issue it also hosts
SearchService, which answers UNIMPLEMENTED like every method not built yet."""

from __future__ import annotations

from pathlib import Path

from services.common.server import Built, Registration, base_registration
from services.common.settings import EngineSettings, Settings
from services.db.engine import make_engine
from services.engine.live import LiveViews, VisualizationServicer
from services.engine.repository import EngineRepository
from services.engine.sources import StreamEngine
from services.media.live_source import SourceOptions
from vigil.analytics.v1 import search_service_pb2, search_service_pb2_grpc
from vigil.streams.v1 import visualization_service_pb2_grpc


def source_options(own: EngineSettings, data_dir: Path) -> SourceOptions:
    """How the engine opens sources, from its settings section."""
    return SourceOptions(
        open_timeout_seconds=own.open_timeout_seconds,
        read_timeout_seconds=own.read_timeout_seconds,
        backoff_seconds=own.backoff_seconds,
        max_backoff_seconds=own.max_backoff_seconds,
        max_frame_pixels=own.max_frame_pixels,
        file_root=own.file_root or data_dir,
    )


def build(settings: Settings) -> Built:
    own = settings.engine
    engine = StreamEngine(
        EngineRepository(make_engine(settings.sqlalchemy_url)),
        source_options(own, settings.data_dir),
        report_seconds=own.report_seconds,
        linger_seconds=own.linger_seconds,
    )
    return Built(
        registrations=[
            Registration(
                VisualizationServicer(LiveViews(engine)),
                visualization_service_pb2_grpc.add_VisualizationServiceServicer_to_server,
                "vigil.streams.v1.VisualizationService",
            ),
            base_registration(search_service_pb2, search_service_pb2_grpc, "SearchService"),
        ],
        background=[engine.run_forever],
        stop=engine.close,
    )
