"""What the overlay views (`/mjpeg/{node}/{stream}/{analytic}`) draw for a
people or vehicle analytic: each tracked object's box with its track id and
label, each counting line with its in and out counts, each area with its
occupancy. Drawn with `supervision`'s annotators (OpenCV underneath), on a
copy: the frame given (a shared-memory frame of the engine) is never
written."""

from __future__ import annotations

import itertools

import numpy as np
import supervision as sv

from services.analysis.objects import FrameResult

BOX = sv.Color(r=255, g=196, b=0)
LINE = sv.Color(r=0, g=220, b=255)
AREA = sv.Color(r=255, g=64, b=160)
OVER = sv.Color(r=255, g=32, b=32)
TEXT = sv.Color(r=0, g=0, b=0)


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
