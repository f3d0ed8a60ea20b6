"""Licence plates (`NFV4-LPR3`): vehicles tracked, each one's plate found,
read, normalised and voted over the frames of its track, so one vehicle
gives one plate read.

Per sampled frame:

1. `PlateAnalyser.vehicles`: the detector's cars, trucks, buses and
   motorcycles whose bottom centre is in the region of interest are tracked
   (ByteTrack, through `ObjectAnalyser` of the vehicle analytic); a tracked
   vehicle still being read (no event yet) and large enough is returned.
2. `PlateReader.read`: the lower part of the vehicle's box (`PLATE_ZONE`) goes
   to PP-OCRv4 text detection; its text regions are ranked by how
   plate-like they are (`plate_likeness`: the detector's score times a prior
   on the box's aspect ratio around `PLATE_ASPECT`), the best
   `CANDIDATES` are read by PP-OCRv4 recognition and normalised
   (`normalise`): NFKC, uppercase, only A-Z and 0-9 kept (spaces, dashes and
   dots go), and the result must match the plate pattern in full, as read or
   with up to two look-alike characters swapped (`CONFUSABLE`: 0/O, 1/I,
   2/Z, 5/S, 6/G, 8/B). The best
   read (valid, then by likeness times recognition confidence) is the frame's.
3. `PlateAnalyser.add`: a read at or above the text threshold joins its
   track's vote (`PlateVote`); the vehicle and plate crops of the best read
   of each text are kept (small copies) for the event.
4. `PlateAnalyser.finished`: a track with `reads_per_track` reads, or one not
   seen for `LOST_SECONDS` (it left), or every track at `reset`, gives one
   `PlateResult` if it was read at all; a track that gave its result is read
   no more.

The vote (`PlateVote.result`): the length with the most confidence behind
it, then per position the character with the most confidence among the
reads of that length; if that string does not match the pattern, the text
with the most confidence wins. Its confidence is the mean share of the
winning character's weight per position times the mean confidence of the
reads of that length, in [0, 1].
"""

from __future__ import annotations

import asyncio
import itertools
import math
import re
import unicodedata
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

import numpy as np

from services.analysis.objects import LOST_SECONDS, ObjectAnalyser, TrackedObject
from services.catalog.analytics import hours_active
from services.vision import ocr
from services.vision.image import resize
from services.vision.yolox import Detection

#: Vehicles that carry plates (COCO names as YOLOX gives them).
PLATE_VEHICLES = frozenset({"car", "truck", "bus", "motorcycle"})
#: Plate patterns by region (`plate_region`); `plate_pattern` overrides them.
REGIONS: Mapping[str, str] = {
    # Indonesia: area code (1-2 letters), number (1-4 digits), suffix (0-3 letters).
    "ID": r"^[A-Z]{1,2}[0-9]{1,4}[A-Z]{0,3}$",
    # Anything plate-sized: 2 to 10 letters and digits.
    "generic": r"^[A-Z0-9]{2,10}$",
}
DEFAULT_REGION = "generic"
#: The event type of a `plate_match` rule.
PLATE_MATCH = "plate_match"
#: The longest pattern accepted.
MAX_PATTERN = 128
#: Reads per track before its event is raised (it is raised earlier when the track ends).
DEFAULT_READS_PER_TRACK = 5
#: The part of a vehicle's box searched for the plate: from this share of its height down.
PLATE_ZONE = 0.35
#: Smallest vehicle box (pixels wide and high) worth reading.
MIN_VEHICLE_SIDE = 48
#: Text detection scales the zone so its shorter side is at least this (smaller than OCR's 736: faster).
DET_SIDE = 320
#: Longest side given to text detection.
DET_MAX_SIDE = 1280
#: The aspect ratio (width / height) of a plate's text box that `plate_likeness` favours, and its spread (log).
PLATE_ASPECT = 4.0
ASPECT_SPREAD = 0.6
#: Text regions read per vehicle per frame (the most plate-like first).
CANDIDATES = 3
#: Crops kept for the event: the vehicle's longest side, the plate's height (pixels).
VEHICLE_CROP_SIDE = 320
PLATE_CROP_HEIGHT = 64

_KEEP = re.compile(r"[^A-Z0-9]")
#: Letters and digits OCR takes for each other on plates, each way.
CONFUSABLE: Mapping[str, str] = {
    **{a: b for a, b in (("O", "0"), ("I", "1"), ("Z", "2"), ("S", "5"), ("G", "6"), ("B", "8"))},
    **{b: a for a, b in (("O", "0"), ("I", "1"), ("Z", "2"), ("S", "5"), ("G", "6"), ("B", "8"))},
}
#: Most confusable characters swapped to make a read match the pattern.
MAX_SWAPS = 2


class PlateSettingsError(ValueError):
    """A plate setting that cannot be used (an unknown region, a pattern that
    is not a valid regular expression)."""


@dataclass(frozen=True)
class PlateSettings:
    """What the plate analysis reads from an `NFV4-LPR3` pipeline config."""

    pattern: re.Pattern[str]
    region: str = DEFAULT_REGION
    vehicle_threshold: float = 0.5
    text_threshold: float = 0.6
    reads_per_track: int = DEFAULT_READS_PER_TRACK
    areas: tuple[Any, ...] = ()
    #: The config's `plate_match` rules.
    rules: tuple[PlateRule, ...] = ()

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> PlateSettings:
        region = str(config.get("plate_region") or DEFAULT_REGION)
        if region not in REGIONS:
            raise PlateSettingsError(f"plate_region must be one of {', '.join(sorted(REGIONS))}")
        return cls(
            pattern=compile_pattern(str(config.get("plate_pattern") or REGIONS[region])),
            region=region,
            vehicle_threshold=float(config.get("object_confidence_threshold", 0.5)),
            text_threshold=float(config.get("text_confidence_threshold", 0.6)),
            reads_per_track=int(config.get("reads_per_track", DEFAULT_READS_PER_TRACK)),
            areas=tuple(config.get("areas", ())),
            rules=tuple(
                PlateRule.from_rule(i, rule)
                for i, rule in enumerate(config.get("rules", ()) or ())
                if rule.get("type") == PLATE_MATCH
            ),
        )


@dataclass(frozen=True)
class PlateRule:
    """A `plate_match` rule: a voted plate on `plates` (as `clean` makes
    them) or matching `pattern` in full raises a `plate_match` event, at a
    time within the rule's `active_hours` (`fires`: the events and the
    overlay's match colour both ask it)."""

    index: int
    plates: frozenset[str] = frozenset()
    pattern: re.Pattern[str] | None = None
    #: The rule's `active_hours` (from, to, timezone), None: always.
    active_hours: Mapping[str, Any] | None = field(default=None, compare=False)

    @classmethod
    def from_rule(cls, index: int, rule: Mapping[str, Any]) -> PlateRule:
        pattern = rule.get("pattern")
        try:
            compiled = re.compile(str(pattern)) if pattern else None
        except re.error as error:
            raise PlateSettingsError(f"rules[{index}].pattern is not a valid regular expression: {error}") from None
        plates = frozenset(c for c in (clean(str(p)) for p in rule.get("plates", ())) if c)
        hours = rule.get("active_hours")
        return cls(index, plates, compiled, dict(hours) if hours else None)

    def matches(self, plate: str) -> bool:
        text = clean(plate)
        if not text:
            return False
        return text in self.plates or (self.pattern is not None and self.pattern.fullmatch(text) is not None)

    def fires(self, plate: str, when: datetime) -> bool:
        """Whether a vehicle with this plate at `when` (timezone-aware: the
        event's time) raises the rule's event: the plate matches and `when`
        is within the rule's `active_hours`."""
        return self.matches(plate) and hours_active(self.active_hours, when)

    def describe(self) -> dict[str, Any]:
        """What the event's attributes say of the rule."""
        out: dict[str, Any] = {"rule": self.index}
        if self.pattern is not None:
            out["rule_pattern"] = self.pattern.pattern
        return out


def compile_pattern(pattern: str) -> re.Pattern[str]:
    """A plate pattern, compiled; PlateSettingsError when it is too long or
    not a valid regular expression."""
    if len(pattern) > MAX_PATTERN:
        raise PlateSettingsError(f"plate_pattern is longer than {MAX_PATTERN} characters")
    try:
        return re.compile(pattern)
    except re.error as error:
        raise PlateSettingsError(f"plate_pattern is not a valid regular expression: {error}") from None


def clean(text: str) -> str:
    """NFKC, uppercase, only A-Z and 0-9: how a plate text (or a search for
    one) is compared."""
    return _KEEP.sub("", unicodedata.normalize("NFKC", text).upper())


def normalise(text: str, pattern: re.Pattern[str]) -> str | None:
    """A recognised text as a plate: cleaned, and None unless it matches the
    pattern in full, as read or with at most `MAX_SWAPS` of the characters
    OCR confuses swapped (`CONFUSABLE`: `81234XY2` is `B1234XYZ` for an
    Indonesian pattern); the fewest swaps win, then the leftmost."""
    plate = clean(text)
    if not plate:
        return None
    if pattern.fullmatch(plate):
        return plate
    places = [i for i, c in enumerate(plate) if c in CONFUSABLE]
    for swaps in range(1, MAX_SWAPS + 1):
        for chosen in itertools.combinations(places, swaps):
            chars = list(plate)
            for i in chosen:
                chars[i] = CONFUSABLE[chars[i]]
            candidate = "".join(chars)
            if pattern.fullmatch(candidate):
                return candidate
    return None


def plate_likeness(box: ocr.TextBox) -> float:
    """How plate-like a text region is: its detection score times a
    log-normal prior on its aspect ratio around `PLATE_ASPECT`."""
    x1, y1, x2, y2 = box.box
    aspect = (x2 - x1) / max(y2 - y1, 1)
    if aspect <= 0:
        return 0.0
    return box.score * math.exp(-((math.log(aspect / PLATE_ASPECT) / ASPECT_SPREAD) ** 2) / 2)


@dataclass(frozen=True)
class PlateRead:
    """One frame's read of one vehicle's plate: the normalised text, the
    recognition confidence, and the plate's box in the picture read."""

    text: str
    confidence: float
    box: tuple[int, int, int, int]
    likeness: float


class TextModels(Protocol):
    """PP-OCRv4 as the reader calls it: detection (3xHxW -> HxW
    probabilities) and recognition (3x48xW -> T x classes scores)."""

    async def detect(self, x: np.ndarray) -> np.ndarray: ...

    async def recognise(self, x: np.ndarray) -> np.ndarray: ...


def plate_zone(box: tuple[float, float, float, float], shape: tuple[int, int]) -> tuple[int, int, int, int]:
    """The part of a vehicle's box (pixels) searched for its plate, clipped
    to a picture of `shape` (height, width)."""
    height, width = shape
    x1, y1, x2, y2 = box
    top = y1 + (y2 - y1) * PLATE_ZONE
    return (max(int(x1), 0), max(int(top), 0), min(math.ceil(x2), width), min(math.ceil(y2), height))


class PlateReader:
    """Finds and reads the plate in a picture of (the lower part of) a vehicle."""

    def __init__(self, models: TextModels, characters: Sequence[str]) -> None:
        self._models = models
        self._characters = list(characters)

    async def read(self, image: np.ndarray, pattern: re.Pattern[str]) -> PlateRead | None:
        """The most plate-like text of an RGB picture that reads as a plate
        (None: none does)."""
        if min(image.shape[:2]) < 8:
            return None
        limit = DET_SIDE
        longest = max(image.shape[:2]) * limit / min(image.shape[:2])
        if longest > DET_MAX_SIDE:  # a long thin zone: keep the long side in bounds
            limit = max(int(DET_SIDE * DET_MAX_SIDE / longest), 32)
        x, sx, sy = ocr.det_preprocess(image, limit)
        boxes = ocr.det_decode(await self._models.detect(x), sx, sy, image.shape[:2])
        ranked = sorted(boxes, key=plate_likeness, reverse=True)[:CANDIDATES]
        scores = await asyncio.gather(
            *(self._models.recognise(ocr.rec_preprocess(ocr.crop(image, box))) for box in ranked)
        )
        best: PlateRead | None = None
        for box, score in zip(ranked, scores, strict=True):
            line = ocr.ctc_decode(score, self._characters)
            text = normalise(line.text, pattern)
            if text is None:
                continue
            read = PlateRead(text, line.score, box.box, plate_likeness(box))
            if best is None or read.likeness * read.confidence > best.likeness * best.confidence:
                best = read
        return best


@dataclass
class PlateVote:
    """The reads of one track, and the plate they agree on."""

    pattern: re.Pattern[str]
    reads: list[tuple[str, float]] = field(default_factory=list)

    def add(self, text: str, confidence: float) -> None:
        self.reads.append((text, confidence))

    def result(self) -> tuple[str, float] | None:
        """(plate, confidence) or None when nothing was read."""
        if not self.reads:
            return None
        by_length: dict[int, float] = defaultdict(float)
        by_text: dict[str, float] = defaultdict(float)
        for text, conf in self.reads:
            by_length[len(text)] += conf
            by_text[text] += conf
        length = max(by_length, key=lambda n: (by_length[n], n))
        same = [(t, c) for t, c in self.reads if len(t) == length]
        chars: list[str] = []
        shares: list[float] = []
        for i in range(length):
            weights: dict[str, float] = defaultdict(float)
            for text, conf in same:
                weights[text[i]] += conf
            char = max(weights, key=lambda c: (weights[c], c))
            chars.append(char)
            shares.append(weights[char] / max(sum(weights.values()), 1e-9))
        mean_conf = sum(c for _, c in same) / len(same)
        plate = "".join(chars)
        if not self.pattern.fullmatch(plate):
            plate = max(by_text, key=lambda t: (by_text[t], t))
            return plate, round(by_text[plate] / sum(by_text.values()) * mean_conf, 4)
        return plate, round(sum(shares) / len(shares) * mean_conf, 4)


@dataclass(frozen=True)
class PlateResult:
    """One vehicle's plate: the voted text and confidence, how many reads
    voted, the vehicle's label and last box (normalised), and the crops of
    the best read of that text (RGB)."""

    track_id: int
    label: str
    text: str
    confidence: float
    reads: int
    box: tuple[float, float, float, float]
    time: float
    vehicle: np.ndarray
    plate: np.ndarray


@dataclass
class _PlateTrack:
    label: str
    box: tuple[float, float, float, float]
    last_seen: float
    vote: PlateVote
    best: dict[str, tuple[float, np.ndarray, np.ndarray]] = field(default_factory=dict)
    done: bool = False
    #: Where the plate was last read (normalised), for the overlay.
    plate_box: tuple[float, float, float, float] | None = None


@dataclass(frozen=True)
class VehicleMark:
    """A vehicle of the current frame as the overlay view draws it: its box
    and label, the plate voted so far ("" before any read), where the plate
    was last read (normalised, or None) and whether a `plate_match` rule
    matches that plate."""

    track_id: int
    label: str
    box: tuple[float, float, float, float]
    text: str
    plate_box: tuple[float, float, float, float] | None
    matched: bool


def _small(image: np.ndarray, side: int, *, height: bool = False) -> np.ndarray:
    h, w = image.shape[:2]
    scale = min(1.0, side / (h if height else max(h, w)))
    if scale >= 1.0:
        return image.copy()
    return resize(image, max(round(w * scale), 1), max(round(h * scale), 1))


class PlateAnalyser:
    """The plate analysis of one stream: vehicles tracked, reads voted per
    track. Not thread-safe: one caller feeds it frames in time order."""

    def __init__(self, config: Mapping[str, Any], *, sample_fps: float | None = None) -> None:
        self.settings = PlateSettings.from_config(config)
        self._objects = ObjectAnalyser("NFV4-MVA", self._object_config(self.settings), sample_fps=sample_fps)
        self._tracks: dict[int, _PlateTrack] = {}

    @staticmethod
    def _object_config(settings: PlateSettings) -> dict[str, Any]:
        return {"object_confidence_threshold": settings.vehicle_threshold, "areas": list(settings.areas)}

    def configure(self, config: Mapping[str, Any]) -> None:
        """A new config version: tracks and their votes stay."""
        settings = PlateSettings.from_config(config)
        self._objects.configure(self._object_config(settings))
        for track in self._tracks.values():
            track.vote.pattern = settings.pattern
        self.settings = settings

    def vehicles(
        self, detections: Sequence[Detection], frame_size: tuple[int, int], time: float
    ) -> list[TrackedObject]:
        """Track this frame's vehicles; the ones to read (not given their
        event yet, and large enough), boxes normalised."""
        width, height = frame_size
        wanted = [d for d in detections if d.label in PLATE_VEHICLES]
        result = self._objects.analyse(wanted, frame_size, time)
        out: list[TrackedObject] = []
        for obj in result.objects:
            track = self._tracks.get(obj.track_id)
            if track is None:
                track = self._tracks[obj.track_id] = _PlateTrack(
                    obj.label, obj.box, time, PlateVote(self.settings.pattern)
                )
            track.label, track.box, track.last_seen = obj.label, obj.box, time
            x1, y1, x2, y2 = obj.box
            big = (x2 - x1) * width >= MIN_VEHICLE_SIDE and (y2 - y1) * height >= MIN_VEHICLE_SIDE
            if not track.done and big:
                out.append(obj)
        return out

    def add(
        self,
        track_id: int,
        read: PlateRead | None,
        vehicle: np.ndarray,
        plate: np.ndarray,
        plate_box: tuple[float, float, float, float] | None = None,
    ) -> bool:
        """A read of a tracked vehicle's plate (with the vehicle's crop and
        the plate's, and where the plate is in the frame, normalised):
        counted when at or above the text threshold (True)."""
        track = self._tracks.get(track_id)
        if track is None or track.done or read is None or read.confidence < self.settings.text_threshold:
            return False
        track.vote.add(read.text, read.confidence)
        track.plate_box = plate_box
        kept = track.best.get(read.text)
        if kept is None or read.confidence > kept[0]:
            track.best[read.text] = (
                read.confidence,
                _small(vehicle, VEHICLE_CROP_SIDE),
                _small(plate, PLATE_CROP_HEIGHT, height=True),
            )
        return True

    def marks(self, time: float, when: datetime) -> list[VehicleMark]:
        """The vehicles tracked in the frame at `time`, with their plate as
        voted so far; `matched` when a `plate_match` rule fires on that
        plate at `when` (the frame's event time: now for a live stream)."""
        out = []
        for track_id, track in sorted(self._tracks.items()):
            if track.last_seen != time:
                continue
            voted = track.vote.result()
            text = voted[0] if voted is not None else ""
            matched = bool(text) and any(rule.fires(text, when) for rule in self.settings.rules)
            out.append(VehicleMark(track_id, track.label, track.box, text, track.plate_box, matched))
        return out

    def finished(self, time: float) -> list[PlateResult]:
        """The plates of tracks read `reads_per_track` times or gone."""
        out: list[PlateResult] = []
        for track_id in sorted(self._tracks):
            track = self._tracks[track_id]
            gone = time - track.last_seen > LOST_SECONDS
            if not track.done and (gone or len(track.vote.reads) >= self.settings.reads_per_track):
                result = self._result(track_id, track)
                track.done = True
                if result is not None:
                    out.append(result)
            if gone:
                del self._tracks[track_id]
        return out

    def reset(self) -> list[PlateResult]:
        """The source restarted: every track ends, giving its plate if read."""
        out = [r for tid, t in sorted(self._tracks.items()) if not t.done and (r := self._result(tid, t))]
        self._tracks.clear()
        self._objects.reset()
        return out

    @staticmethod
    def _result(track_id: int, track: _PlateTrack) -> PlateResult | None:
        voted = track.vote.result()
        if voted is None:
            return None
        text, confidence = voted
        # The crops of the best read of the voted text (or of the best read at
        # all when the per-character vote made a text no frame read whole).
        best = track.best.get(text) or max(track.best.values(), key=lambda kept: kept[0])
        return PlateResult(
            track_id,
            track.label,
            text,
            confidence,
            len(track.vote.reads),
            track.box,
            track.last_seen,
            best[1],
            best[2],
        )
