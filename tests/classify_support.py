"""Alarm clips for the classification tests and benchmark, made with PyAV
from scikit-image's real pictures (each letterboxed on a grey canvas), a
plain wall or noise; and the `multipart/form-data` bodies Gaard's clients
send."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import av
import httpx
import numpy as np

from services.vision.image import letterbox
from tests.inference_support import picture


def scene(name: str, width: int, height: int) -> np.ndarray:
    """One frame of a clip: a picture of scikit-image letterboxed on grey,
    `wall` (a plain grey-beige wall) or `noise` (random pixels)."""
    if name == "wall":
        return np.full((height, width, 3), (168, 160, 150), dtype=np.uint8)
    if name == "noise":
        return np.random.default_rng(3).integers(0, 256, (height, width, 3), dtype=np.uint8)
    return letterbox(picture(name), width, height, pad=128).image


def make_clip(
    path: Path,
    scenes: Sequence[str],
    *,
    seconds: float = 2.0,
    fps: int = 4,
    width: int = 640,
    height: int = 360,
    faststart: bool = False,
) -> Path:
    """An H.264 MP4 of `seconds` at `fps`, the scenes one after the other in
    equal parts. Moving noise changes every frame; pictures stand still."""
    total = round(seconds * fps)
    frames = [scene(name, width, height) for name in scenes]
    rng = np.random.default_rng(11)
    options = {"movflags": "faststart"} if faststart else {}
    with av.open(str(path), "w", format="mp4", options=options) as container:
        stream = container.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        for i in range(total):
            name = scenes[min(i * len(scenes) // total, len(scenes) - 1)]
            pixels = frames[scenes.index(name)]
            if name == "noise":
                pixels = rng.integers(0, 256, (height, width, 3), dtype=np.uint8)
            for packet in stream.encode(av.VideoFrame.from_ndarray(pixels, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


def multipart(
    fields: Sequence[tuple[str, str]],
    file: tuple[str, bytes, str] | None,
    *,
    metadata: dict[str, Any] | None = None,
) -> tuple[bytes, str]:
    """(body, Content-Type) of a form with text fields, an optional JSON
    `metadata` part and an optional file part (name, bytes, content type)."""
    boundary = f"----vigil{uuid.uuid4().hex}"
    out = bytearray()
    for name, value in fields:
        out += f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
    if metadata is not None:
        out += (
            f'--{boundary}\r\nContent-Disposition: form-data; name="metadata"\r\n'
            f"Content-Type: application/json\r\n\r\n{json.dumps(metadata)}\r\n"
        ).encode()
    if file is not None:
        filename, data, ctype = file
        out += (
            f'--{boundary}\r\nContent-Disposition: form-data; name="video"; filename="{filename}"\r\n'
            f"Content-Type: {ctype}\r\n\r\n"
        ).encode()
        out += data + b"\r\n"
    out += f"--{boundary}--\r\n".encode()
    return bytes(out), f"multipart/form-data; boundary={boundary}"


def make_moving_clip(
    path: Path,
    name: str,
    *,
    seconds: float = 10.0,
    fps: int = 25,
    width: int = 1280,
    height: int = 720,
    preset: str = "veryfast",
) -> Path:
    """A camera-like H.264 MP4: a textured wall with a picture of
    scikit-image (half the frame high) crossing it from left to right, and
    a little sensor noise on every frame."""
    rng = np.random.default_rng(5)
    wall = scene("wall", width, height).astype(np.int16)
    wall += rng.integers(-12, 13, (height, width, 1), dtype=np.int16)  # plaster texture
    sprite = letterbox(picture(name), height // 2 * 4 // 3, height // 2, pad=128).image
    sh, sw = sprite.shape[:2]
    total = round(seconds * fps)
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.options = {"preset": preset}
        for i in range(total):
            frame = wall.copy()
            x = int((width - sw) * i / max(total - 1, 1))
            y = (height - sh) // 2
            frame[y : y + sh, x : x + sw] = sprite
            frame += rng.integers(-3, 4, (height, width, 1), dtype=np.int16)
            pixels = np.clip(frame, 0, 255).astype(np.uint8)
            for packet in stream.encode(av.VideoFrame.from_ndarray(pixels, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


def classify(
    http: httpx.Client,
    *,
    tenant: str | None = "acme",
    file: tuple[str, bytes, str] | None = None,
    fields: Sequence[tuple[str, str]] = (),
    metadata: dict[str, Any] | None = None,
    sync: bool = True,
    timeout: float = 120,
) -> httpx.Response:
    """`POST /api/classify[?sync=true]` with a multipart form, on the
    caller's persistent client."""
    form = [("tenant", tenant)] if tenant is not None else []
    body, ctype = multipart([*form, *fields], file, metadata=metadata)
    query = "?sync=true" if sync else ""
    return http.post(f"/api/classify{query}", content=body, headers={"Content-Type": ctype}, timeout=timeout)


def wait_result(
    http: httpx.Client, classification_id: str, tenant: str = "acme", timeout: float = 120
) -> dict[str, Any]:
    """Poll `GET /api/result/{id}` until the classification is no longer
    pending; returns the result."""
    deadline = time.monotonic() + timeout
    while True:
        reply = http.get(f"/api/result/{classification_id}", params={"tenant": tenant})
        assert reply.status_code == 200, reply.text
        result: dict[str, Any] = reply.json()
        if result["status"]["classify"] != "pending":
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"classification {classification_id} still pending after {timeout} s")
        time.sleep(0.2)
