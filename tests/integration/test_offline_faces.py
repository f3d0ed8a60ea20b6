"""An uploaded video's face recognition as an offline job (the face stage in
services/engine/faces.py on services/engine/offline.py's recording), with
the real inference service on SQLite and PostgreSQL: her face is decided
once (`face_seen` and `stranger`, no one enrolled) at the recording's own
time (`started_at` + the best shot's frame time), each event keyed, and
running the job again stores nothing twice."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from services.catalog import work
from services.catalog.repository import CatalogRepository
from services.db.models import Event as Stored
from services.db.models import utcnow
from services.engine.dispatch import Analysers
from services.engine.faces import FaceAnalysis, FaceModels, GalleryCache
from services.engine.offline import OfflineWorker
from services.events.store import EventQuery, EventStore
from services.inference_client import InferenceClient
from tests.faces_support import clip_frames, make_clip
from tests.inference_support import InferenceServer, inference_server, model_repository
from tests.integration.test_offline_jobs import BEAT, STARTED, add_video, database, duration_of, row_of  # noqa: F401

CONFIG = {"object_confidence_threshold": 0.5, "similarity_threshold": 0.6, "min_face_size": 32, "sample_fps": 5}


@pytest.fixture(scope="module")
def inference(tmp_path_factory: pytest.TempPathFactory) -> Iterator[InferenceServer]:
    with inference_server(model_repository(), tmp_path_factory.mktemp("inference"), load="yunet,sface") as server:
        yield server


async def test_faces_of_a_recording_are_at_its_time_and_stored_once(
    inference: InferenceServer,
    database: Engine,  # noqa: F811
    tmp_path: Path,
) -> None:
    clip = make_clip(tmp_path / "face.mp4", clip_frames())
    stream_id = add_video(database, "face", clip, duration_of(clip))
    row = CatalogRepository(database, offline_schedule_delay_seconds=0).assign(
        stream_id, 0, "NFV4-FR", CONFIG, 100, lambda n: f"NFV4-FR-N0-{n:04d}", utcnow()
    )
    assert row.id is not None
    store = EventStore(database, tmp_path)
    async with InferenceClient(inference.target) as client:
        faces = FaceAnalysis(FaceModels(client), store, GalleryCache(lambda: []))
        worker = OfflineWorker(database, Analysers({"NFV4-FR": faces}), store, heartbeat_seconds=BEAT)
        assert await worker.step() is True
        assert row_of(database, row.id).state == work.DONE
        events = store.newest(EventQuery(stream_id=stream_id), 100)
        assert sorted(e.event_type for e in events) == ["face_seen", "stranger"], events
        for event in events:
            assert event.occurred_at == STARTED + timedelta(seconds=event.attributes["frame_time"])
        with Session(database) as session:
            keys = session.exec(select(Stored.idempotency_key).where(Stored.stream_id == stream_id)).all()
        assert len(set(keys)) == 2 and all(k and k.startswith(f"w{row.id}:") for k in keys)
        # The whole job again: nothing is stored twice.
        assert work.schedule_job(database, stream_id) == 1
        again = OfflineWorker(
            database,
            Analysers({"NFV4-FR": FaceAnalysis(FaceModels(client), store, GalleryCache(lambda: []))}),
            store,
            heartbeat_seconds=BEAT,
        )
        assert await again.step() is True
    assert len(store.newest(EventQuery(stream_id=stream_id), 100)) == 2
