"""Face recognition speed and what quality can be measured here, side by
side in one run (issue 15 item 7).

1. **Faces detected per second**: YuNet (`yunet`) on a 640x480 frame with
   the astronaut, in-process onnxruntime (one thread) and through the
   inference service (4 concurrent callers, as several streams call it).
2. **Faces embedded per second**: SFace (`sface`) on her aligned face, the
   same two ways; embeddings are what enrolment, the face stage and smart
   search by image cost per face.
3. **Same person, other person**: her photo against her own face scaled
   down (what a camera sees farther away) and against the cameraman: the
   similarities against the default `similarity_threshold` (0.6) and
   OpenCV's same-person threshold (0.363).

No labelled face set ships inside a package on the registries this
project may use (LFW-style sets are downloaded at run time by their
loaders, which cannot work here), so no verification accuracy or
false-match rate on a population is claimed: only the figures above. Plate
accuracy is `benchmarks/plates.py`; search latency and recall at 10 000 and
1 000 000 embeddings is `benchmarks/search.py`.

    python -m benchmarks.recognition [--seconds 10]
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path

import numpy as np
import onnxruntime as ort

from services.inference_client import InferenceClient
from services.vision import image as img
from services.vision import sface, yunet
from services.vision.detectors import detect_faces, embed_aligned
from services.vision.models import SFACE, YUNET
from tests.inference_support import inference_server, model_repository, picture


def session(name: str) -> ort.InferenceSession:
    options = ort.SessionOptions()
    options.log_severity_level = 3
    options.intra_op_num_threads = 1
    return ort.InferenceSession(
        str(model_repository() / name / "1" / "model.onnx"), options, providers=["CPUExecutionProvider"]
    )


def frame() -> np.ndarray:
    canvas = np.full((480, 640, 3), 128, np.uint8)
    canvas[80:400, 160:480] = img.resize(picture("astronaut.png"), 320, 320)
    return canvas


def embed_largest(detector: ort.InferenceSession, embedder: ort.InferenceSession, rgb: np.ndarray) -> np.ndarray | None:
    """The SFace embedding of the largest face YuNet finds (in-process)."""
    x, scale = yunet.preprocess(rgb)
    outputs = detector.run(None, {YUNET.input: x[None]})
    faces = yunet.decode({o.name: v[0] for o, v in zip(detector.get_outputs(), outputs, strict=True)}, scale)
    if not faces:
        return None
    face = max(faces, key=lambda f: (f.box[2] - f.box[0]) * (f.box[3] - f.box[1]))
    tensor = sface.preprocess(sface.align(rgb, face.landmarks))[None]
    return sface.normalise(embedder.run(None, {SFACE.input: tensor})[0][0])


def per_second(run: object, seconds: float) -> float:
    done, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        run()  # type: ignore[operator]
        done += 1
    return done / (time.perf_counter() - start)


async def served_per_second(call: object, seconds: float, callers: int = 4) -> float:
    done = 0
    deadline = time.monotonic() + seconds

    async def caller() -> None:
        nonlocal done
        while time.monotonic() < deadline:
            await call()  # type: ignore[operator]
            done += 1

    start = time.perf_counter()
    await asyncio.gather(*(caller() for _ in range(callers)))
    return done / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    args = parser.parse_args()
    picture_rgb = frame()
    detector, embedder = session(YUNET.name), session(SFACE.name)
    x, scale = yunet.preprocess(picture_rgb)
    outputs = detector.run(None, {YUNET.input: x[None]})
    decoded = yunet.decode(
        {name.name: value[0] for name, value in zip(detector.get_outputs(), outputs, strict=True)}, scale
    )
    face = max(decoded, key=lambda f: f.score)
    aligned = sface.align(picture_rgb, face.landmarks)
    tensor = sface.preprocess(aligned)[None]

    def detect_local() -> None:
        y, _ = yunet.preprocess(picture_rgb)
        detector.run(None, {YUNET.input: y[None]})

    def embed_local() -> None:
        embedder.run(None, {SFACE.input: tensor})

    local_detect = per_second(detect_local, args.seconds)
    local_embed = per_second(embed_local, args.seconds)

    async def served(target: str) -> tuple[float, float]:
        async with InferenceClient(target) as client:
            await detect_faces(client, picture_rgb)
            detect = await served_per_second(lambda: detect_faces(client, picture_rgb), args.seconds)
            embed = await served_per_second(lambda: embed_aligned(client, aligned), args.seconds)
            return detect, embed

    with (
        tempfile.TemporaryDirectory() as tmp,
        inference_server(model_repository(), Path(tmp), load=f"{YUNET.name},{SFACE.name}") as server,
    ):
        served_detect, served_embed = asyncio.run(served(server.target))
    print("| YuNet 640x480 / SFace 112x112 | in-process, 1 thread | inference service, 4 callers |")
    print("|---|---|---|")
    print(f"| faces detected per second (frames) | {local_detect:.1f} | {served_detect:.1f} |")
    print(f"| faces embedded per second | {local_embed:.1f} | {served_embed:.1f} |")

    reference = embed_largest(detector, embedder, picture_rgb)
    assert reference is not None
    print("\n| her photo against | similarity |")
    print("|---|---|")
    for side in (320, 160, 96, 64):
        canvas = np.full((max(240, side + 40), max(320, side + 40), 3), 128, np.uint8)
        canvas[20 : 20 + side, 20 : 20 + side] = img.resize(picture("astronaut.png"), side, side)
        vector = embed_largest(detector, embedder, canvas)
        shown = "no face found" if vector is None else f"{float(reference @ vector):.3f}"
        print(f"| herself, picture {side} px high | {shown} |")
    other = embed_largest(detector, embedder, picture("camera.png"))
    shown = "no face found" if other is None else f"{float(reference @ other):.3f}"
    print(f"| the cameraman (another person) | {shown} |")
    print(f"\nthresholds: 0.6 (the catalog's default) and {sface.SAME_PERSON} (OpenCV's same person)")


if __name__ == "__main__":
    main()
