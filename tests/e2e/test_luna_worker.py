"""Vigil's own LUNA worker (services/engine/luna_worker.py) through the
real Envoy, on SQLite and PostgreSQL, with a real RTSP camera: a LUNA client
creates streams and sees them processed with no outside worker — taken
from the queue (`in_progress`), measured (`video_info`), previewed (the last
frame and live previews show the camera), logged; a paused stream is left
alone; a source that fails is a `failure` whose autorestart requeues it
until its attempts run out; a non-endless video file plays once and is
`done`."""

from __future__ import annotations

import copy
import time
import uuid
from typing import Any

import httpx
import pytest

from tests.conftest import free_port
from tests.e2e.luna_examples import CREATE_V1, example
from tests.e2e.test_engine_live import (
    camera,  # noqa: F401  (the module's RTSP camera fixture)
    wait_for,
)
from tests.e2e.test_faces import b64
from tests.faces_support import astronaut, clip_frames, make_clip
from tests.media import make_h264
from tests.rtsp_support import RtspServer, jpeg_size

PLATFORM_ENV = {
    "VIGIL_ENGINE_LUNA_WORKER": "true",
    "VIGIL_ENGINE_LUNA_POLL_SECONDS": "0.2",
    "VIGIL_ENGINE_LUNA_FEEDBACK_SECONDS": "0.5",
    "VIGIL_ENGINE_OPEN_TIMEOUT_SECONDS": "3",
    "VIGIL_ENGINE_READ_TIMEOUT_SECONDS": "3",
    "VIGIL_ENGINE_BACKOFF_SECONDS": "0.2",
    "VIGIL_ENGINE_MAX_BACKOFF_SECONDS": "1",
    "VIGIL_ENGINE_LINGER_SECONDS": "0.5",
    "VIGIL_LUNA_AUTORESTART_CHECK_SECONDS": "0.2",
}


def create(luna_http: httpx.Client, data: dict[str, Any], **changes: Any) -> str:
    body = example(CREATE_V1, account_id=str(uuid.uuid4()), data=data, **changes)
    body.pop("group_name", None)
    reply = luna_http.post("/1/streams", json=body)
    assert reply.status_code == 201, reply.text
    return str(reply.json()["stream_id"])


def stream(luna_http: httpx.Client, stream_id: str) -> dict[str, Any]:
    reply = luna_http.get(f"/1/streams/{stream_id}")
    assert reply.status_code == 200, reply.text
    return dict(reply.json())


def test_a_stream_is_taken_measured_previewed_and_left_when_paused(
    platform,
    luna_http: httpx.Client,
    camera: RtspServer,  # noqa: F811
) -> None:
    stream_id = create(luna_http, {"type": "tcp", "reference": camera.url("/live"), "endless": True})
    shown = wait_for(
        lambda: (s := stream(luna_http, stream_id))["status"] == "in_progress" and s["video_info"] and s, seconds=30
    )
    info = shown["video_info"]
    assert (info["width"], info["height"]) == (640, 360) and info["frame_rate"] > 0, info
    # The example's policies ask for what Vigil has no model for: said once.
    assert shown["last_error"].startswith("policies accepted but not applied by Vigil: mouth_occlusion_threshold")
    preview = luna_http.get(f"/1/streams/{stream_id}/preview/handler/last_frame")
    assert preview.status_code == 200 and jpeg_size(preview.content) == (640, 360)
    logs = luna_http.get("/1/streams/logs", params={"stream_ids": stream_id})
    assert logs.status_code == 200 and {r["status"] for r in logs.json()["logs"]} == {"in_progress"}
    # Paused by the client: the worker's next report is refused and it stops;
    # nothing it sends afterwards undoes the pause.
    assert luna_http.patch(f"/1/streams/{stream_id}", json={"status": "pause"}).status_code == 204
    time.sleep(2)
    assert stream(luna_http, stream_id)["status"] == "pause"
    count = len(luna_http.get("/1/streams/logs", params={"stream_ids": stream_id}).json()["logs"])
    time.sleep(1.5)
    assert len(luna_http.get("/1/streams/logs", params={"stream_ids": stream_id}).json()["logs"]) == count


def test_a_failing_source_is_a_failure_requeued_until_its_attempts_run_out(platform, luna_http: httpx.Client) -> None:
    nowhere = f"rtsp://127.0.0.1:{free_port()}/none"
    stream_id = create(
        luna_http,
        {"type": "tcp", "reference": nowhere, "endless": True},
        autorestart={"restart": 1, "attempt_count": 2, "delay": 1},
    )
    failed = wait_for(
        lambda: (s := stream(luna_http, stream_id))["autorestart"]["status"] == "failed" and s, seconds=60
    )
    assert failed["status"] == "failure" and failed["autorestart"]["current_attempt"] == 2, failed
    assert isinstance(failed["last_error"], str) and failed["last_error"], failed


@pytest.mark.parametrize("endless", [False])
def test_a_video_file_that_is_not_endless_plays_once_and_is_done(
    platform, luna_http: httpx.Client, endless: bool
) -> None:
    clip = make_h264(platform.data_dir / "luna-once.mp4", seconds=2, fps=25, width=320, height=240)
    stream_id = create(luna_http, {"type": "videofile", "reference": f"file://{clip}", "endless": endless})
    done = wait_for(lambda: (s := stream(luna_http, stream_id))["status"] == "done" and s, seconds=30)
    assert done["video_info"]["width"] == 320, done


def test_face_best_shots_follow_the_stream_policies(platform, luna_http: httpx.Client, http: httpx.Client) -> None:
    """The astronaut's clip as a LUNA video file: Vigil's worker detects her
    face, picks the track's best shot over `time_period_of_searching` and
    stores it as a `face_seen` event tied to the stream's event handler,
    with its embedding (found by image); the policies it cannot apply are
    named once in the stream's log."""
    clip = make_clip(platform.data_dir / "luna-face.mp4", clip_frames())
    policies = copy.deepcopy(CREATE_V1["policies"])
    policies["sending"]["time_period_of_searching"] = 1
    stream_id = create(
        luna_http, {"type": "videofile", "reference": f"file://{clip}", "endless": True}, policies=policies
    )

    def best_shots() -> list[dict[str, Any]]:
        reply = http.get("/vigil/v1/events", params={"stream_id": stream_id, "type": "face_seen"})
        assert reply.status_code == 200, reply.text
        return list(reply.json()["events"])

    shots = wait_for(best_shots, seconds=90)
    luna = shots[0]["attributes"]["luna"]
    assert luna["stream_id"] == stream_id and luna["event_handler"] == CREATE_V1["event_handler"]
    assert shots[0]["label"] == "face" and shots[0]["analytic_id"] == "NFV4-FR"
    assert abs(shots[0]["attributes"]["yaw"]) <= 40
    last_error = stream(luna_http, stream_id)["last_error"]
    assert "not applied" in last_error and "mouth_occlusion_threshold" in last_error, last_error
    found = http.post("/smart-search", json={"type": "image", "query": b64(astronaut()), "stream_id": stream_id})
    assert found.status_code == 200 and found.json()["results"][0]["similarity"] > 0.8, found.text
    # A stricter filter keeps her out: YuNet scores her face 0.8..0.95.
    strict = copy.deepcopy(policies)
    strict["filtering"]["min_score"] = 0.99
    other = create(luna_http, {"type": "videofile", "reference": f"file://{clip}", "endless": True}, policies=strict)
    wait_for(lambda: stream(luna_http, other)["status"] == "in_progress", seconds=30)
    time.sleep(4)
    reply = http.get("/vigil/v1/events", params={"stream_id": other, "type": "face_seen"})
    assert reply.status_code == 200 and reply.json()["events"] == []
