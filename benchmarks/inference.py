"""YOLOX-Nano through the inference service: throughput and latency at
concurrency 1, 4 and 8 with dynamic batching on and off, and the serving
overhead (served batch-1 latency / in-process `session.run` latency), side by
side in one run.

`python -m benchmarks.inference [--requests N]` builds a temporary model
repository with two configurations of the same YOLOX-Nano file (dynamic
batching on, max_queue_delay 0, and Triton's default scheduler), starts the
inference service on free ports, and drives it with Vigil's async gRPC client
on real pictures. On a GPU machine the same script runs on the CUDA provider.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import onnxruntime as ort

from services.analytics.inference_client import InferenceClient
from services.analytics.vision import yolox
from services.inference.backend import OnnxSession, cuda_usable, usable_cores
from tests.inference_support import copy_model, fresh_repository, inference_server, model_repository, picture

BATCHED = """platform: "onnxruntime_onnx"
max_batch_size: 8
dynamic_batching { max_queue_delay_microseconds: 0 }
instance_group [ { count: 1 } ]
"""
UNBATCHED = """platform: "onnxruntime_onnx"
max_batch_size: 8
instance_group [ { count: 1 } ]
"""
PICTURES = ("astronaut.png", "camera.png", "chelsea.png", "motorcycle_left.png")


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(values), q))


def in_process(session: Any, images: list[np.ndarray], runs: int) -> tuple[float, float]:
    """p50 latency (ms) of session.run on one image, images/s at batch 8."""
    outputs = ["output"]
    for x in images[:4]:
        session.run(outputs, {"images": x[None]})
    latencies = []
    for i in range(runs):
        start = time.perf_counter()
        session.run(outputs, {"images": images[i % len(images)][None]})
        latencies.append((time.perf_counter() - start) * 1000)
    batch = np.stack([images[i % len(images)] for i in range(8)])
    session.run(outputs, {"images": batch})
    start = time.perf_counter()
    rounds = max(runs // 8, 4)
    for _ in range(rounds):
        session.run(outputs, {"images": batch})
    return statistics.median(latencies), rounds * 8 / (time.perf_counter() - start)


async def drive(target: str, model: str, images: list[np.ndarray], concurrency: int, total: int) -> dict[str, float]:
    """`total` requests from `concurrency` concurrent callers."""
    async with InferenceClient(target) as client:
        for x in images[:concurrency]:
            await client.infer(model, {"images": x[None]})
        latencies: list[float] = []
        counter = iter(range(total))

        async def worker() -> None:
            for i in counter:
                start = time.perf_counter()
                await client.infer(model, {"images": images[i % len(images)][None]})
                latencies.append((time.perf_counter() - start) * 1000)

        start = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - start
    return {"rps": total / elapsed, "p50": percentile(latencies, 50), "p95": percentile(latencies, 95)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=160, help="requests per measured configuration")
    args = parser.parse_args()
    images = [yolox.preprocess(picture(n))[0] for n in PICTURES]
    source = model_repository()
    with tempfile.TemporaryDirectory() as tmp:
        repo = fresh_repository(Path(tmp))
        copy_model(repo, "yolox_nano", "yolox_batched", BATCHED)
        copy_model(repo, "yolox_nano", "yolox_unbatched", UNBATCHED)
        with inference_server(repo, Path(tmp), load="yolox_batched,yolox_unbatched") as server:
            rows = []
            for concurrency in (1, 4, 8):
                off = asyncio.run(drive(server.target, "yolox_unbatched", images, concurrency, args.requests))
                on = asyncio.run(drive(server.target, "yolox_batched", images, concurrency, args.requests))
                rows.append((concurrency, off, on))
        path = str(source / "yolox_nano" / "1" / "model.onnx")
        providers = ["CUDAExecutionProvider", "CPUExecutionProvider"] if cuda_usable() else ["CPUExecutionProvider"]
        options = ort.SessionOptions()
        options.log_severity_level = 3
        plain = ort.InferenceSession(path, options, providers=providers)
        local_p50, local_batch8 = in_process(plain, images, args.requests)
        same = OnnxSession(path, gpu=0 if cuda_usable() else None, threads=usable_cores())
        same_p50, _ = in_process(same, images, args.requests)
        served_p50 = rows[0][1]["p50"]
    device = "CUDA" if cuda_usable() else "CPU"
    print(f"YOLOX-Nano 416x416, {device}, {args.requests} requests per row, batch-1 requests\n")
    print("| concurrency | batching off img/s | p50 ms | p95 ms | batching on img/s | p50 ms | p95 ms | on/off |")
    print("|---|---|---|---|---|---|---|---|")
    for c, off, on in rows:
        print(
            f"| {c} | {off['rps']:.1f} | {off['p50']:.1f} | {off['p95']:.1f} "
            f"| {on['rps']:.1f} | {on['p50']:.1f} | {on['p95']:.1f} | {on['rps'] / off['rps']:.2f} |"
        )
    print()
    print(f"in-process session.run, batch 1: p50 {local_p50:.1f} ms; batch 8: {local_batch8:.1f} img/s")
    print(f"in-process with the server's session options (no spinning): p50 {same_p50:.1f} ms")
    print(f"served batch-1 p50 (concurrency 1, batching off): {served_p50:.1f} ms")
    print(f"serving overhead (served p50 / in-process p50): {served_p50 / local_p50:.2f}  (goal <= 1.1)")
    print(f"serving overhead against the same session options: {served_p50 / same_p50:.2f}")
    print(
        f"batching gain at concurrency 8 (on / off img/s): {rows[2][2]['rps'] / rows[2][1]['rps']:.2f}  (goal >= 1.2)"
    )


if __name__ == "__main__":
    main()
