"""Crash safety of chunked uploads, on SQLite and PostgreSQL: `kill -9` of the
uploads process while a chunk is half sent, the supervisor restarts it, and
resume reports exactly the chunks that were acknowledged (those durably on
disk); finishing the upload gives a byte-identical file."""

from __future__ import annotations

import contextlib
import hashlib
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

from tests.e2e.uploads_client import multipart, send_chunk, sha256, split
from tests.media import make_h264

BASE = "/api/visionaire-media/0/videos"


def test_kill_9_in_the_middle_of_a_chunk_then_resume(platform, http, tmp_path: Path) -> None:
    data = make_h264(tmp_path / "long.mp4", seconds=3, width=320, height=240, noise=True).read_bytes()
    n = 8
    pieces = split(data, n)
    acknowledged: list[int] = []
    sid = None
    for index in (0, 1, 2, n - 1):  # some in order, the last one early
        reply = send_chunk(http, index, pieces[index], total_chunks=n, total_size=len(data), session_id=sid)
        assert reply.status_code == 200, reply.text
        sid = reply.json()["data"]["session_id"]
        acknowledged.append(index)
    assert sid is not None

    # Chunk 3 starts, and the process dies when half of it has been sent.
    fields = [
        ("filename", "rekaman-2026-01.mp4"),
        ("chunk_index", "3"),
        ("total_chunks", str(n)),
        ("total_size", str(len(data))),
        ("session_id", sid),
    ]
    body, content_type = multipart(fields, pieces[3])
    half = len(body) - len(pieces[3]) // 2
    sent_half, killed = threading.Event(), threading.Event()

    def slow_body() -> Iterator[bytes]:
        yield body[:half]
        sent_half.set()
        killed.wait(60)
        yield body[half:]

    outcome: dict[str, object] = {}

    def post() -> None:
        try:
            outcome["status"] = http.post(
                f"{BASE}/upload", content=slow_body(), headers={"Content-Type": content_type}, timeout=60
            ).status_code
        except httpx.HTTPError as exc:
            outcome["error"] = exc

    sender = threading.Thread(target=post)
    sender.start()
    assert sent_half.wait(30)
    time.sleep(0.5)  # let the first half reach the service and its disk
    victim = platform.service_process("uploads")
    victim.send_signal(signal.SIGKILL)
    victim.wait(10)
    killed.set()
    sender.join(60)
    assert outcome.get("status") != 200  # chunk 3 was never acknowledged

    platform.wait_restarted("uploads", victim.pid)
    resume = http.get(f"{BASE}/upload/resume/{sid}").json()["data"]
    assert resume["can_reuse_session"] is True
    assert resume["missing_chunks"] == [i for i in range(n) if i not in acknowledged]
    assert resume["chunks_received"] == len(acknowledged)
    assert resume["bytes_written"] == sum(len(pieces[i]) for i in acknowledged)

    for index in resume["missing_chunks"]:
        reply = send_chunk(http, index, pieces[index], total_chunks=n, total_size=len(data), session_id=sid)
        assert reply.status_code == 200, reply.text
    done = reply.json()["data"]
    assert done["status"] == "completed"
    video = http.get(f"{BASE}/{done['video_id']}").json()["data"]["video"]
    assert sha256(video["file_path"]) == hashlib.sha256(data).hexdigest()


def test_kill_9_during_the_first_chunk_leaves_no_session_behind(platform, http) -> None:
    """A session opened for a first chunk that never finished holds disk
    space that nobody can resume (its client never got the session id): the
    restarted service cancels it and frees the space."""
    fields = [("filename", "x.mp4"), ("chunk_index", "0"), ("total_chunks", "1"), ("total_size", str(1 << 20))]
    body, content_type = multipart(fields, b"\0" * (1 << 20))
    sessions = platform.data_dir / "uploads" / "sessions"
    before = {p.name for p in sessions.iterdir()}
    sent_half, killed = threading.Event(), threading.Event()

    def slow_body() -> Iterator[bytes]:
        yield body[: len(body) // 2]
        sent_half.set()
        killed.wait(60)
        yield body[len(body) // 2 :]

    def post() -> None:
        with contextlib.suppress(httpx.HTTPError):
            http.post(f"{BASE}/upload", content=slow_body(), headers={"Content-Type": content_type}, timeout=60)

    sender = threading.Thread(target=post)
    sender.start()
    assert sent_half.wait(30)
    time.sleep(0.5)
    (opened,) = {p.name for p in sessions.iterdir()} - before  # the fields came first: the session exists
    victim = platform.service_process("uploads")
    victim.send_signal(signal.SIGKILL)
    victim.wait(10)
    killed.set()
    sender.join(60)
    platform.wait_restarted("uploads", victim.pid)
    assert not (sessions / opened).exists()
    status = http.get(f"{BASE}/upload/status/{opened}").json()["data"]
    assert status["status"] == "cancelled"
