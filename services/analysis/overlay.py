"""What the overlay views (`/mjpeg/{node}/{stream}/{analytic}`) draw: for a
people or vehicle analytic (`draw`), each tracked object's box with its
track id and label, each counting line with its in and out counts, each
area with its occupancy; for face recognition (`draw_faces`), each face's
box with the recognised name and similarity (green) or "unknown" and the
nearest similarity (violet); for licence plates (`draw_plates`), each
vehicle's box with its label and the plate voted so far (green; magenta when a
`plate_match` rule matches it) and the box where the plate was read.
Drawn with `supervision`'s annotators (OpenCV underneath), on a copy: the
frame given (a shared-memory frame of the engine) is never written."""

from __future__ import annotations

import itertools

import numpy as np
import supervision as sv

from services.analysis.faces import FaceMark
from services.analysis.objects import FrameResult
from services.analysis.plates import VehicleMark

BOX = sv.Color(r=255, g=196, b=0)
LINE = sv.Color(r=0, g=220, b=255)
AREA = sv.Color(r=255, g=64, b=160)
OVER = sv.Color(r=255, g=32, b=32)
TEXT = sv.Color(r=0, g=0, b=0)
#: Faces: recognised (a watch-list person at or above the threshold), unknown.
RECOGNISED = sv.Color(r=0, g=230, b=64)
UNKNOWN = sv.Color(r=150, g=40, b=255)
#: Vehicles and their plates; a plate on a `plate_match` rule.
PLATE = sv.Color(r=0, g=230, b=64)
LISTED = sv.Color(r=255, g=0, b=230)

Box = tuple[float, float, float, float]


def _style(frame: np.ndarray) -> tuple[float, int]:
    """Text scale and line thickness for a frame's size."""
    height, width = frame.shape[:2]
    return max(0.4, min(width, height) / 900), max(1, round(min(width, height) / 360))


def _boxes(scene: np.ndarray, marks: list[tuple[Box, str, sv.Color]]) -> None:
    """Labelled boxes (normalised) drawn on a BGR scene, each in its colour."""
    if not marks:
        return
    height, width = scene.shape[:2]
    scale, thickness = _style(scene)
    colours = list(dict.fromkeys(colour.as_hex() for _, _, colour in marks))
    palette = sv.ColorPalette.from_hex(colours)
    boxes = np.array([[b[0] * width, b[1] * height, b[2] * width, b[3] * height] for b, _, _ in marks])
    detections = sv.Detections(
        xyxy=boxes, class_id=np.array([colours.index(c.as_hex()) for _, _, c in marks], dtype=int)
    )
    sv.BoxAnnotator(color=palette, thickness=thickness, color_lookup=sv.ColorLookup.CLASS).annotate(scene, detections)
    sv.LabelAnnotator(
        color=palette, text_color=TEXT, text_scale=scale, text_padding=4, color_lookup=sv.ColorLookup.CLASS
    ).annotate(scene, detections, [label for _, label, _ in marks])


def draw_faces(frame: np.ndarray, faces: list[FaceMark]) -> np.ndarray:
    """An RGB uint8 frame with the faces drawn on it (a new array)."""
    scene = np.ascontiguousarray(frame[..., ::-1])
    marks = []
    for face in faces:
        similarity = "" if face.similarity is None else f" {face.similarity:.2f}"
        if face.name is not None:
            marks.append((face.box, f"{face.name}{similarity}", RECOGNISED))
        else:
            marks.append((face.box, f"unknown{similarity}", UNKNOWN))
    _boxes(scene, marks)
    return np.ascontiguousarray(scene[..., ::-1])


def draw_plates(frame: np.ndarray, vehicles: list[VehicleMark]) -> np.ndarray:
    """An RGB uint8 frame with the vehicles and their plates drawn on it (a
    new array)."""
    scene = np.ascontiguousarray(frame[..., ::-1])
    marks: list[tuple[Box, str, sv.Color]] = []
    for v in vehicles:
        colour = LISTED if v.matched else PLATE
        marks.append((v.box, f"#{v.track_id} {v.label} {v.text or '...'}", colour))
        if v.plate_box is not None:
            marks.append((v.plate_box, v.text, colour))
    _boxes(scene, marks)
    return np.ascontiguousarray(scene[..., ::-1])


def draw(frame: np.ndarray, result: FrameResult) -> np.ndarray:
    """An RGB uint8 HxWx3 frame with `result` drawn on it (a new array)."""
    height, width = frame.shape[:2]
    scale = max(0.4, min(width, height) / 900)
    thickness = max(1, round(min(width, height) / 360))
    scene = np.ascontiguousarray(frame[..., ::-1])  # OpenCV draws BGR: a BGR copy, back to RGB at the end

    def at(x: float, y: float) -> sv.Point:
        return sv.Point(round(x * width), round(y * height))

    def label_at(x: float, y: float) -> sv.Point:
        """Where a label centred at (x, y) stays inside the frame."""
        half_w, half_h = round(90 * scale), round(16 * scale)
        px = min(max(round(x * width), half_w), max(half_w, width - half_w))
        py = min(max(round(y * height), half_h), max(half_h, height - half_h))
        return sv.Point(px, py)

    def polygon(points: tuple[tuple[float, float], ...]) -> np.ndarray:
        return np.array([[round(x * width), round(y * height)] for x, y in points], dtype=np.int64)

    for count in result.areas:
        limit = count.area.max_occupancy
        colour = OVER if limit is not None and count.occupancy > limit else AREA
        sv.draw_polygon(scene, polygon(count.area.points), colour, thickness)
        x, y = count.area.points[0]
        text = f"{count.area.name}: {count.occupancy}" + (f"/{limit}" if limit is not None else "")
        sv.draw_text(scene, text, label_at(x, y), TEXT, scale, thickness, 4, background_color=colour)
    for line_count in result.lines:
        points = line_count.line.points
        for (x1, y1), (x2, y2) in itertools.pairwise(points):
            sv.draw_line(scene, at(x1, y1), at(x2, y2), LINE, thickness + 1)
        x, y = points[-1]
        text = f"{line_count.line.name} in {line_count.in_count} out {line_count.out_count}"
        sv.draw_text(scene, text, label_at(x, y), TEXT, scale, thickness, 4, background_color=LINE)
    if result.objects:
        boxes = np.array(
            [[o.box[0] * width, o.box[1] * height, o.box[2] * width, o.box[3] * height] for o in result.objects]
        )
        detections = sv.Detections(xyxy=boxes, class_id=np.zeros(len(boxes), dtype=int))
        sv.BoxAnnotator(color=BOX, thickness=thickness).annotate(scene, detections)
        labels = [f"#{o.track_id} {o.label} {o.score:.2f}" for o in result.objects]
        sv.LabelAnnotator(color=BOX, text_color=TEXT, text_scale=scale, text_padding=4).annotate(
            scene, detections, labels
        )
    return np.ascontiguousarray(scene[..., ::-1])
