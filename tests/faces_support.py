"""Real faces for the face recognition tests: scikit-image's astronaut
(Eileen Collins, frontal) and cameraman (turned away, in profile), JPEGs of
them, and an H.264 clip in which the astronaut's picture slides across the
frame."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np

from services.media.jpeg import encode_jpeg
from services.vision import image as img
from tests.inference_support import picture

W, H = 640, 480
FPS = 10
#: The picture's side in the clip (the face is then ~70 pixels high).
SIDE = 320


def jpeg_of(rgb: np.ndarray, quality: int = 90) -> bytes:
    rgb = np.ascontiguousarray(rgb[: rgb.shape[0] & ~1, : rgb.shape[1] & ~1])
    return encode_jpeg(av.VideoFrame.from_ndarray(rgb, format="rgb24"), quality=quality)


def astronaut() -> np.ndarray:
    return picture("astronaut.png")


def two_people() -> np.ndarray:
    """The astronaut and the cameraman side by side."""
    return np.ascontiguousarray(np.concatenate([picture("astronaut.png"), picture("camera.png")], axis=1))


def clip_frames(name: str = "astronaut.png", seconds: float = 3.0) -> list[np.ndarray]:
    """RGB frames of the picture sliding left to right on a grey floor."""
    thing = img.resize(picture(name), SIDE, SIDE)
    count = int(seconds * FPS)
    frames = []
    for i in range(count):
        x = 20 + (W - SIDE - 40) * i // max(1, count - 1)
        canvas = np.full((H, W, 3), 128, np.uint8)
        canvas[H - SIDE - 20 : H - 20, x : x + SIDE] = thing
        frames.append(canvas)
    return frames


def make_clip(path: Path, frames: list[np.ndarray]) -> Path:
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=FPS)
        stream.width, stream.height, stream.pix_fmt = W, H, "yuv420p"
        stream.options = {"preset": "ultrafast"}
        for frame in frames:
            for packet in stream.encode(av.VideoFrame.from_ndarray(frame, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


def decoded(path: Path, every: int = 2) -> list[tuple[np.ndarray, float]]:
    """Every `every`-th frame of a clip as I420 with its time (5 fps)."""
    out = []
    with av.open(str(path)) as container:
        for i, frame in enumerate(container.decode(video=0)):
            if i % every == 0:
                assert frame.time is not None
                out.append((frame.to_ndarray(format="yuv420p"), float(frame.time)))
    return out
