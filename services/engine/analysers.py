"""The analysis stage of the engine's workers (services/engine/workers.py
calls `analyse` once per sampled frame of one work row).

`ObjectAnalysis` runs the people and vehicle analytics (`NFV4-MPA`,
`NFV4-MVA`): it reads the frame from the stream's ring by reference,
detects objects with YOLOX-Nano (`yolox_nano_u8`) through the inference
service, feeds them to one `ObjectAnalyser` per work row (tracking, lines,
areas; `configure` when the row's config changes, `reset` when the
source's frame times start again: a reconnect, a file looping) and appends
the frame's events in one batch to the events store, each with a JPEG of
the object (its box, with a margin) as thumbnail.

Every other analytic is not built here (plates have their own stage,
services/engine/plates.py): `refuse` names it, and the worker releases its
row as failed with that message before opening the stream, so nothing
pretends to analyse it.

A frame the inference service cannot answer for (not started yet, gone,
overloaded) is skipped and counted (`vigil_engine_frames_skipped_total`,
by reason); it does not fail the row. Neither does a database outage: the
events it refused are kept (up to MAX_UNSAVED per row, counted in
`vigil_engine_events_deferred_total`, past that the oldest dropped and
counted in `vigil_engine_events_lost_total`) and appended with the next
frame's batch.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import av
import grpc
import numpy as np
from prometheus_client import Counter
from sqlalchemy.exc import SQLAlchemyError

from services.analysis import overlay
from services.analysis.motion import GatePolicy
from services.analysis.objects import LABELS, LOW_SCORE, Event, FrameResult, ObjectAnalyser
from services.catalog import work
from services.catalog.analytics import rule_active
from services.engine.overlays import Overlays
from services.engine.sources import OpenStream
from services.engine.workers import Prepared, Recording, drop
from services.events.store import EventStore, NewEvent
from services.events.vocabulary import MAX_THUMBNAIL_BYTES
from services.inference_client import InferenceClient
from services.inference_client.client import InferenceError
from services.media.frame_ring import FrameRef
from services.media.jpeg import encode_jpeg
from services.vision.detectors import OBJECT_MODEL, detect_objects
from services.vision.yolox import Detection

log = logging.getLogger(__name__)

FRAMES_SKIPPED = Counter(
    "vigil_engine_frames_skipped",
    "Sampled frames an analyser could not analyse, by stream, analytic and reason",
    ["stream_id", "analytic_id", "reason"],
)
FRAMES_GATED = Counter(
    "vigil_engine_frames_gated",
    "Sampled frames the motion gate kept from the detector (a still scene), by stream and analytic",
    ["stream_id", "analytic_id"],
)
EVENTS_DEFERRED = Counter(
    "vigil_engine_events_deferred",
    "Events kept for the next append because the database failed, by stream and analytic",
    ["stream_id", "analytic_id"],
)
EVENTS_LOST = Counter(
    "vigil_engine_events_lost",
    "Events dropped after the database failed for longer than the deferred events could wait, by stream and analytic",
    ["stream_id", "analytic_id"],
)
EVENTS_APPENDED = Counter(
    "vigil_engine_events_appended", "Events the engine appended, by stream and analytic", ["stream_id", "analytic_id"]
)

#: A thumbnail crop's margin around the object's box, as a share of the box.
MARGIN = 0.1
#: Events a row keeps for a later append while the database fails; past
#: this the oldest are dropped (and counted in vigil_engine_events_lost).
MAX_UNSAVED = 5000
#: Smallest thumbnail side in pixels (a smaller crop takes the whole frame).
MIN_SIDE = 16
THUMBNAIL_QUALITY = 85


def skip_frame(stream: object, item: work.WorkItem, error: BaseException) -> None:
    """A frame the inference service could not answer for: counted, logged,
    and said on the stream (`stream_stats.last_error_msg`, for a live
    stream) until the analytic analyses a frame again."""
    FRAMES_SKIPPED.labels(item.stream_id, item.analytic_id, "inference").inc()
    log.warning("work %d: frame skipped, the inference service failed: %s", item.id, error)
    note = getattr(stream, "analysis_failed", None)
    if note is not None:
        if isinstance(error, InferenceError):
            reason = f"{error.code.name}: {error.message}"
        elif isinstance(error, grpc.RpcError):
            reason = f"{error.code().name}: {error.details()}"  # type: ignore[attr-defined]
        else:
            reason = str(error)
        note(item.analytic_id, f"frames skipped, the inference service is unavailable ({reason[:200]})")


def analysed(stream: object, item: work.WorkItem) -> None:
    """The analytic analysed a frame: whatever skip_frame said is over."""
    done = getattr(stream, "analysis_ok", None)
    if done is not None:
        done(item.analytic_id)


def i420_to_rgb(pixels: np.ndarray) -> np.ndarray:
    """An RGB (HWC) picture of one I420 frame of the ring."""
    return av.VideoFrame.from_ndarray(pixels, format="yuv420p").to_ndarray(format="rgb24")


#: Frames whose RGB picture is kept for the next stage that asks (by ring
#: and sequence number): a FindFace archive's face, body and car rows, or a
#: video's several analytics, read the same frame one after the other.
RGB_KEPT = 4
_rgb: OrderedDict[tuple[str, int, int, int], np.ndarray] = OrderedDict()


async def frame_rgb(pixels: np.ndarray, ref: FrameRef) -> np.ndarray:
    """The RGB picture of a ring frame, converted once however many stages
    analyse it (the pictures are read, never written, by the stages)."""
    key = (ref.ring, ref.seq, ref.width, ref.height)
    rgb = _rgb.get(key)
    if rgb is None:
        rgb = await asyncio.to_thread(i420_to_rgb, pixels)
        _rgb[key] = rgb
        while len(_rgb) > RGB_KEPT:
            _rgb.popitem(last=False)
    else:
        _rgb.move_to_end(key)
    return rgb


def thumbnail(
    rgb: np.ndarray, box: tuple[float, float, float, float], quality: int = THUMBNAIL_QUALITY
) -> bytes | None:
    """A JPEG of the normalised box (with a margin) of an RGB frame; the
    whole frame when the box is tiny; None when it would be too large."""
    return thumbnail_jpeg(thumbnail_crop(rgb, box), quality)


def thumbnail_crop(rgb: np.ndarray, box: tuple[float, float, float, float]) -> np.ndarray:
    """The pixels `thumbnail` encodes, copied out of the frame (a stage that
    keeps a best shot keeps these, and encodes the one it posts)."""
    height, width = rgb.shape[:2]
    x1, y1, x2, y2 = box
    mx, my = (x2 - x1) * MARGIN, (y2 - y1) * MARGIN
    left, top = max(0, int((x1 - mx) * width)), max(0, int((y1 - my) * height))
    right, bottom = min(width, int((x2 + mx) * width + 1)), min(height, int((y2 + my) * height + 1))
    crop = rgb[top:bottom, left:right] if right - left >= MIN_SIDE and bottom - top >= MIN_SIDE else rgb
    return np.array(crop[: crop.shape[0] & ~1, : crop.shape[1] & ~1], order="C")


def thumbnail_jpeg(crop: np.ndarray, quality: int = THUMBNAIL_QUALITY) -> bytes | None:
    """`thumbnail_crop`'s pixels as the JPEG `thumbnail` gives."""
    data = encode_jpeg(av.VideoFrame.from_ndarray(crop, format="rgb24"), quality=quality)
    return data if len(data) <= MAX_THUMBNAIL_BYTES else None


@dataclass
class _Row:
    """What one work row's analysis keeps between frames."""

    item: work.WorkItem
    analyser: ObjectAnalyser
    config: dict[str, Any]
    time: float | None = None
    #: Events of the last reset, appended with the next frame's batch.
    pending: list[Event] = field(default_factory=list)
    #: The motion gate (None: turned off by the config's `motion_gate`).
    gate: GatePolicy | None = None
    #: Objects were tracked in the last analysed frame.
    tracking: bool = False
    #: Events the database refused (an outage), appended with the next batch.
    unsaved: list[NewEvent] = field(default_factory=list)
    #: A recording's frame whose detection failed and is tried again: the
    #: motion gate, which has seen it, lets it through.
    retry: float | None = None

    def configure(self, config: dict[str, Any]) -> None:
        self.config = config
        wanted = config.get("motion_gate", True) is not False
        if not wanted:
            self.gate = None
        elif self.gate is None:
            self.gate = GatePolicy()


def rules_of(config: dict[str, Any]) -> dict[str, Any]:
    """The event rules of a pipeline config (its `rules` setting) as
    `ObjectAnalyser` takes them (`/rules/pipeline`'s `{"rules": [...]}`)."""
    return {"rules": list(config.get("rules", ()) or ())}


def in_hours(config: Mapping[str, Any], events: list[NewEvent]) -> list[NewEvent]:
    """`events` less the rule events (`sub_analytic` `rules...`, the rule's
    index in `attributes`) whose rule's `active_hours` leave out the
    event's time."""
    rules = config.get("rules") or []

    def keep(event: NewEvent) -> bool:
        index = event.attributes.get("rule")
        if not event.sub_analytic.startswith("rules") or not isinstance(index, int) or not 0 <= index < len(rules):
            return True
        return rule_active(rules[index], event.occurred_at)

    return [e for e in events if keep(e)]


class ObjectAnalysis:
    """The analysis stage for people and vehicle analytics (one per engine
    process, shared by its workers; one `ObjectAnalyser` per work row)."""

    def __init__(
        self,
        client: InferenceClient,
        store: EventStore,
        *,
        model: str = OBJECT_MODEL,
        overlays: Overlays | None = None,
    ) -> None:
        self._client = client
        self._store = store
        self._model = model
        self._overlays = overlays
        self._rows: dict[int, _Row] = {}

    def refuse(self, item: work.WorkItem) -> str | None:
        """Why this analytic cannot run here (None: it can)."""
        if item.analytic_id in LABELS:
            return None
        return (
            f"analytic {item.analytic_id} is not built in this engine "
            f"(only {', '.join(sorted(LABELS))} are analysed); the work is not run"
        )

    def forget(self, work_id: int) -> None:
        """The row ended (dropped, released, failed): its state and its
        overlay go."""
        row = self._rows.pop(work_id, None)
        if row is not None and self._overlays is not None:
            self._overlays.clear(row.item.stream_id, row.item.analytic_id)

    async def analyse(self, item: work.WorkItem, config: dict[str, Any], stream: OpenStream, ref: FrameRef) -> None:
        prepared = await self.prepare(item, config, stream, ref)
        await prepared.complete()

    async def prepare(self, item: work.WorkItem, config: dict[str, Any], stream: OpenStream, ref: FrameRef) -> Prepared:
        """The frame's first half, done in frame order: its pixels read and
        converted, its motion measured, and (when the motion gate will
        likely let it through) its detection request sent. The offline
        pipeline prepares frame N+1 before it completes frame N, so the
        inference service has the next request while N is decided."""
        why = self.refuse(item)
        if why is not None:
            raise ValueError(why)
        pixels = stream.read(ref)
        if pixels is None:  # overwritten before it could be read: counted by the stream
            return Prepared.nothing()
        row = self._rows.get(item.id)
        if row is None:
            row = self._rows[item.id] = _Row(item, ObjectAnalyser(item.analytic_id, config, rules_of(config)), config)
            row.configure(config)
        elif config != row.config:
            row.analyser.configure(config, rules_of(config))
            row.configure(config)
        gate = row.gate if row.retry != ref.time else None  # a frame tried again has passed it
        moved = True
        if gate is not None:
            moved = await asyncio.to_thread(gate.measure, pixels[: ref.height])  # type: ignore[index]
        rgb: np.ndarray | None = None
        task: asyncio.Future[list[Detection]] | None = None
        if gate is None or gate.likely(moved, ref.time, row.tracking):
            rgb = await frame_rgb(pixels, ref)  # type: ignore[arg-type]
            task = self._detect(rgb)
        return Prepared(lambda: self._complete(item, row, stream, ref, rgb, gate, moved, task), task)

    def _detect(self, rgb: np.ndarray) -> asyncio.Future[list[Detection]]:
        return asyncio.ensure_future(detect_objects(self._client, rgb, score_threshold=LOW_SCORE, model=self._model))

    async def _complete(
        self,
        item: work.WorkItem,
        row: _Row,
        stream: OpenStream,
        ref: FrameRef,
        rgb: np.ndarray | None,
        gate: GatePolicy | None,
        moved: bool,
        task: asyncio.Future[list[Detection]] | None,
    ) -> None:
        """The frame's second half, in frame order: the gate decided with
        the frame before's tracking, the detections awaited, tracked,
        counted and stored."""
        if gate is not None and not gate.decide(moved, ref.time, row.tracking):
            if task is not None:
                drop(task)
            FRAMES_GATED.labels(item.stream_id, item.analytic_id).inc()
            return
        if rgb is None:
            pixels = stream.read(ref)
            if pixels is None:  # overwritten meanwhile: counted by the stream
                return
            rgb = await frame_rgb(pixels, ref)  # type: ignore[arg-type]
        try:
            detections = await (task if task is not None else self._detect(rgb))
        except (InferenceError, grpc.RpcError) as error:
            if getattr(stream, "recording", None) is not None:
                row.retry = ref.time
                raise  # a recording loses no frame: the offline job retries it
            skip_frame(stream, item, error)
            return
        row.retry = None
        analysed(stream, item)
        if row.time is not None and ref.time <= row.time:
            row.pending += row.analyser.reset()  # the source started again
        row.time = ref.time
        result = row.analyser.analyse(detections, (ref.width, ref.height), ref.time)
        row.tracking = bool(result.objects)
        if self._overlays is not None:
            self._overlays.publish(item.stream_id, item.analytic_id, _drawer(result))
        reset, row.pending = row.pending, []
        events = result.events
        # An offline job's frames (offline.FileFrames) are a recording; a
        # live stream's are not (stand-ins of one may lack the attribute).
        recording: Recording | None = getattr(stream, "recording", None)
        if recording is not None:  # a resumed offline job: what is stored is not stored again
            reset = [e for e in reset if recording.keeps(item.id, e.time)]
            events = [e for e in events if recording.keeps(item.id, e.time)]
        if not reset and not events and not row.unsaved:
            return
        await asyncio.to_thread(self._append, item, row, rgb, reset, events, recording, ref.time)

    def _append(
        self,
        item: work.WorkItem,
        row: _Row,
        rgb: np.ndarray,
        reset: Sequence[Event],
        events: Sequence[Event],
        recording: Recording | None = None,
        frame_time: float = 0.0,
    ) -> None:
        """Append this frame's events in one batch. An offline job's go in
        with the row's checkpoint, fenced on its worker still owning the row
        (events.store.Fenced otherwise; the job handles a failure). A live
        row's go after any the database refused before: a database failure
        does not fail the row, the batch is kept (up to MAX_UNSAVED events)
        and tried again with the next frame."""
        now = datetime.now(UTC)
        batch = [_new_event(item, e, now, None, recording) for e in reset]  # their object is not in this frame
        batch += [_new_event(item, e, now, thumbnail(rgb, e.box), recording) for e in events]
        batch = in_hours(row.config, batch)
        if recording is not None:
            ids = self._store.append(batch, fence=recording.fence(item.id, frame_time))
            EVENTS_APPENDED.labels(item.stream_id, item.analytic_id).inc(len(ids))
            return
        batch = row.unsaved + batch
        try:
            ids = self._store.append(batch)
        except SQLAlchemyError as error:
            lost = max(0, len(batch) - MAX_UNSAVED)
            row.unsaved = batch[lost:]
            EVENTS_DEFERRED.labels(item.stream_id, item.analytic_id).inc(len(batch) - lost)
            EVENTS_LOST.labels(item.stream_id, item.analytic_id).inc(lost)
            log.warning(
                "work %d: %d events kept for the next append (%d dropped), the database failed: %s",
                item.id,
                len(row.unsaved),
                lost,
                str(error).splitlines()[0][:200],
            )
            return
        row.unsaved = []
        EVENTS_APPENDED.labels(item.stream_id, item.analytic_id).inc(len(ids))


def _drawer(result: FrameResult) -> Callable[[np.ndarray], np.ndarray]:
    def draw(rgb: np.ndarray) -> np.ndarray:
        return overlay.draw(rgb, result)

    return draw


def _new_event(
    item: work.WorkItem, event: Event, now: datetime, jpeg: bytes | None, recording: Recording | None = None
) -> NewEvent:
    """A live event happens now; a recording's at its start plus the frame's
    time, keyed so that it is stored once."""
    attributes: Mapping[str, Any] = {**event.attributes, "frame_time": round(event.time, 3)}
    key = None
    if recording is not None:
        now = recording.occurred_at(event.time)
        key = recording.key(item.id, event.time, event.track_id, event.sub_analytic, event.type)
    return NewEvent(
        idempotency_key=key,
        stream_id=item.stream_id,
        analytic_id=item.analytic_id,
        event_type=event.type,
        occurred_at=now,
        node_num=item.node_num,
        sub_analytic=event.sub_analytic,
        track_id=event.track_id,
        label=event.label,
        score=float(event.score),
        box=event.box,
        thumbnail=jpeg,
        attributes=attributes,
    )
