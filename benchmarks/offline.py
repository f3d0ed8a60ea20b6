"""Offline video jobs (issue 14 item 5), side by side in one run on this
machine, through the real platform.

A 1080p25 H.264 file made here (`benchmarks.engine_analysis.make_clip`: the
astronaut walking across a counting line and back on a noisy floor, x264
`ultrafast`, 1 s GOP; 60 s by default) is uploaded through the REST edge
(`vigil run` on free ports, SQLite, Lenz chunked upload), `NFV4-MPA` is
assigned to its `offline_mode` stream at 5 fps with a counting line, and the
engine's offline worker analyses it (PyAV decode in a thread, the motion
gate, YOLOX-Nano through the platform's inference service, ByteTrack,
events into the store) until the job is `done`.

Measured in the same run, on the same machine:

1. **end to end**: the job's run time, from its work row's `started_at` to
   its `finished_at` (the worker's own clock, in the database), and the
   **realtime factor** = the video's duration ÷ that time;
2. **decode alone**: PyAV (frame threads, no conversion) on the file,
   frames/s (`benchmarks.engine.pyav_decode_fps`);
3. **inference alone**: the platform's inference service answering
   `detect_objects` on a frame of the file from 4 concurrent callers,
   images/s (`benchmarks.engine_analysis.inference_alone`);
4. their **bound**, the definition of `benchmarks/engine_analysis.py`
   (both stages on the same cores): `1 / (25 / decode + 5 / inference)`
   video seconds per second, i.e. the realtime factor the machine allows,
   measured right before and right after the jobs (their mean);
5. **end to end ÷ bound**.

The FindFace face+body+car processing of the same file is measured by
`findface_measurement` (`benchmarks/offline_findface.py`), after the
platform has stopped.

    python -m benchmarks.offline [--seconds 60] [--size 1920x1080] [--rounds 1] [--no-findface]
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import shutil
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import psutil
from sqlmodel import Session, select

from benchmarks import offline_findface
from benchmarks.engine import pyav_decode_fps
from benchmarks.engine_analysis import first_frame_rgb, inference_alone, make_clip
from services.db.engine import make_engine
from services.db.models import Work
from tests.conftest import free_port, http_client
from tests.e2e.uploads_client import upload_file
from tests.platform_launcher import RunningPlatform, start_platform

FPS = 25
SAMPLE_FPS = 5
CHUNK = 8 << 20
CONFIG: dict[str, Any] = {
    "sample_fps": SAMPLE_FPS,
    "object_confidence_threshold": 0.5,
    "sub_analytics": [
        {
            "name": "counting",
            "is_active": True,
            "areas": [
                {"name": "Middle", "points": [{"x": 0.5, "y": 0.98}, {"x": 0.5, "y": 0.02}], "direction": "both"}
            ],
        }
    ],
}
PLATFORM_ENV = {
    "VIGIL_OFFLINE_SCHEDULE_DELAY_SECONDS": "0.5",
    "VIGIL_ENGINE_HEARTBEAT_SECONDS": "1",
    "VIGIL_RTSP_ENABLED": "false",
    "VIGIL_UPLOAD_MAX_BYTES": str(1 << 40),
}


def upload(http: httpx.Client, path: Path, name: str) -> tuple[str, str]:
    """(video_id, stream_id) of the file uploaded in 8 MiB chunks."""
    data = path.read_bytes()
    video_id = upload_file(
        http, data, n=max(1, math.ceil(len(data) / CHUNK)), filename=name, query="?auto_stream=false"
    )["video_id"]
    streams = http.get("/streams/0").json()["streams"]
    (stream,) = [s for s in streams if s["stream_custom_data"].get("video_id") == video_id]
    return video_id, stream["stream_id"]


def job_of(http: httpx.Client, video_id: str) -> dict[str, Any]:
    reply = http.get(f"/api/visionaire-media/0/videos/{video_id}")
    reply.raise_for_status()
    return dict(reply.json()["data"]["video"]["job"])


def run_job(platform: RunningPlatform, http: httpx.Client, stream_id: str, video_id: str) -> dict[str, Any]:
    """Assign NFV4-MPA (or schedule it again), wait for `done`, and return
    the job, its run time from the work row and the engine's CPU."""
    engine = platform.child("services.engine")
    if job_of(http, video_id)["state"] == "idle":
        reply = http.post(f"/api/visionaire/pipeline/node-000/{stream_id}/NFV4-MPA", json=CONFIG)
    else:
        reply = http.post(f"/vigil/v1/videos/{video_id}/schedule")
    reply.raise_for_status()
    cpu_before = engine.cpu_times()
    system_before = psutil.cpu_times()
    wall_before = time.perf_counter()
    deadline = time.monotonic() + 1800
    while (job := job_of(http, video_id))["state"] not in ("done", "failed", "cancelled"):
        if time.monotonic() > deadline:
            raise TimeoutError(f"the job did not end: {job}")
        time.sleep(0.2)
    wall = time.perf_counter() - wall_before
    cpu_after = engine.cpu_times()
    system_after = psutil.cpu_times()
    database = make_engine(platform.env["VIGIL_DATABASE_URL"])
    try:
        with Session(database) as session:
            row = session.exec(select(Work).where(Work.stream_id == stream_id)).one()
            assert row.started_at is not None and row.finished_at is not None
            took = (row.finished_at - row.started_at).total_seconds()
    finally:
        database.dispose()
    busy = sum(getattr(system_after, f) - getattr(system_before, f) for f in ("user", "system", "nice"))
    engine_cpu = (cpu_after.user - cpu_before.user) + (cpu_after.system - cpu_before.system)
    return {
        "job": job,
        "seconds": took,
        "engine_cpu_pct": 100.0 * engine_cpu / wall,
        "machine_cpu_pct": 100.0 * busy / wall,
    }


def measure_bound(platform: RunningPlatform, clip: Path, frame: Any) -> float:
    """Decode alone and inference alone now, and their bound in video
    seconds per second (`1 / (25 / decode + 5 / inference)`)."""
    decode = statistics.median(pyav_decode_fps(clip) for _ in range(2))
    infer = asyncio.run(inference_alone(platform.grpc_target("inference"), frame, 15.0))
    bound = 1.0 / (FPS / decode + SAMPLE_FPS / infer)
    print(
        f"decode alone {decode:.0f} frames/s, inference alone {infer:.1f} images/s (4 callers): "
        f"bound {bound:.2f}x realtime",
        flush=True,
    )
    return bound


def findface_measurement(seconds: int, size: str) -> dict[str, float]:
    """The FindFace face+body+car processing of the same kind of file (issue
    14 item 5, second half), by `benchmarks/offline_findface.py`: the
    engine's offline worker with its own inference service, decode alone,
    inference alone and their bound measured in the same run. Called after
    the platform has stopped, so the two measurements do not share cores."""
    return offline_findface.measure(seconds, size)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=60, help="length of the video")
    parser.add_argument("--size", default="1920x1080", help="frame size")
    parser.add_argument("--rounds", type=int, default=1, help="runs of the job (the best is reported)")
    parser.add_argument("--no-gate", action="store_true", help="turn the motion gate off (detect every sample)")
    parser.add_argument("--no-findface", action="store_true", help="skip the FindFace processing measurement")
    args = parser.parse_args()
    CONFIG["motion_gate"] = not args.no_gate
    width, height = (int(v) for v in args.size.split("x"))
    work_dir = Path(tempfile.mkdtemp(prefix="vigil-bench-offline-"))
    try:
        clip = make_clip(work_dir / "gudang-1080p.mp4", width, height, args.seconds, walking=True)
        size_mib = clip.stat().st_size / 2**20
        (work_dir / "data").mkdir()
        platform = start_platform(f"sqlite:///{work_dir / 'vigil.db'}", work_dir / "data", free_port, PLATFORM_ENV)
        try:
            with http_client(platform, timeout=120) as http:
                video_id, stream_id = upload(http, clip, clip.name)
                duration = float(
                    http.get(f"/api/visionaire-media/0/videos/{video_id}").json()["data"]["video"]["duration"]
                )
                print(
                    f"{args.size} {FPS} fps H.264, {duration:.1f} s, {size_mib:.1f} MiB; NFV4-MPA at {SAMPLE_FPS} fps, "
                    f"motion gate {'off' if args.no_gate else 'on'}; {os.cpu_count()} CPUs",
                    flush=True,
                )
                # Decode alone and inference alone, the same file, the same
                # platform (its inference service), right before and right
                # after the jobs: the bound is their mean, so a load that
                # changes during the run weighs on both sides alike.
                frame = first_frame_rgb(clip)
                bounds = [measure_bound(platform, clip, frame)]
                runs = []
                for _ in range(args.rounds):
                    run = run_job(platform, http, stream_id, video_id)
                    runs.append(run)
                    job = run["job"]
                    print(
                        f"job {job['state']} in {run['seconds']:.2f} s: {duration / run['seconds']:.2f}x realtime, "
                        f"{job['event_count']} events, processed {job['processed_duration']:.1f} s, "
                        f"engine CPU {run['engine_cpu_pct']:.0f} %, machine CPU {run['machine_cpu_pct']:.0f} % "
                        f"{job['error']}",
                        flush=True,
                    )
                bounds.append(measure_bound(platform, clip, frame))
                bound = statistics.mean(bounds)
                factor = duration / min(r["seconds"] for r in runs)
                print(
                    f"realtime factor {factor:.2f}x (goal >= 5x); bound {bound:.2f}x (before {bounds[0]:.2f}, "
                    f"after {bounds[1]:.2f}); end to end ÷ bound {factor / bound:.2f} (goal >= 0.9)"
                )
        finally:
            code = platform.stop()
            if code != 0:
                print(f"the platform stopped with {code}: {platform.log.read_text()[-2000:]}")
        if not args.no_findface:
            ff = findface_measurement(args.seconds, args.size)
            print(
                f"FindFace face+body+car: {ff['rtf']:.2f}x realtime; decode alone {ff['decode_fps']:.0f} frames/s, "
                f"inference alone {ff['inference_fps']:.1f} frames/s, bound {ff['bound_rtf']:.2f}x; "
                f"end to end ÷ bound {ff['ratio']:.2f}; posted {ff['faces']:.0f} faces, {ff['bodies']:.0f} bodies, "
                f"{ff['cars']:.0f} cars"
            )
        print(f"load average {os.getloadavg()[0]:.1f} at the end")
    finally:
        shutil.rmtree(work_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
