"""A FindFace archive's bodies and cars as an offline job (the object stage
of services/engine/findface.py on services/engine/offline.py), with the
real inference service, on SQLite and PostgreSQL: a clip of the astronaut
(a person) beside scikit-image's motorcycle (a vehicle) queued with face
off gives one `body_seen` and one `car_seen`, each its track's best shot
with a thumbnail, from one YOLOX call per analysed frame; the archive's
view counts them and the statistic says what was analysed."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from services.catalog import work
from services.db.models import Video
from services.engine import findface
from services.engine.dispatch import Analysers
from services.engine.offline import OfflineWorker
from services.events.store import EventQuery, EventStore
from services.inference_client import InferenceClient
from services.uploads.findface_jobs import ArchiveJobs
from services.uploads.library import VideoLibrary
from services.vision import image as img
from tests.faces_support import FPS, H, W, make_clip
from tests.inference_support import InferenceServer, inference_server, model_repository, picture
from tests.integration.test_offline_jobs import BEAT, add_video, database, duration_of  # noqa: F401


@pytest.fixture(scope="module")
def inference(tmp_path_factory: pytest.TempPathFactory) -> Iterator[InferenceServer]:
    with inference_server(model_repository(), tmp_path_factory.mktemp("inference"), load="yolox_nano_u8") as server:
        yield server


def scene() -> list[np.ndarray]:
    """2 s: the astronaut at the left, the motorcycle at the right, still."""
    canvas = np.full((H, W, 3), 128, np.uint8)
    canvas[100:420, 10:330] = img.resize(picture("astronaut.png"), 320, 320)
    canvas[180:400, 330:630] = img.resize(picture("motorcycle_left.png"), 300, 220)
    return [canvas] * (2 * FPS)


class Counting:
    """The inference client, counting the detector calls."""

    def __init__(self, client: InferenceClient) -> None:
        self._client = client
        self.calls = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)

    async def infer(self, *args: Any, **kwargs: Any) -> Any:
        self.calls += 1
        return await self._client.infer(*args, **kwargs)


async def test_bodies_and_cars_post_one_best_shot_per_track(
    inference: InferenceServer,
    database: Engine,  # noqa: F811
    tmp_path: Path,
) -> None:
    clip = make_clip(tmp_path / "scene.mp4", scene())
    stream_id = add_video(database, "scene", clip, duration_of(clip))
    with Session(database) as session:
        video = session.exec(select(Video).where(Video.stream_id == stream_id)).one()
        video.stream_settings = VideoLibrary.merge_stream_settings(
            VideoLibrary.default_stream_settings(),
            {"detectors": {"face": None, "car": {"filter_min_quality": 0.4}}},
        )
        session.add(video)
        session.commit()
        session.refresh(video)
    store = EventStore(database, tmp_path)
    jobs = ArchiveJobs(database, store)
    assert jobs.queue(video) is True
    assert jobs.queue(video) is False  # already queued: nothing changes
    async with InferenceClient(inference.target) as client:
        counting = Counting(client)
        posting = findface.ObjectPosting(counting, store)  # type: ignore[arg-type]
        worker = OfflineWorker(
            database, Analysers({findface.BODY: posting, findface.CAR: posting}), store, heartbeat_seconds=BEAT
        )
        assert await worker.step() is True
    events = store.newest(EventQuery(stream_id=stream_id), 100)
    assert sorted((e.analytic_id, e.event_type, e.label) for e in events) == [
        ("FF-BODY", "body_seen", "person"),
        ("FF-CAR", "car_seen", "motorcycle"),
    ], events
    assert all(e.has_thumbnail for e in events)
    with Session(database) as session:
        video = session.exec(select(Video).where(Video.stream_id == stream_id)).one()
    view = jobs.views([video])[video.id or 0]
    assert view.state == work.JOB_DONE and view.finished
    assert dict(view.counts) == {"face": 0, "body": 1, "car": 1}
    assert view.detectors == ("body", "car") and view.job_starts == 1
    analysed = view.statistic["frames_processed"]
    assert analysed == 10  # 2 s at 5 fps
    assert counting.calls == analysed  # one YOLOX call per frame for bodies and cars
    assert (view.statistic["frame_width"], view.statistic["frame_height"]) == (W, H)
