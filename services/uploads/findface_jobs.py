"""FindFace video-archive processing, the uploads side: `process/` turns
an archive's `stream_settings` into offline work rows on its internal
stream (one per enabled detector: `FF-FACE`, `FF-BODY`, `FF-CAR`, run by
the engine's offline workers, services/engine/findface.py), `stop/`
cancels them, and `views` reads back what the archive reports (queued,
active, finished, counts, clusters, health statistic). Everything here
blocks: call it in a thread.

The mapping of `stream_settings` onto the stages (README "FindFace video
archives"):

- `detectors.face` / `.body` / `.car`: an object enables that stage, null
  disables it;
- `filter_min_quality`: the lowest detector score (YuNet's for faces,
  YOLOX's for bodies and cars) of a box that may be posted;
- `filter_min_size` / `filter_max_size`: the box's size in pixels (height
  of faces and bodies, width of cars);
- `roi` (`WxH+X+Y` in pixels, "" = whole frame): a box's centre must lie in it;
- `jpeg_quality`: the posted thumbnail's JPEG quality;
- `track_miss_interval` (seconds): a track unseen this long ends (at least
  1.5 sampled frames); `track_overlap_threshold`: the IoU that continues a
  face track; `track_max_duration_frames` (0: no limit): a track followed
  for this many sampled frames is posted then;
- `play_speed`: -1 (or 0) = as fast as the machine allows; a positive value
  paces the decoding to that many seconds of video per second.

Everything else is accepted, stored and shown, and not applied (listed in
the README).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, delete, or_, update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from services.catalog import work
from services.common.errors import InvalidArgument
from services.db.locks import lock_row
from services.db.models import Stream, Video, Work, utcnow
from services.events.store import EventStore
from services.events.vocabulary import FINDFACE_ANALYTIC_IDS
from services.uploads.clusters import count_identities

#: The stages' analytic ids (services/engine/findface.py runs them).
ANALYTICS = FINDFACE_ANALYTIC_IDS
FACE, BODY, CAR = ANALYTICS
#: Detector name -> analytic id.
DETECTORS = {"face": FACE, "body": BODY, "car": CAR}
#: Frames per second each stage analyses (the decode reads every frame).
SAMPLE_FPS = 5.0
#: How far (box widths) a face may move between analysed frames and stay on its track.
TRACK_SHIFT = 1.0
#: `track_max_duration_frames` 0: a face track is decided only when it ends.
NEVER = 1e9
_ROI = re.compile(r"^\s*(\d+)x(\d+)\+(\d+)\+(\d+)\s*$")


def parse_roi(value: str) -> tuple[int, int, int, int] | None:
    """FindFace's `roi` (`WxH+X+Y`, pixels) as (x, y, w, h); None for ""."""
    if not value or not value.strip():
        return None
    found = _ROI.match(value)
    if found is None:
        raise InvalidArgument(f"roi must be WxH+X+Y in pixels (for example 1280x720+320+180) or empty, not {value!r}")
    w, h, x, y = (int(g) for g in found.groups())
    if w == 0 or h == 0:
        raise InvalidArgument("roi must have a width and a height above 0")
    return (x, y, w, h)


def stage_configs(settings: Mapping[str, Any], sample_fps: float = SAMPLE_FPS) -> dict[str, dict[str, Any]]:
    """The work-row config of each enabled stage, by analytic id."""
    out: dict[str, dict[str, Any]] = {}
    speed = float(settings.get("play_speed", -1) or -1)
    for name, analytic in DETECTORS.items():
        detector = (settings.get("detectors") or {}).get(name)
        if detector is None:
            continue
        try:
            roi = parse_roi(str(detector.get("roi", "")))
        except InvalidArgument as error:
            # Stored as sent (the document's own request example says "string"); refused when applied.
            raise InvalidArgument(f"stream_settings.detectors.{name}.{error.message}") from None
        lost = max(float(detector.get("track_miss_interval", 1)), 1.5 / sample_fps)
        frames = int(detector.get("track_max_duration_frames", 0))
        common = {
            "sample_fps": sample_fps,
            "play_speed": speed,
            "object_confidence_threshold": float(detector.get("filter_min_quality", 0.5)),
            "jpeg_quality": int(detector.get("jpeg_quality", 95)) or 1,
            "lost_seconds": lost,
            "roi_rect": list(roi) if roi else None,
        }
        if analytic == FACE:
            out[analytic] = common | {
                "min_face_size": int(detector.get("filter_min_size", 0)),
                "max_face_size": float(detector.get("filter_max_size", 8192)),
                "track_iou": float(detector.get("track_overlap_threshold", 0.25)),
                # Sampling `sample_fps`, a face moves further between analysed
                # frames than between consecutive ones: a face within one box
                # width of a track's last box (and about its size) continues it.
                "track_shift": TRACK_SHIFT,
                "decide_seconds": frames / sample_fps if frames > 0 else NEVER,
            }
        else:
            out[analytic] = common | {
                "min_size": float(detector.get("filter_min_size", 0)),
                "max_size": float(detector.get("filter_max_size", 8192)),
                "max_track_frames": frames,
            }
    return out


@dataclass(frozen=True)
class ArchiveView:
    """What an archive reports of its processing."""

    #: `none` (never processed), or the job's state (services/catalog/work.py JOB_*).
    state: str
    error: str
    processed_seconds: float
    job_starts: int
    #: Posted tracks by detector (face, body, car).
    counts: Mapping[str, int]
    #: Tracks that posted nothing (no box passed the filters), by detector.
    not_posted: Mapping[str, int]
    #: The worker's statistic (services/engine/offline.py `Job.statistic`), {} before one.
    statistic: Mapping[str, Any]
    face_clusters: int
    #: The detectors the job runs.
    detectors: tuple[str, ...]

    @property
    def queued(self) -> bool:
        return self.state == work.JOB_SCHEDULED

    @property
    def active(self) -> bool:
        return self.state in (work.JOB_SCHEDULED, work.JOB_RUNNING)

    @property
    def finished(self) -> bool:
        return self.state == work.JOB_DONE


NOT_PROCESSED = ArchiveView("none", "", 0.0, 0, {}, {}, {}, 0, ())


class ArchiveJobs:
    """Queues, stops and reads FindFace archives' processing."""

    def __init__(self, database: Engine, events: EventStore, *, sample_fps: float = SAMPLE_FPS) -> None:
        self._db = database
        self._events = events
        self._sample_fps = sample_fps
        #: (stream, face events) -> identities: clustering runs once per new face.
        self._clusters: dict[str, tuple[int, int]] = {}

    def _rows(self, session: Session, stream_ids: Sequence[str]) -> dict[str, list[Work]]:
        found: dict[str, list[Work]] = {s: [] for s in stream_ids}
        if stream_ids:
            query = select(Work).where(col(Work.stream_id).in_(list(stream_ids)), col(Work.analytic_id).in_(ANALYTICS))
            for row in session.exec(query.order_by(col(Work.id))):
                found[row.stream_id].append(row)
        return found

    def queue(self, video: Video) -> bool:
        """Queue the archive's processing with its current settings: its
        earlier results (events) go, new rows are `pending`. False (nothing
        done) while it is already queued or running."""
        assert video.id is not None and video.stream_id is not None
        configs = stage_configs(video.stream_settings, self._sample_fps)
        if not configs:
            raise InvalidArgument("stream_settings enable no detector (face, body and car are all null)")
        stream_id = video.stream_id
        with Session(self._db) as session:
            if work.job_active(self._rows(session, [stream_id])[stream_id]):
                return False
        # The last run's rows are idle, done or failed: their worker can
        # append nothing more (every append is fenced on a running row).
        self._events.delete_analytics(stream_id, ANALYTICS)
        now = utcnow()
        with Session(self._db) as session:
            if not lock_row(session, col(Stream.stream_id), stream_id):
                return False
            if work.job_active(self._rows(session, [stream_id])[stream_id]):
                return False
            session.execute(delete(Work).where(col(Work.stream_id) == stream_id, col(Work.analytic_id).in_(ANALYTICS)))
            stream = session.get(Stream, stream_id)
            node = stream.node_num if stream is not None else 0
            for analytic, config in configs.items():
                session.add(
                    Work(
                        stream_id=stream_id,
                        node_num=node,
                        analytic_id=analytic,
                        # Archives hold no licence seat: the archive's id keeps the
                        # (node, analytic, seat) key unique.
                        seat=video.id,
                        serial_number=f"findface-archive-{video.id}",
                        kind=work.OFFLINE,
                        config=config,
                        state=work.PENDING,
                        created_at=now,
                        updated_at=now,
                    )
                )
            session.execute(update(Video).where(col(Video.id) == video.id).values(job_statistic=None))
            session.commit()
        self._clusters.pop(stream_id, None)
        return True

    def reset(self, video: Video) -> None:
        """Forget the archive's processing (a new source file): its rows,
        its results (events) and its statistic. Only when it is not active."""
        if not video.stream_id:
            return
        with Session(self._db) as session:
            session.execute(
                delete(Work).where(col(Work.stream_id) == video.stream_id, col(Work.analytic_id).in_(ANALYTICS))
            )
            session.execute(update(Video).where(col(Video.id) == video.id).values(job_statistic=None))
            session.commit()
        self._events.delete_analytics(video.stream_id, ANALYTICS)
        self._clusters.pop(video.stream_id, None)

    def stop(self, video: Video) -> int:
        """Stop the archive's processing: its queued and running rows become
        idle (cancelled); a worker running them loses them at its next
        heartbeat and can append nothing more. How many rows."""
        if not video.stream_id:
            return 0
        now = utcnow()
        with Session(self._db) as session:
            result = session.execute(
                update(Work)
                .where(
                    col(Work.stream_id) == video.stream_id,
                    col(Work.analytic_id).in_(ANALYTICS),
                    or_(
                        col(Work.state).in_([work.PENDING, work.RUNNING]),
                        and_(col(Work.state) == work.IDLE, col(Work.not_before).is_not(None)),
                    ),
                )
                .values(
                    state=work.IDLE, not_before=None, owner=None, heartbeat_at=None, cancelled_at=now, updated_at=now
                )
            )
            session.commit()
            return int(result.rowcount)  # type: ignore[attr-defined]

    def views(self, videos: Sequence[Video]) -> dict[int, ArchiveView]:
        """Each archive's processing (by archive id)."""
        streams = [v.stream_id for v in videos if v.stream_id]
        with Session(self._db) as session:
            rows = self._rows(session, streams)
        counts = self._events.analytic_counts(streams, ANALYTICS)
        out: dict[int, ArchiveView] = {}
        for video in videos:
            assert video.id is not None
            mine = rows.get(video.stream_id or "", [])
            if not mine or video.stream_id is None:
                out[video.id] = NOT_PROCESSED
                continue
            job = work.derive_job(mine)
            statistic = dict(video.job_statistic or {})
            objects = statistic.get("objects") or {}
            names = {analytic: name for name, analytic in DETECTORS.items()}
            faces = counts.get((video.stream_id, FACE), 0)
            out[video.id] = ArchiveView(
                state=job.state,
                error=job.error,
                processed_seconds=job.processed_seconds,
                job_starts=max(r.attempts for r in mine),
                counts={name: counts.get((video.stream_id, a), 0) for a, name in names.items()},
                not_posted={names[a]: int((objects.get(a) or {}).get("not_posted", 0)) for a in ANALYTICS},
                statistic=statistic,
                face_clusters=self._face_clusters(video.stream_id, faces),
                detectors=tuple(names[r.analytic_id] for r in mine),
            )
        return out

    def _face_clusters(self, stream_id: str, faces: int) -> int:
        if faces == 0:
            return 0
        cached = self._clusters.get(stream_id)
        if cached is not None and cached[0] == faces:
            return cached[1]
        embeddings = self._events.embeddings_of(stream_id, FACE, "face")
        identities = count_identities(embeddings)
        self._clusters[stream_id] = (faces, identities)
        return identities
