"""Lenz offline video jobs through the real Envoy, on SQLite and
PostgreSQL: the astronaut clip (tests/unit/test_people_counting_clip.py,
a walk right, back, right across the middle) is uploaded; NFV4-MPA is
assigned to its `offline_mode` stream with a counting line on the middle;
the job goes idle (the schedule delay) -> scheduled -> running -> done with
its progress rising, a second assignment while it is scheduled or running
is refused (409), and the video's events are exactly in, out, in at the
recording's time. Scheduling it again stores nothing twice; cancel works;
deleting the video deletes its events; a job whose file was deleted fails
with a clear reason; `kill -9` of the engine mid-job resumes the job from
its checkpoint with every event stored once."""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from pathlib import Path
from unittest import mock

import httpx
import pytest
from sqlmodel import Session, select

from services.db.engine import make_engine
from services.db.models import Work
from tests.e2e.test_catalog import lenz_error
from tests.e2e.test_engine_analysis import CONFIG as ENGINE_CONFIG
from tests.e2e.test_engine_analysis import pipeline
from tests.e2e.test_engine_live import wait_for
from tests.e2e.uploads_client import upload_file
from tests.media import make_sparse_frames
from tests.unit import test_people_counting_clip as people_clip
from tests.unit.test_people_counting_clip import make_clip

PLATFORM_ENV = {
    "VIGIL_OFFLINE_SCHEDULE_DELAY_SECONDS": "1.5",
    "VIGIL_ENGINE_LEASE_SECONDS": "5",
    "VIGIL_ENGINE_HEARTBEAT_SECONDS": "0.3",
}
BASE = "/api/visionaire-media/0/videos"
# The live engine test's people counting, without its event rule: these
# tests count the crossings alone.
CONFIG = {key: value for key, value in ENGINE_CONFIG.items() if key != "rules"}
JOB_KEYS = {"state", "progress", "processed_duration", "event_count", "error", "scheduled_for"}


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    path = tmp_path_factory.mktemp("clips") / "walks.mp4"
    make_clip(path, "astronaut.png")
    return path.read_bytes()


def upload(http: httpx.Client, data: bytes, name: str) -> tuple[str, str]:
    """(video_id, stream_id) of an uploaded video."""
    video_id = upload_file(http, data, filename=name, query="?auto_stream=false")["video_id"]
    streams = http.get("/streams/0").json()["streams"]
    (stream,) = [s for s in streams if s["stream_custom_data"].get("video_id") == video_id]
    return video_id, stream["stream_id"]


def detail(http: httpx.Client, video_id: str) -> dict:
    reply = http.get(f"{BASE}/{video_id}")
    assert reply.status_code == 200, reply.text
    return dict(reply.json()["data"]["video"])


def events_of(http: httpx.Client, stream_id: str) -> list[dict]:
    reply = http.get("/vigil/v1/events", params={"stream_id": stream_id, "page_size": 100})
    assert reply.status_code == 200, reply.text
    return sorted(reply.json()["events"], key=lambda e: e["attributes"]["frame_time"])


def when(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


@pytest.mark.slow
def test_an_uploaded_video_is_analysed_once_with_its_own_times(platform, http: httpx.Client, clip: bytes) -> None:
    video_id, stream_id = upload(http, clip, "gudang.mp4")
    video = detail(http, video_id)
    assert video["job"] == {
        "state": "idle",
        "progress": 0,
        "processed_duration": 0,
        "event_count": 0,
        "error": "",
        "scheduled_for": "",
    }
    assigned = http.post(pipeline(stream_id, "NFV4-MPA"), json=CONFIG)
    assert assigned.status_code == 200, assigned.text
    seen: list[dict] = []
    refused = False
    deadline = time.monotonic() + 180
    while not seen or seen[-1]["state"] not in ("done", "failed"):
        assert time.monotonic() < deadline, seen[-3:]
        job = detail(http, video_id)["job"]
        assert set(job) == JOB_KEYS
        seen.append(job)
        if job["state"] in ("scheduled", "running") and not refused:
            message = lenz_error(http.post(pipeline(stream_id, "NFV4-MVA"), json={}), 409)
            assert video_id in message and "cancel its schedule first" in message, message
            refused = True
        time.sleep(0.05)
    states = [j["state"] for j in seen]
    assert seen[0]["state"] == "idle" and seen[0]["scheduled_for"], seen[0]
    order = ["idle", "scheduled", "running", "done"]
    assert [order.index(s) for s in states] == sorted(order.index(s) for s in states), states
    assert "running" in states and refused
    progress = [j["progress"] for j in seen]
    assert progress == sorted(progress) and 0 < max(p for p in progress if p < 100) < 100, progress
    done = seen[-1]
    assert done["state"] == "done" and done["progress"] == 100 and done["error"] == ""
    assert done["processed_duration"] == pytest.approx(video["duration"], abs=0.3)
    assert done["event_count"] == 3
    events = events_of(http, stream_id)
    assert [e["type"] for e in events] == ["line_in", "line_out", "line_in"], events
    started = when(video["started_at"])
    for event in events:
        assert event["analytic_id"] == "NFV4-MPA" and event["label"] == "person"
        offset = timedelta(seconds=event["attributes"]["frame_time"])
        assert abs(when(event["time"]) - (started + offset)) < timedelta(milliseconds=2), event
    # The list shows the same job.
    listed = http.get(BASE, params={"search": "gudang"}).json()["data"]["videos"]
    assert [v["job"]["state"] for v in listed if v["id"] == video_id] == ["done"]

    # Nothing to cancel now; scheduling it again runs it again and stores
    # nothing twice.
    assert "nothing to cancel" in lenz_error(http.post(f"/vigil/v1/videos/{video_id}/cancel"), 409)
    again = http.post(f"/vigil/v1/videos/{video_id}/schedule")
    assert again.status_code == 200, again.text
    assert again.json()["job"]["state"] in ("scheduled", "running", "done")
    wait_for(lambda: detail(http, video_id)["job"]["state"] == "done", seconds=120)
    assert len(events_of(http, stream_id)) == 3 and detail(http, video_id)["job"]["event_count"] == 3

    # Cancel a scheduled run: the job is cancelled, its events stay.
    assert http.post(f"/vigil/v1/videos/{video_id}/schedule").status_code == 200
    cancelled = http.post(f"/vigil/v1/videos/{video_id}/cancel")
    assert cancelled.status_code == 200, cancelled.text
    body = cancelled.json()
    assert (body["success"], body["message"], body["video_id"]) == (True, "Job cancelled", video_id)
    assert body["job"]["state"] == "cancelled"
    time.sleep(1)
    assert detail(http, video_id)["job"]["state"] == "cancelled"
    assert len(events_of(http, stream_id)) == 3

    # Deleting the video deletes its events.
    assert http.delete(f"{BASE}/{video_id}").status_code == 200
    gone = http.get("/vigil/v1/events", params={"stream_id": stream_id})
    assert gone.status_code == 404, gone.text  # no such stream, and no event names it any more
    assert lenz_error(http.post(f"/vigil/v1/videos/{video_id}/cancel"), 404) == "video not found"


def test_a_config_change_after_the_job_ended_runs_it_again(platform, http: httpx.Client, clip: bytes) -> None:
    """Done -> PUT a new counting line -> the job is armed (the schedule
    delay) and runs the whole video again -> done; the new line's crossings
    are stored beside the first run's (kept, as a POST re-run keeps them)."""
    video_id, stream_id = upload(http, clip, "revisi.mp4")
    assert http.post(pipeline(stream_id, "NFV4-MPA"), json=CONFIG).status_code == 200
    wait_for(lambda: detail(http, video_id)["job"]["state"] == "done", seconds=120)
    first = events_of(http, stream_id)
    assert [(e["type"], e["attributes"]["line"]) for e in first] == [
        ("line_in", "Middle"),
        ("line_out", "Middle"),
        ("line_in", "Middle"),
    ], first
    # The investigator moves the line to the left third and renames it.
    left = {"name": "Kiri", "points": [{"x": 0.3, "y": 0.98}, {"x": 0.3, "y": 0.02}], "direction": "both"}
    changed = {**CONFIG, "sub_analytics": [{"name": "counting", "is_active": True, "areas": [left]}]}
    put = http.put(pipeline(stream_id, "NFV4-MPA"), json=changed)
    assert put.status_code == 200, put.text
    armed = detail(http, video_id)["job"]
    assert armed["state"] in ("idle", "scheduled", "running") and armed["progress"] < 100, armed
    if armed["state"] == "idle":
        assert armed["scheduled_for"], armed  # the schedule delay runs
    seen = wait_for(lambda: (j := detail(http, video_id)["job"])["state"] in ("done", "failed") and j, seconds=120)
    assert seen["state"] == "done" and seen["progress"] == 100 and seen["error"] == "", seen
    events = events_of(http, stream_id)
    kiri = [e["type"] for e in events if e["attributes"]["line"] == "Kiri"]
    assert kiri == ["line_in", "line_out", "line_in"], events
    assert [e["id"] for e in events if e["attributes"]["line"] == "Middle"] == [e["id"] for e in first]
    assert seen["event_count"] == 6
    # A PUT while the job is scheduled or running keeps that run (the new
    # config applies to the next run): the same PUT again while it runs
    # does not re-arm it.
    assert http.post(f"/vigil/v1/videos/{video_id}/schedule").status_code == 200
    again = http.put(pipeline(stream_id, "NFV4-MPA"), json=changed)
    assert again.status_code == 200, again.text
    job = detail(http, video_id)["job"]
    assert job["state"] in ("scheduled", "running", "done") and not job["scheduled_for"], job
    wait_for(lambda: detail(http, video_id)["job"]["state"] == "done", seconds=120)
    assert len(events_of(http, stream_id)) == 6


def test_a_job_whose_file_was_deleted_fails_clearly(platform, http: httpx.Client, clip: bytes) -> None:
    video_id, stream_id = upload(http, clip, "hilang.mp4")
    Path(detail(http, video_id)["file_path"]).unlink()
    assert http.post(pipeline(stream_id, "NFV4-MPA"), json=CONFIG).status_code == 200
    job = wait_for(lambda: (j := detail(http, video_id)["job"])["state"] == "failed" and j, seconds=60)
    assert "is gone from the media server's storage" in job["error"], job
    # Nothing assigned: nothing to schedule.
    assert http.delete(pipeline(stream_id, "NFV4-MPA")).status_code == 200
    message = lenz_error(http.post(f"/vigil/v1/videos/{video_id}/schedule"), 409)
    assert "no analytic is assigned" in message
    assert lenz_error(http.post("/vigil/v1/videos/nope/schedule"), 404) == "video not found"


def test_a_ten_hour_video_of_sparse_frames_is_analysed_in_seconds(platform, http: httpx.Client, tmp_path: Path) -> None:
    """A 10-hour recording with one frame every 5 minutes (121 frames,
    10 KB): the upload takes it, and its job reads the frames, not the
    hours: done in seconds, progress 100, the whole 36 000 s processed."""
    path = make_sparse_frames(tmp_path / "timelapse.mp4", hours=10, every=300)
    video_id, stream_id = upload(http, path.read_bytes(), "timelapse.mp4")
    assert detail(http, video_id)["duration"] == pytest.approx(36000, abs=1)
    start = time.monotonic()
    assert http.post(pipeline(stream_id, "NFV4-MPA"), json=CONFIG).status_code == 200
    job = wait_for(lambda: (j := detail(http, video_id)["job"])["state"] in ("done", "failed") and j, seconds=120)
    took = time.monotonic() - start
    assert (job["state"], job["progress"], job["error"]) == ("done", 100, ""), job
    assert job["processed_duration"] == pytest.approx(36000, abs=1), job
    assert took < 30, f"a 121-frame video took {took:.1f} s"  # the schedule delay (1.5 s) and 121 samples


@pytest.mark.slow
def test_a_job_survives_kill_9_of_the_engine(platform, http: httpx.Client, tmp_path: Path) -> None:
    """`kill -9` of the engine process mid-job: the supervisor starts it
    again, the new process's offline worker takes the job over once the
    lease has passed and goes on from its checkpoint (progress and
    processed duration never fall back to 0), and the video's events are
    exactly the nine crossings, each stored once. (The last test of the
    module: it kills a child of the module's platform.)"""
    path = tmp_path / "longwalk.mp4"
    with mock.patch.object(people_clip, "PASSES", 9):  # right, back, ... nine times: in, out, ..., in
        make_clip(path, "astronaut.png")
    video_id, stream_id = upload(http, path.read_bytes(), "longwalk.mp4")
    duration = detail(http, video_id)["duration"]
    engine = platform.service_process("engine")
    assert http.post(pipeline(stream_id, "NFV4-MPA"), json=CONFIG).status_code == 200
    # Kill it once a third of the video and at least two crossings are stored.
    before = wait_for(
        lambda: (
            (j := detail(http, video_id)["job"])["state"] == "running"
            and j["progress"] >= 30
            and j["event_count"] >= 2
            and j
        ),
        seconds=120,
    )
    assert before["progress"] < 80, f"the job ran too fast to be killed mid-way: {before}"
    engine.kill()
    engine.wait(10)
    kept = events_of(http, stream_id)
    seen = [before]
    deadline = time.monotonic() + 180
    while seen[-1]["state"] != "done":
        assert time.monotonic() < deadline, seen[-3:]
        job = detail(http, video_id)["job"]
        assert job["state"] in ("running", "scheduled", "done"), job  # a dead worker's rows stay running
        seen.append(job)
        time.sleep(0.1)
    progress = [j["progress"] for j in seen]
    processed = [j["processed_duration"] for j in seen]
    assert progress == sorted(progress) and min(progress) >= before["progress"] > 0, progress
    assert processed == sorted(processed) and min(processed) > 0, processed
    assert platform.service_process("engine").pid != engine.pid  # the supervisor started another
    done = seen[-1]
    assert (done["progress"], done["error"], done["event_count"]) == (100, "", 9), done
    assert done["processed_duration"] == pytest.approx(duration, abs=0.3)
    events = events_of(http, stream_id)
    assert [e["type"] for e in events] == ["line_in", "line_out"] * 4 + ["line_in"], events
    assert len({e["id"] for e in events}) == 9
    # The events stored before the kill are the same rows, not stored again.
    assert {e["id"] for e in kept} <= {e["id"] for e in events} and len(kept) >= 2
    database = make_engine(platform.env["VIGIL_DATABASE_URL"])
    try:
        with Session(database) as session:
            (row,) = session.exec(select(Work).where(Work.stream_id == stream_id)).all()
            assert (row.state, row.attempts) == ("done", 2), row  # taken over once, not started afresh
    finally:
        database.dispose()
