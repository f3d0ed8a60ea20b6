"""FindFace archive processing through the real Envoy, on SQLite and
PostgreSQL: an archive whose clip shows the astronaut twice (two face
tracks, 1.5 s apart) is processed by the engine with the documented default
settings (face, body and car): queued/active -> finished with its counts,
the documented statistic and one face cluster (the same person twice);
processing again starts the counts over with no duplicate event; a run
paced to real time (`play_speed` 1) is active until stopped, refuses a new
source meanwhile, and stops; deleting the archive deletes its events."""

from __future__ import annotations

import time

import httpx
import numpy as np
import pytest

from tests.e2e.test_engine_live import wait_for
from tests.faces_support import FPS, H, W, clip_frames, make_clip

PLATFORM_ENV = {
    "VIGIL_ENGINE_LEASE_SECONDS": "5",
    "VIGIL_ENGINE_HEARTBEAT_SECONDS": "0.3",
}
STATISTIC_KEYS = {
    "processed_duration",
    "faces_posted",
    "faces_failed",
    "faces_not_posted",
    "processing_fps",
    "frames_dropped",
    "frames_processed",
    "frames_imotion_skipped",
    "decoding_soft_errors",
    "frame_width",
    "frame_height",
    "last_stream_timestamp",
    "objects",
    "job_starts",
}


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """The astronaut slides right (2 s), 1.5 s of empty floor, slides right again (2 s)."""
    gap = [np.full((H, W, 3), 128, np.uint8)] * int(1.5 * FPS)
    frames = clip_frames(seconds=2.0) + gap + clip_frames(seconds=2.0)
    return make_clip(tmp_path_factory.mktemp("clips") / "twice.mp4", frames).read_bytes()


def archive(http: httpx.Client, archive_id: int) -> dict:
    reply = http.get(f"/videos/{archive_id}/")
    assert reply.status_code == 200, reply.text
    return dict(reply.json())


def make_archive(http: httpx.Client, clip: bytes, **settings: object) -> int:
    body: dict = {"camera_group": 1, "name": "twice"}
    if settings:
        body["stream_settings"] = settings
    created = http.post("/videos/", json=body)
    assert created.status_code == 201, created.text
    archive_id = int(created.json()["id"])
    uploaded = http.put(
        f"/videos/{archive_id}/upload/source_file/", content=clip, headers={"Content-Type": "video/mp4"}
    )
    assert uploaded.status_code == 201, uploaded.text
    return archive_id


def events(http: httpx.Client, analytic: str) -> list[dict]:
    reply = http.get("/vigil/v1/events", params={"analytic_id": analytic, "page_size": 100})
    assert reply.status_code == 200, reply.text
    return list(reply.json()["events"])


def finish(http: httpx.Client, archive_id: int) -> tuple[list[dict], dict]:
    """Poll an archive being processed until it is finished: (what was seen, the last)."""
    seen: list[dict] = []
    deadline = time.monotonic() + 180
    while not seen or not seen[-1]["finished"]:
        assert time.monotonic() < deadline, seen[-1:]
        seen.append(archive(http, archive_id))
        assert seen[-1]["health_status"]["status"] != "ERROR", seen[-1]
        time.sleep(0.1)
    return seen, seen[-1]


@pytest.mark.slow
def test_process_counts_statistic_clusters_and_again(platform, http: httpx.Client, clip: bytes) -> None:
    archive_id = make_archive(http, clip)
    assert http.post(f"/videos/{archive_id}/process/").status_code == 200
    first = archive(http, archive_id)
    assert first["active"] is True and first["finished"] is False and first["processing_start_date"]
    seen, done = finish(http, archive_id)
    assert any(s["active"] and s["health_status"]["status"] in ("WAITING_FOR_SYNC", "INPROGRESS") for s in seen)
    assert (done["active"], done["queued"], done["finished"]) == (False, False, True)
    # Two face tracks of one person, her body in each appearance, no car.
    assert done["face_count"] == 2, done
    assert done["face_cluster_count"] == 1
    assert done["body_count"] >= 1 and done["car_count"] == 0, done
    assert (done["body_cluster_count"], done["car_cluster_count"]) == (None, None)
    health = done["health_status"]
    assert (health["enabled"], health["status"], health["code"], health["code_desc"]) == (
        False,
        "FINISHED",
        "green",
        "Video processing is finished",
    )
    stat = health["statistic"]
    assert set(stat) == STATISTIC_KEYS, stat
    assert stat["processed_duration"] == pytest.approx(done["source_len"], abs=0.25)
    assert stat["faces_posted"] == 2 and stat["job_starts"] == 1
    assert (stat["frame_width"], stat["frame_height"]) == (W, H)
    # 5.5 s analysed at 5 frames per second.
    assert 26 <= stat["frames_processed"] <= 29, stat
    assert stat["processing_fps"] > 0 and stat["last_stream_timestamp"] > 5
    assert (stat["frames_dropped"], stat["faces_failed"], stat["decoding_soft_errors"]) == (0, 0, 0)
    assert stat["objects"]["face"]["posted"] == 2 and stat["objects"]["car"]["posted"] == 0
    assert stat["objects"]["body"]["posted"] == done["body_count"]
    faces = [e for e in events(http, "FF-FACE") if e["type"] == "face_seen"]
    assert len(faces) == 2 and all(e["thumbnail_url"] for e in faces), faces
    stream_id = faces[0]["stream_id"]
    bodies = [e for e in events(http, "FF-BODY") if e["stream_id"] == stream_id]
    assert len(bodies) == done["body_count"] and {e["type"] for e in bodies} == {"body_seen"}
    # The list shows the same.
    listed = http.get("/videos/", params={"name": "twice", "limit": 100}).json()["results"]
    assert [(a["face_count"], a["face_cluster_count"]) for a in listed if a["id"] == archive_id] == [(2, 1)]

    # Processing again starts the counts over and stores nothing twice.
    assert http.post(f"/videos/{archive_id}/process/").status_code == 200
    _, again = finish(http, archive_id)
    assert (again["face_count"], again["face_cluster_count"], again["body_count"]) == (2, 1, done["body_count"])
    assert again["health_status"]["statistic"]["job_starts"] == 1
    assert len([e for e in events(http, "FF-FACE") if e["stream_id"] == stream_id]) == 2

    # A new source file: the last processing (of the old file) is forgotten.
    again_uploaded = http.put(
        f"/videos/{archive_id}/upload/source_file/", content=clip, headers={"Content-Type": "video/mp4"}
    )
    assert again_uploaded.status_code == 201, again_uploaded.text
    fresh = archive(http, archive_id)
    assert (fresh["face_count"], fresh["face_cluster_count"], fresh["finished"]) == (0, 0, False)
    assert fresh["health_status"]["statistic"] == {} and fresh["health_status"]["status"] == "DISABLED"
    assert not [e for e in events(http, "FF-FACE") if e["stream_id"] == stream_id]

    # Deleting the archive deletes its events (process it once more to have some).
    assert http.post(f"/videos/{archive_id}/process/").status_code == 200
    finish(http, archive_id)
    assert http.delete(f"/videos/{archive_id}/").status_code == 204
    gone = http.get("/vigil/v1/events", params={"stream_id": stream_id})
    assert gone.status_code == 404, gone.text


@pytest.mark.slow
def test_a_paced_run_is_active_until_stopped(platform, http: httpx.Client, clip: bytes) -> None:
    archive_id = make_archive(http, clip, play_speed=1, detectors={"body": None, "car": None})
    assert http.post(f"/videos/{archive_id}/process/").status_code == 200
    wait_for(lambda: archive(http, archive_id)["health_status"]["status"] == "INPROGRESS", seconds=60)
    running = archive(http, archive_id)
    assert (running["active"], running["queued"], running["finished"]) == (True, False, False)
    assert running["health_status"]["code"] == "green" and running["health_status"]["enabled"] is True
    busy = http.put(f"/videos/{archive_id}/upload/source_file/", content=clip, headers={"Content-Type": "video/mp4"})
    assert busy.status_code == 409 and "being processed" in busy.json()["desc"], busy.text
    wait_for(lambda: archive(http, archive_id)["health_status"]["statistic"]["processed_duration"] > 0, seconds=60)
    assert http.post(f"/videos/{archive_id}/stop/").status_code == 200
    stopped = archive(http, archive_id)
    assert (stopped["active"], stopped["queued"], stopped["finished"]) == (False, False, False)
    health = stopped["health_status"]
    assert (health["status"], health["code"], health["enabled"]) == ("DISABLED", "gray", False)
    assert "stop" in health["msg"]
    # Paced to real time: stopped well before the end of its 5.5 s.
    assert 0 < health["statistic"]["processed_duration"] < 4.5, health
    assert health["statistic"]["objects"] == {"face": {"posted": stopped["face_count"], "not_posted": 0}}
    time.sleep(1.0)  # the worker lost the job: nothing more is posted
    assert archive(http, archive_id)["health_status"]["statistic"] == health["statistic"]


def test_process_without_a_source_or_with_a_bad_roi(platform, http: httpx.Client, clip: bytes) -> None:
    created = http.post("/videos/", json={"camera_group": 1, "name": "empty"}).json()
    reply = http.post(f"/videos/{created['id']}/process/")
    assert reply.status_code == 409 and reply.json()["code"] == "CONFLICT", reply.text
    # A roi that is not WxH+X+Y is stored as sent (the document's request
    # example has "string") and refused when processing would apply it.
    body = {"camera_group": 1, "name": "x", "stream_settings": {"detectors": {"face": {"roi": "10x10"}}}}
    bad = http.post("/videos/", json=body)
    assert bad.status_code == 201, bad.text
    archive_id = bad.json()["id"]
    uploaded = http.put(
        f"/videos/{archive_id}/upload/source_file/", content=clip, headers={"Content-Type": "video/mp4"}
    )
    assert uploaded.status_code == 201, uploaded.text
    refused = http.post(f"/videos/{archive_id}/process/")
    assert refused.status_code == 400 and "roi must be WxH+X+Y" in refused.json()["desc"], refused.text
    assert archive(http, archive_id)["active"] is False
