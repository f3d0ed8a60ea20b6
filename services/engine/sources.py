"""The stream engine's open streams, kept as a set of demands.

Which streams to open is not a list the engine owns: it is the union of
*demands*, each naming a stream and a reason. Today there is one kind of
demand, a live viewer (`VIEWER`: someone watching `/mjpeg`, `/stream_jpeg`
or `/visual`). The work-taking workers of the next half of the engine issue
add theirs through the same door, `StreamEngine.demand(stream_id, reason)`:
an `ASSIGNMENT` held for as long as a worker holds an analytic assignment of
the catalog's work table (services/catalog/work.py: owner and heartbeat),
and a `LUNA` demand for a LUNA stream taken from the processing queue. An
analysis stage then reads the same frames the viewers see, by reference
(`OpenStream.latest` / `wait_frame`, services/media/frame_ring.py), at its
own sampled rate.

A stream opens on its first demand and closes `linger_seconds` after its
last one ends (so a viewer reloading a page does not reconnect the camera).
Every `report_seconds` the engine re-reads the addresses of its open
streams, so a changed `stream_address` reopens the stream and a deleted
stream closes it and ends its viewers, without a restart, and writes what it
measured into `stream_stats` (STOPPED when a stream closes), which the
Streams service prints as Visionaire4's `stream_stats`. Decoder threads
never wait for a consumer: each open stream keeps only its latest frame
reference, and a consumer that is slower than the source skips frames.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
import os
import socket
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, replace

from prometheus_client import Counter

from services.common.errors import NotFound
from services.engine.repository import EngineRepository, StatsReport, StreamSource
from services.media.frame_ring import FrameRef, FrameRing
from services.media.live_source import STOPPED, LiveSource, SourceOptions, SourceStats

log = logging.getLogger(__name__)

FRAMES_DECODED = Counter("vigil_engine_frames_decoded", "Frames the engine decoded, by stream", ["stream_id"])
FRAMES_DROPPED = Counter(
    "vigil_engine_frames_dropped",
    "Frames a reader (a live view, later analysis) missed because the decoder had reused their slot, by stream",
    ["stream_id"],
)

#: Demand reasons. Only VIEWER is raised today (see the module docstring).
VIEWER = "viewer"
ASSIGNMENT = "assignment"
LUNA = "luna"


@dataclass(frozen=True)
class Demand:
    """Why a stream is open."""

    stream_id: str
    reason: str


class OpenStream:
    """A stream the engine has open: its source, its latest frame, and the
    waiters for the next one (on the engine's event loop)."""

    def __init__(self, source: StreamSource, loop: asyncio.AbstractEventLoop) -> None:
        self.stream_id = source.stream_id
        self.node_num = source.node_num
        self.source_info = source
        self.demands: collections.Counter[str] = collections.Counter()
        self.latest: FrameRef | None = None
        self.ring: FrameRing | None = None
        self.closed = False
        self.idle_since: float | None = None
        self.renditions: dict[tuple[int, int, str], object] = {}
        self.counted = 0  # frames already added to FRAMES_DECODED
        self._counted_source: LiveSource | None = None
        self._loop = loop
        self._next: asyncio.Future[None] = loop.create_future()
        self.live: LiveSource | None = None
        #: analytic id -> why its frames are being skipped (the inference
        #: service fails); `stream_stats.last_error_msg` shows it until
        #: a frame of that analytic is analysed again.
        self.analysis_problems: dict[str, str] = {}

    @property
    def recording(self) -> None:
        """A live stream is no recording: its events take the frame's arrival."""
        return None

    def attach(self, live: LiveSource) -> None:
        self.live = live

    def analysis_failed(self, analytic_id: str, why: str) -> None:
        """An analytic skips this stream's frames (why), until analysis_ok."""
        self.analysis_problems[analytic_id] = why

    def analysis_ok(self, analytic_id: str) -> None:
        self.analysis_problems.pop(analytic_id, None)

    def message(self, stats: SourceStats) -> str:
        """The source's message, then each analytic's problem."""
        notes = [f"{analytic}: {why}" for analytic, why in sorted(self.analysis_problems.items())]
        return "; ".join(([stats.message] if stats.message else []) + notes)

    def arrived(self, ref: FrameRef, ring: FrameRing) -> None:
        """Called from the decoder thread for every frame."""
        self._loop.call_soon_threadsafe(self._publish, ref, ring)

    def _publish(self, ref: FrameRef, ring: FrameRing) -> None:
        if self.closed:
            return
        self.latest = ref
        self.ring = ring
        self._wake()

    def _wake(self) -> None:
        waiter, self._next = self._next, self._loop.create_future()
        if not waiter.done():
            waiter.set_result(None)

    async def wait_frame(self, last: FrameRef | None, seconds: float) -> FrameRef | None:
        """The latest frame if it is not `last`, else the next one (waiting
        up to `seconds`); None on timeout or when the stream closed."""
        deadline = self._loop.time() + seconds
        while not self.closed:
            ref = self.latest
            if ref is not None and ref != last:
                return ref
            remaining = deadline - self._loop.time()
            if remaining <= 0:
                return None
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.shield(self._next), remaining)
        return None

    def read(self, ref: FrameRef) -> object | None:
        """The pixels of a frame reference (None when overwritten)."""
        ring = self.ring
        pixels = ring.read(ref) if ring is not None and ring.name == ref.ring else None
        if pixels is None:
            FRAMES_DROPPED.labels(self.stream_id).inc()
        return pixels

    def stats(self) -> SourceStats:
        return self.live.stats() if self.live is not None else SourceStats()

    def count_decoded(self, frames: int) -> None:
        """Add the frames decoded since the last count to FRAMES_DECODED."""
        if self._counted_source is not self.live:  # a new source counts from 0
            self._counted_source, self.counted = self.live, 0
        if frames > self.counted:
            FRAMES_DECODED.labels(self.stream_id).inc(frames - self.counted)
            self.counted = frames

    def close(self) -> None:
        self.closed = True
        self._wake()


class StreamEngine:
    """Opens streams on demand and closes them when nobody needs them."""

    def __init__(
        self,
        repository: EngineRepository,
        options: SourceOptions,
        *,
        report_seconds: float = 1.0,
        linger_seconds: float = 5.0,
        reporter: str = "",
        source_factory: Callable[..., LiveSource] = LiveSource,
    ) -> None:
        self._repository = repository
        self._options = options
        self._report_seconds = report_seconds
        self._linger = linger_seconds
        self.reporter = reporter or f"{socket.gethostname()[:40]}:{os.getpid()}"
        self._factory = source_factory
        self._open: dict[str, OpenStream] = {}
        self._retiring: set[asyncio.Task[None]] = set()
        self._lock = asyncio.Lock()

    def open_streams(self) -> dict[str, OpenStream]:
        return dict(self._open)

    async def lookup(self, stream_id: str) -> StreamSource | None:
        found = await asyncio.to_thread(self._repository.sources, [stream_id])
        return found.get(stream_id)

    async def assigned_analytics(self, stream_id: str) -> set[str]:
        return await asyncio.to_thread(self._repository.assigned_analytics, stream_id)

    @contextlib.asynccontextmanager
    async def demand(self, source: StreamSource, reason: str) -> AsyncIterator[OpenStream]:
        """Hold `source` open for `reason` while the block runs."""
        async with self._lock:
            stream = self._open.get(source.stream_id)
            if stream is None or stream.closed:
                stream = self._start(source)
            stream.demands[reason] += 1
            stream.idle_since = None
        try:
            yield stream
        finally:
            stream.demands[reason] -= 1
            if stream.demands[reason] <= 0:
                del stream.demands[reason]
            if not stream.demands:
                stream.idle_since = time.monotonic()

    def _start(self, source: StreamSource) -> OpenStream:
        stream = OpenStream(source, asyncio.get_running_loop())
        self._launch(stream, source)
        self._open[source.stream_id] = stream
        log.info("stream %s: opening %s", source.stream_id, source.address[:64])
        return stream

    def _launch(self, stream: OpenStream, source: StreamSource) -> None:
        options = replace(self._options, rtsp_transport=source.transport or self._options.rtsp_transport)
        live = self._factory(source.address, options, stream.arrived, name=source.stream_id[:8])
        stream.attach(live)
        stream.source_info = source
        live.start()

    async def _stop_source(self, live: LiveSource | None, *, wait: bool = False) -> None:
        """Stop a source; its thread ends within a read timeout, and its
        rings are freed once it has (in the background unless `wait`, so a
        source stuck in a read never holds up the engine's lock)."""
        if live is None:
            return
        live.stop()

        async def finish() -> None:
            await asyncio.to_thread(live.stop, self._options.read_timeout_seconds + 1)
            if live.stopped:
                live.close()

        if wait:
            await finish()
            return
        task = asyncio.create_task(finish())
        self._retiring.add(task)
        task.add_done_callback(self._retiring.discard)

    async def _close(self, stream: OpenStream, message: str, *, wait: bool = False) -> StatsReport:
        self._open.pop(stream.stream_id, None)
        stream.close()
        stats = stream.stats()
        stream.count_decoded(stats.frames)
        await self._stop_source(stream.live, wait=wait)
        log.info("stream %s: closed (%s)", stream.stream_id, message)
        return StatsReport(stream.stream_id, STOPPED, 0.0, stats.width, stats.height, message, stats.frames, 0)

    async def step(self) -> None:
        """One round: apply stream changes and deletions, close idle
        streams, write the stats of the open ones."""
        async with self._lock:
            streams = list(self._open.values())
            current = await asyncio.to_thread(self._repository.sources, [s.stream_id for s in streams])
            reports: list[StatsReport] = []
            now = time.monotonic()
            for stream in streams:
                source = current.get(stream.stream_id)
                if source is None:
                    await self._close(stream, "the stream was deleted")
                    continue
                if stream.idle_since is not None and now - stream.idle_since >= self._linger:
                    reports.append(await self._close(stream, "no viewer or analytic needs the stream"))
                    continue
                if source.address != stream.source_info.address or source.transport != stream.source_info.transport:
                    log.info("stream %s: the address changed; reopening", stream.stream_id)
                    old = stream.live
                    self._launch(stream, source)
                    await self._stop_source(old)
                stats = stream.stats()
                stream.count_decoded(stats.frames)
                reports.append(
                    StatsReport(
                        stream.stream_id,
                        stats.state,
                        stats.fps,
                        stats.width,
                        stats.height,
                        stream.message(stats),
                        stats.frames,
                        stats.reconnects,
                    )
                )
        if reports:
            await asyncio.to_thread(self._repository.write_stats, reports, self.reporter)

    async def run_forever(self) -> None:
        while True:
            try:
                await self.step()
            except Exception:
                log.exception("stream engine: a round failed")
            await asyncio.sleep(self._report_seconds)

    async def close(self) -> None:
        """Stop every source and mark its stats STOPPED."""
        async with self._lock:
            reports = [await self._close(s, "the engine stopped", wait=True) for s in list(self._open.values())]
        await asyncio.gather(*self._retiring, return_exceptions=True)
        if reports:
            with contextlib.suppress(Exception):
                await asyncio.to_thread(self._repository.write_stats, reports, self.reporter)


async def require(
    engine: StreamEngine, node_num: int, stream_id: str, message: str = "stream not found"
) -> StreamSource:
    """The stream on that node, or NotFound with Visionaire4's message."""
    source = await engine.lookup(stream_id)
    if source is None or source.node_num != node_num:
        raise NotFound(message)
    return source
