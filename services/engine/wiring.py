"""The wiring of the stream engine process: sources, decode, live views, and
the workers that take the catalog's live work and run the people and vehicle
analytics (detection through the inference service, tracking, lines, areas,
events into the events store) and licence plates (services/engine/plates.py)
on it. It also serves SearchService: smart
search over the events (services/search/smart.py), whose `text` branch is
services/search/text.py and whose `image` branch the face work wires in
here; Extract answers UNIMPLEMENTED."""

from __future__ import annotations

import asyncio
from pathlib import Path

from services.analysis.objects import LABELS
from services.common.server import Built, Registration
from services.common.settings import EngineSettings, Settings
from services.db.engine import make_engine
from services.engine.analysers import ObjectAnalysis
from services.engine.dispatch import Analysers
from services.engine.live import LiveViews, VisualizationServicer
from services.engine.plates import ANALYTIC_ID as PLATES
from services.engine.plates import PlateAnalysis
from services.engine.repository import EngineRepository
from services.engine.sources import StreamEngine
from services.engine.workers import WorkWorker
from services.events.store import EventStore
from services.inference_client import InferenceClient
from services.media.live_source import SourceOptions
from services.search.smart import SearchServicer, SmartSearch
from services.search.text import TextSearch
from services.vision.models import PPOCR_REC
from vigil.analytics.v1 import search_service_pb2_grpc
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
    database = make_engine(settings.sqlalchemy_url)
    engine = StreamEngine(
        EngineRepository(database),
        source_options(own, settings.data_dir),
        report_seconds=own.report_seconds,
        linger_seconds=own.linger_seconds,
    )
    client = InferenceClient(settings.grpc_target("inference"))
    store = EventStore(database, settings.data_dir)
    objects = ObjectAnalysis(client, store)
    dictionary = settings.inference.model_repository / PPOCR_REC.name / "ppocr_keys.txt"
    plates = PlateAnalysis(client, store, dictionary)
    # Smart search: faces fill `image=` (it answers 501 until then); `text=`
    # finds plates, names and labels in the events.
    smart = SmartSearch(store, text=TextSearch(database))
    # One stage per analytic id; an analytic missing here is refused by name.
    analyser = Analysers({**{analytic_id: objects for analytic_id in LABELS}, PLATES: plates})
    workers = [
        WorkWorker(
            database,
            engine,
            node_num=own.node_num,
            index=index,
            lease_seconds=own.lease_seconds,
            heartbeat_seconds=own.heartbeat_seconds,
            claim_limit=own.claim_limit,
            analyser=analyser,
        )
        for index in range(own.workers)
    ]

    async def stop() -> None:
        # Rows go back to pending first (another engine takes them at once),
        # then the sources stop.
        await asyncio.gather(*(worker.close() for worker in workers))
        await engine.close()
        await client.close()

    return Built(
        registrations=[
            Registration(
                VisualizationServicer(LiveViews(engine)),
                visualization_service_pb2_grpc.add_VisualizationServiceServicer_to_server,
                "vigil.streams.v1.VisualizationService",
            ),
            Registration(
                SearchServicer(smart),
                search_service_pb2_grpc.add_SearchServiceServicer_to_server,
                "vigil.analytics.v1.SearchService",
            ),
        ],
        background=[engine.run_forever, *(worker.run_forever for worker in workers)],
        stop=stop,
    )
