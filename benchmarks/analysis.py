"""People analytics: the analyser's cost per frame (ByteTrack, two counting
lines, two areas with limits) with N tracked people, as a ratio of
YOLOX-Nano's own time per frame (in-process onnxruntime, one 640x480
frame, `yolox_nano_u8` of the repository as the analytics call it, on one
core as the analyser runs), side by side in one run.

The people are synthetic detections walking straight across a 1920x1080
frame at 5 fps (boxes 60x160 px, 5% missed, 3 px jitter): the analyser sees
the same input it would get from the detector. The detector is timed on a
real frame (the astronaut picture on a grey floor) between the analyser's
rounds, so a load change on the machine touches both alike; each ratio is
the median of the rounds' own ratios.

    python -m benchmarks.analysis [--frames 200] [--rounds 3]
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
import onnxruntime as ort

from services.analysis.objects import ObjectAnalyser
from services.vision import image as img
from services.vision import yolox
from services.vision.detectors import OBJECT_MODEL
from services.vision.yolox import Detection
from tests.inference_support import model_repository, picture

W, H = 1920, 1080
FPS = 5
CONFIG = {
    "object_confidence_threshold": 0.5,
    "sub_analytics": [
        {
            "name": "counting",
            "areas": [
                {"name": "A", "points": [{"x": 0.1, "y": 0.5}, {"x": 0.9, "y": 0.5}]},
                {"name": "B", "points": [{"x": 0.5, "y": 0.1}, {"x": 0.5, "y": 0.9}], "direction": "in"},
            ],
        },
        {
            "name": "area",
            "areas": [
                {
                    "name": "Left",
                    "points": [{"x": 0, "y": 0}, {"x": 0.5, "y": 0}, {"x": 0.5, "y": 1}, {"x": 0, "y": 1}],
                    "max_occupancy": 5,
                    "max_dwell_seconds": 10,
                },
                {
                    "name": "Low",
                    "points": [{"x": 0, "y": 0.6}, {"x": 1, "y": 0.6}, {"x": 1, "y": 1}, {"x": 0, "y": 1}],
                    "max_occupancy": 5,
                },
            ],
        },
    ],
}


def scene(n: int, frames: int, seed: int = 0) -> list[list[Detection]]:
    rng = np.random.default_rng(seed)
    start = rng.uniform([100, 200], [1800, 1000], (n, 2))
    velocity = rng.uniform(-20, 20, (n, 2))
    span = np.array([W - 120, H - 200])
    margin = np.array([60, 180])
    out = []
    for f in range(frames):
        pos = np.abs(np.mod(start + velocity * f, 2 * span) - span) + margin  # bouncing off the edges
        found = []
        for i in range(n):
            if rng.random() < 0.05:
                continue
            x, y = pos[i] + rng.normal(0, 3, 2)
            found.append(Detection("person", 0, float(rng.uniform(0.6, 0.95)), (x - 30, y - 160, x + 30, y)))
        out.append(found)
    return out


def analyser_ms(frames: list[list[Detection]]) -> float:
    analyser = ObjectAnalyser("NFV4-MPA", CONFIG)
    start = time.perf_counter()
    for i, detections in enumerate(frames):
        analyser.analyse(detections, (W, H), i / FPS)
    return (time.perf_counter() - start) / len(frames) * 1e3


def detector_ms(session: ort.InferenceSession, frame: np.ndarray, runs: int = 20) -> float:
    """As `detectors.detect_objects`: letterbox, the uint8 model, decode."""
    start = time.perf_counter()
    for _ in range(runs):
        boxed = img.letterbox(frame, yolox.INPUT_SIZE, yolox.INPUT_SIZE, pad=yolox.PAD)
        out = session.run(None, {"images": boxed.image[None]})[0][0]
        yolox.decode(out, boxed.scale, score_threshold=0.1, shape=frame.shape[:2])
    return (time.perf_counter() - start) / runs * 1e3


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--frames", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    options = ort.SessionOptions()
    options.log_severity_level = 3
    options.intra_op_num_threads = 1  # one core, as the analyser: on this shared 2-core machine two threads contend
    session = ort.InferenceSession(
        str(model_repository() / OBJECT_MODEL / "1" / "model.onnx"), options, providers=["CPUExecutionProvider"]
    )
    frame = np.full((480, 640, 3), 128, np.uint8)
    frame[200:400, 220:420] = img.resize(picture("astronaut.png"), 200, 200)
    detector_ms(session, frame, runs=5)  # warm-up
    print("| tracked people | analyser ms/frame | YOLOX-Nano ms/frame | analyser ÷ detector |")
    print("|---|---|---|---|")
    for n in (1, 10, 50, 100):
        frames = scene(n, args.frames)
        ratios, mine, theirs = [], [], []
        for _ in range(args.rounds):
            a = analyser_ms(frames)
            d = detector_ms(session, frame)
            mine.append(a)
            theirs.append(d)
            ratios.append(a / d)
        print(
            f"| {n} | {statistics.median(mine):.2f} | {statistics.median(theirs):.1f} "
            f"| {statistics.median(ratios):.3f} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
