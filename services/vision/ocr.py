"""PP-OCRv4 text detection (DB) and recognition (CTC).

Detection takes the image scaled so its shorter side is at least 736 px and
both sides are multiples of 32, BGR, normalised to [-1, 1]; it gives a text
probability map. Regions over the threshold are labelled (8-connected),
scored by their mean probability, grown by DB's unclip distance
(area * ratio / perimeter) and mapped back as axis-aligned boxes (horizontal
text; rotated boxes are not made). Recognition takes each box resized to
height 48, same normalisation, and gives per time step scores over the
dictionary; greedy CTC decoding drops repeats and the blank (index 0).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy import ndimage

from services.vision.image import chw, resize

DET_LIMIT_SIDE = 736
REC_HEIGHT = 48


@dataclass(frozen=True)
class TextBox:
    """A detected text region: box (x1, y1, x2, y2) in the image, and score."""

    box: tuple[int, int, int, int]
    score: float


@dataclass(frozen=True)
class TextLine:
    """Recognised text and its mean character confidence."""

    text: str
    score: float


def load_dictionary(path: Path) -> list[str]:
    """The recogniser's classes: blank, the dictionary's characters, space."""
    chars = path.read_text(encoding="utf-8").split("\n")
    if chars and chars[-1] == "":
        chars = chars[:-1]
    return ["", *chars, " "]


def _normalise(image: np.ndarray) -> np.ndarray:
    return (chw(image, bgr=True) / 255.0 - 0.5) / 0.5


def det_preprocess(image: np.ndarray, limit: int = DET_LIMIT_SIDE) -> tuple[np.ndarray, float, float]:
    """RGB uint8 -> (3xHxW float32, x scale, y scale); sides multiples of 32."""
    h, w = image.shape[:2]
    ratio = limit / min(h, w) if min(h, w) < limit else 1.0
    nh = max(round(h * ratio / 32) * 32, 32)
    nw = max(round(w * ratio / 32) * 32, 32)
    return _normalise(resize(image, nw, nh)).astype(np.float32), nw / w, nh / h


def det_decode(
    prob: np.ndarray,
    sx: float,
    sy: float,
    shape: tuple[int, int],
    *,
    threshold: float = 0.3,
    box_threshold: float = 0.5,
    unclip_ratio: float = 1.6,
    min_size: int = 3,
) -> list[TextBox]:
    """A probability map (HxW) -> text boxes in the original image, top to bottom."""
    mask = ndimage.binary_dilation(prob > threshold, structure=np.ones((2, 2), bool))
    labels, _ = ndimage.label(mask, structure=np.ones((3, 3), int))
    boxes: list[TextBox] = []
    height, width = shape
    for index, region in enumerate(ndimage.find_objects(labels), start=1):
        if region is None:
            continue
        ys, xs = region
        h, w = ys.stop - ys.start, xs.stop - xs.start
        if min(h, w) < min_size:
            continue
        score = float(prob[region][labels[region] == index].mean())
        if score < box_threshold:
            continue
        grow = (w * h) * unclip_ratio / (2 * (w + h))
        x1 = max(math.floor((xs.start - grow) / sx), 0)
        y1 = max(math.floor((ys.start - grow) / sy), 0)
        x2 = min(math.ceil((xs.stop + grow) / sx), width)
        y2 = min(math.ceil((ys.stop + grow) / sy), height)
        boxes.append(TextBox((x1, y1, x2, y2), score))
    return sorted(boxes, key=lambda b: (b.box[1], b.box[0]))


def crop(image: np.ndarray, box: TextBox) -> np.ndarray:
    x1, y1, x2, y2 = box.box
    return image[y1:y2, x1:x2]


def rec_preprocess(line: np.ndarray, width: int | None = None) -> np.ndarray:
    """A text line (RGB uint8) -> 3x48xW float32; padded with 0 to `width`."""
    h, w = line.shape[:2]
    nw = max(math.ceil(REC_HEIGHT * w / max(h, 1)), 1)
    if width is not None:
        nw = min(nw, width)
    x = _normalise(resize(line, nw, REC_HEIGHT)).astype(np.float32)
    if width is not None and nw < width:
        x = np.pad(x, ((0, 0), (0, 0), (0, width - nw)))
    return x


def rec_width(lines: list[np.ndarray]) -> int:
    """The common input width of a batch of lines."""
    return max(math.ceil(REC_HEIGHT * ln.shape[1] / max(ln.shape[0], 1)) for ln in lines)


def ctc_decode(scores: np.ndarray, characters: list[str]) -> TextLine:
    """One line's scores (T x classes) -> text, greedy CTC."""
    best = scores.argmax(axis=1)
    conf = scores.max(axis=1)
    text: list[str] = []
    kept: list[float] = []
    previous = -1
    for index, c in zip(best, conf, strict=True):
        if index != previous and index != 0:
            text.append(characters[int(index)] if int(index) < len(characters) else "")
            kept.append(float(c))
        previous = int(index)
    return TextLine("".join(text), float(np.mean(kept)) if kept else 0.0)
