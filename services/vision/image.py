"""Image helpers: bilinear resize and affine warp (OpenCV's INTER_LINEAR,
pixel centres at +0.5), letterbox, channel order, NMS.

Resizing and warping run in OpenCV (`opencv-python`, which the tracker
already needs): a 1080p frame letterboxed to the detector's 416 took 74 ms
in numpy and takes under 1 ms there, and the offline jobs and every live
frame do it once per analysed frame. The numpy sampler stays for the
dtypes OpenCV does not take (and as the reference the tests compare with).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import cv2
import numpy as np

#: dtypes `cv2.resize` and `cv2.warpAffine` take.
_CV_TYPES = (np.dtype(np.uint8), np.dtype(np.float32))


def _sample(image: np.ndarray, xs: np.ndarray, ys: np.ndarray, fill: float) -> np.ndarray:
    """Bilinear samples of `image` (HxWxC) at float coordinates (any shape);
    points outside the image take `fill`."""
    h, w = image.shape[:2]
    src = image.astype(np.float32)
    x0 = np.floor(xs).astype(np.int64)
    y0 = np.floor(ys).astype(np.int64)
    fx = (xs - x0)[..., None].astype(np.float32)
    fy = (ys - y0)[..., None].astype(np.float32)

    def at(yy: np.ndarray, xx: np.ndarray) -> np.ndarray:
        inside = (xx >= 0) & (xx < w) & (yy >= 0) & (yy < h)
        values = src[np.clip(yy, 0, h - 1), np.clip(xx, 0, w - 1)]
        return np.where(inside[..., None], values, np.float32(fill))

    top = at(y0, x0) * (1 - fx) + at(y0, x0 + 1) * fx
    bottom = at(y0 + 1, x0) * (1 - fx) + at(y0 + 1, x0 + 1) * fx
    return top * (1 - fy) + bottom * fy


def resize(image: np.ndarray, width: int, height: int) -> np.ndarray:
    """Bilinear resize to width x height (OpenCV INTER_LINEAR)."""
    if image.dtype in _CV_TYPES and (image.ndim == 2 or (image.ndim == 3 and 1 <= image.shape[2] <= 4)):
        out = cv2.resize(np.ascontiguousarray(image), (width, height), interpolation=cv2.INTER_LINEAR)
        return out[..., None] if image.ndim == 3 and out.ndim == 2 else out
    return resize_reference(image, width, height)


def resize_reference(image: np.ndarray, width: int, height: int) -> np.ndarray:
    """`resize` in numpy (OpenCV INTER_LINEAR geometry): any dtype."""
    h, w = image.shape[:2]
    squeeze = image.ndim == 2
    img = image[..., None] if squeeze else image
    xs = np.clip((np.arange(width, dtype=np.float32) + 0.5) * (w / width) - 0.5, 0, w - 1)
    ys = np.clip((np.arange(height, dtype=np.float32) + 0.5) * (h / height) - 0.5, 0, h - 1)
    gx, gy = np.meshgrid(xs, ys)
    out = _sample(img, gx, gy, 0.0)
    out = np.clip(np.rint(out), 0, 255).astype(np.uint8) if image.dtype == np.uint8 else out.astype(image.dtype)
    return out[..., 0] if squeeze else out


def warp_affine(image: np.ndarray, matrix: np.ndarray, width: int, height: int) -> np.ndarray:
    """The image under the 2x3 affine `matrix` (source -> destination), as
    OpenCV's warpAffine with bilinear sampling and a black border."""
    if image.dtype == np.uint8 and (image.ndim == 2 or (image.ndim == 3 and 1 <= image.shape[2] <= 4)):
        out = cv2.warpAffine(
            np.ascontiguousarray(image),
            np.asarray(matrix, dtype=np.float64),
            (width, height),
            flags=cv2.INTER_LINEAR,
            borderMode=cv2.BORDER_CONSTANT,
            borderValue=0,
        )
        return out[..., None] if image.ndim == 3 and out.ndim == 2 else out
    full = np.vstack([matrix, [0.0, 0.0, 1.0]])
    inverse = np.linalg.inv(full)[:2]
    gx, gy = np.meshgrid(np.arange(width, dtype=np.float64), np.arange(height, dtype=np.float64))
    xs = inverse[0, 0] * gx + inverse[0, 1] * gy + inverse[0, 2]
    ys = inverse[1, 0] * gx + inverse[1, 1] * gy + inverse[1, 2]
    out = _sample(image, xs, ys, 0.0)
    return np.clip(np.rint(out), 0, 255).astype(np.uint8)


@dataclass(frozen=True)
class Letterbox:
    """An image scaled to fit a square (or rectangle) and padded at the right
    and bottom; `scale` maps model coordinates back (divide by it)."""

    image: np.ndarray
    scale: float


#: Makes a picture at a given (width, height): `resize` of an array, or a
#: decoder's scaler (PyAV's `to_ndarray(width=, height=)`, FFmpeg's swscale).
Resized = Callable[[int, int], np.ndarray]


def letterbox(image: np.ndarray, width: int, height: int, pad: int = 114) -> Letterbox:
    """Scale `image` to fit width x height keeping its aspect, pad with `pad`."""
    h, w = image.shape[:2]
    return letterbox_of((w, h), width, height, lambda nw, nh: resize(image, nw, nh), pad)


def letterbox_of(size: tuple[int, int], width: int, height: int, resized: Resized, pad: int = 114) -> Letterbox:
    """Letterbox a picture of `size` (width, height) that `resized` makes at
    any size: the same geometry as `letterbox`, whoever scales."""
    w, h = size
    scale = min(width / w, height / h)
    nw, nh = max(int(w * scale), 1), max(int(h * scale), 1)
    scaled = resized(nw, nh)
    canvas = np.full((height, width, scaled.shape[2]), pad, dtype=np.uint8)
    canvas[:nh, :nw] = scaled
    return Letterbox(canvas, scale)


def to_rgb(image: np.ndarray) -> np.ndarray:
    """Grey or RGBA pictures as HxWx3 RGB uint8 (an RGB uint8 picture is
    returned as it is, not copied: callers read it)."""
    if image.ndim == 2:
        image = np.stack([image] * 3, axis=-1)
    return np.ascontiguousarray(image[..., :3]).astype(np.uint8, copy=False)


def chw(image: np.ndarray, *, bgr: bool) -> np.ndarray:
    """HxWx3 uint8 RGB -> 3xHxW float32 (in BGR order when `bgr`)."""
    channels = image[..., ::-1] if bgr else image
    return np.ascontiguousarray(channels.transpose(2, 0, 1)).astype(np.float32)


def normalised_box(
    box: tuple[float, float, float, float], width: int, height: int
) -> tuple[float, float, float, float]:
    """A pixel box (x1, y1, x2, y2) of a `width` x `height` picture as
    fractions of it, clamped to the picture."""
    x1, y1, x2, y2 = box
    return (max(0.0, x1 / width), max(0.0, y1 / height), min(1.0, x2 / width), min(1.0, y2 / height))


def iou(box: np.ndarray, boxes: np.ndarray) -> np.ndarray:
    """Intersection over union of one x1,y1,x2,y2 box with many."""
    x1 = np.maximum(box[0], boxes[:, 0])
    y1 = np.maximum(box[1], boxes[:, 1])
    x2 = np.minimum(box[2], boxes[:, 2])
    y2 = np.minimum(box[3], boxes[:, 3])
    inter = np.clip(x2 - x1, 0, None) * np.clip(y2 - y1, 0, None)
    area = (box[2] - box[0]) * (box[3] - box[1])
    areas = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
    return np.asarray(inter / np.maximum(area + areas - inter, 1e-9))


def nms(boxes: np.ndarray, scores: np.ndarray, threshold: float) -> list[int]:
    """Greedy non-maximum suppression; indices kept, best first."""
    order = np.argsort(-scores, kind="stable")
    keep: list[int] = []
    while order.size:
        best = int(order[0])
        keep.append(best)
        if order.size == 1:
            break
        rest = order[1:]
        order = rest[iou(boxes[best], boxes[rest]) <= threshold]
    return keep
