"""People and vehicle analytics (`NFV4-MPA`, `NFV4-MVA`): one sampled
frame's detections in, tracked objects, events and counts out.

Per frame (`ObjectAnalyser.analyse`): detections of the analytic's labels
whose bottom centre lies in the region of interest go to ByteTrack (the
`trackers` package); each tracked object's bottom centre (the point
DeepStream's nvdsanalytics judges lines and areas on) is then checked
against the counting lines and the areas of the pipeline config:

- a line is crossed when the bottom centre moves from one side to the
  other, each side taken only once the point is clearly off the line (by a
  tenth of the box height): a box that wobbles on the line is not counted
  again and again. "in" is a move from the left of the line to its right,
  walking from its first point to its last on the screen (for a line drawn
  left to right, "in" is downwards), which is the sign of the cross
  product of the line and the move; `direction` says which crossings
  count (`in`, `out` or `both`);
- an area is entered when the bottom centre is first inside it and left
  when it is outside, or when the track has not been seen for
  `LOST_SECONDS`; occupancy is the number of objects inside, dwell the
  frame time since entry, each checked against the area's limits.

Confidence thresholds: the top-level `object_confidence_threshold` starts a
track (ByteTrack keeps following a started track through detections down to
`LOW_SCORE`, its second association); a sub-analytic's own threshold lets a
track take part once one of its detections reached it.

Event rules of `/rules/pipeline` (`line_count_over`, `area_occupancy_over`,
`dwell_over`), when given, raise one event per breach.

A new config version (`configure`) keeps the tracker, every track, and the
counts and state of each line and area whose name and geometry did not
change.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import supervision as sv
from trackers import ByteTrackTracker

from services.analysis import geometry
from services.analysis.geometry import Point
from services.vision.yolox import Detection

PEOPLE = frozenset({"person"})
VEHICLES = frozenset({"car", "truck", "bus", "motorcycle", "bicycle"})
#: The labels each analytic follows (COCO names as YOLOX gives them).
LABELS: Mapping[str, frozenset[str]] = {"NFV4-MPA": PEOPLE, "NFV4-MVA": VEHICLES}
#: Seconds a track may go unseen before it is dropped (and leaves its areas).
LOST_SECONDS = 2.0
#: Lowest score of a detection that may continue a started track.
LOW_SCORE = 0.1
#: How far off a line (in box heights) the bottom centre must be to be on a side.
LINE_BAND = 0.1

#: Event types.
LINE_IN = "line_in"
LINE_OUT = "line_out"
AREA_ENTER = "area_enter"
AREA_EXIT = "area_exit"
OCCUPANCY_OVER = "area_occupancy_over"
DWELL_OVER = "dwell_over"

Box = tuple[float, float, float, float]


@dataclass(frozen=True)
class Line:
    """A counting line: normalised points and the crossings that count."""

    name: str
    points: tuple[Point, ...]
    direction: str = "both"

    def counts(self, way: str) -> bool:
        return self.direction in (way, "both")


@dataclass(frozen=True)
class Area:
    """An area: a normalised polygon and its limits (None: no limit)."""

    name: str
    points: tuple[Point, ...]
    max_occupancy: int | None = None
    max_dwell_seconds: float | None = None


@dataclass(frozen=True)
class Settings:
    """What the analyser reads from a pipeline config (the catalog's schema,
    defaults filled in or not)."""

    labels: frozenset[str]
    threshold: float = 0.5
    roi: tuple[tuple[Point, ...], ...] = ()
    lines: tuple[Line, ...] = ()
    line_threshold: float = 0.5
    areas: tuple[Area, ...] = ()
    area_threshold: float = 0.5

    @classmethod
    def from_config(cls, analytic_id: str, config: Mapping[str, Any]) -> Settings:
        if analytic_id not in LABELS:
            raise ValueError(f"{analytic_id} is not a people or vehicle analytic")
        threshold = float(config.get("object_confidence_threshold", 0.5))
        roi = tuple(_points(a["points"]) for a in config.get("areas", []))
        lines: tuple[Line, ...] = ()
        areas: tuple[Area, ...] = ()
        line_threshold = area_threshold = threshold
        for sub in config.get("sub_analytics", []):
            if not sub.get("is_active", True):
                continue
            sub_threshold = float(sub.get("object_confidence_threshold", threshold))
            if sub["name"] == "counting":
                line_threshold = sub_threshold
                lines = tuple(
                    Line(a["name"], _points(a["points"]), a.get("direction", "both")) for a in sub.get("areas", [])
                )
            elif sub["name"] == "area":
                area_threshold = sub_threshold
                areas = tuple(
                    Area(a["name"], _points(a["points"]), a.get("max_occupancy"), a.get("max_dwell_seconds"))
                    for a in sub.get("areas", [])
                )
        return cls(LABELS[analytic_id], threshold, roi, lines, line_threshold, areas, area_threshold)


def _rule_states(rules: Mapping[str, Any] | None) -> list[_RuleState]:
    """The rules of a `/rules/pipeline` object (`{"rules": [...]}`, valid
    against the analytic's rules schema)."""
    return [_RuleState(dict(rule)) for rule in (rules or {}).get("rules", [])]


def _bounds(points: Sequence[Point]) -> Box:
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    return (min(xs), min(ys), max(xs), max(ys))


def _points(points: Sequence[Mapping[str, float]]) -> tuple[Point, ...]:
    return tuple((float(p["x"]), float(p["y"])) for p in points)


@dataclass(frozen=True)
class Event:
    """Something that happened to one tracked object, stream-agnostic: the
    engine adds stream, node, analytic and thumbnail."""

    type: str
    sub_analytic: str
    track_id: int
    label: str
    score: float
    box: Box  # normalised x1, y1, x2, y2
    time: float  # the frame's time, seconds
    attributes: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class TrackedObject:
    """One object tracked in the current frame."""

    track_id: int
    label: str
    score: float
    box: Box  # normalised


@dataclass(frozen=True)
class LineCount:
    line: Line
    in_count: int
    out_count: int


@dataclass(frozen=True)
class AreaCount:
    area: Area
    occupancy: int
    entries: int
    exits: int


@dataclass(frozen=True)
class FrameResult:
    """The analysis of one frame: what is tracked, what happened, and the
    counts so far (for overlays)."""

    time: float
    objects: list[TrackedObject]
    events: list[Event]
    lines: list[LineCount]
    areas: list[AreaCount]


@dataclass
class _LineState:
    in_count: int = 0
    out_count: int = 0


@dataclass
class _AreaState:
    inside: dict[int, float] = field(default_factory=dict)  # track id -> entry time
    dwell_reported: set[int] = field(default_factory=set)
    entries: int = 0
    exits: int = 0
    over: bool = False


@dataclass
class _RuleState:
    """One event rule of `/rules/pipeline` and what it has seen."""

    rule: dict[str, Any]
    crossings: deque[float] = field(default_factory=deque)  # line_count_over: counted crossing times
    reported: set[int] = field(default_factory=set)  # dwell_over: tracks reported in their stay
    over: bool = False


@dataclass
class _Track:
    label: str
    score: float
    best_score: float
    box: Box
    last_seen: float
    sides: dict[Line, Point] = field(default_factory=dict)  # line -> last point clearly off it


class ObjectAnalyser:
    """The analysis of one stream by one people or vehicle analytic. Not
    thread-safe: one caller feeds it frames in time order."""

    def __init__(
        self,
        analytic_id: str,
        config: Mapping[str, Any],
        rules: Mapping[str, Any] | None = None,
        *,
        sample_fps: float | None = None,
    ) -> None:
        self.analytic_id = analytic_id
        self._rules = _rule_states(rules)
        self.settings = Settings.from_config(analytic_id, config)
        fps = float(sample_fps or config.get("sample_fps", 5) or 5)
        self._tracker = ByteTrackTracker(
            lost_track_buffer=round(LOST_SECONDS * 30),  # counted in 30 fps frames, as seconds with timestamps
            frame_rate=fps,
            track_activation_threshold=self.settings.threshold,
            high_conf_det_threshold=self.settings.threshold,
        )
        self._tracks: dict[int, _Track] = {}
        self._lines: dict[Line, _LineState] = {line: _LineState() for line in self.settings.lines}
        self._areas: dict[Area, _AreaState] = {area: _AreaState() for area in self.settings.areas}
        self._time: float | None = None
        # Track ids stay unique for the analyser's life, across `reset`.
        self._id_base = self._next_id = 0

    def configure(self, config: Mapping[str, Any], rules: Mapping[str, Any] | None = None) -> None:
        """Take a new config version (and event rules, which start afresh):
        tracks stay; a line or area kept with the same name and geometry
        keeps its counts and who is inside."""
        settings = Settings.from_config(self.analytic_id, config)
        self._rules = _rule_states(rules)
        self._tracker.track_activation_threshold = settings.threshold
        self._tracker.high_conf_det_threshold = settings.threshold
        self._lines = {line: self._lines.get(line) or _LineState() for line in settings.lines}
        self._areas = {area: self._find_area(area) or _AreaState() for area in settings.areas}
        for track in self._tracks.values():
            track.sides = {line: side for line, side in track.sides.items() if line in self._lines}
        self.settings = settings

    def _find_area(self, area: Area) -> _AreaState | None:
        """The state of an area with the same name and points (its limits
        may have changed)."""
        for old, state in self._areas.items():
            if old.name == area.name and old.points == area.points:
                return state
        return None

    def reset(self) -> list[Event]:
        """The source restarted (a reconnect, a file looping: frame times may
        start again): every track ends, leaving its areas as last seen (the
        events returned); the counts stay."""
        events: list[Event] = []
        for area, state in self._areas.items():
            for track_id, entered in sorted(state.inside.items()):
                track = self._tracks[track_id]
                state.exits += 1
                state.inside.pop(track_id)
                events.append(
                    self._area_event(
                        AREA_EXIT, area, state, track_id, track, track.last_seen, track.last_seen - entered
                    )
                )
            state.dwell_reported.clear()
            state.over = False
        for rule in self._rules:  # the old times mean nothing on the new clock
            rule.crossings.clear()
            rule.reported.clear()
            rule.over = False
        self._tracks.clear()
        self._tracker.reset()
        self._id_base = self._next_id
        self._time = None
        return events

    def analyse(self, detections: Sequence[Detection], frame_size: tuple[int, int], time: float) -> FrameResult:
        """One sampled frame: its detections (boxes in pixels of a frame of
        `frame_size` (width, height)) at `time` seconds (frame times must
        grow; a frame not later than the last is ignored: after a source
        restarts, call `reset`)."""
        width, height = frame_size
        if width <= 0 or height <= 0:
            raise ValueError(f"frame size must be positive, got {width}x{height}")
        if self._time is not None and time <= self._time:
            return self._result(time, [], [])
        self._time = time
        kept = [d for d in detections if self._wanted(d, width, height)]
        tracked = self._track(kept, time)
        events: list[Event] = []
        objects: list[TrackedObject] = []
        for track_id, det in tracked:
            box = (det.box[0] / width, det.box[1] / height, det.box[2] / width, det.box[3] / height)
            track = self._tracks.get(track_id)
            if track is None:
                track = self._tracks[track_id] = _Track(det.label, det.score, det.score, box, time)
            else:
                track.label, track.score, track.box, track.last_seen = det.label, det.score, box, time
                track.best_score = max(track.best_score, det.score)
            objects.append(TrackedObject(track_id, det.label, det.score, box))
            self._judge_lines(track_id, track, frame_size, time, events)
        self._judge_areas(time, events)
        return self._result(time, objects, events)

    def _wanted(self, det: Detection, width: int, height: int) -> bool:
        if det.label not in self.settings.labels or det.score < min(LOW_SCORE, self.settings.threshold):
            return False
        if not self.settings.roi:
            return True
        point = ((det.box[0] + det.box[2]) / 2 / width, det.box[3] / height)
        return any(geometry.inside(polygon, point) for polygon in self.settings.roi)

    def _track(self, kept: list[Detection], time: float) -> list[tuple[int, Detection]]:
        if kept:
            xyxy = np.array([d.box for d in kept], dtype=np.float32)
            detections = sv.Detections(
                xyxy=xyxy,
                confidence=np.array([d.score for d in kept], dtype=np.float32),
                class_id=np.arange(len(kept)),  # carries the index back: ByteTrack itself ignores classes
            )
        else:
            detections = sv.Detections.empty()
        result = self._tracker.update(detections, timestamp=time)
        if result.class_id is None or result.tracker_id is None:
            return []
        found = [
            (self._id_base + int(t), kept[int(i)])
            for i, t in zip(result.class_id, result.tracker_id, strict=True)
            if t >= 0
        ]
        self._next_id = max([self._next_id, *(t + 1 for t, _ in found)])
        return found

    def _judge_lines(
        self, track_id: int, track: _Track, frame_size: tuple[int, int], time: float, events: list[Event]
    ) -> None:
        if track.best_score < self.settings.line_threshold:
            return
        width, height = frame_size
        x1, _, x2, y2 = track.box
        point = ((x1 + x2) / 2, y2)
        band = LINE_BAND * (track.box[3] - track.box[1]) * height
        for line, state in self._lines.items():
            pixels = [(x * width, y * height) for x, y in line.points]
            if geometry.distance(pixels, (point[0] * width, point[1] * height)) <= band:
                continue  # on the line: neither side yet
            anchor = track.sides.get(line)
            track.sides[line] = point
            if anchor is None:
                continue
            way = geometry.crossing(line.points, anchor, point)
            if way == 0:
                continue
            name = "in" if way > 0 else "out"
            if not line.counts(name):
                continue
            if way > 0:
                state.in_count += 1
            else:
                state.out_count += 1
            for rule in self._rules:
                if rule.rule["type"] == "line_count_over" and rule.rule["line"] == line.name:
                    rule.crossings.append(time)
            events.append(
                Event(
                    LINE_IN if way > 0 else LINE_OUT,
                    "counting",
                    track_id,
                    track.label,
                    track.score,
                    track.box,
                    time,
                    {"line": line.name, "direction": name, "in_count": state.in_count, "out_count": state.out_count},
                )
            )

    def _judge_areas(self, time: float, events: list[Event]) -> None:
        gone = [tid for tid, t in self._tracks.items() if time - t.last_seen > LOST_SECONDS]
        for area, state in self._areas.items():
            for track_id in sorted(self._tracks):
                track = self._tracks[track_id]
                seen = track.last_seen == time
                x1, _, x2, y2 = track.box
                now_inside = (
                    track_id not in gone
                    and track.best_score >= self.settings.area_threshold
                    and (geometry.inside(area.points, ((x1 + x2) / 2, y2)) if seen else track_id in state.inside)
                )
                was_inside = track_id in state.inside
                if now_inside and not was_inside:
                    state.inside[track_id] = time
                    state.entries += 1
                    events.append(self._area_event(AREA_ENTER, area, state, track_id, track, time))
                    limit = area.max_occupancy
                    if limit is not None and len(state.inside) > limit and not state.over:
                        state.over = True
                        events.append(self._area_event(OCCUPANCY_OVER, area, state, track_id, track, time))
                elif was_inside and not now_inside:
                    entered = state.inside.pop(track_id)
                    state.dwell_reported.discard(track_id)
                    state.exits += 1
                    left = track.last_seen if track_id in gone else time
                    events.append(self._area_event(AREA_EXIT, area, state, track_id, track, time, left - entered))
                if now_inside and area.max_dwell_seconds is not None and track_id not in state.dwell_reported:
                    dwell = time - state.inside[track_id]
                    if dwell > area.max_dwell_seconds:
                        state.dwell_reported.add(track_id)
                        events.append(self._area_event(DWELL_OVER, area, state, track_id, track, time, dwell))
            if state.over and (area.max_occupancy is None or len(state.inside) <= area.max_occupancy):
                state.over = False
        self._judge_rules(time, events)
        for track_id in gone:
            del self._tracks[track_id]

    def _judge_rules(self, time: float, events: list[Event]) -> None:
        """The event rules: each breach is one event (`sub_analytic`
        `rules`), raised again only after the condition ended."""
        for index, state in enumerate(self._rules):
            rule = state.rule
            kind = rule["type"]
            attributes: dict[str, Any] = {"rule": index, **{k: v for k, v in rule.items() if k != "type"}}
            if kind == "line_count_over":
                while state.crossings and state.crossings[0] <= time - rule["window_seconds"]:
                    state.crossings.popleft()
                count = len(state.crossings)
                if count > rule["limit"] and not state.over:
                    line = next((c for c in self._lines if c.name == rule["line"]), None)
                    box: Box = (0.0, 0.0, 0.0, 0.0) if line is None else _bounds(line.points)
                    events.append(Event(kind, "rules", -1, "", 0.0, box, time, {**attributes, "count": count}))
                state.over = count > rule["limit"]
                continue
            inside = {
                tid: entered
                for area, area_state in self._areas.items()
                if area.name == rule["area"]
                for tid, entered in area_state.inside.items()
            }
            if kind == "area_occupancy_over":
                if len(inside) > rule["limit"] and not state.over:
                    newest = max(inside, key=lambda tid: (inside[tid], tid))
                    events.append(self._rule_event(kind, newest, time, {**attributes, "occupancy": len(inside)}))
                state.over = len(inside) > rule["limit"]
            elif kind == "dwell_over":
                state.reported &= set(inside)
                for tid in sorted(inside):
                    dwell = time - inside[tid]
                    if dwell > rule["seconds"] and tid not in state.reported:
                        state.reported.add(tid)
                        events.append(
                            self._rule_event(kind, tid, time, {**attributes, "dwell_seconds": round(dwell, 3)})
                        )

    def _rule_event(self, kind: str, track_id: int, time: float, attributes: dict[str, Any]) -> Event:
        track = self._tracks[track_id]
        return Event(kind, "rules", track_id, track.label, track.score, track.box, time, attributes)

    @staticmethod
    def _area_event(
        kind: str,
        area: Area,
        state: _AreaState,
        track_id: int,
        track: _Track,
        time: float,
        dwell_seconds: float | None = None,
    ) -> Event:
        attributes: dict[str, Any] = {"area": area.name, "occupancy": len(state.inside)}
        if dwell_seconds is not None:
            attributes["dwell_seconds"] = round(dwell_seconds, 3)
        if kind == OCCUPANCY_OVER:
            attributes["limit"] = area.max_occupancy
        if kind == DWELL_OVER:
            attributes["limit"] = area.max_dwell_seconds
        return Event(kind, "area", track_id, track.label, track.score, track.box, time, attributes)

    def _result(self, time: float, objects: list[TrackedObject], events: list[Event]) -> FrameResult:
        return FrameResult(time, objects, events, self.lines(), self.areas())

    def lines(self) -> list[LineCount]:
        """Each line's counts so far, in config order."""
        return [LineCount(line, s.in_count, s.out_count) for line, s in self._lines.items()]

    def areas(self) -> list[AreaCount]:
        """Each area's occupancy and counts so far, in config order."""
        return [AreaCount(area, len(s.inside), s.entries, s.exits) for area, s in self._areas.items()]
