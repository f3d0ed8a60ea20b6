"""The engine's analysis stage (services/engine/analysers.py) with the real
inference service (yolox_nano_u8) and a real events store on SQLite and
PostgreSQL, fed the frames of the astronaut clip
(tests/unit/test_people_counting_clip.py) through a real frame ring: a new
config version applies from the next frame on the same track, a source whose
frame times start again (a file looping) gives a new track and counts on,
and frames the inference service cannot answer for are skipped without
failing the row."""

from __future__ import annotations

import contextlib
import io
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, cast

import av
import numpy as np
import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from services.catalog import work
from services.db.engine import make_engine
from services.engine.analysers import EVENTS_DEFERRED, FRAMES_GATED, FRAMES_SKIPPED, ObjectAnalysis, thumbnail
from services.engine.sources import OpenStream
from services.events.store import EventQuery, EventStore
from services.inference_client import InferenceClient
from tests.engine_support import Ring, work_item
from tests.inference_support import InferenceServer, free_port, inference_server, model_repository
from tests.unit.test_people_counting_clip import FPS, H, W, make_clip

STREAM = "cam-analysis"


@pytest.fixture(scope="module")
def inference(tmp_path_factory: pytest.TempPathFactory) -> Iterator[InferenceServer]:
    with inference_server(model_repository(), tmp_path_factory.mktemp("inference"), load="yolox_nano_u8") as server:
        yield server


@pytest.fixture(scope="module")
def frames(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[np.ndarray, float]]:
    """The clip's frames sampled at 5 fps, as I420 with their times."""
    clip = tmp_path_factory.mktemp("clips") / "walks.mp4"
    make_clip(clip, "astronaut.png")
    out = []
    with av.open(str(clip)) as container:
        for i, frame in enumerate(container.decode(video=0)):
            if i % (FPS // 5) == 0:
                assert frame.time is not None
                out.append((frame.to_ndarray(format="yuv420p"), float(frame.time)))
    return out


@pytest.fixture
def database(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


def item(config: dict[str, Any], version: int = 1) -> work.WorkItem:
    return work_item("NFV4-MPA", STREAM, config, version=version)


def counting(direction: str) -> dict[str, Any]:
    line = {"name": "Middle", "points": [{"x": 0.5, "y": 0.98}, {"x": 0.5, "y": 0.02}], "direction": direction}
    return {"object_confidence_threshold": 0.5, "sub_analytics": [{"name": "counting", "areas": [line]}]}


@contextlib.contextmanager
def store_for(stream_id: str, store: EventStore) -> Iterator[Callable[[], list[Any]]]:
    """The events of `stream_id` appended inside the block, oldest first."""
    known = {e.id for e in store.newest(EventQuery(stream_id=stream_id), 1000)}

    def new() -> list[Any]:
        found = store.newest(EventQuery(stream_id=stream_id), 1000)
        return sorted((e for e in found if e.id not in known), key=lambda e: e.id)

    yield new


async def play(
    analysis: ObjectAnalysis, ring: Ring, frames: list[tuple[np.ndarray, float]], config: dict[str, Any]
) -> None:
    for pixels, time in frames:
        await analysis.analyse(item(config), config, cast(OpenStream, ring), ring.put(pixels, time))


async def test_config_changes_and_a_looping_source(
    inference: InferenceServer, database: Engine, frames: list[tuple[np.ndarray, float]], tmp_path: Path
) -> None:
    store = EventStore(database, tmp_path)
    ring = Ring(W, H)
    async with InferenceClient(inference.target) as client:
        analysis = ObjectAnalysis(client, store)
        half = len(frames) // 2  # the first walk right and part of the way back
        await play(analysis, ring, frames[:half], counting("both"))
        # A new config version counts only "in" from here (the track goes on):
        # the walk back is not counted, the next walk right is.
        await play(analysis, ring, frames[half:], counting("in"))
        # The file loops: frame times start again; a new track walks again.
        await play(analysis, ring, frames, counting("in"))
        analysis.forget(7)
    events = sorted(store.newest(EventQuery(stream_id=STREAM), 100), key=lambda e: e.id)
    assert [e.event_type for e in events] == ["line_in", "line_in", "line_in", "line_in"]
    tracks = [e.track_id for e in events]
    assert tracks[0] == tracks[1] and tracks[2] == tracks[3] and tracks[1] != tracks[2]
    assert all(e.has_thumbnail and e.label == "person" and e.node_num == 0 for e in events)
    shot = store.thumbnail(events[0].id)
    assert shot is not None and shot.startswith(b"\xff\xd8")
    ring.ring.close()


async def test_frames_the_inference_service_cannot_answer_are_skipped(
    database: Engine, frames: list[tuple[np.ndarray, float]], tmp_path: Path
) -> None:
    store = EventStore(database, tmp_path)
    ring = Ring(W, H)
    skipped = FRAMES_SKIPPED.labels(STREAM, "NFV4-MPA", "inference")
    before = skipped._value.get()
    async with InferenceClient(f"127.0.0.1:{free_port()}", timeout=2) as client:  # nothing listens there
        analysis = ObjectAnalysis(client, store)
        # The gate off: the clip starts standing still, and each frame must reach the detector.
        await play(analysis, ring, frames[:3], {**counting("both"), "motion_gate": False})
    assert skipped._value.get() - before == 3
    assert store.newest(EventQuery(stream_id=STREAM), 10) == []
    ring.ring.close()


async def test_the_motion_gate_skips_still_frames_and_counts_the_same(
    inference: InferenceServer, database: Engine, frames: list[tuple[np.ndarray, float]], tmp_path: Path
) -> None:
    """The clip's walker stands still half a second at each end, then a still
    floor: with the gate the detector skips those frames (re-checking the
    tracked walker every second) and the line events are the same as with
    the gate off."""
    store = EventStore(database, tmp_path)
    gated = FRAMES_GATED.labels(STREAM, "NFV4-MPA")
    floor = np.full_like(frames[0][0], 128)
    still = [(floor, frames[-1][1] + (i + 1) / 5) for i in range(50)]  # 10 s of an empty scene
    types = {}
    counts = {}
    async with InferenceClient(inference.target) as client:
        for gate in (False, True):
            ring = Ring(W, H)
            analysis = ObjectAnalysis(client, store)
            config = {**counting("both"), "motion_gate": gate}
            before = gated._value.get()
            with store_for(STREAM, store) as new_events:
                await play(analysis, ring, frames + still, config)
            analysis.forget(7)
            types[gate] = [e.event_type for e in new_events()]
            counts[gate] = gated._value.get() - before
            ring.ring.close()
    assert types[False] == types[True] == ["line_in", "line_out", "line_in"], types
    assert counts[False] == 0
    assert counts[True] >= 35, counts  # most of the empty floor's 50 frames, and some still ones


async def test_events_the_database_refuses_are_kept_and_appended_later(
    inference: InferenceServer, database: Engine, frames: list[tuple[np.ndarray, float]], tmp_path: Path
) -> None:
    """A database outage (the events table gone for a while) does not fail
    the row: the crossings seen meanwhile are appended with the next frame
    once the table is back, once each and in order."""
    store = EventStore(database, tmp_path)
    deferred = EVENTS_DEFERRED.labels(STREAM, "NFV4-MPA")
    before = deferred._value.get()
    ring = Ring(W, H)
    config = {**counting("both"), "motion_gate": False}
    async with InferenceClient(inference.target) as client:
        analysis = ObjectAnalysis(client, store)
        with store_for(STREAM, store) as new_events:
            with database.begin() as connection:
                connection.execute(text("ALTER TABLE events RENAME TO events_away"))
            try:
                await play(analysis, ring, frames, config)  # the three crossings, none storable
            finally:
                with database.begin() as connection:
                    connection.execute(text("ALTER TABLE events_away RENAME TO events"))
            await play(analysis, ring, frames[:1], config)  # the next frame appends them
            events = new_events()
        analysis.forget(7)
    assert [e.event_type for e in events] == ["line_in", "line_out", "line_in"], events
    assert deferred._value.get() - before >= 3
    ring.ring.close()


def test_a_thumbnail_is_the_box_with_a_margin_or_the_frame() -> None:
    rgb = np.zeros((H, W, 3), np.uint8)
    assert size(thumbnail(rgb, (0.25, 0.25, 0.5, 0.75))) == (192, 288)  # (160 + 2 * 16) x (240 + 2 * 24)
    assert size(thumbnail(rgb, (0.5, 0.5, 0.501, 0.501))) == (W, H)  # too small: the whole frame


def size(jpeg: bytes | None) -> tuple[int, int]:
    assert jpeg is not None and jpeg.startswith(b"\xff\xd8")
    with av.open(io.BytesIO(jpeg), "r") as container:
        frame = next(container.decode(video=0))
    return frame.width, frame.height
