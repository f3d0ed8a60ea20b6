"""The engine's workers: they take the durable live work of the catalog
(services/catalog/work.py, one row per analytic assigned to a stream) and
keep each claimed stream open while they hold its row.

A `WorkWorker` belongs to one node (`node_num`) and has an id unique to its
process (`host:pid:nN:wI`). Every `heartbeat_seconds` one round
(`step`):

1. renews every row it holds in one statement (`work.heartbeat_all`); a row
   missing from the answer was lost (its assignment or its stream was
   deleted, or another worker took it over after this one stalled past the
   lease), so its task is cancelled at once and its demand dropped; a row
   whose `config_version` rose gets its new config (`work.read_config`),
   applied to the running task without a restart;
2. claims up to `claim_limit` `live` rows of its node that are pending or
   whose owner stopped heartbeating for `lease_seconds` (`work.claim`: SKIP
   LOCKED on PostgreSQL, the write lock on SQLite, so two workers never get
   one row), and starts a task for each;
3. writes its row of the worker registry (services/engine/registry.py: the
   rows it holds, its beat), which `/node_status` and `/resource_stats`
   show; a worker that stops cleanly deletes its row.

Each task holds an `ASSIGNMENT` demand on its stream
(`StreamEngine.demand`), so the stream opens (once per process, however many
analytics and viewers need it) and its `stream_stats` become real; the
stream closes `linger_seconds` after the last demand ends. The task reads
the stream's frames by reference, sampled at the analytic's `sample_fps`,
and hands each sampled frame to `Analyser.analyse`, the one place where the
analysis stage is called (services/engine/analysers.py: people and vehicle
analytics; every frame sampled is counted in `vigil_engine_frames_sampled`).
A row whose analytic the analyser `refuse`s (not built in this engine) is
released as failed with the analyser's message before its stream opens.

On stop (`close`) the worker cancels its tasks and releases each row back to
`pending`, so another worker takes it at once instead of after the lease.
A worker killed without stopping leaves its rows `running`; any worker of
the node claims them once their heartbeat is older than the lease. A worker
that is alive but whose heartbeats stalled (a database outage, a blocked
loop) fences itself: once its last renewal of a row is a lease old it hands
that row's frames to nobody, so it never analyses a row another worker may
have taken over meanwhile; its next heartbeat either confirms the row or
drops it.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import os
import socket
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, Protocol

from prometheus_client import Counter, Gauge
from sqlalchemy import Update
from sqlalchemy.engine import Engine

from services.catalog import work
from services.db.models import utcnow
from services.engine import registry
from services.engine.sources import ASSIGNMENT, OpenStream, StreamEngine
from services.events.store import NewEvent
from services.inference_client.client import call_deadline
from services.media.frame_ring import FrameRef

log = logging.getLogger(__name__)

FRAMES_SAMPLED = Counter(
    "vigil_engine_frames_sampled",
    "Frames a worker sampled for an analytic (at its sample_fps), by stream and analytic",
    ["stream_id", "analytic_id"],
)
ROWS_HELD = Gauge("vigil_engine_work_held", "Work rows a worker holds now", ["worker"])
ROWS_LOST = Counter("vigil_engine_work_lost", "Work rows a worker lost (removed or taken over)", ["worker"])

#: Frames sampled per second when a config names no `sample_fps`.
DEFAULT_SAMPLE_FPS = 5.0
#: A worker silent for this many leases leaves the registry (a killed one).
FORGET_LEASES = 10


@dataclass(frozen=True)
class Recording:
    """What makes an offline job's frames a recording (services/engine/offline.py):
    events take the recording's own time (`started_at` plus the frame's
    time), carry an idempotency key, and are stored together with the row's
    checkpoint, fenced on the worker still owning the row; events at or
    before a row's checkpoint (`stored_until`) are already stored and are
    skipped (a resumed job re-reads a little before its checkpoint so the
    tracker knows where objects were)."""

    started_at: datetime
    worker_id: str
    duration_seconds: float
    stored_until: Mapping[int, float]

    def occurred_at(self, seconds: float) -> datetime:
        return self.started_at + timedelta(seconds=seconds)

    def keeps(self, work_id: int, seconds: float) -> bool:
        """An event of this frame time is not stored yet."""
        return seconds > self.stored_until.get(work_id, -1.0)

    @staticmethod
    def key(work_id: int, seconds: float, track_id: int | None, sub_analytic: str, event_type: str) -> str:
        """The event's idempotency key: work row, frame time (ms), track, type."""
        track = "-" if track_id is None else str(track_id)
        return f"w{work_id}:{round(seconds * 1000)}:{track}:{sub_analytic}:{event_type}"[:128]

    def stamp(self, work_id: int, events: Sequence[NewEvent], seconds: Sequence[float]) -> list[NewEvent]:
        """Events of a stage as this recording's: each at the recording's
        time of its frame (`seconds`, one per event), keyed, and only those
        not stored yet."""
        return [
            replace(
                event,
                occurred_at=self.occurred_at(at),
                idempotency_key=self.key(work_id, at, event.track_id, event.sub_analytic, event.event_type),
            )
            for event, at in zip(events, seconds, strict=True)
            if self.keeps(work_id, at)
        ]

    def fence(self, work_id: int, seconds: float) -> Update:
        """The statement stored with a frame's events: the row's checkpoint
        moves to the frame, only while this worker owns the row."""
        progress = seconds / self.duration_seconds if self.duration_seconds > 0 else 0.0
        return work.checkpoint_statement(work_id, self.worker_id, seconds, progress)


class Analyser(Protocol):
    """The analysis stage, called once per sampled frame of one work row."""

    def refuse(self, item: work.WorkItem) -> str | None:
        """Why this row's analytic cannot run here (None: it can). A refused
        row is released as failed with this message before its stream opens."""

    def forget(self, work_id: int) -> None:
        """The row's task ended (dropped, released, failed): drop its state."""

    async def analyse(self, item: work.WorkItem, config: dict[str, Any], stream: OpenStream, ref: FrameRef) -> None:
        """Analyse one frame (read its pixels with `stream.read(ref)`)."""


async def _nothing() -> None:
    return None


class Prepared:
    """A frame a stage has begun (an offline job's pipeline: its inference
    request is sent while the frame before it is still being decided):
    `complete()` finishes it, in frame order; `discard()` drops it. A stage
    with nothing to begin early finishes the whole frame in `complete`."""

    def __init__(self, complete: Callable[[], Awaitable[None]], task: asyncio.Future[Any] | None = None) -> None:
        self.complete = complete
        self._task = task

    @classmethod
    def nothing(cls) -> Prepared:
        """A frame with nothing to do (its pixels were overwritten)."""
        return cls(_nothing)

    def discard(self) -> None:
        if self._task is not None:
            drop(self._task)


async def prepare(
    analyser: Analyser, item: work.WorkItem, config: dict[str, Any], stream: OpenStream, ref: FrameRef
) -> Prepared:
    """The frame begun by `analyser` (its `prepare`); one that begins nothing
    early analyses the whole frame in `complete`."""
    begin = getattr(analyser, "prepare", None)
    if begin is None:
        return Prepared(functools.partial(analyser.analyse, item, config, stream, ref))
    prepared: Prepared = await begin(item, config, stream, ref)
    return prepared


def drop(task: asyncio.Future[Any]) -> None:
    """Drop a request nobody will wait for: cancelled, or its failure
    retrieved (not logged as an error)."""
    if not task.done():
        task.cancel()
    elif not task.cancelled():
        task.exception()


class NotBuilt(Exception):
    """The row's analytic is not built in this engine."""


def sample_fps(config: dict[str, Any]) -> float:
    """The rate an analytic samples its stream at: `sample_fps` of its config
    (top level or of any sub-analytic; the highest wins), else 5."""
    rates: list[float] = []

    def visit(value: Any) -> None:
        if isinstance(value, dict):
            for key, inner in value.items():
                if key == "sample_fps" and isinstance(inner, int | float) and not isinstance(inner, bool):
                    if inner > 0:
                        rates.append(float(inner))
                else:
                    visit(inner)

    visit(config)
    return max(rates) if rates else DEFAULT_SAMPLE_FPS


@dataclass
class Held:
    """One row a worker holds, and the task that processes it."""

    item: work.WorkItem
    config: dict[str, Any]
    version: int
    task: asyncio.Task[None] | None = None
    sampled: int = 0
    #: When (loop time) the row's lease was last renewed: the start of the
    #: last heartbeat that kept it.
    renewed: float = 0.0
    #: Set when the row is dropped: the task ends on its next frame wait
    #: even if a cancellation was swallowed (Python 3.11's `wait_for` can
    #: lose one that races a finished wait).
    stopped: bool = False


def worker_id(node_num: int, index: int) -> str:
    """A worker's id: host, process, node and index (unique per process)."""
    return f"{socket.gethostname()[:60]}:{os.getpid()}:n{node_num}:w{index}"


class WorkWorker:
    """Takes live work rows of one node and processes their streams."""

    def __init__(
        self,
        database: Engine,
        streams: StreamEngine,
        *,
        node_num: int = 0,
        index: int = 0,
        lease_seconds: float = 30.0,
        heartbeat_seconds: float = 5.0,
        claim_limit: int = 8,
        analyser: Analyser | None = None,
        name: str = "",
        inference_deadline_seconds: float | None = None,
    ) -> None:
        """`inference_deadline_seconds` caps the deadline of every inference
        call the analysis of a sampled frame makes (None: the client's own):
        live video does not wait for an inference service that is down."""
        if heartbeat_seconds >= lease_seconds:
            raise ValueError("heartbeat_seconds must be shorter than lease_seconds")
        self._db = database
        self._streams = streams
        self.node_num = node_num
        self.id = name or worker_id(node_num, index)
        self._lease = lease_seconds
        self._interval = heartbeat_seconds
        self._limit = claim_limit
        self._analyser = analyser
        self._deadline = inference_deadline_seconds
        self.held: dict[int, Held] = {}
        self._closed = False
        self._started = utcnow()

    # -- the round ---------------------------------------------------------

    async def step(self) -> None:
        """Heartbeat what is held (dropping what was lost, applying new
        configs), then claim new rows."""
        if self._closed:
            return
        loop = asyncio.get_running_loop()
        if self.held:
            started = loop.time()
            versions = await asyncio.to_thread(work.heartbeat_all, self._db, self.id)
            for work_id in list(self.held):
                if work_id in versions:
                    self.held[work_id].renewed = started
                if work_id not in versions:
                    self._drop(work_id, "the row was removed or taken over")
                elif versions[work_id] > self.held[work_id].version:
                    await self._reconfigure(self.held[work_id])
        started = loop.time()
        claimed = await asyncio.to_thread(
            work.claim,
            self._db,
            self.id,
            lease_seconds=self._lease,
            kinds=(work.LIVE,),
            node_num=self.node_num,
            limit=self._limit,
        )
        for item in claimed:
            if self._closed:  # closed while claiming: give it straight back
                await asyncio.to_thread(work.release, self._db, item.id, self.id)
                continue
            held = Held(item, item.config, item.config_version, renewed=started)
            held.task = asyncio.create_task(self._process(held), name=f"work-{item.id}")
            self.held[item.id] = held
            log.info(
                "worker %s: took work %d (%s on stream %s, attempt %d)",
                self.id,
                item.id,
                item.analytic_id,
                item.stream_id,
                item.attempts,
            )
        ROWS_HELD.labels(self.id).set(len(self.held))
        await asyncio.to_thread(
            registry.report,
            self._db,
            self.id,
            self.node_num,
            len(self.held),
            self._started,
            forget_seconds=FORGET_LEASES * self._lease,
        )

    async def _reconfigure(self, held: Held) -> None:
        found = await asyncio.to_thread(work.read_config, self._db, held.item.id)
        if found is None:
            self._drop(held.item.id, "the row was removed")
            return
        held.config, held.version = found
        log.info("worker %s: work %d runs config version %d", self.id, held.item.id, held.version)

    def _drop(self, work_id: int, why: str) -> None:
        held = self.held.pop(work_id, None)
        if held is None:
            return
        ROWS_LOST.labels(self.id).inc()
        held.stopped = True
        if held.task is not None:
            held.task.cancel()
        log.info("worker %s: stopped work %d (%s)", self.id, work_id, why)

    # -- one row -----------------------------------------------------------

    async def _process(self, held: Held) -> None:
        """Hold the stream open and feed its sampled frames to the analyser."""
        item = held.item
        try:
            refused = self._analyser.refuse(item) if self._analyser is not None else None
            if refused is not None:
                raise NotBuilt(refused)
            source = await self._streams.lookup(item.stream_id)
            if source is None:  # the stream was deleted with its rows
                self._drop(item.id, "the stream is gone")
                return
            async with self._streams.demand(source, ASSIGNMENT) as stream:
                await self._sample(held, stream)
        except asyncio.CancelledError:
            raise
        except Exception as error:  # a bug in the analysis must not end the worker
            if isinstance(error, NotBuilt):
                log.warning("worker %s: work %d refused: %s", self.id, item.id, error)
            else:
                log.exception("worker %s: work %d failed", self.id, item.id)
            if self.held.pop(item.id, None) is not None:
                await asyncio.to_thread(
                    work.release, self._db, item.id, self.id, state=work.FAILED, error=str(error)[:500]
                )
        finally:
            if self._analyser is not None:
                self._analyser.forget(item.id)

    async def _sample(self, held: Held, stream: OpenStream) -> None:
        loop = asyncio.get_running_loop()
        last: FrameRef | None = None
        due = 0.0
        while not stream.closed and not held.stopped:
            ref = await stream.wait_frame(last, 1.0)
            if ref is None:
                if stream.closed:  # deleted, or the engine stopped
                    return
                continue
            if held.stopped:
                return
            last = ref
            now = loop.time()
            if now < due:
                continue
            if now - held.renewed >= self._lease:
                # Fenced: a worker whose heartbeats stalled past the lease
                # may have lost the row to another; it analyses nothing
                # until a heartbeat confirms it still owns the row.
                continue
            period = 1.0 / sample_fps(held.config)
            due = due + period if now - due < period else now + period
            held.sampled += 1
            FRAMES_SAMPLED.labels(held.item.stream_id, held.item.analytic_id).inc()
            if self._analyser is not None:
                # The analysis stage: one call per sampled frame; its inference
                # calls fail within the live deadline (a frame skipped, counted
                # and said on the stream) rather than wait for the service.
                with call_deadline(self._deadline):
                    await self._analyser.analyse(held.item, held.config, stream, ref)

    # -- life --------------------------------------------------------------

    async def run_forever(self) -> None:
        while not self._closed:
            try:
                await self.step()
            except Exception:
                log.exception("worker %s: a round failed", self.id)
            await asyncio.sleep(self._interval)

    async def close(self) -> None:
        """Stop every task and give every held row back (`pending`)."""
        self._closed = True
        held, self.held = list(self.held.values()), {}
        for one in held:
            one.stopped = True
            if one.task is not None:
                one.task.cancel()
        await asyncio.gather(*(h.task for h in held if h.task is not None), return_exceptions=True)
        for one in held:
            with contextlib.suppress(Exception):
                await asyncio.to_thread(work.release, self._db, one.item.id, self.id)
        ROWS_HELD.labels(self.id).set(0)
        with contextlib.suppress(Exception):
            await asyncio.to_thread(registry.remove, self._db, self.id)
        if held:
            log.info("worker %s: released %d work rows", self.id, len(held))
