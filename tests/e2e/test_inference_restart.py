"""The inference service down and back (issue 18, item 4), through the
engine and classification, on SQLite and PostgreSQL: a real RTSP camera
(tests/rtsp_server.py) plays the clip of a walking astronaut; NFV4-MPA
counts it crossing a line.

1. The inference process is killed with SIGKILL while the stream is
   analysed and classification requests arrive. The supervisor starts a
   new one at once; the test holds that one with SIGSTOP (before it
   binds its port: connections are refused) until the engine has
   reported the outage, so the outage lasts until then whatever the
   machine's speed, then lets it go on. Meanwhile classification answers
   503 in Gaard's shape (`error_code` 5002), never a 500 or a hang; the
   engine skips frames
   (`vigil_engine_frames_skipped_total{reason="inference"}` grows) and
   the stream's `stream_stats.last_error_msg` says the inference service
   is unavailable. Once inference serves again both recover by
   themselves: classification answers 200, new line events flow and the
   message clears.
2. The serving inference process is frozen with SIGSTOP: its port still
   accepts connections and the engine's channel stays READY, so nothing
   fails at once and gRPC would let a call wait for its whole deadline.
   The engine's live deadline (`VIGIL_ENGINE_INFERENCE_DEADLINE_SECONDS`,
   2 s) must skip frames and say so (DEADLINE_EXCEEDED) well within the
   client's 30 s default; once the process goes on, the message clears.

Throughout, the engine keeps running (same process, the work row still
`running`, claimed no extra time)."""

from __future__ import annotations

import contextlib
import re
import signal
import time
from collections.abc import Iterator

import httpx
import psutil
import pytest

from tests.classify_support import classify, make_clip
from tests.conftest import free_port
from tests.e2e.test_engine_analysis import CONFIG, PLATFORM_ENV, crossings, pipeline
from tests.e2e.test_engine_live import create, stats, wait_for
from tests.e2e.test_engine_workers import rows
from tests.inference_support import model_repository
from tests.platform_launcher import RunningPlatform
from tests.rtsp_support import RtspServer, rtsp_server
from tests.unit.test_people_counting_clip import make_clip as make_walk

__all__ = ["PLATFORM_ENV"]

SKIPPED = re.compile(r'vigil_engine_frames_skipped_total\{[^}]*reason="inference"[^}]*\} ([0-9.e+]+)')


@pytest.fixture(scope="module")
def camera(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RtspServer]:
    """The walking astronaut, played once per connection (the engine
    reconnects when it ends, so it plays again and again)."""
    model_repository()
    walk = tmp_path_factory.mktemp("walk") / "walks.mp4"
    make_walk(walk, "astronaut.png")
    with rtsp_server(free_port(), "--file", f"/walk={walk}") as server:
        yield server


@pytest.fixture(scope="module")
def alarm(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    return make_clip(tmp_path_factory.mktemp("alarm") / "alarm.mp4", ["astronaut.png"]).read_bytes()


def skipped_frames(http: httpx.Client) -> float:
    text = http.get("/metrics").text
    return sum(float(v) for v in SKIPPED.findall(text))


def restarted(platform: RunningPlatform, old_pid: int, seconds: float = 30) -> psutil.Process:
    """The inference process the supervisor started after `old_pid` died,
    as soon as it exists (polled every 5 ms)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with contextlib.suppress(LookupError, psutil.NoSuchProcess):
            process = platform.service_process("inference")
            if process.pid != old_pid:
                return process
        time.sleep(0.005)
    raise AssertionError("the supervisor did not start inference again")


def reported(http: httpx.Client, stream_id: str, skipped_before: float, *, says: str = "inference") -> bool:
    """Frames were skipped for inference since `skipped_before`, and the
    stream's message says so."""
    message = stats(http, stream_id).get("last_error_msg", "")
    return skipped_frames(http) > skipped_before and "inference service is unavailable" in message and says in message


@pytest.mark.slow
def test_inference_killed_while_a_stream_is_analysed_and_clips_are_classified(
    platform: RunningPlatform, http: httpx.Client, camera: RtspServer, alarm: bytes
) -> None:
    stream_id = create(http, camera.url("/walk"))
    assigned = http.post(pipeline(stream_id, "NFV4-MPA"), json=CONFIG)
    assert assigned.status_code == 200, assigned.text
    wait_for(lambda: len(crossings(http, stream_id)) >= 3, seconds=120)
    first = classify(http, file=("alarm.mp4", alarm, "video/mp4"))
    assert first.status_code == 200, first.text
    engine_pid = platform.service_process("engine").pid
    (row,) = rows(platform, stream_id)

    # 1. Killed: the new process is held before it serves until the engine
    # has reported the outage (skipped frames, and the stream says why).
    skipped_before = skipped_frames(http)
    victim = platform.service_process("inference")
    victim.send_signal(signal.SIGKILL)
    victim.wait(10)
    held = restarted(platform, victim.pid)
    held.send_signal(signal.SIGSTOP)
    try:
        outage = classify(http, file=("alarm.mp4", alarm, "video/mp4"), timeout=60)
        assert outage.status_code == 503, outage.text  # the outage, answered in shape
        body = outage.json()
        assert set(body) == {"error_code", "error_msg"} and body["error_code"] == 5002, body
        wait_for(lambda: reported(http, stream_id, skipped_before), seconds=60)
    finally:
        held.send_signal(signal.SIGCONT)
    answers: list[int] = []
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        reply = classify(http, file=("alarm.mp4", alarm, "video/mp4"), timeout=60)
        answers.append(reply.status_code)
        assert reply.status_code in (200, 503), reply.text
        if reply.status_code == 503:
            body = reply.json()
            assert set(body) == {"error_code", "error_msg"} and body["error_code"] == 5002, body
        if reply.status_code == 200:
            break
        time.sleep(0.2)
    assert answers[-1] == 200, answers  # classification recovered by itself
    platform.wait_restarted("inference", victim.pid)
    # The engine recovers by itself: new crossings after the restart, and
    # the message clears.
    newest = max(e["id"] for e in crossings(http, stream_id))
    wait_for(lambda: any(e["id"] > newest for e in crossings(http, stream_id)), seconds=120)
    wait_for(lambda: "inference" not in stats(http, stream_id).get("last_error_msg", ""), seconds=30)

    # 2. Frozen while serving: calls would wait; the live deadline skips
    # the frames instead, well within the client's 30 s default.
    serving = platform.service_process("inference")
    skipped_before = skipped_frames(http)
    serving.send_signal(signal.SIGSTOP)
    try:
        wait_for(lambda: reported(http, stream_id, skipped_before, says="DEADLINE_EXCEEDED"), seconds=20)
    finally:
        serving.send_signal(signal.SIGCONT)
    wait_for(lambda: "inference" not in stats(http, stream_id).get("last_error_msg", ""), seconds=30)

    assert platform.service_process("engine").pid == engine_pid  # no crash, no restart
    (after,) = rows(platform, stream_id)
    assert (after.id, after.state, after.owner, after.attempts) == (row.id, "running", row.owner, row.attempts)
    assert http.delete(pipeline(stream_id, "NFV4-MPA")).status_code == 200
