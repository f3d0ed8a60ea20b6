"""YOLOX-Nano through the inference service, side by side with the same
session in process, in one run.

`python -m benchmarks.inference [--requests N]` builds a temporary model
repository with the YOLOX-Nano file under two configurations (dynamic
batching on with max_queue_delay 0, and Triton's default scheduler), plus
the uint8-input variant (`yolox_nano_u8`: RGB HWC frame in, cast/transpose/BGR
in the graph), starts the inference service on free ports and drives it with
Vigil's async gRPC client, with plain tensors and with system shared memory.
It prints:

- served batch-1 p50 / in-process p50 with the server's session options
  (goal <= 1.1 with shared memory), FP32 and uint8 input;
- best served throughput at concurrency 8 / best in-process throughput over
  batch sizes 1..8 with the same threads (goal >= 0.9);
- dynamic batching on / off at concurrency 8 (goal >= 1.0);
- in-process batch-size sweep (does onnxruntime's CPU batching gain?).

On a GPU machine the same script runs on the CUDA provider.
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

from services.inference.backend import OnnxSession, cuda_usable, usable_cores
from services.inference_client import InferenceClient
from services.vision import yolox
from services.vision.image import letterbox
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


def in_process_p50(session: Any, feeds: list[np.ndarray], runs: int) -> float:
    """p50 latency (ms) of session.run on one item."""
    for x in feeds[:4]:
        session.run(["output"], {"images": x[None]})
    latencies = []
    for i in range(runs):
        start = time.perf_counter()
        session.run(["output"], {"images": feeds[i % len(feeds)][None]})
        latencies.append((time.perf_counter() - start) * 1000)
    return statistics.median(latencies)


def in_process_sweep(session: Any, feeds: list[np.ndarray], items: int) -> dict[int, float]:
    """items/s of session.run at batch sizes 1..8, about `items` items each."""
    rates: dict[int, float] = {}
    for size in range(1, 9):
        batch = np.stack([feeds[i % len(feeds)] for i in range(size)])
        session.run(["output"], {"images": batch})
        rounds = max(items // size, 3)
        start = time.perf_counter()
        for _ in range(rounds):
            session.run(["output"], {"images": batch})
        rates[size] = rounds * size / (time.perf_counter() - start)
    return rates


async def drive(
    target: str, model: str, feeds: list[np.ndarray], concurrency: int, total: int, *, shm: bool
) -> dict[str, float]:
    """`total` batch-1 requests from `concurrency` concurrent callers."""
    async with InferenceClient(target, shared_memory=shm) as client:
        for x in feeds[:concurrency]:
            await client.infer(model, {"images": x[None]})
        assert client.uses_shared_memory == shm
        latencies: list[float] = []
        counter = iter(range(total))

        async def worker() -> None:
            for i in counter:
                start = time.perf_counter()
                await client.infer(model, {"images": feeds[i % len(feeds)][None]})
                latencies.append((time.perf_counter() - start) * 1000)

        start = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - start
    return {"rps": total / elapsed, "p50": percentile(latencies, 50), "p95": percentile(latencies, 95)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=160, help="requests per measured configuration")
    args = parser.parse_args()
    n = args.requests
    images = [yolox.preprocess(picture(name))[0] for name in PICTURES]
    frames = [letterbox(picture(name), yolox.INPUT_SIZE, yolox.INPUT_SIZE, pad=114).image for name in PICTURES]
    source = model_repository()
    gpu = cuda_usable()
    rows: list[tuple[str, int, str, dict[str, float]]] = []
    with tempfile.TemporaryDirectory() as tmp:
        repo = fresh_repository(Path(tmp))
        copy_model(repo, "yolox_nano", "yolox_batched", BATCHED)
        copy_model(repo, "yolox_nano", "yolox_unbatched", UNBATCHED)
        copy_model(repo, "yolox_nano_u8", "yolox_u8_batched", BATCHED)
        copy_model(repo, "yolox_nano_u8", "yolox_u8_unbatched", UNBATCHED)
        load = "yolox_batched,yolox_unbatched,yolox_u8_batched,yolox_u8_unbatched"
        with inference_server(repo, Path(tmp), load=load) as server:
            plan = [
                ("FP32", "yolox_unbatched", images, "off"),
                ("FP32", "yolox_batched", images, "on"),
                ("UINT8", "yolox_u8_unbatched", frames, "off"),
                ("UINT8", "yolox_u8_batched", frames, "on"),
            ]
            for concurrency in (1, 8):
                for kind, model, feeds, batching in plan:
                    for shm in (False, True):
                        result = asyncio.run(drive(server.target, model, feeds, concurrency, n, shm=shm))
                        rows.append((f"{kind} {'shm' if shm else 'tensors'}", concurrency, batching, result))
        threads = usable_cores()
        fp32 = OnnxSession(str(source / "yolox_nano" / "1" / "model.onnx"), gpu=0 if gpu else None, threads=threads)
        u8 = OnnxSession(str(source / "yolox_nano_u8" / "1" / "model.onnx"), gpu=0 if gpu else None, threads=threads)
        local_fp32 = in_process_p50(fp32, images, n)
        local_u8 = in_process_p50(u8, frames, n)
        sweep = in_process_sweep(fp32, images, n)
        sweep_u8 = in_process_sweep(u8, frames, n)

    def row(kind: str, concurrency: int, batching: str) -> dict[str, float]:
        return next(r for k, c, b, r in rows if k == kind and c == concurrency and b == batching)

    print(f"YOLOX-Nano 416x416, {'CUDA' if gpu else 'CPU'}, {threads} thread(s), {n} batch-1 requests per row\n")
    print("| input, transport | concurrency | batching | img/s | p50 ms | p95 ms |")
    print("|---|---|---|---|---|---|")
    for kind, concurrency, batching, r in rows:
        print(f"| {kind} | {concurrency} | {batching} | {r['rps']:.1f} | {r['p50']:.1f} | {r['p95']:.1f} |")
    print()
    print("in process (the server's session options), items/s by batch size:")
    print("| batch | " + " | ".join(str(b) for b in sweep) + " |")
    print("|---|" + "---|" * len(sweep))
    print("| FP32 | " + " | ".join(f"{v:.1f}" for v in sweep.values()) + " |")
    print("| UINT8 | " + " | ".join(f"{v:.1f}" for v in sweep_u8.values()) + " |")
    print(f"in-process batch-1 p50: FP32 {local_fp32:.1f} ms, UINT8 {local_u8:.1f} ms")
    print()
    for kind, local in (("FP32", local_fp32), ("UINT8", local_u8)):
        for transport in ("tensors", "shm"):
            served = row(f"{kind} {transport}", 1, "off")["p50"]
            print(
                f"serving overhead {kind} {transport}: served p50 {served:.1f} / in-process {local:.1f} = "
                f"{served / local:.2f}  (goal <= 1.1 with shm)"
            )
    best_local = max(max(sweep.values()), max(sweep_u8.values()))
    best_served = max(r["rps"] for _, c, _, r in rows if c == 8)
    best_name = next(f"{k}, batching {b}" for k, c, b, r in rows if c == 8 and r["rps"] == best_served)
    print(
        f"best served img/s at concurrency 8 ({best_name}) / best in-process over batch 1..8: "
        f"{best_served:.1f} / {best_local:.1f} = {best_served / best_local:.2f}  (goal >= 0.9)"
    )
    for kind in ("FP32 tensors", "FP32 shm", "UINT8 shm"):
        on, off = row(kind, 8, "on")["rps"], row(kind, 8, "off")["rps"]
        print(f"batching on / off at concurrency 8, {kind}: {on:.1f} / {off:.1f} = {on / off:.2f}  (goal >= 1.0)")


if __name__ == "__main__":
    main()
