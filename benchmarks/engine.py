"""The stream engine's decoding, side by side in one run (issue 13 item 8,
the part the first half can measure: there is no analysis stage yet).

1. **Decode alone ÷ `ffmpeg -f null`**: the same 1080p25 and 720p25 H.264
   clips decoded by PyAV (frame threads, no conversion) and by the `ffmpeg`
   command (`-f null -`, every frame decoded and dropped); frames per
   second each and the ratio (goal ≥ 0.9). Debian's `ffmpeg` and PyAV's
   bundled FFmpeg are different builds; the ratio says so where it matters.
2. **N live streams sustained**: N RTSP streams of a 1080p25 (or 720p25)
   clip from the real RTSP test server (tests/rtsp_server.py, the clip sent
   as it is, no re-encoding), opened by the engine (`StreamEngine` with
   `ASSIGNMENT` demands, the door the workers will use) and read by a
   consumer per stream at 5 fps through the frame hand-over, as the
   analysis stage will read them. For each N: the decoded rate per stream
   (by the frames' own clock, as `stream_stats.fps`), the consumer's frames
   missed (its slot reused before it read it), the engine process's RSS
   growth per stream, and its CPU. N is sustained when every stream decodes
   at ≥ 24 fps.

    python -m benchmarks.engine [--seconds 20] [--streams 1,2,4,8] [--size 1920x1080]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import av
import numpy as np
import psutil

from services.engine.repository import StatsReport, StreamSource
from services.engine.sources import ASSIGNMENT, StreamEngine
from services.media.live_source import Sampler, SourceOptions
from tests.conftest import free_port
from tests.rtsp_support import RtspServer, rtsp_available


def make_clip(path: Path, width: int, height: int, seconds: int, fps: int = 25) -> Path:
    """A moving H.264 clip (a bright square crossing a noisy background)."""
    rng = np.random.default_rng(3)
    background = rng.integers(40, 80, (height, width, 3), dtype=np.uint8)
    with av.open(str(path), "w") as out:
        stream = out.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.options = {"preset": "ultrafast", "g": str(fps)}
        side = height // 4
        for i in range(seconds * fps):
            pixels = background.copy()
            x = (i * 12) % (width - side)
            pixels[height // 3 : height // 3 + side, x : x + side] = 230
            for packet in stream.encode(av.VideoFrame.from_ndarray(pixels, format="rgb24")):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return path


def pyav_decode_fps(path: Path) -> float:
    start = time.perf_counter()
    frames = 0
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        for _ in container.decode(stream):
            frames += 1
    return frames / (time.perf_counter() - start)


def ffmpeg_decode_fps(path: Path, frames: int) -> float | None:
    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg is None:
        return None
    start = time.perf_counter()
    subprocess.run([ffmpeg, "-v", "error", "-i", str(path), "-f", "null", "-"], check=True)
    return frames / (time.perf_counter() - start)


class Sources:
    """A stand-in for the engine's repository: fixed addresses, stats kept."""

    def __init__(self, sources: dict[str, StreamSource]) -> None:
        self._sources = sources
        self.reports: dict[str, StatsReport] = {}

    def all(self) -> list[StreamSource]:
        return list(self._sources.values())

    def sources(self, ids: object) -> dict[str, StreamSource]:
        return {i: self._sources[i] for i in ids if i in self._sources}  # type: ignore[attr-defined]

    def write_stats(self, reports: list[StatsReport], reporter: str) -> None:
        for report in reports:
            self.reports[report.stream_id] = report


async def consume(engine: StreamEngine, source: StreamSource, seconds: float, out: dict[str, list[int]]) -> None:
    """Hold the stream for `seconds` and read it at 5 fps by reference."""
    async with engine.demand(source, ASSIGNMENT) as stream:
        sampler = Sampler(5)
        last = None
        read = missed = 0
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            ref = await stream.wait_frame(last, 1.0)
            if ref is None:
                continue
            last = ref
            if not sampler.take(ref.time):
                continue
            pixels = await asyncio.to_thread(stream.read, ref)
            if pixels is None:
                missed += 1
            else:
                read += 1
        out[source.stream_id] = [read, missed]


async def sustain(url: str, count: int, seconds: float) -> dict[str, float]:
    repo = Sources({f"s{i}": StreamSource(f"s{i}", 0, url) for i in range(count)})
    engine = StreamEngine(repo, SourceOptions(), report_seconds=1.0, linger_seconds=0.0)  # type: ignore[arg-type]
    process = psutil.Process()
    rss_before = process.memory_info().rss
    cpu_before = process.cpu_times()
    runner = asyncio.create_task(engine.run_forever())
    counts: dict[str, list[int]] = {}
    fps_samples: dict[str, list[float]] = {}
    peak_rss = rss_before

    async def sample() -> None:
        nonlocal peak_rss
        await asyncio.sleep(min(5.0, seconds / 3))  # connected and warm
        while True:
            for sid, stream in engine.open_streams().items():
                fps_samples.setdefault(sid, []).append(stream.stats().fps)
            peak_rss = max(peak_rss, process.memory_info().rss)
            await asyncio.sleep(1.0)

    sampler = asyncio.create_task(sample())
    start = time.perf_counter()
    await asyncio.gather(*(consume(engine, src, seconds, counts) for src in repo.all()))
    wall = time.perf_counter() - start
    sampler.cancel()
    cpu_after = process.cpu_times()
    await engine.close()
    runner.cancel()
    medians = [sorted(v)[len(v) // 2] for v in fps_samples.values() if v]
    worst = min(medians) if medians else 0.0
    read = sum(c[0] for c in counts.values())
    missed = sum(c[1] for c in counts.values())
    return {
        "streams": count,
        "worst_median_fps": worst,
        "missed_pct": 100.0 * missed / max(1, read + missed),
        "rss_per_stream_mib": (peak_rss - rss_before) / count / 2**20,
        "cpu_pct": 100.0 * ((cpu_after.user - cpu_before.user) + (cpu_after.system - cpu_before.system)) / wall,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=20.0, help="how long each N runs")
    parser.add_argument("--streams", default="1,2,4,8", help="stream counts to try")
    parser.add_argument("--size", default="1920x1080", help="size of the live streams")
    parser.add_argument(
        "--clip-seconds", type=int, default=30, help="longer than --seconds: a file mount ends with its clip"
    )
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="vigil-bench-engine-"))
    try:
        print("decode alone (frames/s): PyAV vs ffmpeg -f null, same file")
        print("| clip | PyAV | ffmpeg | PyAV / ffmpeg |")
        print("|---|---|---|---|")
        clips = {}
        for width, height in ((1920, 1080), (1280, 720)):
            clip = make_clip(work / f"clip{height}.mp4", width, height, args.clip_seconds)
            clips[f"{width}x{height}"] = clip
            frames = args.clip_seconds * 25
            ffmpeg_decode_fps(clip, frames)  # warm the page cache
            pyav = max(pyav_decode_fps(clip) for _ in range(2))
            ffmpeg = ffmpeg_decode_fps(clip, frames)
            ffmpeg = max(ffmpeg, ffmpeg_decode_fps(clip, frames) or 0) if ffmpeg else None
            ratio = f"{pyav / ffmpeg:.2f}" if ffmpeg else "(no ffmpeg command)"
            print(f"| {height}p25 | {pyav:.0f} | {ffmpeg or 0:.0f} | {ratio} |")
        if not rtsp_available():
            print("GStreamer's RTSP server is not installed: the live part is skipped")
            return
        counts = [int(n) for n in args.streams.split(",")]
        server = RtspServer(free_port(), ["--file", f"/clip={clips[args.size]}"])
        server.start()
        try:
            print(f"\nN live RTSP {args.size} 25 fps streams, engine + a 5 fps reader each, {args.seconds:.0f} s per N")
            print("| N | worst stream fps (median) | reader frames missed | RSS growth per stream | engine CPU |")
            print("|---|---|---|---|---|")
            for count in counts:
                result = asyncio.run(sustain(server.url("/clip"), count, args.seconds))
                print(
                    f"| {count} | {result['worst_median_fps']:.1f} | {result['missed_pct']:.2f} % "
                    f"| {result['rss_per_stream_mib']:.0f} MiB | {result['cpu_pct']:.0f} % |",
                    flush=True,
                )
        finally:
            server.stop()
        print(f"\n{os.cpu_count()} CPUs; load average {os.getloadavg()[0]:.1f} at the end")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
