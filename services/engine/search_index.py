"""Smart search indexing (`NFV4-SS`): what a stream shows, made searchable,
and outside pictures pushed into it (`POST /extract/{node}/{stream}/{pipeline}`).

`SearchIndexing` is the analysis stage of an `NFV4-SS` work row. Per
sampled frame (`sample_fps`, 1 by default) it converts the frame once and:

- with `index_faces` (default on): runs the face pipeline of face
  recognition (services/engine/faces.py `FaceAnalysis` without watch
  lists): one `face_seen` event per face track, its best shot's thumbnail
  and SFace embedding (kind `face`), which smart search by image finds;
- with `index_objects` (default on): detects people and vehicles with
  YOLOX-Nano, tracks them (ByteTrack, as the people and vehicle analytics)
  and gives one `object_seen` event per new track, its label (`person`,
  `car`, ...) and thumbnail, which smart search by text finds by label.

Both honour `object_confidence_threshold`; faces also `areas`.

`Extractor` answers Extract: the stream must exist on the node and have
`NFV4-SS` assigned (else 404 `pipeline not found`, as documented); the
picture (a base64 JPEG, at most 40 megapixels) is indexed at once like one
of the stream's frames: a `face_seen` event with embedding per face, an
`object_seen` per person or vehicle, each with `source: extract` and the
caller's `metadata` in `attributes`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

import grpc
import numpy as np

from services.analysis.objects import LABELS, LOW_SCORE, ObjectAnalyser
from services.catalog import work
from services.common.errors import InvalidArgument, NotFound, Unavailable
from services.engine.analysers import EVENTS_APPENDED, FRAMES_SKIPPED, frame_rgb, thumbnail
from services.engine.faces import (
    EMBEDDING_KIND,
    FACE_SEEN,
    FaceAnalysis,
    FaceModels,
    GalleryCache,
    embed_still,
    still_faces,
)
from services.engine.repository import EngineRepository
from services.engine.sources import OpenStream
from services.engine.workers import Recording
from services.events.store import Embedding, EventStore, NewEvent
from services.inference_client import InferenceClient
from services.inference_client.client import InferenceError
from services.media.frame_ring import FrameRef
from services.media.still import base64_jpeg
from services.vision.detectors import detect_objects
from services.vision.image import normalised_box
from services.vision.yolox import Detection

log = logging.getLogger(__name__)

ANALYTIC_ID = "NFV4-SS"
OBJECT_SEEN = "object_seen"
#: The analytics whose labels the index keeps (people; vehicles).
OBJECT_ANALYTICS = ("NFV4-MPA", "NFV4-MVA")


def _threshold(config: dict[str, Any]) -> float:
    value = config.get("object_confidence_threshold", 0.5)
    return float(value) if isinstance(value, int | float) else 0.5


@dataclass
class _Objects:
    """The people and vehicle tracks of one row, and the ones indexed."""

    analysers: list[ObjectAnalyser]
    threshold: float
    indexed: set[tuple[str, int]] = field(default_factory=set)
    time: float | None = None


class SearchIndexing:
    """The `NFV4-SS` stage (one per engine process)."""

    def __init__(self, client: InferenceClient, models: FaceModels, store: EventStore) -> None:
        self._client = client
        self._store = store
        self._faces = FaceAnalysis(models, store, GalleryCache(lambda: []), analytic_id=ANALYTIC_ID, recognise=False)
        self._objects: dict[int, _Objects] = {}

    def refuse(self, item: work.WorkItem) -> str | None:
        return self._faces.refuse(item)

    def forget(self, work_id: int) -> None:
        self._faces.forget(work_id)
        self._objects.pop(work_id, None)

    async def flush(self, item: work.WorkItem, stream: OpenStream, time: float) -> None:
        """The recording ended: its face tracks not decided yet are indexed."""
        await self._faces.flush(item, stream, time)

    async def analyse(self, item: work.WorkItem, config: dict[str, Any], stream: OpenStream, ref: FrameRef) -> None:
        why = self.refuse(item)
        if why is not None:
            raise ValueError(why)
        pixels = stream.read(ref)
        if pixels is None:
            return
        rgb = await frame_rgb(pixels, ref)  # type: ignore[arg-type]
        jobs = []
        recording: Recording | None = getattr(stream, "recording", None)
        if config.get("index_faces", True):
            jobs.append(self._faces.analyse_picture(item, config, rgb, ref.time, recording=recording))
        if config.get("index_objects", True):
            jobs.append(self._index_objects(item, config, rgb, ref, recording))
        await asyncio.gather(*jobs)

    async def _index_objects(
        self, item: work.WorkItem, config: dict[str, Any], rgb: np.ndarray, ref: FrameRef, recording: Recording | None
    ) -> None:
        threshold = _threshold(config)
        row = self._objects.get(item.id)
        if row is None or row.threshold != threshold:
            settings = {"object_confidence_threshold": threshold}
            row = self._objects[item.id] = _Objects(
                [ObjectAnalyser(a, settings, sample_fps=_fps(config)) for a in OBJECT_ANALYTICS], threshold
            )
        try:
            detections = await detect_objects(self._client, rgb, score_threshold=LOW_SCORE)
        except (InferenceError, grpc.RpcError) as error:
            FRAMES_SKIPPED.labels(item.stream_id, item.analytic_id, "inference").inc()
            log.warning("work %d: frame skipped, the inference service failed: %s", item.id, error)
            return
        if row.time is not None and ref.time <= row.time:
            for analyser in row.analysers:
                analyser.reset()
        row.time = ref.time
        fresh = []
        for analyser in row.analysers:
            result = analyser.analyse(detections, (ref.width, ref.height), ref.time)
            for tracked in result.objects:
                key = (analyser.analytic_id, tracked.track_id)
                if key not in row.indexed:
                    row.indexed.add(key)
                    fresh.append(tracked)
        if fresh:
            now = datetime.now(UTC)
            events = [
                _object_event(item.stream_id, item.node_num, t.label, t.score, t.box, t.track_id, now, ref.time)
                for t in fresh
            ]
            await asyncio.to_thread(self._append, item, rgb, events, recording, ref.time)

    def _append(
        self,
        item: work.WorkItem,
        rgb: np.ndarray,
        events: list[NewEvent],
        recording: Recording | None = None,
        frame_time: float = 0.0,
    ) -> None:
        batch = [_with_thumbnail(e, rgb) for e in events]
        fence = None
        if recording is not None:  # an offline job's: the recording's time, keyed, with the checkpoint
            batch = recording.stamp(item.id, batch, [frame_time] * len(batch))
            fence = recording.fence(item.id, frame_time)
        ids = self._store.append(batch, fence=fence)
        EVENTS_APPENDED.labels(item.stream_id, item.analytic_id).inc(len(ids))


def _fps(config: dict[str, Any]) -> float:
    value = config.get("sample_fps", 1)
    return float(value) if isinstance(value, int | float) and value > 0 else 1.0


def _object_event(
    stream_id: str,
    node_num: int,
    label: str,
    score: float,
    box: tuple[float, float, float, float],
    track_id: int | None,
    now: datetime,
    frame_time: float | None,
    attributes: dict[str, Any] | None = None,
) -> NewEvent:
    extra = dict(attributes or {})
    if frame_time is not None:
        extra["frame_time"] = round(frame_time, 3)
    return NewEvent(
        stream_id=stream_id,
        analytic_id=ANALYTIC_ID,
        event_type=OBJECT_SEEN,
        occurred_at=now,
        node_num=node_num,
        track_id=track_id,
        label=label,
        score=float(score),
        box=box,
        attributes=extra,
    )


def _with_thumbnail(event: NewEvent, rgb: np.ndarray) -> NewEvent:
    return replace(event, thumbnail=thumbnail(rgb, event.box) if event.box is not None else None)


class Extractor:
    """Extract: an outside picture indexed into a stream's `NFV4-SS`."""

    def __init__(
        self, repository: EngineRepository, client: InferenceClient, models: FaceModels, store: EventStore
    ) -> None:
        self._repository = repository
        self._client = client
        self._models = models
        self._store = store

    async def extract(
        self, node_num: int, stream_id: str, pipeline_id: str, image: str, metadata: dict[str, Any]
    ) -> int:
        """Index the picture; how many events it gave."""
        if pipeline_id.strip().upper() != ANALYTIC_ID:
            raise NotFound("pipeline not found")
        sources = await asyncio.to_thread(self._repository.sources, [stream_id])
        source = sources.get(stream_id)
        if source is None or source.node_num != node_num:
            raise NotFound("pipeline not found")
        if ANALYTIC_ID not in await asyncio.to_thread(self._repository.assigned_analytics, stream_id):
            raise NotFound("pipeline not found")
        if not image.strip():
            raise InvalidArgument("image is required")
        jpeg = base64_jpeg(image, "image")
        rgb, faces = await still_faces(self._models, jpeg, "image")
        attributes = {"source": "extract", "metadata": metadata}
        now = datetime.now(UTC)
        events: list[NewEvent] = []
        height, width = rgb.shape[:2]
        for face in faces:
            still = await embed_still(self._models, rgb, face)
            box = normalised_box(face.box, width, height)
            events.append(
                NewEvent(
                    stream_id=stream_id,
                    analytic_id=ANALYTIC_ID,
                    event_type=FACE_SEEN,
                    occurred_at=now,
                    node_num=node_num,
                    label="face",
                    score=float(face.score),
                    box=box,
                    attributes=attributes,
                    embedding=Embedding(EMBEDDING_KIND, [float(v) for v in still.embedding]),
                )
            )
        try:
            detections: Sequence[Detection] = await detect_objects(self._client, rgb)
        except (InferenceError, grpc.RpcError) as error:
            raise Unavailable(f"the inference service could not detect objects: {error}") from None
        known = LABELS["NFV4-MPA"] | LABELS["NFV4-MVA"]
        height, width = rgb.shape[:2]
        for found in detections:
            if found.label in known and found.score >= 0.5:
                box = normalised_box(found.box, width, height)
                events.append(
                    _object_event(stream_id, node_num, found.label, found.score, box, None, now, None, attributes)
                )
        if events:
            batch = [_with_thumbnail(e, rgb) for e in events]
            await asyncio.to_thread(self._store.append, batch)
        return len(events)
