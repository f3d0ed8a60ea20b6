"""The wiring of the stream engine process: sources, decode, live views, and
the workers that take the catalog's live work and run the people and vehicle
analytics, face recognition and licence plates on it (detection through the
inference service, tracking, lines, areas, faces matched against the watch
lists, plates read and voted per vehicle: services/engine/plates.py; events
into the events store), and the watch lists' API (services/watchlists). It
also serves SearchService: smart search over the events
(services/search/smart.py), whose `image` branch searches face embeddings
(services/engine/faces.py) and whose `text` branch is services/search/text.py;
Extract indexes outside pictures into NFV4-SS
(services/engine/search_index.py)."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from services.analysis.objects import LABELS
from services.common.server import Built, Registration
from services.common.settings import EngineSettings, Settings
from services.db.engine import make_engine
from services.engine import findface
from services.engine.analysers import ObjectAnalysis
from services.engine.dispatch import Analysers
from services.engine.faces import ANALYTIC_ID as FACE_ANALYTIC
from services.engine.faces import FaceAnalysis, FaceModels, FaceSearch, GalleryCache
from services.engine.findface import ObjectPosting
from services.engine.live import LiveViews, VisualizationServicer
from services.engine.luna_worker import LunaWorker
from services.engine.offline import OfflineWorker
from services.engine.overlays import Overlays
from services.engine.plates import ANALYTIC_ID as PLATES
from services.engine.plates import PlateAnalysis
from services.engine.repository import EngineRepository
from services.engine.search_index import ANALYTIC_ID as SEARCH_INDEX
from services.engine.search_index import Extractor, SearchIndexing
from services.engine.sources import StreamEngine
from services.engine.workers import WorkWorker
from services.events.store import EventStore
from services.inference_client import InferenceClient
from services.media.live_source import SourceOptions
from services.search.smart import SearchServicer, SmartSearch
from services.search.text import TextSearch
from services.search.vectors import open_index
from services.vision.models import PPOCR_REC
from services.watchlists.domain import WatchlistsDomain
from services.watchlists.repository import WatchlistRepository
from services.watchlists.servicer import WatchlistsServicer
from vigil.analytics.v1 import search_service_pb2_grpc
from vigil.streams.v1 import visualization_service_pb2_grpc
from vigil.watchlists.v1 import watchlists_service_pb2_grpc

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
    overlays = Overlays(drawable={*LABELS, FACE_ANALYTIC, PLATES})
    objects = ObjectAnalysis(client, store, overlays=overlays)
    face_models = FaceModels(client)
    watchlists = WatchlistRepository(database)
    faces = FaceAnalysis(face_models, store, GalleryCache(watchlists.enrolled), overlays=overlays)
    dictionary = settings.inference.model_repository / PPOCR_REC.name / "ppocr_keys.txt"
    plates = PlateAnalysis(client, store, dictionary, overlays=overlays)
    indexing = SearchIndexing(client, face_models, store)
    extractor = Extractor(EngineRepository(database), client, face_models, store)
    # The vector index of this process (pgvector, usearch or the exact scan,
    # as the database allows): one object for every stage that searches
    # embeddings. Smart search: `image=` searches the events' face
    # embeddings in it, `text=` finds plates, names and labels in the events.
    vectors = open_index(database)
    smart = SmartSearch(store, image=FaceSearch(face_models, vectors), text=TextSearch(database))
    posting = ObjectPosting(client, store)
    # One stage per analytic id; an analytic missing here is refused by name.
    analyser = Analysers(
        {
            **{analytic_id: objects for analytic_id in LABELS},
            FACE_ANALYTIC: faces,
            PLATES: plates,
            SEARCH_INDEX: indexing,
            # FindFace video archives (services/engine/findface.py): faces,
            # bodies and cars, one best shot per track.
            findface.FACE: FaceAnalysis(
                face_models, store, GalleryCache(lambda: []), analytic_id=findface.FACE, recognise=False
            ),
            findface.BODY: posting,
            findface.CAR: posting,
        }
    )
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
            inference_deadline_seconds=own.inference_deadline_seconds,
        )
        for index in range(own.workers)
    ]
    # Offline jobs (uploaded videos), through the same analysis stages.
    offline = [
        OfflineWorker(
            database,
            analyser,
            store,
            node_num=own.node_num,
            index=index,
            lease_seconds=own.lease_seconds,
            heartbeat_seconds=own.heartbeat_seconds,
            max_attempts=own.offline_max_attempts,
        )
        for index in range(own.offline_workers)
    ]

    # Vigil's own LUNA worker, a client of the Streams service's queue.
    luna = LunaWorker(
        settings.grpc_target("streams"),
        engine,
        faces=FaceAnalysis(face_models, store, GalleryCache(lambda: []), recognise=False),
        max_streams=own.luna_max_streams,
        poll_seconds=own.luna_poll_seconds,
        feedback_seconds=own.luna_feedback_seconds,
        inference_deadline_seconds=own.inference_deadline_seconds,
    )

    async def prepare_vectors() -> None:
        # On SQLite the first search would build the usearch graphs from the
        # whole table; do it now, beside serving.
        try:
            await asyncio.to_thread(vectors.prepare)
        except Exception:
            log.exception("the vector index could not load; the first search tries again")

    async def stop() -> None:
        # Rows go back to pending first (another engine takes them at once),
        # LUNA streams are reported stopped, then the sources stop.
        await asyncio.gather(
            *(worker.close() for worker in workers), *(worker.close() for worker in offline), luna.close()
        )
        vectors.close()
        await engine.close()
        await client.close()

    return Built(
        registrations=[
            Registration(
                VisualizationServicer(LiveViews(engine, overlays=overlays)),
                visualization_service_pb2_grpc.add_VisualizationServiceServicer_to_server,
                "vigil.streams.v1.VisualizationService",
            ),
            Registration(
                SearchServicer(smart, extractor),
                search_service_pb2_grpc.add_SearchServiceServicer_to_server,
                "vigil.analytics.v1.SearchService",
            ),
            Registration(
                WatchlistsServicer(WatchlistsDomain(watchlists, face_models)),
                watchlists_service_pb2_grpc.add_WatchlistsServiceServicer_to_server,
                "vigil.watchlists.v1.WatchlistsService",
            ),
        ],
        background=[
            engine.run_forever,
            prepare_vectors,
            *(worker.run_forever for worker in workers),
            *(worker.run_forever for worker in offline),
            *([luna.run_forever] if own.luna_worker else []),
        ],
        stop=stop,
    )
