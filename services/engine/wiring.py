"""The wiring of the stream engine process: sources, decode, live views, and
the workers that take the catalog's live work and run the people and vehicle
analytics on it (detection through the inference service, tracking, lines,
areas, events into the events store). It also serves SearchService: smart
search over the events (services/search/smart.py), whose `image` and `text`
branches the face and plate work wire in here; Extract answers UNIMPLEMENTED."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from services.analysis.objects import LABELS
from services.common.server import Built, Registration
from services.common.settings import EngineSettings, Settings
from services.db.engine import make_engine
from services.engine.analysers import ObjectAnalysis
from services.engine.dispatch import Analysers
from services.engine.live import LiveViews, VisualizationServicer
from services.engine.repository import EngineRepository
from services.engine.sources import StreamEngine
from services.engine.workers import WorkWorker
from services.events.store import EventStore
from services.inference_client import InferenceClient
from services.media.live_source import SourceOptions
from services.search.smart import SearchServicer, SmartSearch
from services.search.vectors import open_index
from vigil.analytics.v1 import search_service_pb2_grpc
from vigil.streams.v1 import visualization_service_pb2_grpc

log = logging.getLogger(__name__)


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
    # The vector index of this process (pgvector, usearch or the exact scan,
    # as the database allows): one object, shared by the face stage (which
    # indexes and matches embeddings) and smart search's `image=` branch.
    vectors = open_index(database)
    # Smart search: faces fill `image=` (searching `vectors`), plates fill
    # `text=` (each answers 501 until then).
    smart = SmartSearch(store)
    # One stage per analytic id; an analytic missing here is refused by name.
    analyser = Analysers({analytic_id: objects for analytic_id in LABELS})
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

    async def prepare_vectors() -> None:
        # On SQLite the first search would build the usearch graphs from the
        # whole table; do it now, beside serving.
        try:
            await asyncio.to_thread(vectors.prepare)
        except Exception:
            log.exception("the vector index could not load; the first search tries again")

    async def stop() -> None:
        # Rows go back to pending first (another engine takes them at once),
        # then the sources stop.
        await asyncio.gather(*(worker.close() for worker in workers))
        vectors.close()
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
        background=[engine.run_forever, prepare_vectors, *(worker.run_forever for worker in workers)],
        stop=stop,
    )
