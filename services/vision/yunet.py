"""YuNet face detection (OpenCV Zoo, 2023mar): preprocessing and decoding.

The model takes a BGR 0-255 image of 640x640 (here letterboxed, padded with 0)
and gives, per anchor point of the 8/16/32 stride grids, class and
objectness scores (through a sigmoid), a box (centre offset, log size) and
five landmarks. Decoding follows OpenCV's FaceDetectorYN: score =
sqrt(cls * obj), boxes and landmarks back on the grid, then NMS.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from services.vision.image import chw, letterbox, nms

INPUT_SIZE = 640
STRIDES = (8, 16, 32)


@dataclass(frozen=True)
class Face:
    """A face: box (x1, y1, x2, y2), score and five landmarks (right eye, left
    eye, nose tip, right and left mouth corner) in the original image."""

    score: float
    box: tuple[float, float, float, float]
    landmarks: np.ndarray  # 5 x 2


def preprocess(image: np.ndarray, size: int = INPUT_SIZE) -> tuple[np.ndarray, float]:
    """RGB uint8 -> (3x640x640 float32 BGR, scale)."""
    boxed = letterbox(image, size, size, pad=0)
    return chw(boxed.image, bgr=True), boxed.scale


def decode(
    outputs: Mapping[str, np.ndarray],
    scale: float,
    *,
    score_threshold: float = 0.6,
    nms_threshold: float = 0.3,
    size: int = INPUT_SIZE,
) -> list[Face]:
    """One image's outputs (`cls_8` ... `kps_32`, batch dimension removed)."""
    boxes, scores, marks = [], [], []
    for stride in STRIDES:
        cols = size // stride
        cls = np.clip(outputs[f"cls_{stride}"][:, 0], 0, 1)
        obj = np.clip(outputs[f"obj_{stride}"][:, 0], 0, 1)
        bbox = outputs[f"bbox_{stride}"]
        kps = outputs[f"kps_{stride}"]
        index = np.arange(cls.shape[0])
        col = (index % cols).astype(np.float32)
        row = (index // cols).astype(np.float32)
        cx = (col + bbox[:, 0]) * stride
        cy = (row + bbox[:, 1]) * stride
        w = np.exp(bbox[:, 2]) * stride
        h = np.exp(bbox[:, 3]) * stride
        boxes.append(np.stack([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], axis=1))
        scores.append(np.sqrt(cls * obj))
        points = kps.reshape(-1, 5, 2).copy()
        points[:, :, 0] = (points[:, :, 0] + col[:, None]) * stride
        points[:, :, 1] = (points[:, :, 1] + row[:, None]) * stride
        marks.append(points)
    all_boxes = np.concatenate(boxes) / scale
    all_scores = np.concatenate(scores)
    all_marks = np.concatenate(marks) / scale
    keep = np.nonzero(all_scores >= score_threshold)[0]
    faces = []
    for i in nms(all_boxes[keep], all_scores[keep], nms_threshold):
        j = keep[i]
        x1, y1, x2, y2 = (float(v) for v in all_boxes[j])
        faces.append(Face(float(all_scores[j]), (x1, y1, x2, y2), all_marks[j]))
    return faces
