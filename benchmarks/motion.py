"""The motion gate: what a quiet camera costs with and without it, side by
side in one run.

Per sampled 1080p frame of a still scene (scikit-image's camera picture with
sensor noise), the gate's own work (`GatePolicy.detect`: scale the luma down,
blur, compare with the running average) is timed against the detector path
it saves (I420 to RGB, letterbox, YOLOX-Nano `yolox_nano_u8` in-process on
one core, decode), alternating in rounds so a load change touches both; then
the share of sampled frames that still reach the detector over a simulated
minute of a quiet camera at 5 fps (empty, and with a standing person
tracked), which with the gate's cost gives the cost of a quiet camera with
the gate as a share of its cost without.

    python -m benchmarks.motion [--rounds 3]
"""

from __future__ import annotations

import argparse
import statistics
import time

import av
import numpy as np
import onnxruntime as ort
from skimage import data

from services.analysis.motion import GatePolicy
from services.vision import image as img
from services.vision import yolox
from services.vision.detectors import OBJECT_MODEL
from tests.inference_support import model_repository

W, H = 1920, 1080
FPS = 5


def still_frames(count: int, seed: int = 0) -> list[np.ndarray]:
    """I420 frames of a still 1080p scene with sensor noise (sigma 3)."""
    camera = data.camera()
    luma = camera[np.linspace(0, 511, H).astype(int)][:, np.linspace(0, 511, W).astype(int)].astype(float)
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(count):
        frame = np.full((H * 3 // 2, W), 128, np.uint8)
        frame[:H] = np.clip(luma + rng.normal(0, 3, luma.shape), 0, 255)
        out.append(frame)
    return out


def gate_ms(frames: list[np.ndarray]) -> float:
    policy = GatePolicy()
    start = time.perf_counter()
    for i, frame in enumerate(frames):
        policy.detect(frame[:H], i / FPS, tracking=True)
    return (time.perf_counter() - start) / len(frames) * 1e3


def detector_ms(session: ort.InferenceSession, frames: list[np.ndarray]) -> float:
    """As the analysis stage without the gate: I420 to RGB, then as
    `detectors.detect_objects` (letterbox, the uint8 model, decode)."""
    start = time.perf_counter()
    for frame in frames:
        rgb = av.VideoFrame.from_ndarray(frame, format="yuv420p").to_ndarray(format="rgb24")
        boxed = img.letterbox(rgb, yolox.INPUT_SIZE, yolox.INPUT_SIZE, pad=yolox.PAD)
        out = session.run(None, {"images": boxed.image[None]})[0][0]
        yolox.decode(out, boxed.scale, score_threshold=0.1, shape=rgb.shape[:2])
    return (time.perf_counter() - start) / len(frames) * 1e3


def detected_share(frames: list[np.ndarray], tracking: bool, seconds: int = 60) -> float:
    policy = GatePolicy()
    total = seconds * FPS
    runs = sum(policy.detect(frames[i % len(frames)][:H], i / FPS, tracking) for i in range(total))
    return runs / total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    options = ort.SessionOptions()
    options.log_severity_level = 3
    options.intra_op_num_threads = 1
    session = ort.InferenceSession(
        str(model_repository() / OBJECT_MODEL / "1" / "model.onnx"), options, providers=["CPUExecutionProvider"]
    )
    frames = still_frames(20)
    detector_ms(session, frames[:3])  # warm-up
    gates, detectors = [], []
    for _ in range(args.rounds):
        gates.append(gate_ms(frames))
        detectors.append(detector_ms(session, frames))
    gate, detector = statistics.median(gates), statistics.median(detectors)
    print(f"gate {gate:.2f} ms/frame, detector path {detector:.1f} ms/frame, gate ÷ detector {gate / detector:.3f}")
    print("| quiet camera, 5 fps | frames detected | cost with the gate ÷ without |")
    print("|---|---|---|")
    for name, tracking in (("empty scene", False), ("a standing person tracked", True)):
        share = detected_share(frames, tracking)
        cost = (gate + share * detector) / detector
        print(f"| {name} | {share:.1%} | {cost:.3f} |", flush=True)


if __name__ == "__main__":
    main()
