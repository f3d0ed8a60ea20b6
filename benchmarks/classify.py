"""Gaard classification: clips per minute for 10 s 720p clips through Envoy
(`POST /api/classify?sync=true`) at concurrency 1 and 4, and the pipeline's
efficiency, side by side in one run.

Efficiency = end-to-end frames per second / (1 / (1/decode_fps + 1/infer_fps)):
the end-to-end rate over the rate that decoding alone and inference alone
would allow one after the other. Frames are the clips' frames (250 per 10 s
clip at 25 fps), so each rate is clips per second times 250:

* decoding alone: `video.decode` in this process, exactly as the service runs
  it (every frame decoded, the analysed ones resampled and turned into the
  models' inputs), with nothing consuming the frames;
* inference alone: `VideoClassifier.analyse` on those frames, already decoded,
  through the platform's inference service (same batches, same number in
  flight, same output decoding);
* end-to-end: the whole request through the real Envoy: upload, multipart
  intake, probe, the stored row, decoding and inference overlapped, the
  stored result, the JSON answer.

At concurrency 4 the three are measured with 4 clips at a time (4 decoding
threads; 4 concurrent `analyse` calls; 4 concurrent requests), each over a
wave of 8 clips. The three measurements of a sample (one clip at
concurrency 1, one wave at concurrency 4) run back to back on the same
clips, so that a load change on the machine touches all of them alike; the
efficiency is the median of the samples' own ratios.

    python -m benchmarks.classify [--clips 4] [--rounds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

from services.classification.classifier import VideoClassifier
from services.classification.video import SampledFrame, decode
from services.classification.wiring import classifier_config
from services.common.settings import Settings
from services.db.engine import migrate
from services.inference_client import InferenceClient
from tests.classify_support import make_moving_clip, multipart
from tests.conftest import free_port
from tests.inference_support import model_repository
from tests.platform_launcher import RunningPlatform, start_platform

PICTURES = ("astronaut.png", "camera.png", "chelsea.png", "motorcycle_left.png")


def post(
    platform: RunningPlatform, body: bytes, content_type: str, record: list[tuple[float, float]] | None = None
) -> dict:
    """One synchronous classification; (its wall time, its `timing.total`)
    in seconds go to `record`."""
    start = time.perf_counter()
    reply = requests.post(
        platform.url("/api/classify?sync=true"), data=body, headers={"Content-Type": content_type}, timeout=600
    )
    reply.raise_for_status()
    result = reply.json()
    assert result["status"]["classify"] == "done", result
    if record is not None:
        record.append((time.perf_counter() - start, float(result["timing"]["total"]) / 1000))
    return dict(result)


def timed_parallel(jobs: list, concurrency: int) -> float:
    """Seconds to run every job with `concurrency` threads."""
    start = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        for future in [pool.submit(job) for job in jobs]:
            future.result()
    return time.perf_counter() - start


async def timed_analyse(classifier: VideoClassifier, clips: list[list[SampledFrame]], concurrency: int) -> float:
    slots = asyncio.Semaphore(concurrency)

    async def one(frames: list[SampledFrame]) -> None:
        async with slots:
            classifier.judge(await classifier.analyse(frames))

    start = time.perf_counter()
    await asyncio.gather(*(one(frames) for frames in clips))
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clips", type=int, default=4, help="distinct 10 s clips, each sent once per round")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    model_repository()
    settings = Settings(_env_file=None)
    config = classifier_config(settings.classification)
    tmp = Path(tempfile.mkdtemp(prefix="vigil-bench-classify-"))
    clips = [
        make_moving_clip(tmp / f"clip{i}.mp4", PICTURES[i % len(PICTURES)], seconds=10, fps=25)
        for i in range(args.clips)
    ]
    frames_per_clip = 250
    bodies = [
        multipart([("tenant", "bench")], (path.name, path.read_bytes(), "video/mp4"), metadata={"camera_id": i})
        for i, path in enumerate(clips)
    ]
    url = f"sqlite:///{tmp / 'vigil.db'}"
    migrate(url)
    platform = start_platform(url, tmp, free_port)
    try:
        for body, ctype in bodies:  # warm-up: models, caches, connections
            post(platform, body, ctype)
        decoded: list[list[SampledFrame]] = []
        for path in clips:
            frames: list[SampledFrame] = []
            decode(str(path), config.plan, frames.append)
            decoded.append(frames)

        async def infer_group(frames: list[list[SampledFrame]], concurrency: int) -> float:
            async with InferenceClient(platform.grpc_target("inference")) as client:
                classifier = VideoClassifier(client, config)
                await timed_analyse(classifier, decoded[:1], 1)  # warm the channel
                return await timed_analyse(classifier, frames, concurrency)

        # One sample: the same clips decoded alone, through inference alone,
        # and end to end, back to back (per clip at concurrency 1; a wave of
        # two clips per client at concurrency 4); seconds per clip.
        samples: dict[int, list[dict[str, float]]] = {1: [], 4: []}
        latencies: dict[int, list[tuple[float, float]]] = {1: [], 4: []}
        for _ in range(args.rounds):
            for concurrency in (1, 4):
                groups = [[i] for i in range(len(clips))] if concurrency == 1 else [list(range(len(clips))) * 2]
                for group in groups:
                    n = len(group)
                    samples[concurrency].append(
                        {
                            "decode": timed_parallel(
                                [lambda i=i: decode(str(clips[i]), config.plan, lambda f: None) for i in group],
                                concurrency,
                            )
                            / n,
                            "infer": asyncio.run(infer_group([decoded[i] for i in group], concurrency)) / n,
                            "e2e": timed_parallel(
                                [lambda i=i, r=latencies[concurrency]: post(platform, *bodies[i], r) for i in group],
                                concurrency,
                            )
                            / n,
                        }
                    )
    finally:
        code = platform.stop()
    if code != 0:
        raise SystemExit(f"the platform did not stop cleanly:\n{platform.log.read_text()[-3000:]}")

    print(
        f"{len(clips)} clips of 10 s, 1280x720, 25 fps ({frames_per_clip} frames, "
        f"{sum(p.stat().st_size for p in clips) / len(clips) / 1e6:.2f} MB each), H.264; analysed at "
        f"{config.plan.sample_fps:g} fps, {config.plan.frame_height} px high, {config.plan.text_frames} text frames; "
        f"{args.rounds} rounds; rates are medians, efficiency the median of the samples' ratios\n"
    )
    print(
        "| concurrency | clips/min end-to-end | e2e frames/s | decode alone frames/s | inference alone frames/s "
        "| serial bound frames/s | efficiency | s/request | of which in the pipeline |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for concurrency, rows in samples.items():
        per_clip = {k: statistics.median(row[k] for row in rows) for k in ("decode", "infer", "e2e")}
        fps = {k: frames_per_clip / v for k, v in per_clip.items()}
        bound = 1 / (1 / fps["decode"] + 1 / fps["infer"])
        efficiency = statistics.median((row["decode"] + row["infer"]) / row["e2e"] for row in rows)
        latency = statistics.median(wall for wall, _ in latencies[concurrency])
        inside = statistics.median(total for _, total in latencies[concurrency])
        print(
            f"| {concurrency} | {60 / per_clip['e2e']:.1f} | {fps['e2e']:.0f} | {fps['decode']:.0f} | "
            f"{fps['infer']:.0f} | {bound:.0f} | {efficiency:.2f} | {latency:.2f} | {inside:.2f} |"
        )
    print(
        "\ns/request: median wall time of one request; of which in the pipeline: its median `timing.total` "
        "(decoding and inference, without the upload, the queue and the answer)"
    )
    print("goal: efficiency >= 0.9")


if __name__ == "__main__":
    main()
