"""Offline video jobs (services/engine/offline.py) on SQLite and PostgreSQL,
with the real inference service (yolox_nano_u8), the real people analysis
stage and the real events store, on the astronaut clip
(tests/unit/test_people_counting_clip.py: in, out, in across the middle):

* a worker killed mid-job (stopped without releasing its rows) is resumed
  by a second worker after the lease, from its checkpoint, not from zero,
  and the video's events are exactly in, out, in, each stored once, at the
  recording's time;
* running the job again stores nothing twice (idempotency keys);
* a job whose file is gone fails with a clear reason; a truncated file is
  done with what was read, saying where it stopped; a file with no video
  track fails;
* hostile media (issue 18's corpus), sparse files (a 10 GiB hole after
  a real head) and a raw H.264 head followed by 48 MiB of written zeros
  fail their jobs at once with the reason, unread (the zeros: 16 MiB read);
* the schedule: an assignment arms the job, a second one during the delay
  joins it, one while scheduled or running is refused; cancel idles it.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import shutil
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import av
import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from services.catalog import work
from services.catalog.repository import AnalysisRunning, CatalogRepository
from services.db.engine import make_engine
from services.db.models import Event as Stored
from services.db.models import Stream, Video, Work, utcnow
from services.engine.analysers import ObjectAnalysis
from services.engine.dispatch import Analysers
from services.engine.offline import WARMUP_SECONDS, OfflineWorker
from services.engine.sources import OpenStream
from services.events.store import EventQuery, EventStore, NewEvent
from services.inference_client import InferenceClient
from services.media.frame_ring import FrameRef
from tests.inference_support import InferenceServer, free_port, inference_server, model_repository
from tests.media import HOSTILE_KINDS, append_zeros, hostile, make_raw_h264
from tests.unit.test_people_counting_clip import make_clip

LEASE = 1.5
BEAT = 0.2
STARTED = datetime(2026, 1, 15, 8, 0, tzinfo=UTC)
COUNTING = {
    "object_confidence_threshold": 0.5,
    "sub_analytics": [
        {
            "name": "counting",
            "areas": [
                {"name": "Middle", "points": [{"x": 0.5, "y": 0.98}, {"x": 0.5, "y": 0.02}], "direction": "both"}
            ],
        }
    ],
}


@pytest.fixture(scope="module")
def inference(tmp_path_factory: pytest.TempPathFactory) -> Iterator[InferenceServer]:
    with inference_server(model_repository(), tmp_path_factory.mktemp("inference"), load="yolox_nano_u8") as server:
        yield server


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("clips") / "walks.mp4"
    make_clip(path, "astronaut.png")
    return path


@pytest.fixture
def database(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


def add_video(database: Engine, name: str, path: Path, duration: float) -> str:
    now = utcnow()
    stream_id = f"off-{name}"
    with Session(database) as session:
        session.add(
            Stream(
                stream_id=stream_id,
                reference=path.as_uri(),
                offline_mode=True,
                custom_data={"video_id": name, "offline_mode": True},
                create_time=now,
                last_update_time=now,
            )
        )
        session.add(
            Video(
                video_id=name,
                file_path=str(path),
                duration=duration,
                started_at=STARTED,
                started_at_src="metadata",
                stream_id=stream_id,
                created_at=now,
                updated_at=now,
            )
        )
        session.commit()
    return stream_id


def assign(database: Engine, stream_id: str, delay: float = 0.0, analytic: str = "NFV4-MPA") -> int:
    row = CatalogRepository(database, offline_schedule_delay_seconds=delay).assign(
        stream_id, 0, analytic, COUNTING, 100, lambda n: f"{analytic}-N0-{n:04d}", utcnow()
    )
    assert row.id is not None
    return row.id


def row_of(database: Engine, work_id: int) -> Work:
    with Session(database) as session:
        row = session.get(Work, work_id)
        assert row is not None
        return row


class Watch:
    """The real analysis stage, recording the frame times it is given; it
    can hold the job at a frame time (so a test kills the worker there)."""

    def __init__(self, inner: Analysers, hold_at: float | None = None) -> None:
        self.inner = inner
        self.times: list[float] = []
        self.hold_at = hold_at
        self.held = asyncio.Event()

    def refuse(self, item: work.WorkItem) -> str | None:
        return self.inner.refuse(item)

    def forget(self, work_id: int) -> None:
        self.inner.forget(work_id)

    async def analyse(self, item: work.WorkItem, config: dict[str, Any], stream: OpenStream, ref: FrameRef) -> None:
        self.times.append(ref.time)
        await self.inner.analyse(item, config, stream, ref)
        if self.hold_at is not None and ref.time >= self.hold_at:
            self.held.set()
            await asyncio.Event().wait()  # never: the test kills the worker here


def duration_of(path: Path) -> float:
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        assert stream.duration is not None and stream.time_base is not None
        return float(stream.duration * stream.time_base)


async def test_a_killed_job_resumes_from_its_checkpoint_and_stores_each_event_once(
    inference: InferenceServer, database: Engine, clip: Path, tmp_path: Path
) -> None:
    duration = duration_of(clip)
    stream_id = add_video(database, "walks", clip, duration)
    work_id = assign(database, stream_id)
    store = EventStore(database, tmp_path)
    async with InferenceClient(inference.target) as client:
        # The first worker is killed (its task cancelled, nothing released)
        # after the second crossing (about 4.9 s into the video).
        first = Watch(Analysers({"NFV4-MPA": ObjectAnalysis(client, store)}), hold_at=6.0)
        a = OfflineWorker(database, first, store, lease_seconds=LEASE, heartbeat_seconds=BEAT, name="a")
        killed = asyncio.create_task(a.step())
        await asyncio.wait_for(first.held.wait(), 60)
        await asyncio.sleep(BEAT * 2)
        killed.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await killed
        row = row_of(database, work_id)
        assert (row.state, row.owner) == (work.RUNNING, "a")
        checkpoint = row.checkpoint_seconds
        assert 4.5 < checkpoint <= 6.0 + 1e-6 and 0 < row.progress < 1
        before = store.newest(EventQuery(stream_id=stream_id), 100)
        assert sorted(e.event_type for e in before) == ["line_in", "line_out"]

        # Another worker (another process: its own analysis state) takes the
        # job once the lease has passed and goes on from the checkpoint.
        second = Watch(Analysers({"NFV4-MPA": ObjectAnalysis(client, store)}))
        b = OfflineWorker(database, second, store, lease_seconds=LEASE, heartbeat_seconds=BEAT, name="b")
        assert await b.step() is False  # within the lease: not taken
        await asyncio.sleep(LEASE + 0.2)
        assert await b.step() is True
    row = row_of(database, work_id)
    assert (row.state, row.progress, row.attempts, row.error) == (work.DONE, 1.0, 2, "")
    assert row.checkpoint_seconds >= duration - 0.5
    assert second.times and min(second.times) >= checkpoint - WARMUP_SECONDS - 0.01 > 2.0
    events = sorted(store.newest(EventQuery(stream_id=stream_id), 100), key=lambda e: e.attributes["frame_time"])
    assert [e.event_type for e in events] == ["line_in", "line_out", "line_in"], events
    for event in events:
        assert event.occurred_at == STARTED + timedelta(seconds=event.attributes["frame_time"])
    with Session(database) as session:
        keys = session.exec(select(Stored.idempotency_key).where(Stored.stream_id == stream_id)).all()
    assert len(set(keys)) == 3 and all(k and k.startswith(f"w{work_id}:") for k in keys)

    # Running the whole job again stores nothing twice.
    assert work.schedule_job(database, stream_id) == 1
    async with InferenceClient(inference.target) as client:
        again = OfflineWorker(
            database, Analysers({"NFV4-MPA": ObjectAnalysis(client, store)}), store, heartbeat_seconds=BEAT
        )
        assert await again.step() is True
    assert row_of(database, work_id).state == work.DONE
    assert len(store.newest(EventQuery(stream_id=stream_id), 100)) == 3


def test_append_skips_a_stored_key(database: Engine, tmp_path: Path) -> None:
    store = EventStore(database, tmp_path)
    event = NewEvent(
        stream_id="s", analytic_id="NFV4-MPA", event_type="line_in", occurred_at=STARTED, idempotency_key="w1:1000:1"
    )
    assert len(store.append([event, event])) == 1
    assert store.append([event]) == []
    assert store.counts(["s", "t"]) == {"s": 1, "t": 0}
    assert store.delete_stream("s") == 1


async def test_files_that_cannot_be_analysed(
    inference: InferenceServer, database: Engine, clip: Path, tmp_path: Path
) -> None:
    store = EventStore(database, tmp_path)
    gone = tmp_path / "gone.mp4"
    shutil.copyfile(clip, gone)
    truncated = tmp_path / "cut.mp4"
    make_clip(truncated, "astronaut.png")
    full = duration_of(truncated)
    noise = tmp_path / "audio.mp4"
    with noise.open("wb") as out:
        out.write(b"\x00" * 4096)
    ids = {
        "gone": assign(database, add_video(database, "gone", gone, full)),
        # Announced longer than its frames last: done with what was read.
        "cut": assign(database, add_video(database, "cut", truncated, full + 20)),
        "noise": assign(database, add_video(database, "noise", noise, 3.0)),
    }
    gone.unlink()
    async with InferenceClient(inference.target) as client:
        worker = OfflineWorker(
            database, Analysers({"NFV4-MPA": ObjectAnalysis(client, store)}), store, heartbeat_seconds=BEAT
        )
        for _ in ids:
            assert await worker.step() is True
    rows = {name: row_of(database, work_id) for name, work_id in ids.items()}
    assert rows["gone"].state == work.FAILED and "gone.mp4 of video gone is gone" in rows["gone"].error
    assert rows["cut"].state == work.DONE and "frames stop at" in rows["cut"].error, rows["cut"].error
    assert work.jobs_of(database, ["off-cut"])["off-cut"].state == work.JOB_DONE
    assert rows["noise"].state == work.FAILED and "cannot be analysed" in rows["noise"].error
    job = work.jobs_of(database, ["off-gone"])["off-gone"]
    assert job.state == work.JOB_FAILED and "is gone" in job.error


def test_the_schedule_refusals_and_cancel(database: Engine, clip: Path) -> None:
    stream_id = add_video(database, "sched", clip, 9.0)
    first = assign(database, stream_id, delay=30)
    job = work.jobs_of(database, [stream_id])[stream_id]
    assert job.state == work.JOB_IDLE and job.scheduled_for is not None
    # Within the delay another analytic joins the job (the delay starts again).
    assign(database, stream_id, delay=30, analytic="NFV4-MVA")
    assert work.claim_job(database, "w", lease_seconds=LEASE) == []  # not due yet
    # Due: the job is scheduled, and then no assignment may change it.
    later = utcnow() + timedelta(seconds=31)
    assert work.jobs_of(database, [stream_id], later)[stream_id].state == work.JOB_SCHEDULED
    taken = work.claim_job(database, "w", lease_seconds=LEASE, now=later)
    assert {t.analytic_id for t in taken} == {"NFV4-MPA", "NFV4-MVA"}
    assert work.claim_job(database, "x", lease_seconds=LEASE, now=later) == []  # one job, one worker
    with pytest.raises(AnalysisRunning, match="the job is running"):
        assign(database, stream_id, analytic="NFV4-FR")
    # Cancel: every row idle, the job cancelled; its worker has lost the rows.
    assert work.cancel_stream(database, stream_id) == 2
    assert work.jobs_of(database, [stream_id])[stream_id].state == work.JOB_CANCELLED
    assert work.checkpoint_job(database, "w", {first: (1.0, 0.1)}) == set()
    # Scheduling it again makes it due now.
    assert work.schedule_job(database, stream_id) == 2
    assert work.jobs_of(database, [stream_id])[stream_id].state == work.JOB_SCHEDULED
    assert work.schedule_job(database, stream_id) == 0  # already scheduled


async def test_a_job_waits_for_the_inference_service_then_fails_clearly(
    database: Engine, clip: Path, tmp_path: Path
) -> None:
    store = EventStore(database, tmp_path)
    work_id = assign(database, add_video(database, "blind", clip, duration_of(clip)))
    async with InferenceClient(f"127.0.0.1:{free_port()}") as client:  # nothing listens there
        worker = OfflineWorker(
            database,
            Analysers({"NFV4-MPA": ObjectAnalysis(client, store)}),
            store,
            heartbeat_seconds=BEAT,
            inference_patience_seconds=1.5,
        )
        assert await worker.step() is True
    row = row_of(database, work_id)
    assert row.state == work.FAILED, row
    assert re.search(r"the inference service did not answer for \d+ s at 0\.0 s of the video", row.error), row.error
    assert row.checkpoint_seconds == 0 and store.counts(["off-blind"]) == {"off-blind": 0}


def sparse_copy(source: Path, path: Path, size: int = 10 << 30) -> Path:
    """`source`'s bytes, then a hole up to `size` (10 GiB claimed, a few KB
    stored), as `truncate -s 10G` makes."""
    shutil.copyfile(source, path)
    os.truncate(path, size)
    return path


def bytes_read() -> int:
    """Bytes this process has read through system calls (holes included)."""
    with open("/proc/self/io") as io:
        return next(int(line.split()[1]) for line in io if line.startswith("rchar"))


async def test_hostile_and_sparse_files_fail_their_jobs_fast(
    inference: InferenceServer, database: Engine, clip: Path, tmp_path: Path
) -> None:
    """Issue 18's hostile corpus (tests/media.py `hostile()`: none gets in as
    an upload, see tests/e2e/test_lenz_uploads.py) and sparse files placed
    where a stored video's file was: each job fails at once with the reason,
    nothing named by a playlist is read, and a 10 GiB hole is not read."""
    store = EventStore(database, tmp_path)
    files: dict[str, Path] = {}
    for kind in HOSTILE_KINDS:
        files[kind] = tmp_path / f"{kind}.mp4"
        files[kind].write_bytes(hostile(kind))
    files["hole"] = tmp_path / "hole.mp4"
    files["hole"].touch()
    os.truncate(files["hole"], 10 << 30)
    files["mp4_hole"] = sparse_copy(clip, tmp_path / "mp4_hole.mp4")
    raw = make_raw_h264(tmp_path / "raw.h264", clip)
    files["h264_hole"] = sparse_copy(raw, tmp_path / "h264_hole.h264")
    # A raw H.264 head then 48 MiB of zeros written in full (no hole).
    files["h264_zeros"] = append_zeros(shutil.copyfile(raw, tmp_path / "h264_zeros.h264"), 48 << 20)
    ids = {kind: assign(database, add_video(database, f"x{kind}", path, 36000.0)) for kind, path in files.items()}
    before, start = bytes_read(), time.monotonic()
    async with InferenceClient(inference.target) as client:
        worker = OfflineWorker(
            database, Analysers({"NFV4-MPA": ObjectAnalysis(client, store)}), store, heartbeat_seconds=BEAT
        )
        for _ in ids:
            assert await worker.step() is True
    took, read = time.monotonic() - start, bytes_read() - before
    reasons = {kind: row_of(database, work_id) for kind, work_id in ids.items()}
    for kind, row in reasons.items():
        assert row.state == work.FAILED and row.error.startswith("the file cannot be analysed: "), (kind, row.error)
        assert work.jobs_of(database, [f"off-x{kind}"])[f"off-x{kind}"].state == work.JOB_FAILED
    assert "an HLS playlist, not a video" in reasons["hls"].error
    assert "an ffconcat playlist" in reasons["concat"].error
    assert "an SDP session description" in reasons["sdp"].error
    assert "16000x16000 frames, over the limit" in reasons["huge"].error
    for kind in ("hole", "mp4_hole", "h264_hole"):
        assert "the file is sparse" in reasons[kind].error and "10737" in reasons[kind].error, reasons[kind].error
    assert re.fullmatch(
        r"the file cannot be analysed: the file has 16 MiB with no video start code at offset \d+ \(a raw h264 .*",
        reasons["h264_zeros"].error,
    ), reasons["h264_zeros"].error
    assert store.counts([f"off-x{kind}" for kind in files]) == dict.fromkeys((f"off-x{k}" for k in files), 0)
    # Eight jobs in seconds, and nothing like the 30 GiB of holes or the 48
    # MiB of zeros read (the raw file's first 8 MiB to find its format, then
    # 16 MiB; the database and the model's answers are the rest).
    assert took < 20, took
    assert read < 64 << 20, read
