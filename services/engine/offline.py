"""Offline video jobs: the engine analyses an uploaded video's file as fast
as the machine allows (not at playback speed), with the same analysis
stages the live workers use (services/engine/dispatch.py `Analysers`).

An `OfflineWorker` takes one job at a time: every offline work row of one
uploaded video's internal stream (`work.claim_job`: pending rows, idle rows
whose schedule has come, running rows whose worker stopped heartbeating for
`lease_seconds`). One decode serves every analytic of the video:

1. The file is opened with PyAV in a thread and decoded frame by frame;
   each row samples it at its analytic's `sample_fps` by the frames' own
   timestamps (the first frame of every 1/fps slot of video time), so the
   same file always gives the same samples. A sampled frame goes into a
   small shared-memory ring (services/media/frame_ring.py) and its
   reference to the analysis stage, which reads the pixels with
   `frames.read(ref)`; the decoder waits while two frames are queued, so
   memory stays bounded whatever the file's length.
2. Events take the recording's time: the video's `started_at` (container
   metadata or upload time, `started_at_src`) plus the frame's time. Each
   carries an idempotency key (work row, frame time, track, type; unique in
   the events table), and a frame's events are stored in one transaction
   with the row's checkpoint, fenced on this worker still owning the row
   (workers.Recording, events.store `fence`).
3. Every `heartbeat_seconds` the worker renews its rows and writes each
   row's checkpoint (the frame time up to which its events are stored) and
   progress (checkpoint / duration). A row missing from the answer was lost
   (its assignment removed, the job cancelled, the video deleted, or the
   row taken over): it stops at once; with no row left the job stops.
4. At the end every row is released `done` (progress 1). A job killed
   without stopping (its process died) keeps its rows `running`; once the
   lease has passed another worker claims them and goes on from the least
   checkpoint of the job, re-reading `WARMUP_SECONDS` before it so the
   tracker knows where the objects were; events at or before a row's
   checkpoint are already stored and are skipped.

Files that cannot be analysed (decided here, documented in the README):
the file is gone -> `failed` ("the video file ... is gone"); it is not a
video or has no video track -> `failed` with the reason; decoding stops
early (a truncated file, a decode error part way) -> `done` with what was
read, `error` naming where the frames stopped; not one frame decodes ->
`failed`. A job taken over `max_attempts` times (it killed its worker each
time) -> `failed`.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
import math
import queue
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, cast

import grpc
from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from services.catalog import work
from services.db.models import Stream, Video, as_utc
from services.engine.sources import OpenStream
from services.engine.workers import FRAMES_SAMPLED, Analyser, Prepared, Recording, prepare, sample_fps, worker_id
from services.events.store import EventStore, Fenced
from services.inference_client.client import InferenceError
from services.media.container import DECODE_ERRORS, HostileMedia, NotAVideo, error_reason, open_video
from services.media.frame_ring import FrameRef, FrameRing

log = logging.getLogger(__name__)

#: A resumed job re-reads this much video before its checkpoint (events
#: there are skipped), so tracking and line crossings pick up where they were.
WARMUP_SECONDS = 2.0
#: Frames decoded ahead of the analysis.
QUEUE_FRAMES = 4
#: Frames in the analysis at once: up to seven later frames are prepared
#: (their detection requests sent) before frame N is completed, so the
#: inference service has several requests waiting and runs them as batches
#: (workers.Prepared). Measured on 2 cores (README "Offline jobs"): depth 2
#: reached 0.79-0.86 of the bound, 8 reached 0.91-1.02. The ring holds these,
#: the queued frames and the one being decoded (13 slots: 40 MB at 1080p).
PIPELINE_DEPTH = 8
#: Frames that stop more than this before the announced end are truncated.
END_TOLERANCE_SECONDS = 0.5


#: How long a frame waits for the inference service before the job fails.
INFERENCE_PATIENCE_SECONDS = 120.0


class Unanswered(Exception):
    """The inference service did not answer for a frame within the patience."""


@dataclass(frozen=True)
class Source:
    """The video a job analyses: its file, its start, its duration."""

    path: Path
    started_at: datetime
    duration_seconds: float
    video_id: str


@dataclass(frozen=True)
class Sampled:
    """A frame the decoder kept: its reference and the rows that want it."""

    ref: FrameRef
    rows: tuple[int, ...]


@dataclass(frozen=True)
class Ended:
    """The decoder stopped: at the end of the file (`error` ""), or early."""

    last_time: float
    frames: int
    error: str = ""


class Decoder:
    """Decodes a file in a thread into a ring, keeping for each row the
    first frame of every 1/fps slot of the video's own time from `start`."""

    def __init__(self, path: Path, rates: dict[int, float], start: float, speed: float | None = None) -> None:
        """`speed`: pace the kept frames to this many seconds of video per
        second (1: real time); None: as fast as the analysis takes them."""
        self._path = path
        self._rates = rates
        self._start = start
        self._speed = speed if speed is not None and speed > 0 else None
        #: Frames decoded so far, and the size of the last one.
        self.decoded = 0
        self.width = 0
        self.height = 0
        self.frames: queue.Queue[Sampled | Ended] = queue.Queue(maxsize=QUEUE_FRAMES)
        self._stop = threading.Event()
        self._rings: list[FrameRing] = []
        self.ring: FrameRing | None = None
        self._thread = threading.Thread(target=self._run, name=f"offline-decode-{path.name}", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def next(self, seconds: float) -> Sampled | Ended | None:
        """The next kept frame (or the end); None after `seconds` without."""
        try:
            return self.frames.get(timeout=seconds)
        except queue.Empty:
            return None

    def read(self, ref: FrameRef) -> object | None:
        ring = self.ring
        return ring.read(ref) if ring is not None and ring.name == ref.ring else None

    def _put(self, item: Sampled | Ended) -> bool:
        while not self._stop.is_set():
            try:
                self.frames.put(item, timeout=0.2)
                return True
            except queue.Full:
                continue
        return False

    def _run(self) -> None:
        last_time, count = self._start, 0
        try:
            container = open_video(str(self._path), pictures=False)
        except NotAVideo as error:
            self._put(Ended(last_time, 0, f"the file cannot be analysed: {error}"))
            return
        try:
            stream = container.streams.video[0]
            stream.thread_type = "AUTO"
            base = stream.time_base
            origin = stream.start_time or 0
            if self._start > 0 and base:
                container.seek(origin + int(self._start / base), stream=stream, backward=True)
            slots = {row: math.floor(self._start * rate) - 1 for row, rate in self._rates.items()}
            paced: tuple[float, float] | None = None  # (wall clock, video time) of the first frame
            for frame in container.decode(stream):
                if self._stop.is_set():
                    return
                self.decoded += 1
                if frame.pts is None or not base:
                    continue
                at = float((frame.pts - origin) * base)
                if at < self._start:
                    continue
                if self._speed is not None:
                    if paced is None:
                        paced = (time.monotonic(), at)
                    wait = paced[0] + (at - paced[1]) / self._speed - time.monotonic()
                    if wait > 0 and self._stop.wait(wait):
                        return
                last_time = at
                wanted = []
                for row, rate in self._rates.items():
                    slot = math.floor(at * rate)
                    if slot > slots[row]:
                        slots[row] = slot
                        wanted.append(row)
                if not wanted:
                    continue
                ref = self._deliver(frame, at)
                count += 1
                if not self._put(Sampled(ref, tuple(wanted))):
                    return
            self._put(Ended(last_time, count))
        except HostileMedia as error:  # found part way (a raw stream's run with no start code)
            self._put(Ended(last_time, count, f"the file cannot be analysed: {error}" if count == 0 else str(error)))
        except DECODE_ERRORS as error:
            self._put(Ended(last_time, count, f"decoding failed at {last_time:.1f} s: {error_reason(error)}"))
        except Exception as error:  # never leave the job waiting for a frame
            log.exception("offline decoder of %s failed", self._path)
            self._put(Ended(last_time, count, f"decoding failed at {last_time:.1f} s: {type(error).__name__}"))
        finally:
            container.close()

    def _deliver(self, frame: Any, at: float) -> FrameRef:
        if frame.format.name != "yuv420p" or frame.width % 2 or frame.height % 2:
            frame = frame.reformat(width=frame.width & ~1, height=frame.height & ~1, format="yuv420p")
        width, height = frame.width, frame.height
        self.width, self.height = width, height
        ring = self.ring
        if ring is None or (ring.width, ring.height) != (width, height):
            ring = self.ring = FrameRing(width, height, QUEUE_FRAMES + PIPELINE_DEPTH + 1)
            self._rings.append(ring)
        seq, pixels = ring.slot_view()
        pixels[:] = frame.to_ndarray()
        return ring.commit(seq, at)

    def close(self) -> None:
        """Stop the thread and free the rings."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=10)
        for ring in self._rings:
            ring.close()
        self._rings.clear()


@dataclass
class FileFrames:
    """The `Frames` an offline job hands the analysis stage."""

    stream_id: str
    node_num: int
    decoder: Decoder
    recording: Recording

    def read(self, ref: FrameRef) -> object | None:
        return self.decoder.read(ref)


@dataclass
class Row:
    """One row of the job a worker holds."""

    item: work.WorkItem
    rate: float
    #: The frame time up to which this row's analysis (and events) is done.
    reached: float
    sampled: int = 0


@dataclass
class Job:
    """The job a worker runs: its rows by id, and what it measures."""

    stream_id: str
    rows: dict[int, Row] = field(default_factory=dict)
    decoder: Decoder | None = None
    #: Frames analysed (by at least one row) in this run, and before it
    #: (a resumed job goes on from the stored statistic).
    frames: int = 0
    frames_before: int = 0
    #: When this run started (monotonic) and the last analysed frame's time.
    started: float = field(default_factory=time.monotonic)
    last_time: float = 0.0

    def statistic(self, counters: dict[str, dict[str, int]]) -> dict[str, Any]:
        """The job's statistic as `videos.job_statistic` stores it."""
        elapsed = max(time.monotonic() - self.started, 1e-6)
        decoder = self.decoder
        return {
            "frames_processed": self.frames_before + self.frames,
            "frames_decoded": decoder.decoded if decoder is not None else 0,
            "processing_fps": round(self.frames / elapsed, 2),
            "frame_width": decoder.width if decoder is not None else 0,
            "frame_height": decoder.height if decoder is not None else 0,
            "last_stream_timestamp": round(self.last_time, 3),
            "objects": counters,
        }


def write_statistic(database: Engine, stream_id: str, statistic: dict[str, Any]) -> None:
    """Store a job's statistic on its video (`videos.job_statistic`)."""
    with Session(database) as session:
        session.execute(update(Video).where(col(Video.stream_id) == stream_id).values(job_statistic=statistic))
        session.commit()


def stored_statistic(database: Engine, stream_id: str) -> dict[str, Any]:
    with Session(database) as session:
        found = session.exec(select(Video.job_statistic).where(col(Video.stream_id) == stream_id)).first()
        return dict(found or {})


def source_of(database: Engine, stream_id: str) -> Source | None:
    """The video of an offline stream; None when the stream or video is gone."""
    with Session(database) as session:
        stream = session.get(Stream, stream_id)
        if stream is None:
            return None
        video = session.exec(select(Video).where(Video.stream_id == stream_id)).first()
        if video is None:
            return None
        started = as_utc(video.started_at or video.created_at)
        return Source(Path(video.file_path), started, float(video.duration or 0.0), video.video_id)


class OfflineWorker:
    """Takes offline jobs of one node, one at a time, and runs them."""

    def __init__(
        self,
        database: Engine,
        analyser: Analyser,
        store: EventStore,
        *,
        node_num: int = 0,
        index: int = 0,
        lease_seconds: float = 30.0,
        heartbeat_seconds: float = 5.0,
        max_attempts: int = 5,
        inference_patience_seconds: float = INFERENCE_PATIENCE_SECONDS,
        name: str = "",
    ) -> None:
        if heartbeat_seconds >= lease_seconds:
            raise ValueError("heartbeat_seconds must be shorter than lease_seconds")
        self._db = database
        self._analyser = analyser
        self._store = store
        self.node_num = node_num
        self.id = name or worker_id(node_num, index).replace(":w", ":o")
        self._lease = lease_seconds
        self._interval = heartbeat_seconds
        self._max_attempts = max_attempts
        self._patience = inference_patience_seconds
        self.job: Job | None = None
        self._task: asyncio.Task[None] | None = None
        self._closed = False

    # -- the loop ----------------------------------------------------------

    async def step(self) -> bool:
        """Claim one job and run it to its end; False when there was none."""
        if self._closed:
            return False
        items = await asyncio.to_thread(
            work.claim_job, self._db, self.id, lease_seconds=self._lease, node_num=self.node_num
        )
        if not items:
            return False
        if self._closed:
            for item in items:
                await asyncio.to_thread(work.release, self._db, item.id, self.id)
            return False
        # Cancelling the caller (a killed worker) cancels the job without
        # releasing its rows; `close` releases them.
        self._task = asyncio.create_task(self._run(items), name=f"offline-{items[0].stream_id}")
        try:
            await self._task
        finally:
            self._task = None
        return True

    async def run_forever(self) -> None:
        while not self._closed:
            try:
                took = await self.step()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("offline worker %s: a round failed", self.id)
                took = False
            if not took:
                await asyncio.sleep(self._interval)

    async def close(self) -> None:
        """Stop the job and give its rows back (`pending`, checkpoint kept),
        so another worker goes on from it at once."""
        self._closed = True
        task, job = self._task, self.job
        if task is not None:
            task.cancel()
            with contextlib.suppress(BaseException):
                await task
        if job is not None:
            for row in job.rows.values():
                with contextlib.suppress(Exception):
                    await asyncio.to_thread(work.release, self._db, row.item.id, self.id)

    # -- one job -------------------------------------------------------------

    async def _run(self, items: list[work.WorkItem]) -> None:
        job = self.job = Job(items[0].stream_id)
        try:
            await self._analyse(job, items)
        except asyncio.CancelledError:
            raise  # killed or closing: the rows stay as they are (close releases them)
        except Unanswered as error:
            await self._finish(job, work.FAILED, str(error))
        except Exception as error:  # a bug in the analysis must not end the worker
            log.exception("offline worker %s: job of stream %s failed", self.id, job.stream_id)
            await self._finish(job, work.FAILED, f"the analysis failed: {str(error)[:300]}")
        finally:
            # Every row's analysis state goes (a run again starts afresh, so
            # its tracks and their events' keys are the same).
            for item in items:
                self._analyser.forget(item.id)
            self.job = None

    async def _analyse(self, job: Job, items: list[work.WorkItem]) -> None:
        for item in items:
            job.rows[item.id] = Row(item, sample_fps(item.config), item.checkpoint_seconds)
        attempts = max(item.attempts for item in items)
        if attempts > self._max_attempts:
            await self._finish(job, work.FAILED, f"gave up after {attempts - 1} attempts: the worker stopped each time")
            return
        for item in items:
            refused = self._analyser.refuse(item)
            if refused is not None:
                job.rows.pop(item.id)
                await asyncio.to_thread(work.release, self._db, item.id, self.id, state=work.FAILED, error=refused)
        if not job.rows:
            return
        source = await asyncio.to_thread(source_of, self._db, job.stream_id)
        if source is None:  # the video was deleted with its rows
            await self._gone(job)
            return
        if not source.path.is_file():
            await self._finish(
                job,
                work.FAILED,
                f"the video file {source.path.name} of video {source.video_id} is gone from the media server's "
                "storage; upload the video again",
            )
            return
        resume = min(row.reached for row in job.rows.values())
        start = max(0.0, resume - WARMUP_SECONDS) if resume > 0 else 0.0
        recording = Recording(
            source.started_at,
            self.id,
            source.duration_seconds,
            # Only a resumed row has events stored (a fresh one keeps its first frame's).
            {r.item.id: r.reached for r in job.rows.values() if r.reached > 0},
        )
        speeds = [float(r.item.config.get("play_speed", -1)) for r in job.rows.values()]
        decoder = Decoder(
            source.path,
            {row_id: row.rate for row_id, row in job.rows.items()},
            start,
            min(speeds) if speeds and min(speeds) > 0 else None,
        )
        job.decoder = decoder
        if resume > 0:
            before = await asyncio.to_thread(stored_statistic, self._db, job.stream_id)
            job.frames_before = int(before.get("frames_processed", 0))
        frames = FileFrames(job.stream_id, items[0].node_num, decoder, recording)
        log.info(
            "offline worker %s: video %s (%d analytics) from %.1f s", self.id, source.video_id, len(job.rows), resume
        )
        loop = asyncio.get_running_loop()
        decoder.start()
        inflight: collections.deque[tuple[Sampled, list[tuple[int, Prepared]]]] = collections.deque()
        try:
            beat = loop.time()
            while True:
                got = await asyncio.to_thread(decoder.next, 0.5)
                if got is None:
                    pass
                elif isinstance(got, Ended):
                    while inflight:
                        await self._complete(job, frames, source, *inflight.popleft())
                    await self._ended(job, got, source, frames)
                    return
                else:
                    inflight.append((got, await self._prepare(job, frames, got)))
                    while len(inflight) >= PIPELINE_DEPTH:
                        await self._complete(job, frames, source, *inflight.popleft())
                if loop.time() - beat >= self._interval:
                    beat = loop.time()
                    if not await self._beat(job, source):
                        return
                if not job.rows:
                    return
        finally:
            for _, prepared in inflight:
                for _, ready in prepared:
                    ready.discard()
            await asyncio.to_thread(decoder.close)

    async def _prepare(self, job: Job, frames: FileFrames, got: Sampled) -> list[tuple[int, Prepared]]:
        """Begin one kept frame for each row that wants it (in frame order)."""
        begun: list[tuple[int, Prepared]] = []
        for row_id in got.rows:
            row = job.rows.get(row_id)
            if row is None:
                continue
            row.sampled += 1
            FRAMES_SAMPLED.labels(job.stream_id, row.item.analytic_id).inc()
            # The stages take an OpenStream; they read only what FileFrames
            # has (`read`, `stream_id`, `node_num`, `recording`).
            stream = cast(OpenStream, frames)
            try:
                begun.append((row_id, await prepare(self._analyser, row.item, row.item.config, stream, got.ref)))
            except Fenced:  # cancelled, removed or taken over meanwhile
                job.rows.pop(row_id, None)
        return begun

    async def _complete(
        self, job: Job, frames: FileFrames, source: Source, got: Sampled, begun: list[tuple[int, Prepared]]
    ) -> None:
        """Finish one kept frame for each row, in frame order. A frame the
        inference service cannot answer for is tried again every second
        (heartbeating meanwhile) for `inference_patience_seconds`, then the
        job fails: a recording loses no frame silently."""
        for row_id, ready in begun:
            row = job.rows.get(row_id)
            if row is None:
                ready.discard()
                continue
            try:
                await ready.complete()
            except Fenced:  # cancelled, removed or taken over meanwhile
                job.rows.pop(row_id, None)
            except (InferenceError, grpc.RpcError) as error:
                await self._again(job, frames, got, source, row, error)
            if row_id in job.rows:
                row.reached = max(row.reached, got.ref.time)
        job.frames += 1
        job.last_time = max(job.last_time, got.ref.time)

    async def _again(
        self, job: Job, frames: FileFrames, got: Sampled, source: Source, row: Row, error: BaseException
    ) -> None:
        """Analyse a frame of a row again until the inference service answers
        (see `_complete`); returns when it did or the row is gone."""
        loop = asyncio.get_running_loop()
        since = loop.time()
        row_id = row.item.id
        while True:
            waited = loop.time() - since
            if waited >= self._patience:
                raise Unanswered(
                    f"the inference service did not answer for {waited:.0f} s at {got.ref.time:.1f} s "
                    f"of the video: {error}"
                ) from None
            log.warning("offline worker %s: frame at %.2f s waits for inference: %s", self.id, got.ref.time, error)
            await asyncio.sleep(1.0)
            if not await self._beat(job, source) or row_id not in job.rows:
                return
            try:
                await self._analyser.analyse(row.item, row.item.config, cast(OpenStream, frames), got.ref)
                return
            except Fenced:
                job.rows.pop(row_id, None)
                return
            except (InferenceError, grpc.RpcError) as again:
                error = again

    async def _beat(self, job: Job, source: Source) -> bool:
        """Renew the rows with their checkpoints; False when none is left."""
        marks = {
            row_id: (row.reached, _progress(row.reached, source.duration_seconds)) for row_id, row in job.rows.items()
        }
        kept = await asyncio.to_thread(work.checkpoint_job, self._db, self.id, marks)
        for row_id in set(job.rows) - kept:
            job.rows.pop(row_id)
            log.info("offline worker %s: lost work %d (removed, cancelled or taken over)", self.id, row_id)
        if job.rows:
            counters = getattr(self._analyser, "counters", None)
            objects = {r.item.analytic_id: counters(r.item) for r in job.rows.values()} if counters else {}
            await asyncio.to_thread(write_statistic, self._db, job.stream_id, job.statistic(objects))
        if not job.rows:
            if await asyncio.to_thread(source_of, self._db, job.stream_id) is None:
                await self._gone(job)
            return False
        return True

    async def _ended(self, job: Job, ended: Ended, source: Source, frames: FileFrames) -> None:
        if ended.error and ended.frames == 0 and min(r.reached for r in job.rows.values()) == 0:
            await self._finish(job, work.FAILED, ended.error)
            return
        # The recording ended: what a stage still holds (a face or plate
        # track not decided yet) is decided now, at the last frame's time.
        flush = getattr(self._analyser, "flush", None)
        if flush is not None:
            for row in list(job.rows.values()):
                try:
                    await flush(row.item, cast(OpenStream, frames), ended.last_time)
                except Fenced:
                    job.rows.pop(row.item.id, None)
        if not job.rows:
            return
        end = source.duration_seconds
        note = ended.error
        if not note and end > 0 and ended.last_time < end - max(END_TOLERANCE_SECONDS, 2.0 / 25):
            note = f"the video's frames stop at {ended.last_time:.1f} s of its {end:.1f} s (a truncated file)"
        if note:
            note = f"analysed up to {ended.last_time:.1f} s: {note}"
        for row in job.rows.values():
            row.reached = max(row.reached, ended.last_time)
        await self._beat(job, source)
        await self._finish(job, work.DONE, note, progress=1.0)

    async def _finish(self, job: Job, state: str, error: str, *, progress: float | None = None) -> None:
        for row_id in list(job.rows):
            await asyncio.to_thread(
                work.release, self._db, row_id, self.id, state=state, error=error[:500], progress=progress
            )
            job.rows.pop(row_id)
        log.info("offline worker %s: job of stream %s %s %s", self.id, job.stream_id, state, error)

    async def _gone(self, job: Job) -> None:
        """The video was deleted while its job ran: events the job appended
        after the delete removed the video's events go too."""
        job.rows.clear()
        removed = await asyncio.to_thread(self._store.delete_stream, job.stream_id)
        log.info("offline worker %s: stream %s is gone (%d late events removed)", self.id, job.stream_id, removed)


def _progress(reached: float, duration: float) -> float:
    return min(1.0, reached / duration) if duration > 0 else 0.0
