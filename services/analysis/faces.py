"""Face recognition (`NFV4-FR`, `NFDSS-FR`): the face pipeline between the
models and the events, with no I/O of its own.

Per sampled frame the engine's stage (services/engine/faces.py) detects
faces with YuNet and hands them to `FaceAnalyser.observe`, which

- keeps the faces whose detection score reaches the config's
  `object_confidence_threshold`, whose box is at least `min_face_size`
  pixels high and whose centre lies in the config's `areas` (all of the
  frame when there are none);
- follows them across frames (`FaceTracks`: greedy IoU association, a track
  ends when unseen for `LOST_SECONDS`);
- judges each face's quality (`judge`): pose estimated from the five
  landmarks (yaw, pitch, roll in degrees), sharpness as the variance of the
  Laplacian of the aligned 112x112 grey crop (so it does not depend on the
  face's size), and refuses faces turned or blurred past `QualityLimits`;
- asks for an embedding only for a face that beats its track's best shot
  so far (`Candidate`), so a track costs one SFace call per improvement,
  not one per frame.

A track is decided once (`decide`): when it ends, or when it has been
followed for `decide_seconds`, whichever comes first (FindFace's
`post_best_track_frame`: one best shot per track). Its best shot is
matched against the watch lists (`Gallery.match`: cosine similarity of
SFace embeddings, the best person whose similarity reaches the config's
`similarity_threshold`). A track whose faces never passed the quality
filter gives nothing.

The config's event rules are judged at the same decision: a
`watchlist_match` rule fires when the best shot's most similar person on
the rule's watch list (by name or id) reaches the rule's `min_similarity`
(whatever `similarity_threshold` says); an `unknown_face` rule fires when
the track is a stranger and its best shot's centre lies in the rule's area
(one of the config's `areas`, by name).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from services.analysis import geometry
from services.analysis.geometry import Point
from services.vision import sface
from services.vision.image import iou, normalised_box
from services.vision.yunet import Face

#: Event types.
FACE_SEEN = "face_seen"
PERSON_RECOGNISED = "person_recognised"
STRANGER = "stranger"
#: Rule events (the config's `rules`, as /rules/pipeline describes them).
WATCHLIST_MATCH = "watchlist_match"
UNKNOWN_FACE = "unknown_face"
#: The embedding kind of a face (services/events/store.py::Embedding).
EMBEDDING_KIND = "face"

#: Seconds a track may go unseen before it ends (and is decided).
LOST_SECONDS = 1.5
#: Seconds after its first face that a track still being followed is decided.
DECIDE_SECONDS = 3.0
#: Lowest IoU of a face with a track's last box to continue it.
TRACK_IOU = 0.2

#: How far the nose tip stands in front of the eyes, in interocular
#: distances (an average adult face), for the pose estimates.
NOSE_DEPTH = 0.6
#: Where the nose tip lies between the eye line (0) and the mouth line (1)
#: on a frontal face (ArcFace's template, services/vision/sface.py).
NOSE_HEIGHT = float(
    (sface.TEMPLATE[2, 1] - sface.TEMPLATE[:2, 1].mean())
    / (sface.TEMPLATE[3:, 1].mean() - sface.TEMPLATE[:2, 1].mean())
)

Box = tuple[float, float, float, float]


@dataclass(frozen=True)
class QualityLimits:
    """The quality filter: poses (degrees) and sharpness beyond these are
    refused. Sharpness is the Laplacian variance of the aligned grey crop:
    the astronaut's face measures ~550 sharp, ~14 under a Gaussian blur of
    sigma 2 px, ~3 under sigma 4."""

    max_yaw: float = 40.0
    max_pitch: float = 30.0
    max_roll: float = 35.0
    min_sharpness: float = 25.0


@dataclass(frozen=True)
class Quality:
    """How usable a face is for recognition."""

    score: float  # the detector's
    height: float  # the box's height, pixels
    yaw: float
    pitch: float
    roll: float
    sharpness: float
    problem: str = ""  # why it is refused, "" when it is not

    @property
    def ok(self) -> bool:
        return not self.problem

    @property
    def value(self) -> float:
        """The best-shot ranking: a frontal, sharp, large, confident face first."""
        frontal = math.cos(math.radians(min(abs(self.yaw), 89.0))) * math.cos(math.radians(min(abs(self.pitch), 89.0)))
        size = min(self.height, 160.0) / 160.0
        sharp = min(self.sharpness, 200.0) / 200.0
        return self.score * (0.4 * frontal + 0.3 * size + 0.3 * sharp)

    def as_dict(self) -> dict[str, float]:
        return {
            "yaw": round(self.yaw, 1),
            "pitch": round(self.pitch, 1),
            "roll": round(self.roll, 1),
            "sharpness": round(self.sharpness, 1),
            "face_height": round(self.height, 1),
        }


def pose(landmarks: np.ndarray) -> tuple[float, float, float]:
    """(yaw, pitch, roll) in degrees, estimated from YuNet's five landmarks
    (right eye, left eye, nose tip, right and left mouth corner, as seen
    in the picture). Roll is the eye line's angle; with it undone, yaw is
    how far the nose tip stands off the eyes' midpoint across the face, and
    pitch how far it stands off its frontal height between eyes and mouth,
    both against a nose `NOSE_DEPTH` interocular distances deep. Rough (a
    few degrees near frontal, worse past 45), enough to refuse turned faces."""
    points = np.asarray(landmarks, dtype=np.float64).reshape(5, 2)
    right_eye, left_eye = points[0], points[1]
    dx, dy = left_eye - right_eye
    roll = math.atan2(dy, dx)
    centre = (right_eye + left_eye) / 2
    cos, sin = math.cos(-roll), math.sin(-roll)
    upright = (points - centre) @ np.array([[cos, sin], [-sin, cos]])
    eyes = max(float(upright[1, 0] - upright[0, 0]), 1e-6)
    nose = upright[2]
    mouth = float(upright[3:, 1].mean())
    yaw = math.atan2(float(nose[0]), NOSE_DEPTH * eyes)
    if mouth > 1e-6:
        pitch = math.atan2((NOSE_HEIGHT - float(nose[1]) / mouth) * mouth, NOSE_DEPTH * eyes)
    else:
        pitch = math.pi / 2
    return math.degrees(yaw), math.degrees(pitch), math.degrees(roll)


def sharpness(aligned: np.ndarray) -> float:
    """The variance of the Laplacian of an aligned RGB face crop's grey."""
    grey = np.asarray(aligned, dtype=np.float32)[..., :3] @ np.array([0.299, 0.587, 0.114], dtype=np.float32)
    lap = grey[1:-1, :-2] + grey[1:-1, 2:] + grey[:-2, 1:-1] + grey[2:, 1:-1] - 4 * grey[1:-1, 1:-1]
    return float(lap.var())


def judge(face: Face, aligned: np.ndarray, limits: QualityLimits) -> Quality:
    """The quality of a face, given its aligned crop."""
    yaw, pitch, roll = pose(face.landmarks)
    sharp = sharpness(aligned)
    problem = ""
    if abs(yaw) > limits.max_yaw:
        problem = f"yaw {yaw:.0f} degrees"
    elif abs(pitch) > limits.max_pitch:
        problem = f"pitch {pitch:.0f} degrees"
    elif abs(roll) > limits.max_roll:
        problem = f"roll {roll:.0f} degrees"
    elif sharp < limits.min_sharpness:
        problem = f"blurred (sharpness {sharp:.0f})"
    return Quality(face.score, face.box[3] - face.box[1], yaw, pitch, roll, sharp, problem)


@dataclass(frozen=True)
class Settings:
    """What the face pipeline reads from an `NFV4-FR` pipeline config (the
    catalog's schema, services/catalog/analytics.py)."""

    threshold: float = 0.5
    similarity_threshold: float = 0.6
    min_face_size: int = 32
    roi: tuple[tuple[Point, ...], ...] = ()
    limits: QualityLimits = QualityLimits()
    decide_seconds: float = DECIDE_SECONDS
    #: Largest face (box height, pixels) kept: FindFace's `filter_max_size`.
    max_face_size: float = math.inf
    #: Seconds a track may go unseen before it ends (FindFace's `track_miss_interval`).
    lost_seconds: float = LOST_SECONDS
    #: Lowest IoU that continues a track (FindFace's `track_overlap_threshold`).
    track_iou: float = TRACK_IOU
    #: Else the largest centre shift, in box widths, that continues one (0: IoU only).
    track_shift: float = 0.0
    #: A region of interest in pixels (x, y, width, height; FindFace's `roi`),
    #: None: the whole frame; a face's centre must lie inside.
    roi_rect: tuple[float, float, float, float] | None = None
    #: The config's `watchlist_match` and `unknown_face` rules (index, rule).
    rules: tuple[tuple[int, Mapping[str, Any]], ...] = ()
    #: The config's areas by name (what an `unknown_face` rule names).
    named_areas: Mapping[str, tuple[Point, ...]] = field(default_factory=dict)

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Settings:
        """The catalog's keys, and (not in the catalog's schema: LUNA
        streams' policies map onto them, services/engine/luna_faces.py)
        `max_yaw`, `max_pitch`, `max_roll` and `decide_seconds`."""
        base = QualityLimits()
        return cls(
            threshold=float(config.get("object_confidence_threshold", 0.5)),
            similarity_threshold=float(config.get("similarity_threshold", 0.6)),
            min_face_size=int(config.get("min_face_size", 32)),
            roi=tuple(
                tuple((float(p["x"]), float(p["y"])) for p in area["points"]) for area in config.get("areas", [])
            ),
            limits=QualityLimits(
                max_yaw=float(config.get("max_yaw", base.max_yaw)),
                max_pitch=float(config.get("max_pitch", base.max_pitch)),
                max_roll=float(config.get("max_roll", base.max_roll)),
                min_sharpness=base.min_sharpness,
            ),
            decide_seconds=float(config.get("decide_seconds", DECIDE_SECONDS)),
            max_face_size=float(config.get("max_face_size", math.inf)),
            lost_seconds=float(config.get("lost_seconds", LOST_SECONDS)),
            track_iou=float(config.get("track_iou", TRACK_IOU)),
            track_shift=float(config.get("track_shift", 0.0)),
            roi_rect=_rect(config.get("roi_rect")),
            rules=tuple(
                (i, dict(rule))
                for i, rule in enumerate(config.get("rules", ()) or ())
                if rule.get("type") in (WATCHLIST_MATCH, UNKNOWN_FACE)
            ),
            named_areas={
                str(area.get("name")): tuple((float(p["x"]), float(p["y"])) for p in area["points"])
                for area in config.get("areas", [])
            },
        )


def _rect(value: Any) -> tuple[float, float, float, float] | None:
    """A pixel rectangle (x, y, width, height) from a config, or None."""
    if not value:
        return None
    x, y, w, h = (float(v) for v in value)
    return (x, y, w, h)


def in_rect(rect: tuple[float, float, float, float] | None, point: tuple[float, float]) -> bool:
    """The pixel point lies in the rectangle (always, when there is none)."""
    if rect is None:
        return True
    x, y, w, h = rect
    return x <= point[0] <= x + w and y <= point[1] <= y + h


@dataclass
class BestShot:
    """A track's best face so far: its quality, embedding (normalised),
    normalised box, frame time and the picture's crop around it."""

    quality: Quality
    embedding: np.ndarray
    box: Box
    time: float
    crop: np.ndarray


@dataclass
class Track:
    """One face followed across frames."""

    id: int
    box: tuple[float, float, float, float]  # pixels, last seen
    first_seen: float
    last_seen: float
    frames: int = 1
    best: BestShot | None = None
    decided: bool = False


class FaceTracks:
    """Greedy IoU association of each frame's faces with the live tracks."""

    def __init__(self, min_iou: float = TRACK_IOU, max_shift: float = 0.0) -> None:
        self.min_iou = min_iou
        #: A box left unmatched by IoU continues an unmatched track whose last
        #: box is about its size (within 1.5x) and whose centre is at most
        #: this many box widths away (0: IoU only). Sampling a few frames per
        #: second, a walking face moves further than its own width between
        #: analysed frames.
        self.max_shift = max_shift
        self._next = 1
        self.live: dict[int, Track] = {}

    def update(self, boxes: Sequence[Box], time: float) -> list[Track]:
        """The track of each box (in order), new tracks for the unmatched."""
        tracks = list(self.live.values())
        assigned: list[Track | None] = [None] * len(boxes)
        if tracks and boxes:
            previous = np.array([t.box for t in tracks], dtype=np.float64)
            pairs = sorted(
                (
                    (float(overlap), i, j)
                    for i, box in enumerate(boxes)
                    for j, overlap in enumerate(iou(np.array(box, dtype=np.float64), previous))
                ),
                reverse=True,
            )
            used: set[int] = set()
            for overlap, i, j in pairs:
                if overlap < self.min_iou:
                    break
                if assigned[i] is None and j not in used:
                    assigned[i] = tracks[j]
                    used.add(j)
            if self.max_shift > 0:
                self._by_distance(boxes, tracks, assigned, used)
        out = []
        for box, track in zip(boxes, assigned, strict=True):
            if track is None:
                track = Track(self._next, box, time, time)
                self._next += 1
                self.live[track.id] = track
            else:
                track.box, track.last_seen = box, time
                track.frames += 1
            out.append(track)
        return out

    def _by_distance(
        self, boxes: Sequence[Box], tracks: list[Track], assigned: list[Track | None], used: set[int]
    ) -> None:
        pairs = []
        for i, box in enumerate(boxes):
            if assigned[i] is not None:
                continue
            width = box[2] - box[0]
            centre = ((box[0] + box[2]) / 2, (box[1] + box[3]) / 2)
            for j, track in enumerate(tracks):
                if j in used:
                    continue
                last = track.box
                ratio = width / max(last[2] - last[0], 1e-6)
                shift = math.dist(centre, ((last[0] + last[2]) / 2, (last[1] + last[3]) / 2))
                if 1 / 1.5 <= ratio <= 1.5 and shift <= self.max_shift * max(width, last[2] - last[0]):
                    pairs.append((shift, i, j))
        for _, i, j in sorted(pairs):
            if assigned[i] is None and j not in used:
                assigned[i] = tracks[j]
                used.add(j)

    def ended(self, time: float, lost_seconds: float = LOST_SECONDS) -> list[Track]:
        """The tracks unseen for longer than `lost_seconds`, removed."""
        gone = [t for t in self.live.values() if time - t.last_seen > lost_seconds]
        for track in gone:
            del self.live[track.id]
        return gone

    def clear(self) -> list[Track]:
        gone = list(self.live.values())
        self.live.clear()
        return gone


@dataclass(frozen=True)
class Candidate:
    """A face that beats its track's best shot, once embedded."""

    track: Track
    face: Face
    quality: Quality
    aligned: np.ndarray
    box: Box  # normalised


@dataclass(frozen=True)
class Enrolled:
    """One photo's embedding of a person on a watch list."""

    person_id: int
    name: str
    note: str
    watchlist_id: int
    watchlist: str
    embedding: np.ndarray


@dataclass(frozen=True)
class Match:
    """The person a face is most like, and how much (cosine, -1..1)."""

    person_id: int
    name: str
    note: str
    watchlist_id: int
    watchlist: str
    similarity: float


class Gallery:
    """The enrolled embeddings, matched by cosine similarity (a person with
    several photos matches by the most similar one)."""

    def __init__(self, entries: Sequence[Enrolled] = ()) -> None:
        self.entries = list(entries)
        vectors = [sface.normalise(e.embedding) for e in self.entries]
        self._matrix = np.stack(vectors) if vectors else np.zeros((0, 128), dtype=np.float32)

    def __len__(self) -> int:
        return len(self.entries)

    def best(self, embedding: np.ndarray, watchlist: str | None = None) -> Match | None:
        """The most similar entry, whatever its similarity (None when empty);
        with `watchlist`, among the entries of the list of that name or id."""
        if not self.entries:
            return None
        scores = self._matrix @ sface.normalise(embedding)
        if watchlist is not None:
            on_list = np.array([e.watchlist == watchlist or str(e.watchlist_id) == watchlist for e in self.entries])
            if not on_list.any():
                return None
            scores = np.where(on_list, scores, -np.inf)
        i = int(np.argmax(scores))
        e = self.entries[i]
        return Match(e.person_id, e.name, e.note, e.watchlist_id, e.watchlist, float(scores[i]))

    def match(self, embedding: np.ndarray, threshold: float) -> Match | None:
        """The most similar entry if it reaches `threshold`, else None."""
        best = self.best(embedding)
        return best if best is not None and best.similarity >= threshold else None


@dataclass(frozen=True)
class Decision:
    """A decided track: its best shot and the watch-list match (None: a
    stranger); `nearest` is the best similarity found, matched or not."""

    track_id: int
    best: BestShot
    frames: int
    seconds: float
    match: Match | None
    nearest: float | None = None
    events: list[str] = field(default_factory=list)
    #: The rules that fired: (rule index, event type, the match for a
    #: `watchlist_match`, None for an `unknown_face`).
    rule_hits: list[RuleHit] = field(default_factory=list)


@dataclass(frozen=True)
class RuleHit:
    """A rule of the config that a decided track set off."""

    index: int
    type: str
    match: Match | None = None


@dataclass(frozen=True)
class FaceMark:
    """A face of the current frame as the overlay view draws it: its box
    (normalised), the person its best shot matches (None: unknown) and the
    similarity (to that person, or the nearest one; None without a best
    shot or an empty gallery)."""

    track_id: int
    box: Box
    name: str | None
    similarity: float | None


class FaceAnalyser:
    """One work row's face pipeline (tracks and best shots); the stage does
    the model calls and the matching."""

    def __init__(self, config: Mapping[str, Any]) -> None:
        self.settings = Settings.from_config(config)
        self.tracks = FaceTracks(self.settings.track_iou, self.settings.track_shift)
        #: Tracks that ended without one face passing the quality filter
        #: (nothing posted for them: FindFace's `faces_not_posted`).
        self.unposted = 0

    def configure(self, config: Mapping[str, Any]) -> None:
        """A new config version: thresholds apply from the next frame; the
        tracks and their best shots stay."""
        self.settings = Settings.from_config(config)
        self.tracks.min_iou, self.tracks.max_shift = self.settings.track_iou, self.settings.track_shift

    def usable(self, faces: Sequence[Face], size: tuple[int, int]) -> list[Face]:
        """The faces the settings let through (score, size, region)."""
        width, height = size
        s = self.settings
        kept = []
        for face in faces:
            x1, y1, x2, y2 = face.box
            if face.score < s.threshold or y2 - y1 < s.min_face_size or y2 - y1 > s.max_face_size:
                continue
            if not in_rect(s.roi_rect, ((x1 + x2) / 2, (y1 + y2) / 2)):
                continue
            centre = ((x1 + x2) / 2 / width, (y1 + y2) / 2 / height)
            if s.roi and not any(geometry.inside(area, centre) for area in s.roi):
                continue
            kept.append(face)
        return kept

    def observe(self, faces: Sequence[Face], rgb: np.ndarray, time: float) -> list[Candidate]:
        """Track this frame's faces; the ones worth embedding (each beats
        its track's best shot and passes the quality filter)."""
        height, width = rgb.shape[:2]
        kept = self.usable(faces, (width, height))
        tracks = self.tracks.update([f.box for f in kept], time)
        out = []
        for face, track in zip(kept, tracks, strict=True):
            if track.decided:
                continue
            aligned = sface.align(rgb, face.landmarks)
            quality = judge(face, aligned, self.settings.limits)
            if not quality.ok or (track.best is not None and quality.value <= track.best.quality.value):
                continue
            out.append(Candidate(track, face, quality, aligned, normalised_box(face.box, width, height)))
        return out

    def offer(self, candidate: Candidate, embedding: np.ndarray, crop: np.ndarray, time: float) -> None:
        """A candidate's embedding: it becomes its track's best shot."""
        track = candidate.track
        if track.best is None or candidate.quality.value > track.best.quality.value:
            track.best = BestShot(candidate.quality, sface.normalise(embedding), candidate.box, time, crop)

    def marks(self, time: float, size: tuple[int, int], gallery: Gallery) -> list[FaceMark]:
        """The faces tracked in the frame at `time`, each with its best
        shot's match against `gallery` under `similarity_threshold`."""
        width, height = size
        out = []
        for track in self.tracks.live.values():
            if track.last_seen != time:
                continue
            name = similarity = None
            if track.best is not None and (nearest := gallery.best(track.best.embedding)) is not None:
                similarity = nearest.similarity
                if nearest.similarity >= self.settings.similarity_threshold:
                    name = nearest.name
            out.append(FaceMark(track.id, normalised_box(track.box, width, height), name, similarity))
        return out

    def due(self, time: float) -> list[Track]:
        """The tracks to decide now: ended ones, and live ones followed for
        `decide_seconds`; each once, and only with a best shot."""
        ended = self.tracks.ended(time, self.settings.lost_seconds)
        self.unposted += sum(1 for t in ended if t.best is None)
        out = [t for t in ended if not t.decided and t.best is not None]
        for track in self.tracks.live.values():
            if not track.decided and track.best is not None and time - track.first_seen >= self.settings.decide_seconds:
                out.append(track)
        for track in out:
            track.decided = True
        return out

    def reset(self) -> list[Track]:
        """The source started again: every undecided track with a best shot
        is due, and tracking starts afresh."""
        cleared = self.tracks.clear()
        self.unposted += sum(1 for t in cleared if t.best is None)
        out = [t for t in cleared if not t.decided and t.best is not None]
        for track in out:
            track.decided = True
        return out

    def decide(self, track: Track, gallery: Gallery) -> Decision:
        """Match a due track's best shot against the watch lists."""
        best = track.best
        if best is None:
            raise ValueError("a track without a best shot cannot be decided")
        nearest = gallery.best(best.embedding)
        match = nearest if nearest is not None and nearest.similarity >= self.settings.similarity_threshold else None
        events = [FACE_SEEN, PERSON_RECOGNISED if match is not None else STRANGER]
        hits = self.rule_hits(best, gallery, match)
        return Decision(
            track.id,
            best,
            track.frames,
            track.last_seen - track.first_seen,
            match,
            nearest.similarity if nearest is not None else None,
            events + [hit.type for hit in hits],
            hits,
        )

    def rule_hits(self, best: BestShot, gallery: Gallery, match: Match | None) -> list[RuleHit]:
        """The config's rules this best shot sets off."""
        hits = []
        centre = ((best.box[0] + best.box[2]) / 2, (best.box[1] + best.box[3]) / 2)
        for index, rule in self.settings.rules:
            if rule["type"] == WATCHLIST_MATCH:
                on_list = gallery.best(best.embedding, str(rule["watchlist"]))
                if on_list is not None and on_list.similarity >= float(rule["min_similarity"]):
                    hits.append(RuleHit(index, WATCHLIST_MATCH, on_list))
            elif rule["type"] == UNKNOWN_FACE and match is None:
                area = self.settings.named_areas.get(str(rule["area"]))
                if area is not None and geometry.inside(area, centre):
                    hits.append(RuleHit(index, UNKNOWN_FACE))
        return hits
