"""SFace face embedding (OpenCV Zoo, 2021dec): alignment and matching.

A face is aligned with the similarity transform that takes its five YuNet
landmarks onto ArcFace's 112x112 template (OpenCV's `alignCrop`), and fed as
RGB 0-255, NCHW. The 128 outputs are compared by cosine similarity; OpenCV
gives 0.363 as the same-person threshold.
"""

from __future__ import annotations

import numpy as np

from services.vision.image import chw, warp_affine

INPUT_SIZE = 112
#: Where the five landmarks land in the aligned 112x112 crop (ArcFace).
TEMPLATE = np.array(
    [[38.2946, 51.6963], [73.5318, 51.5014], [56.0252, 71.7366], [41.5493, 92.3655], [70.7299, 92.2041]],
    dtype=np.float64,
)
SAME_PERSON = 0.363


def similarity_transform(src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    """The 2x3 least-squares similarity (rotation, uniform scale, shift) that
    maps points `src` onto `dst` (Umeyama)."""
    src = np.asarray(src, dtype=np.float64)
    dst = np.asarray(dst, dtype=np.float64)
    mu_s, mu_d = src.mean(axis=0), dst.mean(axis=0)
    s, d = src - mu_s, dst - mu_d
    cov = d.T @ s / len(src)
    u, sigma, vt = np.linalg.svd(cov)
    sign = np.eye(2)
    if np.linalg.det(u) * np.linalg.det(vt) < 0:
        sign[1, 1] = -1
    rotation = u @ sign @ vt
    scale = np.trace(np.diag(sigma) @ sign) / s.var(axis=0).sum()
    shift = mu_d - scale * rotation @ mu_s
    return np.hstack([scale * rotation, shift[:, None]])


def align(image: np.ndarray, landmarks: np.ndarray) -> np.ndarray:
    """The 112x112 RGB crop of the face with these five landmarks."""
    matrix = similarity_transform(landmarks, TEMPLATE)
    return warp_affine(image, matrix, INPUT_SIZE, INPUT_SIZE)


def preprocess(aligned: np.ndarray) -> np.ndarray:
    """Aligned RGB uint8 112x112 -> 3x112x112 float32 RGB."""
    return chw(aligned, bgr=False)


def normalise(embedding: np.ndarray) -> np.ndarray:
    v = np.asarray(embedding, dtype=np.float32).reshape(-1)
    return v / max(float(np.linalg.norm(v)), 1e-12)


def cosine(a: np.ndarray, b: np.ndarray) -> float:
    """Cosine similarity of two embeddings."""
    return float(normalise(a) @ normalise(b))
