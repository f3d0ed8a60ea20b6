"""The stream engine with analysis (issue 13 item 8, the analysis half),
side by side in one run on this machine.

N live H.264 RTSP streams (25 fps, from the real RTSP test server, the clip
sent as it is) are opened by the engine (`StreamEngine`, `ASSIGNMENT`
demands) and analysed by `NFV4-MPA` at 5 fps through the real stage
(`ObjectAnalysis`: the motion gate, YOLOX-Nano `yolox_nano_u8` through the
real inference service with its dynamic batcher, ByteTrack, a counting
line, events with thumbnails into an SQLite events store). Half the streams
show a person (scikit-image's astronaut) walking across the line and back,
half a still scene. A stage that is busy when a stream's next 5 fps sample
is due keeps it waiting and takes the newest frame when it comes free, as
the workers do; a due sample superseded by the next one before the stage
came free is dropped and counted.

Measured in the same run:

1. **decode alone**: PyAV (frame threads, no conversion) on the clip, frames/s;
2. **inference alone**: the inference service answering `detect_objects` on a
   frame of the clip from 4 concurrent callers (the engine's shape), images/s;
3. their **bound** in streams, both sharing the machine's cores:
   `1 / (25 / decode + 5 / inference)` (each stream costs 25 decoded frames
   and 5 detections a second);
4. for each N: the analysed samples per second ÷ `5 N` (1 - drops), the
   dropped samples, p95 from a frame's arrival to the end of its analysis
   (the events committed) for frames that gave events and for all frames,
   RSS growth per stream, CPU, and the mean batch the inference service's
   dynamic batcher made of the streams' concurrent detector calls (Triton's
   `nv_inference_count / nv_inference_exec_count`: the batching across
   streams); N is sustained with under 1 % dropped.
   The engine ÷ bound ratio is the largest sustained N ÷ the bound, and
   the analysed rate at the largest N tried ÷ the rate the bound allows.

    python -m benchmarks.engine_analysis [--seconds 30] [--streams 1,2,4,8] [--size 1920x1080]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import statistics
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

import av
import numpy as np
import psutil
from sqlalchemy.engine import Engine

from benchmarks.engine import Sources, pyav_decode_fps
from services.catalog import work
from services.db.engine import make_engine, migrate
from services.engine.analysers import EVENTS_APPENDED, FRAMES_GATED, ObjectAnalysis
from services.engine.repository import StreamSource
from services.engine.sources import ASSIGNMENT, OpenStream, StreamEngine
from services.events.store import EventStore
from services.inference_client import InferenceClient
from services.media.live_source import Sampler, SourceOptions
from services.vision import image as img
from services.vision.detectors import detect_objects
from tests.conftest import free_port
from tests.engine_support import work_item
from tests.inference_support import inference_server, model_repository, picture
from tests.rtsp_support import RtspServer, rtsp_available

FPS = 25
SAMPLE_FPS = 5
CONFIG: dict[str, Any] = {
    "object_confidence_threshold": 0.5,
    "sub_analytics": [
        {
            "name": "counting",
            "areas": [
                {"name": "Middle", "points": [{"x": 0.5, "y": 0.98}, {"x": 0.5, "y": 0.02}], "direction": "both"}
            ],
        }
    ],
}


def make_clip(path: Path, width: int, height: int, seconds: int, walking: bool) -> Path:
    """A grey floor with the astronaut walking across and back (or standing
    at the left when not `walking`), H.264 with a 1 s GOP."""
    person = picture("astronaut.png")
    side = height * 2 // 5
    thing = img.resize(person, side, side)
    rng = np.random.default_rng(5)
    floor = np.clip(128 + rng.normal(0, 6, (height, width, 3)), 0, 255).astype(np.uint8)
    left, right = width // 20, width - side - width // 20
    step = max(1, (right - left) // (4 * FPS))  # a crossing takes 4 s
    with av.open(str(path), "w") as out:
        stream = out.add_stream("libx264", rate=FPS)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.options = {"preset": "ultrafast", "g": str(FPS)}
        x, direction = left, 1
        for _ in range(seconds * FPS):
            canvas = floor.copy()
            canvas[height - side - height // 20 : height - height // 20, x : x + side] = thing
            if walking:
                x += direction * step
                if not left <= x <= right:
                    direction = -direction
                    x = min(max(x, left), right)
            for packet in stream.encode(av.VideoFrame.from_ndarray(canvas, format="rgb24")):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return path


def first_frame_rgb(path: Path) -> np.ndarray:
    with av.open(str(path)) as container:
        for frame in container.decode(video=0):
            return np.asarray(frame.to_ndarray(format="rgb24"))
    raise ValueError("no frame")


async def inference_alone(target: str, frame: np.ndarray, seconds: float, callers: int = 4) -> float:
    """Images per second the inference service answers `detect_objects`
    (letterbox here, the model there, decode here) from `callers` at once."""
    done = 0
    async with InferenceClient(target) as client:
        await detect_objects(client, frame)  # warm
        deadline = time.monotonic() + seconds

        async def caller() -> None:
            nonlocal done
            while time.monotonic() < deadline:
                await detect_objects(client, frame)
                done += 1

        start = time.perf_counter()
        await asyncio.gather(*(caller() for _ in range(callers)))
        return done / (time.perf_counter() - start)


def batch_counts(metrics_port: int) -> tuple[float, float]:
    """(inferences, model executions) of yolox_nano_u8 from the inference
    service's Triton metrics: their ratio is the mean batch the dynamic
    batcher made of the streams' concurrent requests."""
    with urllib.request.urlopen(f"http://127.0.0.1:{metrics_port}/metrics", timeout=10) as reply:
        text = reply.read().decode()
    values = {}
    for name in ("nv_inference_count", "nv_inference_exec_count"):
        found = re.search(rf'^{name}{{[^}}]*model="yolox_nano_u8"[^}}]*}} ([0-9.e+]+)$', text, re.MULTILINE)
        values[name] = float(found.group(1)) if found else 0.0
    return values["nv_inference_count"], values["nv_inference_exec_count"]


class Tally:
    """What one stream's analysis did."""

    def __init__(self) -> None:
        self.due = 0
        self.analysed = 0
        self.dropped = 0
        self.latency: list[float] = []
        self.event_latency: list[float] = []


async def analyse_stream(
    engine: StreamEngine, analysis: ObjectAnalysis, item: work.WorkItem, source: Any, seconds: float, warm: float
) -> Tally:
    tally = Tally()
    busy: asyncio.Task[None] | None = None
    appended = EVENTS_APPENDED.labels(item.stream_id, item.analytic_id)

    async def run(stream: OpenStream, ref: Any, arrived: float, counting: bool) -> None:
        before = appended._value.get()
        await analysis.analyse(item, CONFIG, stream, ref)
        took = time.monotonic() - arrived
        if counting:
            tally.analysed += 1
            tally.latency.append(took)
            if appended._value.get() > before:
                tally.event_latency.append(took)

    async with engine.demand(source, ASSIGNMENT) as stream:
        sampler = Sampler(SAMPLE_FPS)
        last = None
        waiting: tuple[float, bool] | None = None  # a due sample the busy stage has not taken yet

        def start(ref: Any, arrived: float, counting: bool) -> asyncio.Task[None]:
            task = asyncio.create_task(run(stream, ref, arrived, counting))
            task.add_done_callback(lambda _: take_waiting())
            return task

        def take_waiting() -> None:
            # As the workers do: a stage that comes free takes the newest frame.
            nonlocal busy, waiting
            if waiting is not None and stream.latest is not None:
                arrived, counting = waiting
                waiting = None
                busy = start(stream.latest, arrived, counting)

        start_time = time.monotonic()
        while time.monotonic() - start_time < seconds:
            ref = await stream.wait_frame(last, 1.0)
            if ref is None:
                continue
            arrived = time.monotonic()
            last = ref
            if not sampler.take(ref.time):
                continue
            counting = arrived - start_time >= warm
            tally.due += counting
            if busy is not None and not busy.done():
                if waiting is not None:
                    tally.dropped += waiting[1]  # superseded by a newer sample before the stage was free
                waiting = (arrived, counting)
                continue
            busy = start(ref, arrived, counting)
        waiting = None
        if busy is not None:
            await busy
    return tally


async def sustain(urls: list[str], target: str, database: Engine, data: Path, seconds: float) -> dict[str, float]:
    count = len(urls)
    repo = Sources({f"s{i}": StreamSource(f"s{i}", 0, url) for i, url in enumerate(urls)})
    engine = StreamEngine(repo, SourceOptions(), report_seconds=1.0, linger_seconds=0.0)  # type: ignore[arg-type]
    process = psutil.Process()
    rss_before = process.memory_info().rss
    peak_rss = rss_before
    warm = min(5.0, seconds / 3)
    runner = asyncio.create_task(engine.run_forever())
    async with InferenceClient(target) as client:
        analysis = ObjectAnalysis(client, EventStore(database, data))
        gated_before = sum(FRAMES_GATED.labels(f"s{i}", "NFV4-MPA")._value.get() for i in range(count))

        async def watch_rss() -> None:
            nonlocal peak_rss
            while True:
                peak_rss = max(peak_rss, process.memory_info().rss)
                await asyncio.sleep(1.0)

        watcher = asyncio.create_task(watch_rss())
        cpu_before = process.cpu_times()
        system_before = psutil.cpu_times()
        start = time.perf_counter()
        tallies = await asyncio.gather(
            *(
                analyse_stream(
                    engine,
                    analysis,
                    work_item("NFV4-MPA", src.stream_id, CONFIG, work_id=i + 1, seat=i + 1),
                    src,
                    seconds,
                    warm,
                )
                for i, src in enumerate(repo.all())
            )
        )
        wall = time.perf_counter() - start
        cpu_after = process.cpu_times()
        system_after = psutil.cpu_times()
        watcher.cancel()
        gated = sum(FRAMES_GATED.labels(f"s{i}", "NFV4-MPA")._value.get() for i in range(count)) - gated_before
    await engine.close()
    runner.cancel()
    due = sum(t.due for t in tallies)
    analysed = sum(t.analysed for t in tallies)
    dropped = sum(t.dropped for t in tallies)
    latency = sorted(x for t in tallies for x in t.latency)
    events = sorted(x for t in tallies for x in t.event_latency)
    busy = sum(getattr(system_after, f) - getattr(system_before, f) for f in ("user", "system", "nice"))
    return {
        "streams": count,
        "due": due,
        "analysed_rate": analysed / max(1.0, wall - warm),
        "analysed_share": analysed / max(1, due),
        "dropped_pct": 100.0 * dropped / max(1, due),
        "gated_pct": 100.0 * gated / max(1, analysed),
        "p95_ms": 1e3 * _p95(latency),
        "event_p95_ms": 1e3 * _p95(events),
        "events": len(events),
        "rss_per_stream_mib": (peak_rss - rss_before) / count / 2**20,
        "engine_cpu_pct": 100.0 * ((cpu_after.user - cpu_before.user) + (cpu_after.system - cpu_before.system)) / wall,
        "machine_cpu_pct": 100.0 * busy / wall,
    }


def _p95(values: list[float]) -> float:
    if not values:
        return float("nan")
    return values[min(len(values) - 1, round(0.95 * (len(values) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=30.0, help="how long each N runs")
    parser.add_argument("--streams", default="1,2,4,8", help="stream counts to try")
    parser.add_argument("--size", default="1920x1080", help="size of the streams")
    parser.add_argument("--no-gate", action="store_true", help="turn the motion gate off (detect every sample)")
    args = parser.parse_args()
    CONFIG["motion_gate"] = not args.no_gate
    if not rtsp_available():
        print("GStreamer's RTSP server is not installed: nothing to measure")
        return
    width, height = (int(v) for v in args.size.split("x"))
    work_dir = Path(tempfile.mkdtemp(prefix="vigil-bench-analysis-"))
    clip_seconds = int(args.seconds) + 15  # a file mount ends with its clip
    try:
        walk = make_clip(work_dir / "walk.mp4", width, height, clip_seconds, walking=True)
        still = make_clip(work_dir / "still.mp4", width, height, clip_seconds, walking=False)
        decode = statistics.median(pyav_decode_fps(walk) for _ in range(2))
        url = f"sqlite:///{work_dir / 'events.db'}"
        migrate(url)
        database = make_engine(url)
        with inference_server(model_repository(), work_dir, load="yolox_nano_u8") as inference:
            infer = asyncio.run(inference_alone(inference.target, first_frame_rgb(walk), 15.0))
            bound = 1.0 / (FPS / decode + SAMPLE_FPS / infer)
            gate = "off" if args.no_gate else "on"
            print(
                f"{args.size} 25 fps H.264, NFV4-MPA at {SAMPLE_FPS} fps, "
                f"motion gate {gate}, {args.seconds:.0f} s per N"
            )
            print(
                f"decode alone {decode:.0f} frames/s, inference alone {infer:.1f} images/s: "
                f"bound {bound:.1f} streams (both on the same cores)"
            )
            server = RtspServer(free_port(), ["--file", f"/walk={walk}", "--file", f"/still={still}"])
            server.start()
            results = []
            try:
                print(
                    "| N | analysed ÷ due | dropped | gated | mean detector batch | p95 arrival→events (event frames) "
                    "| p95 all frames | RSS per stream | engine CPU | machine CPU |"
                )
                print("|---|---|---|---|---|---|---|---|---|---|")
                for count in (int(n) for n in args.streams.split(",")):
                    urls = [server.url("/walk" if i % 2 == 0 else "/still") for i in range(count)]
                    count_before, exec_before = batch_counts(inference.metrics_port)
                    result = asyncio.run(sustain(urls, inference.target, database, work_dir, args.seconds))
                    count_after, exec_after = batch_counts(inference.metrics_port)
                    result["mean_batch"] = (count_after - count_before) / max(1.0, exec_after - exec_before)
                    results.append(result)
                    print(
                        f"| {count} | {result['analysed_share']:.3f} | {result['dropped_pct']:.2f} % "
                        f"| {result['gated_pct']:.0f} % | {result['mean_batch']:.2f} "
                        f"| {result['event_p95_ms']:.0f} ms ({result['events']}) "
                        f"| {result['p95_ms']:.0f} ms | {result['rss_per_stream_mib']:.0f} MiB "
                        f"| {result['engine_cpu_pct']:.0f} % | {result['machine_cpu_pct']:.0f} % |",
                        flush=True,
                    )
            finally:
                server.stop()
        sustained = [r["streams"] for r in results if r["dropped_pct"] < 1.0]
        best = max(sustained) if sustained else 0
        last = results[-1]
        allowed = SAMPLE_FPS * min(last["streams"], bound)
        print(
            f"\nlargest N sustained (< 1 % dropped): {best}; ÷ bound {bound:.1f} = {best / bound:.2f}; "
            f"analysed rate at N={last['streams']:.0f} ÷ what the bound allows = {last['analysed_rate'] / allowed:.2f}"
        )
        print(f"{os.cpu_count()} CPUs; load average {os.getloadavg()[0]:.1f} at the end")
    finally:
        shutil.rmtree(work_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
