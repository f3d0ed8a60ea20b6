"""Face recognition in the engine (`NFV4-FR`): the analysis stage, the
watch-list gallery it matches against, and smart search by image.

`FaceAnalysis` is the stage the engine's workers call once per sampled
frame of an `NFV4-FR` work row (services/engine/dispatch.py routes it). It
reads the frame from the stream's ring, detects faces with YuNet through the
inference service, hands them to the row's `FaceAnalyser`
(services/analysis/faces.py: filter, track, quality) and embeds with SFace
only the faces that beat their track's best shot. Each decided track gives
two events, appended in one batch:

- `face_seen`: the best shot's thumbnail and its SFace embedding (kind
  `face`, the one smart search by image finds), with the recognised name
  as `primary_text` when there is one;
- `person_recognised` (the person's name as `primary_text`, their note, or
  the list's name when the note is empty, as `secondary_text`, and the
  similarity, person and list in `attributes`) or `stranger` (the nearest
  similarity in `attributes`, when any list has photos);
- one event per rule of the config the track set off (`watchlist_match`
  with the person on the rule's list, `unknown_face`), `sub_analytic`
  `rules[i]` and the rule's index in `attributes`.

All the events of one track carry the same `sighting` attribute
(services/events/vocabulary.py): smart search by text returns them as one
result.

The gallery (every enrolled photo's embedding) is read from the database at
most every `GALLERY_SECONDS`, so an enrolment applies within that time.

A frame the inference service cannot answer for is skipped and counted, as
in the object stage.

`FaceSearch` is smart search's `image` branch: the largest face of the
query JPEG, embedded, searched in the vector index among `face` embeddings.
"""

from __future__ import annotations

import asyncio
import logging
import time as clock
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from functools import partial
from typing import Any

import grpc
import numpy as np

from services.analysis import overlay
from services.analysis.faces import (
    EMBEDDING_KIND,
    FACE_SEEN,
    PERSON_RECOGNISED,
    STRANGER,
    Decision,
    Enrolled,
    FaceAnalyser,
    Gallery,
    Track,
)
from services.catalog import work
from services.common.errors import InvalidArgument, Unavailable
from services.engine.analysers import (
    EVENTS_APPENDED,
    FRAMES_SKIPPED,
    THUMBNAIL_QUALITY,
    frame_rgb,
    in_hours,
    thumbnail,
)
from services.engine.overlays import Overlays
from services.engine.sources import OpenStream
from services.engine.workers import Prepared, Recording
from services.events.store import Embedding, EventStore, NewEvent
from services.events.vocabulary import SIGHTING, new_sighting
from services.inference_client import InferenceClient
from services.inference_client.client import InferenceError
from services.media.frame_ring import FrameRef
from services.media.still import NotAPicture, decode_jpeg
from services.search.smart import SearchQuery
from services.search.vectors import Hit, VectorIndex
from services.vision import sface, yunet
from services.vision.detectors import detect_faces, embed_aligned

log = logging.getLogger(__name__)

#: The analytic this stage runs.
ANALYTIC_ID = "NFV4-FR"
#: Lowest YuNet score of a face the tracker sees (the config's threshold
#: then filters; YuNet's own default is 0.6, its scores of real faces
#: 0.8..0.95).
DETECT_SCORE = 0.5
#: Lowest YuNet score of a face in an enrolment photo or a search query.
STILL_SCORE = 0.6
#: Seconds between reads of the watch-list gallery.
GALLERY_SECONDS = 2.0


class FaceModels:
    """YuNet and SFace through the inference service; a failure of the
    service raises `Unavailable` (503)."""

    def __init__(self, client: InferenceClient) -> None:
        self._client = client

    async def detect(self, rgb: np.ndarray, score: float = DETECT_SCORE) -> list[yunet.Face]:
        try:
            return await detect_faces(self._client, rgb, score_threshold=score)
        except (InferenceError, grpc.RpcError) as error:
            raise Unavailable(f"the inference service cannot detect faces now ({_reason(error)})") from None

    async def embed(self, aligned: np.ndarray) -> np.ndarray:
        try:
            return await embed_aligned(self._client, aligned)
        except (InferenceError, grpc.RpcError) as error:
            raise Unavailable(f"the inference service cannot embed faces now ({_reason(error)})") from None


def _reason(error: Exception) -> str:
    if isinstance(error, grpc.RpcError):
        return str(error.details())  # type: ignore[attr-defined]
    return str(error)


class GalleryCache:
    """The enrolled embeddings, read again at most every `seconds`."""

    def __init__(self, load: Callable[[], list[Enrolled]], seconds: float = GALLERY_SECONDS) -> None:
        self._load = load
        self._seconds = seconds
        self._gallery: Gallery | None = None
        self._at = 0.0
        self._lock = asyncio.Lock()

    async def get(self) -> Gallery:
        async with self._lock:
            now = clock.monotonic()
            if self._gallery is None or now - self._at >= self._seconds:
                self._gallery = Gallery(await asyncio.to_thread(self._load))
                self._at = now
            return self._gallery


@dataclass
class _Row:
    analyser: FaceAnalyser
    config: dict[str, Any]
    time: float | None = None
    pending: list[Track] = field(default_factory=list)
    #: Attributes every event of the row carries (a LUNA stream's handler).
    extra: dict[str, Any] = field(default_factory=dict)
    #: An offline job's recording (events at its time, keyed, fenced).
    recording: Recording | None = None
    #: (stream id, analytic id): where its overlay is published.
    key: tuple[str, str] = ("", "")


class FaceAnalysis:
    """The analysis stage of `NFV4-FR` (one per engine process, shared by
    its workers; one `FaceAnalyser` per work row)."""

    def __init__(
        self,
        models: FaceModels,
        store: EventStore,
        gallery: GalleryCache,
        *,
        analytic_id: str = ANALYTIC_ID,
        recognise: bool = True,
        overlays: Overlays | None = None,
    ) -> None:
        """`recognise=False` (smart-search indexing, `NFV4-SS`): each
        decided track gives only its `face_seen` event."""
        self._models = models
        self._store = store
        self._gallery = gallery
        self._analytic_id = analytic_id
        self._recognise = recognise
        self._overlays = overlays
        self._rows: dict[int, _Row] = {}

    def refuse(self, item: work.WorkItem) -> str | None:
        if item.analytic_id == self._analytic_id:
            return None
        return f"analytic {item.analytic_id} is not {self._analytic_id}; the work is not run"

    def forget(self, work_id: int) -> None:
        row = self._rows.pop(work_id, None)
        if row is not None and self._overlays is not None:
            self._overlays.clear(*row.key)

    def counters(self, work_id: int) -> dict[str, int]:
        """What the row's analysis counted that its events do not show:
        face tracks that ended with no face passing the quality filter."""
        row = self._rows.get(work_id)
        return {"not_posted": row.analyser.unposted if row is not None else 0}

    async def analyse(self, item: work.WorkItem, config: dict[str, Any], stream: OpenStream, ref: FrameRef) -> None:
        prepared = await self.prepare(item, config, stream, ref)
        await prepared.complete()

    async def prepare(self, item: work.WorkItem, config: dict[str, Any], stream: OpenStream, ref: FrameRef) -> Prepared:
        """The frame's first half (workers.Prepared): converted, and its
        face detection request sent; `complete` does the rest in frame order."""
        why = self.refuse(item)
        if why is not None:
            raise ValueError(why)
        pixels = stream.read(ref)
        if pixels is None:
            return Prepared.nothing()
        rgb = await frame_rgb(pixels, ref)  # type: ignore[arg-type]
        detected = asyncio.ensure_future(self._models.detect(rgb))
        recording = getattr(stream, "recording", None)

        async def complete() -> None:
            await self.analyse_picture(item, config, rgb, ref.time, recording=recording, detected=detected)

        return Prepared(complete, detected)

    async def analyse_picture(
        self,
        item: work.WorkItem,
        config: dict[str, Any],
        rgb: np.ndarray,
        time: float,
        extra: dict[str, Any] | None = None,
        recording: Recording | None = None,
        detected: Awaitable[list[yunet.Face]] | None = None,
    ) -> None:
        """Analyse one RGB frame of the row (another stage that already
        converted the frame calls this); `extra` goes into every event's
        attributes; `detected`: the frame's faces, asked for already."""
        row = self._rows.get(item.id)
        if row is None:
            row = self._rows[item.id] = _Row(
                FaceAnalyser(config), config, extra=dict(extra or {}), key=(item.stream_id, item.analytic_id)
            )
        elif config != row.config:
            row.analyser.configure(config)
            row.config = config
        row.recording = recording
        await self.analyse_rgb(item, row, rgb, time, detected)

    async def flush(self, item: work.WorkItem, stream: OpenStream, time: float) -> None:
        """The recording ended: its face tracks not decided yet are decided
        now (their best shots are not lost)."""
        row = self._rows.get(item.id)
        if row is None:
            return
        row.recording = getattr(stream, "recording", None)
        due = row.analyser.reset()
        if not due:
            return
        gallery = await self._gallery.get()
        decisions = [row.analyser.decide(track, gallery) for track in due]
        await asyncio.to_thread(self._append, item, decisions, time)

    async def analyse_rgb(
        self,
        item: work.WorkItem,
        row: _Row,
        rgb: np.ndarray,
        time: float,
        detected: Awaitable[list[yunet.Face]] | None = None,
    ) -> None:
        try:
            faces = await (detected if detected is not None else self._models.detect(rgb))
        except Unavailable as error:
            FRAMES_SKIPPED.labels(item.stream_id, item.analytic_id, "inference").inc()
            log.warning("work %d: frame skipped: %s", item.id, error.message)
            return
        if row.time is not None and time <= row.time:
            row.pending += row.analyser.reset()  # the source started again
        row.time = time
        candidates = row.analyser.observe(faces, rgb, time)
        if candidates:
            try:
                embeddings = await asyncio.gather(*(self._models.embed(c.aligned) for c in candidates))
            except Unavailable as error:
                FRAMES_SKIPPED.labels(item.stream_id, item.analytic_id, "inference").inc()
                log.warning("work %d: faces not embedded: %s", item.id, error.message)
                embeddings = []
            for candidate, embedding in zip(candidates, embeddings, strict=False):
                crop = _crop(rgb, candidate.box)
                row.analyser.offer(candidate, embedding, crop, time)
        gallery: Gallery | None = None
        if self._overlays is not None and self._recognise:
            gallery = await self._gallery.get()
            marks = row.analyser.marks(time, (rgb.shape[1], rgb.shape[0]), gallery)
            self._overlays.publish(item.stream_id, item.analytic_id, partial(overlay.draw_faces, faces=marks))
        due, row.pending = row.pending + row.analyser.due(time), []
        if not due:
            return
        if gallery is None:
            gallery = await self._gallery.get()
        decisions = [row.analyser.decide(track, gallery) for track in due]
        await asyncio.to_thread(self._append, item, decisions, time)

    def _append(self, item: work.WorkItem, decisions: Sequence[Decision], frame_time: float = 0.0) -> None:
        """The decided tracks' events in one batch; an offline job's at the
        recording's time of each best shot, keyed and stored with the row's
        checkpoint (workers.Recording)."""
        batch: list[NewEvent] = []
        times: list[float] = []
        now = datetime.now(UTC)
        row = self._rows.get(item.id)
        extra = row.extra if row is not None else {}
        quality = int(row.config.get("jpeg_quality", THUMBNAIL_QUALITY)) if row is not None else THUMBNAIL_QUALITY
        for decision in decisions:
            for event in face_events(item, decision, now, quality)[: None if self._recognise else 1]:
                batch.append(replace(event, attributes={**event.attributes, **extra}) if extra else event)
                times.append(decision.best.time)
        recording = row.recording if row is not None else None
        fence = None
        if recording is not None:
            batch = recording.stamp(item.id, batch, times)
            fence = recording.fence(item.id, frame_time)
        config = self._rows[item.id].config if item.id in self._rows else {}
        batch = in_hours(config, batch)
        ids = self._store.append(batch, fence=fence)
        EVENTS_APPENDED.labels(item.stream_id, item.analytic_id).inc(len(ids))


def _crop(rgb: np.ndarray, box: tuple[float, float, float, float]) -> np.ndarray:
    """The part of the frame a thumbnail of `box` shows (with a generous
    margin: a face's thumbnail shows the head)."""
    height, width = rgb.shape[:2]
    x1, y1, x2, y2 = box
    mx, my = (x2 - x1) * 0.5, (y2 - y1) * 0.5
    left, top = max(0, int((x1 - mx) * width)), max(0, int((y1 - my) * height))
    right, bottom = min(width, int((x2 + mx) * width) + 1), min(height, int((y2 + my) * height) + 1)
    return np.ascontiguousarray(rgb[top:bottom, left:right])


def face_events(
    item: work.WorkItem, decision: Decision, now: datetime, quality: int = THUMBNAIL_QUALITY
) -> list[NewEvent]:
    """The events of one decided track: `face_seen` (thumbnail, embedding)
    and `person_recognised` or `stranger`, then its rule events; all with
    one new `sighting` key."""
    best = decision.best
    jpeg = (
        thumbnail(best.crop, (0.0, 0.0, 1.0, 1.0), quality)
        if best.crop.shape[0] >= 2 and best.crop.shape[1] >= 2
        else None
    )
    attributes: dict[str, Any] = {
        SIGHTING: new_sighting(),
        "frame_time": round(best.time, 3),
        "track_frames": decision.frames,
        "track_seconds": round(decision.seconds, 3),
        **best.quality.as_dict(),
    }
    match = decision.match
    primary = secondary = ""
    outcome: dict[str, Any] = {}
    if match is not None:
        primary, secondary = match.name, match.note or match.watchlist
        outcome = {
            "similarity": round(match.similarity, 4),
            "person_id": match.person_id,
            "watchlist_id": match.watchlist_id,
            "watchlist": match.watchlist,
        }
    elif decision.nearest is not None:
        outcome = {"nearest_similarity": round(decision.nearest, 4)}

    def event(kind: str, **kw: Any) -> NewEvent:
        return NewEvent(
            stream_id=item.stream_id,
            analytic_id=item.analytic_id,
            event_type=kind,
            occurred_at=now,
            node_num=item.node_num,
            track_id=decision.track_id,
            label="face",
            score=float(best.quality.score),
            box=best.box,
            thumbnail=jpeg,
            primary_text=primary[:255],
            secondary_text=secondary[:255],
            **kw,
        )

    vector = [float(v) for v in best.embedding]
    events = [
        event(FACE_SEEN, attributes=attributes, embedding=Embedding(EMBEDDING_KIND, vector)),
        event(PERSON_RECOGNISED if match is not None else STRANGER, attributes={**attributes, **outcome}),
    ]
    for hit in decision.rule_hits:
        rule: dict[str, Any] = {"rule": hit.index}
        if hit.match is not None:  # watchlist_match: the person on the rule's list
            m = hit.match
            rule |= {
                "similarity": round(m.similarity, 4),
                "person_id": m.person_id,
                "watchlist_id": m.watchlist_id,
                "watchlist": m.watchlist,
            }
            texts = (m.name[:255], (m.note or m.watchlist)[:255])
        else:
            rule |= outcome
            texts = (primary[:255], secondary[:255])
        fired = event(hit.type, attributes={**attributes, **rule})
        events.append(
            replace(fired, sub_analytic=f"rules[{hit.index}]", primary_text=texts[0], secondary_text=texts[1])
        )
    return events


@dataclass(frozen=True)
class StillFace:
    """The face of a still picture (an enrolment photo, a search query)."""

    face: yunet.Face
    aligned: np.ndarray
    embedding: np.ndarray


async def still_faces(models: FaceModels, jpeg: bytes, what: str) -> tuple[np.ndarray, list[yunet.Face]]:
    """A caller's JPEG decoded, and its faces, largest first."""
    try:
        rgb = await asyncio.to_thread(decode_jpeg, jpeg)
    except NotAPicture as error:
        raise InvalidArgument(f"{what} is not a JPEG that can be decoded: {error}") from None
    faces = await models.detect(rgb, STILL_SCORE)
    faces.sort(key=lambda f: -(f.box[2] - f.box[0]) * (f.box[3] - f.box[1]))
    return rgb, faces


async def embed_still(models: FaceModels, rgb: np.ndarray, face: yunet.Face) -> StillFace:
    aligned = await asyncio.to_thread(sface.align, rgb, face.landmarks)
    return StillFace(face, aligned, await models.embed(aligned))


class FaceSearch:
    """Smart search by image: the largest face of the query, searched among
    the events' face embeddings (`ImageSearch` of services/search/smart.py)."""

    def __init__(self, models: FaceModels, index: VectorIndex) -> None:
        self._models = models
        self._index = index

    async def __call__(self, jpeg: bytes, query: SearchQuery) -> list[Hit]:
        rgb, faces = await still_faces(self._models, jpeg, "the query image")
        if not faces:
            raise InvalidArgument("no face found in query image")
        still = await embed_still(self._models, rgb, faces[0])
        vector = [float(v) for v in still.embedding]
        return await asyncio.to_thread(self._index.search, vector, EMBEDDING_KIND, query.limit, query.where)
