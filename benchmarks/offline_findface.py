"""FindFace archive processing (issue 14 item 5, the FindFace half) on this
machine: a 1080p25 H.264 file (the astronaut walking across a floor and
back, made here as benchmarks/engine_analysis.py makes its clip) processed
as fast as possible (`play_speed` -1) with the documented default
`stream_settings` (face, body and car detectors), by the engine's real
offline worker (services/engine/offline.py: one PyAV decode feeding the
`FF-FACE`, `FF-BODY` and `FF-CAR` stages at 5 fps each; YuNet, SFace and
YOLOX-Nano through the real inference service; events into SQLite).

Measured in the same run:

1. **decode alone**: PyAV (frame threads, no conversion) on the file, frames/s;
2. **inference alone**: the model calls of one sampled frame as the job makes
   them, one frame after another (YuNet, then YOLOX-Nano, whose detections
   serve bodies and cars), on a frame of the file, frames/s; measured before and
   after the end-to-end run, the faster kept;
3. their **bound** as a realtime factor, both sharing the machine's cores,
   the bound of benchmarks/engine_analysis.py for one stream:
   `1 / (25 / decode + 5 / inference)` (each second of video costs 25
   decoded frames and 5 analysed ones);
4. **end to end**: seconds of video ÷ wall seconds from `process/`'s rows to
   the job done (the realtime factor), and its ratio to the bound.

    python -m benchmarks.offline_findface [--seconds 20] [--size 1920x1080]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import av
import numpy as np
from sqlmodel import Session

from benchmarks.engine import pyav_decode_fps
from benchmarks.engine_analysis import FPS, first_frame_rgb, make_clip
from services.catalog import work
from services.db.engine import make_engine, migrate
from services.db.models import Stream, Video, utcnow
from services.engine import findface
from services.engine.dispatch import Analysers
from services.engine.faces import FaceAnalysis, FaceModels, GalleryCache
from services.engine.findface import ObjectPosting
from services.engine.offline import OfflineWorker
from services.events.store import EventStore
from services.inference_client import InferenceClient
from services.uploads.findface_jobs import SAMPLE_FPS, ArchiveJobs
from services.uploads.library import VideoLibrary
from services.vision.detectors import detect_faces, detect_objects
from tests.inference_support import inference_server, model_repository


def duration_of(path: Path) -> float:
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        assert stream.duration is not None and stream.time_base is not None
        return float(stream.duration * stream.time_base)


async def inference_alone(target: str, frame: np.ndarray, seconds: float) -> float:
    """Sampled frames per second the inference service answers, with the
    job's calls for each frame (faces, then objects for bodies and cars)."""
    done = 0
    async with InferenceClient(target) as client:
        await detect_faces(client, frame)  # warm
        await detect_objects(client, frame)
        start = time.perf_counter()
        while time.perf_counter() - start < seconds:
            await detect_faces(client, frame)
            await detect_objects(client, frame)  # bodies and cars share it
            done += 1
        return done / (time.perf_counter() - start)


def add_archive(url: str, clip: Path) -> tuple[Video, Any]:
    """An archive of the clip with the documented default settings, queued."""
    database = make_engine(url)
    now = utcnow()
    stream = Stream(
        stream_id=str(uuid.uuid4()),
        reference=clip.as_uri(),
        offline_mode=True,
        custom_data={"offline_mode": True},
        create_time=now,
        last_update_time=now,
    )
    video = Video(
        video_id="bench",
        name="bench",
        file_path=str(clip),
        duration=duration_of(clip),
        started_at=now,
        stream_id=stream.stream_id,
        stream_settings=VideoLibrary.default_stream_settings(),
        created_at=now,
        updated_at=now,
    )
    with Session(database) as session:
        session.add(stream)
        session.add(video)
        session.commit()
        session.refresh(video)
    return video, database


async def end_to_end(target: str, url: str, clip: Path, data: Path) -> dict[str, float]:
    """Process the clip as an archive: wall seconds, events and the job's statistic."""
    video, database = add_archive(url, clip)
    store = EventStore(database, data)
    ArchiveJobs(database, store).queue(video)
    async with InferenceClient(target) as client:
        models = FaceModels(client)
        posting = ObjectPosting(client, store)
        analyser = Analysers(
            {
                findface.FACE: FaceAnalysis(
                    models, store, GalleryCache(lambda: []), analytic_id=findface.FACE, recognise=False
                ),
                findface.BODY: posting,
                findface.CAR: posting,
            }
        )
        worker = OfflineWorker(database, analyser, store, heartbeat_seconds=1.0)
        start = time.perf_counter()
        assert await worker.step(), "no job"
        wall = time.perf_counter() - start
    with Session(database) as session:
        video = session.get(Video, video.id) or video  # with the statistic the worker wrote
    view = ArchiveJobs(database, store).views([video])[video.id or 0]
    assert view.state == work.JOB_DONE, view
    duration = float(video.duration or 0.0)
    return {
        "wall": wall,
        "duration": duration,
        "rtf": duration / wall,
        "faces": view.counts.get("face", 0),
        "bodies": view.counts.get("body", 0),
        "cars": view.counts.get("car", 0),
        "clusters": view.face_clusters,
        "frames_processed": int(view.statistic.get("frames_processed", 0)),
    }


def measure(seconds: int = 20, size: str = "1920x1080", work_dir: Path | None = None) -> dict[str, float]:
    """One run: decode alone, inference alone, their bound and end to end."""
    width, height = (int(v) for v in size.split("x"))
    own = work_dir is None
    work_dir = work_dir or Path(tempfile.mkdtemp(prefix="vigil-bench-findface-"))
    try:
        clip = make_clip(work_dir / "walk.mp4", width, height, seconds, walking=True)
        decode = statistics.median(pyav_decode_fps(clip) for _ in range(2))
        url = f"sqlite:///{work_dir / 'bench.db'}"
        migrate(url)
        with inference_server(model_repository(), work_dir, load="yunet,sface,yolox_nano_u8") as inference:
            frame = first_frame_rgb(clip)
            # Before and after the run; the faster of the two (a shared machine's
            # load only ever slows it down, so the bound stays a bound).
            before = asyncio.run(inference_alone(inference.target, frame, 10.0))
            result = asyncio.run(end_to_end(inference.target, url, clip, work_dir))
            infer = max(before, asyncio.run(inference_alone(inference.target, frame, 10.0)))
        bound = 1.0 / (FPS / decode + SAMPLE_FPS / infer)
        return result | {
            "decode_fps": decode,
            "inference_fps": infer,
            "bound_rtf": bound,
            "ratio": result["rtf"] / bound,
        }
    finally:
        if own:
            shutil.rmtree(work_dir, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=20, help="length of the clip")
    parser.add_argument("--size", default="1920x1080", help="frame size of the clip")
    args = parser.parse_args()
    r = measure(args.seconds, args.size)
    print(f"{args.size} 25 fps H.264, {r['duration']:.1f} s, FindFace face+body+car at {SAMPLE_FPS:.0f} fps")
    print(
        f"decode alone {r['decode_fps']:.0f} frames/s, inference alone {r['inference_fps']:.1f} frames/s "
        f"(faces + bodies + cars): bound {r['bound_rtf']:.2f}x real time"
    )
    print(
        f"end to end {r['wall']:.1f} s: {r['rtf']:.2f}x real time, ÷ bound = {r['ratio']:.2f}; "
        f"{r['frames_processed']} frames analysed; posted {r['faces']} faces ({r['clusters']} clusters), "
        f"{r['bodies']} bodies, {r['cars']} cars"
    )
    print(f"{os.cpu_count()} CPUs; load average {os.getloadavg()[0]:.1f} at the end")


if __name__ == "__main__":
    main()
