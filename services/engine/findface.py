"""FindFace video-archive processing in the engine: the analysis stages of
an archive's work rows (services/uploads/findface_jobs.py makes them from
the archive's `stream_settings`; the offline worker of
services/engine/offline.py runs them with one decode per archive).

- `FF-FACE`: the face stage of services/engine/faces.py (YuNet, quality
  filter, SFace, one best shot per track), with `recognise=False`: each
  face track posts one `face_seen` event with its best shot and embedding
  (FindFace's `post_best_track_frame`).
- `FF-BODY` and `FF-CAR`: `ObjectPosting` below: YOLOX-Nano detections
  (one call per frame for both) of people (bodies) or vehicles (cars)
  followed by ByteTrack (the people and
  vehicle analytics' `ObjectAnalyser`), and one `body_seen` / `car_seen`
  event per track with its best shot (the highest detection score among
  the track's boxes that pass the size and region filters) as thumbnail,
  posted when the track ends (unseen for `lost_seconds`), when it has been
  followed for `max_track_frames` sampled frames (0: no limit), or when
  the recording ends.

A track none of whose boxes passed the filters posts nothing and is counted
(`counters`: FindFace's `*_not_posted`).
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np

from services.analysis.faces import in_rect
from services.analysis.objects import PEOPLE, VEHICLES, ObjectAnalyser
from services.catalog import work
from services.engine.analysers import EVENTS_APPENDED, THUMBNAIL_QUALITY, frame_rgb, thumbnail_crop, thumbnail_jpeg
from services.engine.sources import OpenStream
from services.engine.workers import Prepared, Recording
from services.events.store import EventStore, NewEvent
from services.inference_client import InferenceClient
from services.media.frame_ring import FrameRef
from services.vision.detectors import OBJECT_MODEL, detect_objects
from services.vision.yolox import Detection

#: The analytic ids of an archive's work rows (not in the Lenz catalog:
#: they hold no licence seat and are never offered).
FACE = "FF-FACE"
BODY = "FF-BODY"
CAR = "FF-CAR"
ANALYTICS = (FACE, BODY, CAR)
#: The event each posted track gives, by analytic.
EVENT_TYPES = {FACE: "face_seen", BODY: "body_seen", CAR: "car_seen"}
#: The labels each object analytic follows, and the people/vehicle tracker it borrows.
_LABELS = {BODY: (PEOPLE, "NFV4-MPA"), CAR: (VEHICLES, "NFV4-MVA")}
#: Lowest detector score handed to the tracker (it continues started tracks with them).
LOW_SCORE = 0.1
#: Seconds a track may go unseen before it is posted, when the config says nothing.
LOST_SECONDS = 1.0


@dataclass(frozen=True)
class PostingSettings:
    """What `ObjectPosting` reads from its row's config."""

    min_score: float = 0.5
    min_size: float = 0.0
    max_size: float = math.inf
    roi_rect: tuple[float, float, float, float] | None = None
    lost_seconds: float = LOST_SECONDS
    max_track_frames: int = 0
    jpeg_quality: int = THUMBNAIL_QUALITY

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> PostingSettings:
        rect = config.get("roi_rect")
        return cls(
            min_score=float(config.get("object_confidence_threshold", 0.5)),
            min_size=float(config.get("min_size", 0.0)),
            max_size=float(config.get("max_size", math.inf)),
            roi_rect=tuple(float(v) for v in rect) if rect else None,  # type: ignore[arg-type]
            lost_seconds=float(config.get("lost_seconds", LOST_SECONDS)),
            max_track_frames=int(config.get("max_track_frames", 0)),
            jpeg_quality=int(config.get("jpeg_quality", THUMBNAIL_QUALITY)),
        )


@dataclass
class _Best:
    score: float
    box: tuple[float, float, float, float]
    time: float
    label: str
    #: The best shot's pixels (`thumbnail_crop`), encoded when it is posted.
    crop: np.ndarray


@dataclass
class _Track:
    first_seen: float
    last_seen: float
    frames: int = 0
    best: _Best | None = None
    posted: bool = False


@dataclass(frozen=True)
class _Posted:
    track_id: int
    track: _Track
    best: _Best


@dataclass
class _Row:
    stream_id: str
    analyser: ObjectAnalyser
    settings: PostingSettings
    config: dict[str, Any]
    tracks: dict[int, _Track] = field(default_factory=dict)
    unposted: int = 0
    time: float | None = None


class ObjectPosting:
    """The stage of `FF-BODY` and `FF-CAR` rows: one best shot per track."""

    def __init__(self, client: InferenceClient, store: EventStore, *, model: str = OBJECT_MODEL) -> None:
        self._client = client
        self._store = store
        self._model = model
        self._rows: dict[int, _Row] = {}
        #: The last frame's RGB and detections per stream: bodies and cars
        #: of one archive share one YOLOX call per frame (its rows are fed
        #: the same frame one after the other).
        self._last: dict[str, tuple[tuple[str, int], np.ndarray, asyncio.Future[list[Detection]]]] = {}

    def refuse(self, item: work.WorkItem) -> str | None:
        if item.analytic_id in _LABELS:
            return None
        return f"analytic {item.analytic_id} is not {BODY} or {CAR}; the work is not run"

    def forget(self, work_id: int) -> None:
        row = self._rows.pop(work_id, None)
        if row is not None:
            self._last.pop(row.stream_id, None)

    def counters(self, work_id: int) -> dict[str, int]:
        row = self._rows.get(work_id)
        return {"not_posted": row.unposted if row is not None else 0}

    def _row(self, item: work.WorkItem, config: dict[str, Any]) -> _Row:
        row = self._rows.get(item.id)
        if row is None or row.config != config:
            settings = PostingSettings.from_config(config)
            tracker_config = {"object_confidence_threshold": settings.min_score}
            analyser = ObjectAnalyser(_LABELS[item.analytic_id][1], tracker_config, sample_fps=_fps(config))
            row = self._rows[item.id] = _Row(item.stream_id, analyser, settings, config)
        return row

    async def analyse(self, item: work.WorkItem, config: dict[str, Any], stream: OpenStream, ref: FrameRef) -> None:
        prepared = await self.prepare(item, config, stream, ref)
        await prepared.complete()

    async def prepare(self, item: work.WorkItem, config: dict[str, Any], stream: OpenStream, ref: FrameRef) -> Prepared:
        """The frame's first half (workers.Prepared): converted, and its
        YOLOX request sent (once for the archive's body and car rows)."""
        why = self.refuse(item)
        if why is not None:
            raise ValueError(why)
        pixels = stream.read(ref)
        if pixels is None:
            return Prepared.nothing()
        row = self._row(item, config)
        frame = (ref.ring, ref.seq)
        last = self._last.get(item.stream_id)
        if last is not None and last[0] == frame and not _failed(last[2]):
            rgb, detected = last[1], last[2]
        else:
            rgb = await frame_rgb(pixels, ref)  # type: ignore[arg-type]
            detected = asyncio.ensure_future(
                detect_objects(self._client, rgb, score_threshold=LOW_SCORE, model=self._model)
            )
            # Shared by the rows: no row's end cancels it, and a failure
            # nobody awaited is not an error.
            detected.add_done_callback(lambda task: task.cancelled() or task.exception())
            self._last[item.stream_id] = (frame, rgb, detected)
        recording: Recording | None = getattr(stream, "recording", None)

        async def complete() -> None:
            try:
                detections = await detected
            except BaseException:
                # A failure of the inference service propagates (the offline
                # job tries the frame again, with a new request).
                if self._last.get(item.stream_id, (None, None, None))[2] is detected:
                    self._last.pop(item.stream_id, None)
                raise
            due = await asyncio.to_thread(self._observe, row, detections, rgb, ref.time)
            if due:
                await asyncio.to_thread(self._post, item, row, due, ref.time, recording)

        return Prepared(complete)

    def _observe(self, row: _Row, detections: list[Detection], rgb: np.ndarray, time: float) -> list[_Posted]:
        height, width = rgb.shape[:2]
        if row.time is not None and time <= row.time:  # the source started again
            return self._end_all(row)
        row.time = time
        result = row.analyser.analyse(detections, (width, height), time)
        s = row.settings
        for obj in result.objects:
            track = row.tracks.get(obj.track_id)
            if track is None:
                track = row.tracks[obj.track_id] = _Track(time, time)
            track.last_seen = time
            track.frames += 1
            if track.posted:
                continue
            x1, y1, x2, y2 = obj.box
            size = (x2 - x1) * width if row.analyser.settings.labels == VEHICLES else (y2 - y1) * height
            centre = ((x1 + x2) / 2 * width, (y1 + y2) / 2 * height)
            if obj.score < s.min_score or not s.min_size <= size <= s.max_size or not in_rect(s.roi_rect, centre):
                continue
            if track.best is None or obj.score > track.best.score:
                # The pixels are kept; only the posted best shot is encoded.
                track.best = _Best(obj.score, obj.box, time, obj.label, thumbnail_crop(rgb, obj.box))
        due = []
        for track_id, track in list(row.tracks.items()):
            if time - track.last_seen > s.lost_seconds:
                del row.tracks[track_id]
                if not track.posted:
                    due.append((track_id, track))
            elif not track.posted and s.max_track_frames and track.frames >= s.max_track_frames:
                due.append((track_id, track))
        return self._decide(row, due)

    def _end_all(self, row: _Row) -> list[_Posted]:
        due = [(i, t) for i, t in row.tracks.items() if not t.posted]
        row.tracks.clear()
        return self._decide(row, due)

    @staticmethod
    def _decide(row: _Row, due: list[tuple[int, _Track]]) -> list[_Posted]:
        out = []
        for track_id, track in due:
            track.posted = True
            if track.best is None:
                row.unposted += 1
                continue
            out.append(_Posted(track_id, track, track.best))
        return out

    async def flush(self, item: work.WorkItem, stream: OpenStream, time: float) -> None:
        """The recording ended: every track not posted yet is posted now."""
        row = self._rows.get(item.id)
        if row is None:
            return
        due = self._end_all(row)
        if due:
            await asyncio.to_thread(self._post, item, row, due, time, getattr(stream, "recording", None))

    def _post(
        self, item: work.WorkItem, row: _Row, due: list[_Posted], frame_time: float, recording: Recording | None
    ) -> None:
        now = datetime.now(UTC)
        batch: list[NewEvent] = []
        times: list[float] = []
        for posted in due:
            track, best = posted.track, posted.best
            batch.append(
                NewEvent(
                    stream_id=item.stream_id,
                    analytic_id=item.analytic_id,
                    event_type=EVENT_TYPES[item.analytic_id],
                    occurred_at=now,
                    node_num=item.node_num,
                    track_id=posted.track_id,
                    label=best.label,
                    score=float(best.score),
                    box=best.box,
                    thumbnail=thumbnail_jpeg(best.crop, row.settings.jpeg_quality),
                    attributes={
                        "frame_time": round(best.time, 3),
                        "track_frames": track.frames,
                        "track_seconds": round(track.last_seen - track.first_seen, 3),
                    },
                )
            )
            times.append(best.time)
        fence = None
        if recording is not None:
            batch = recording.stamp(item.id, batch, times)
            fence = recording.fence(item.id, frame_time)
        ids = self._store.append(batch, fence=fence)
        EVENTS_APPENDED.labels(item.stream_id, item.analytic_id).inc(len(ids))


def _failed(task: asyncio.Future[Any]) -> bool:
    return task.done() and (task.cancelled() or task.exception() is not None)


def _fps(config: Mapping[str, Any]) -> float:
    fps = config.get("sample_fps", 5)
    return float(fps) if isinstance(fps, int | float) and fps > 0 else 5.0
