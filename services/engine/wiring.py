"""The wiring of the stream-engine process (`python -m services.analytics`
until the groundwork renames it `services.engine`): the engine that opens
streams on demand, the live views it serves (VisualizationService), and the
analytics registry and search services, which answer UNIMPLEMENTED until
their issues land."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

from services.common.server import Registration, base_registration
from services.common.settings import Settings
from services.db.engine import make_engine
from services.engine.live import LiveViews, VisualizationServicer
from services.engine.repository import EngineRepository
from services.engine.sources import StreamEngine
from services.media.live_source import SourceOptions
from vigil.analytics.v1 import (
    analytics_service_pb2,
    analytics_service_pb2_grpc,
    search_service_pb2,
    search_service_pb2_grpc,
)
from vigil.streams.v1 import visualization_service_pb2_grpc


@dataclass
class EngineProcess:
    """What the process serves, the jobs beside the server, and its stop."""

    registrations: list[Registration]
    engine: StreamEngine
    background: list[Callable[[], Coroutine[Any, Any, None]]] = field(default_factory=list)


def source_options(settings: Settings) -> SourceOptions:
    return SourceOptions(
        open_timeout_seconds=settings.engine_open_timeout_seconds,
        read_timeout_seconds=settings.engine_read_timeout_seconds,
        backoff_seconds=settings.engine_backoff_seconds,
        max_backoff_seconds=settings.engine_max_backoff_seconds,
        max_frame_pixels=settings.engine_max_frame_pixels,
        file_root=settings.engine_file_root or settings.data_dir,
    )


def build(settings: Settings) -> EngineProcess:
    engine = StreamEngine(
        EngineRepository(make_engine(settings.sqlalchemy_url)),
        source_options(settings),
        report_seconds=settings.engine_report_seconds,
        linger_seconds=settings.engine_linger_seconds,
    )
    return EngineProcess(
        registrations=[
            base_registration(analytics_service_pb2, analytics_service_pb2_grpc, "AnalyticsService"),
            base_registration(search_service_pb2, search_service_pb2_grpc, "SearchService"),
            Registration(
                VisualizationServicer(LiveViews(engine)),
                visualization_service_pb2_grpc.add_VisualizationServiceServicer_to_server,
                "vigil.streams.v1.VisualizationService",
            ),
        ],
        engine=engine,
        background=[engine.run_forever],
    )
