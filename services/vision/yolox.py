"""YOLOX-Nano (COCO, 416x416): preprocessing and decoding.

The model takes a BGR 0-255 image letterboxed into 416x416 (padded with 114 at
the right and bottom, as YOLOX's own `preproc`), NCHW, and gives per anchor
point of the 8/16/32 stride grids: box offsets, objectness and 80 class
scores (objectness and classes already through a sigmoid). Decoding puts the
grids back, multiplies objectness by class score and runs class-wise NMS.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from services.vision.image import Resized, chw, letterbox, letterbox_of, nms

INPUT_SIZE = 416
#: The grey YOLOX pads its letterbox with.
PAD = 114
STRIDES = (8, 16, 32)

COCO_CLASSES = (
    "person", "bicycle", "car", "motorcycle", "airplane", "bus", "train", "truck", "boat", "traffic light",
    "fire hydrant", "stop sign", "parking meter", "bench", "bird", "cat", "dog", "horse", "sheep", "cow",
    "elephant", "bear", "zebra", "giraffe", "backpack", "umbrella", "handbag", "tie", "suitcase", "frisbee",
    "skis", "snowboard", "sports ball", "kite", "baseball bat", "baseball glove", "skateboard", "surfboard",
    "tennis racket", "bottle", "wine glass", "cup", "fork", "knife", "spoon", "bowl", "banana", "apple",
    "sandwich", "orange", "broccoli", "carrot", "hot dog", "pizza", "donut", "cake", "chair", "couch",
    "potted plant", "bed", "dining table", "toilet", "tv", "laptop", "mouse", "remote", "keyboard", "cell phone",
    "microwave", "oven", "toaster", "sink", "refrigerator", "book", "clock", "vase", "scissors", "teddy bear",
    "hair drier", "toothbrush",
)  # fmt: skip


@dataclass(frozen=True)
class Detection:
    """One object: class, score, box in the original image's pixels."""

    label: str
    class_id: int
    score: float
    box: tuple[float, float, float, float]  # x1, y1, x2, y2


def preprocess(image: np.ndarray, size: int = INPUT_SIZE) -> tuple[np.ndarray, float]:
    """RGB uint8 HxWx3 -> (3x416x416 float32 BGR, scale)."""
    boxed = letterbox(image, size, size, pad=PAD)
    return chw(boxed.image, bgr=True), boxed.scale


def preprocess_scaled(
    frame_size: tuple[int, int], resized: Resized, size: int = INPUT_SIZE
) -> tuple[np.ndarray, float]:
    """`preprocess` of a frame of `frame_size` (width, height) that
    `resized` scales (a decoder's swscale: about 1 ms a frame, where the
    numpy resize takes 15-25 ms on the CPU)."""
    boxed = letterbox_of(frame_size, size, size, resized, pad=PAD)
    return chw(boxed.image, bgr=True), boxed.scale


def _grids(size: int) -> tuple[np.ndarray, np.ndarray]:
    grids, strides = [], []
    for stride in STRIDES:
        n = size // stride
        ys, xs = np.meshgrid(np.arange(n), np.arange(n), indexing="ij")
        grids.append(np.stack([xs, ys], axis=-1).reshape(-1, 2))
        strides.append(np.full((n * n, 1), stride))
    return np.concatenate(grids).astype(np.float32), np.concatenate(strides).astype(np.float32)


def decode(
    output: np.ndarray,
    scale: float,
    *,
    score_threshold: float = 0.3,
    nms_threshold: float = 0.45,
    size: int = INPUT_SIZE,
    shape: tuple[int, int] | None = None,
) -> list[Detection]:
    """One image's raw output (3549x85) -> detections, best first; boxes are
    clipped to the image when its (height, width) `shape` is given."""
    grid, stride = _grids(size)
    if output.shape[0] != grid.shape[0]:
        raise ValueError(f"expected {grid.shape[0]} anchor points, got {output.shape[0]}")
    centres = (output[:, :2] + grid) * stride
    sizes = np.exp(output[:, 2:4]) * stride
    boxes = np.concatenate([centres - sizes / 2, centres + sizes / 2], axis=1) / scale
    if shape is not None:
        boxes = np.clip(boxes, 0, [shape[1], shape[0], shape[1], shape[0]])
    scores = output[:, 4:5] * output[:, 5:]
    class_ids = scores.argmax(axis=1)
    best = scores[np.arange(len(scores)), class_ids]
    keep = best >= score_threshold
    boxes, best, class_ids = boxes[keep], best[keep], class_ids[keep]
    found: list[Detection] = []
    for cls in np.unique(class_ids):
        idx = np.nonzero(class_ids == cls)[0]
        for i in nms(boxes[idx], best[idx], nms_threshold):
            j = idx[i]
            x1, y1, x2, y2 = (float(v) for v in boxes[j])
            found.append(Detection(COCO_CLASSES[int(cls)], int(cls), float(best[j]), (x1, y1, x2, y2)))
    return sorted(found, key=lambda d: -d.score)
