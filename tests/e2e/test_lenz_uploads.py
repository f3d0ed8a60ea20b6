"""Lenz chunked uploads and videos through the real Envoy, with the
document's examples (../shared/seeds/000), on SQLite and PostgreSQL: chunks
out of order and twice, missing, oversize, out of range; cancel and reuse;
idle sessions paused and resumed; files that are not videos."""

from __future__ import annotations

import hashlib
import re
import shutil
import time
from pathlib import Path

import httpx
import pytest

from tests.e2e.uploads_client import multipart, send_chunk, sha256, split, upload_file
from tests.media import HOSTILE_KINDS, append_zeros, hostile, make_h264, make_raw_h264
from tests.rtsp_support import rtsp_available

PLATFORM_ENV = {"VIGIL_UPLOAD_IDLE_SECONDS": "3", "VIGIL_UPLOAD_MAX_BYTES": str(2**50)}
BASE = "/api/visionaire-media/0/videos"
RECEIPT_KEYS = {
    "message",
    "session_id",
    "video_id",
    "chunk_index",
    "chunks_received",
    "total_chunks",
    "bytes_written",
    "total_size",
    "progress",
    "status",
    "seq",
    "instance",
}
STATUS_KEYS = {
    "session_id",
    "video_id",
    "original_filename",
    "status",
    "bytes_written",
    "total_size",
    "chunks_received",
    "total_chunks",
    "progress",
    "created_at",
    "updated_at",
}
RESUME_KEYS = {
    "message",
    "session_id",
    "video_id",
    "original_filename",
    "status",
    "chunks_received",
    "total_chunks",
    "bytes_written",
    "total_size",
    "progress",
    "missing_chunks",
    "can_reuse_session",
}
VIDEO_KEYS = {
    "id",
    "original_filename",
    "file_path",
    "file_size",
    "created_at",
    "status",
    "duration",
    "started_at",
    "started_at_src",
    "ended_at",
    "instance",
    "job",  # Vigil's extra key: the offline analysis job
}
DEVICE_KEYS = {
    "name",
    "url",
    "scheme",
    "channel",
    "silent_audio",
    "status",
    "publish_url",
    "created_at",
    "updated_at",
    "error_count",
    "restart_count",
    "uptime",
}


@pytest.fixture(scope="module")
def video(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    folder = tmp_path_factory.mktemp("media")
    return make_h264(folder / "a.mp4", seconds=3, creation_time="2026-01-15T00:00:00Z", noise=True).read_bytes()


def _error(reply: httpx.Response, status: int) -> str:
    assert reply.status_code == status, reply.text
    body = reply.json()
    assert set(body) == {"success", "message"} and body["success"] is False
    return str(body["message"])


def _get(http: httpx.Client, path: str) -> dict:
    reply = http.get(path)
    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert body["success"] is True
    return body


def test_documented_receipt_status_resume_and_cancel(platform, http) -> None:
    """The document's example: chunk 0 of 10 of a 100 MiB file, then status,
    resume and cancel, and a cancelled session cannot be reused."""
    total, piece = 104857600, b"\x5a" * 10485760
    reply = send_chunk(http, 0, piece, total_chunks=10, total_size=total)
    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert set(body) == {"success", "data"} and body["success"] is True
    data = body["data"]
    assert set(data) == RECEIPT_KEYS
    sid, vid = data["session_id"], data["video_id"]
    assert {k: v for k, v in data.items() if k not in ("session_id", "video_id")} == {
        "message": "Chunk received",
        "chunk_index": 0,
        "chunks_received": 1,
        "total_chunks": 10,
        "bytes_written": 10485760,
        "total_size": 104857600,
        "progress": 10,
        "status": "uploading",
        "seq": 1,
        "instance": None,
    }
    status = _get(http, f"{BASE}/upload/status/{sid}")["data"]
    assert set(status) == STATUS_KEYS
    assert (status["session_id"], status["video_id"], status["original_filename"]) == (sid, vid, "rekaman-2026-01.mp4")
    assert (status["bytes_written"], status["chunks_received"], status["progress"]) == (10485760, 1, 10)
    assert status["created_at"].endswith("Z")
    resume = _get(http, f"{BASE}/upload/resume/{sid}?filename=rekaman-2026-01.mp4&video_id={vid}")["data"]
    assert set(resume) == RESUME_KEYS
    assert resume["message"] == "Session found, can resume" and resume["can_reuse_session"] is True
    assert resume["missing_chunks"] == [1, 2, 3, 4, 5, 6, 7, 8, 9]
    assert _get(http, f"{BASE}/upload/resume/{sid}?filename=other.mp4")["data"]["can_reuse_session"] is False

    session_dir = platform.data_dir / "uploads" / "sessions" / sid
    assert session_dir.exists()
    cancelled = http.post(f"{BASE}/upload/cancel/{sid}")
    assert cancelled.status_code == 200
    assert cancelled.json() == {"success": True, "message": "Upload cancelled successfully", "session_id": sid}
    assert not session_dir.exists()  # the partial data is gone
    again = send_chunk(http, 1, piece, total_chunks=10, total_size=total, session_id=sid)
    assert "cancelled" in _error(again, 409)
    resume = _get(http, f"{BASE}/upload/resume/{sid}")["data"]
    assert (resume["status"], resume["can_reuse_session"]) == ("cancelled", False)
    assert _get(http, f"{BASE}/upload/status/{sid}")["data"]["status"] == "cancelled"


def test_out_of_order_twice_and_fields_after_the_file(platform, http, video: bytes) -> None:
    n, total = 4, len(video)
    pieces = split(video, n)
    sid = None
    seen: list[dict] = []
    for index, file_first in ((3, True), (1, False), (1, True), (0, True), (3, False), (2, False)):
        reply = send_chunk(
            http, index, pieces[index], total_chunks=n, total_size=total, session_id=sid, file_first=file_first
        )
        assert reply.status_code == 200, reply.text
        seen.append(reply.json()["data"])
        sid = seen[-1]["session_id"]
    assert [r["seq"] for r in seen] == [1, 2, 3, 4, 5, 6]
    assert [r["chunks_received"] for r in seen] == [1, 2, 2, 3, 3, 4]
    assert [r["message"] for r in seen][2] == "Chunk already received"
    assert seen[2]["bytes_written"] == len(pieces[1]) + len(pieces[3])
    last = seen[-1]
    assert (last["status"], last["message"], last["progress"], last["bytes_written"]) == (
        "completed",
        "Upload completed",
        100,
        total,
    )
    # The answer to the last chunk was lost; the client sends it again.
    again = send_chunk(http, 2, pieces[2], total_chunks=n, total_size=total, session_id=sid)
    assert again.status_code == 200 and again.json()["data"]["status"] == "completed"

    detail = _get(http, f"{BASE}/{last['video_id']}")["data"]["video"]
    assert set(detail) == VIDEO_KEYS | {"device"}
    assert sha256(detail["file_path"]) == sha256_bytes(video)
    assert Path(detail["file_path"]).name == f"{last['video_id']}.mp4"  # a generated name
    assert detail["file_size"] == total and detail["original_filename"] == "rekaman-2026-01.mp4"
    assert detail["duration"] == pytest.approx(3.0, abs=0.11)
    assert (detail["started_at"], detail["started_at_src"]) == ("2026-01-15T00:00:00Z", "metadata")
    assert detail["ended_at"] == "2026-01-15T00:00:03Z"
    # auto_stream (the default): published by the platform's RTSP server
    # when GStreamer is installed (tests/e2e/test_restream.py), else not.
    published = rtsp_available()
    assert detail["status"] == ("streaming" if published else "ready") and detail["instance"] is None
    device = detail["device"]
    assert set(device) == DEVICE_KEYS
    assert device["name"] == "rekaman-2026-01" and device["scheme"] == "file"
    assert device["url"] == Path(detail["file_path"]).as_uri()
    assert device["status"] in (("pending", "running") if published else ("unavailable",))

    # The internal stream, on node 0, where analytics are assigned.
    streams = http.get("/streams/0").json()["streams"]
    (stream,) = [s for s in streams if s["stream_custom_data"].get("video_id") == last["video_id"]]
    assert stream["stream_custom_data"]["offline_mode"] is True
    assert stream["stream_address"] == device["url"] and stream["stream_name"] == "rekaman-2026-01"

    # The same video is a FindFace archive.
    archives = http.get("/videos/?limit=1000").json()["results"]
    (archive,) = [a for a in archives if a["file_size"] == total and a["name"] == "rekaman-2026-01.mp4"]
    assert archive["source_len"] == pytest.approx(3.0, abs=0.11)

    deleted = http.delete(f"{BASE}/{last['video_id']}")
    assert deleted.json() == {"success": True, "message": "Video deleted successfully", "video_id": last["video_id"]}
    assert not Path(detail["file_path"]).exists()
    assert stream["stream_id"] not in {s["stream_id"] for s in http.get("/streams/0").json()["streams"]}
    assert _error(http.get(f"{BASE}/{last['video_id']}"), 404) == "video not found"
    assert _error(http.delete(f"{BASE}/{last['video_id']}"), 404) == "video not found"


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_a_missing_chunk_keeps_the_upload_open(platform, http, video: bytes) -> None:
    pieces = split(video, 4)
    sid = None
    for index in (0, 1, 3):
        reply = send_chunk(http, index, pieces[index], total_chunks=4, total_size=len(video), session_id=sid)
        sid = reply.json()["data"]["session_id"]
    status = _get(http, f"{BASE}/upload/status/{sid}")["data"]
    assert (status["status"], status["chunks_received"]) == ("uploading", 3)
    resume = _get(http, f"{BASE}/upload/resume/{sid}")["data"]
    assert resume["missing_chunks"] == [2] and resume["can_reuse_session"] is True
    done = send_chunk(http, 2, pieces[2], total_chunks=4, total_size=len(video), session_id=sid).json()["data"]
    assert done["status"] == "completed"
    assert sha256(_get(http, f"{BASE}/{done['video_id']}")["data"]["video"]["file_path"]) == sha256_bytes(video)


def test_an_idle_session_is_paused_and_resumes(platform, http, video: bytes) -> None:
    pieces = split(video, 2)
    first = send_chunk(http, 0, pieces[0], total_chunks=2, total_size=len(video)).json()["data"]
    time.sleep(3.5)  # VIGIL_UPLOAD_IDLE_SECONDS is 3 here
    sid = first["session_id"]
    assert _get(http, f"{BASE}/upload/status/{sid}")["data"]["status"] == "paused"
    resume = _get(http, f"{BASE}/upload/resume/{sid}")["data"]
    assert (resume["status"], resume["can_reuse_session"], resume["missing_chunks"]) == ("paused", True, [1])
    done = send_chunk(http, 1, pieces[1], total_chunks=2, total_size=len(video), session_id=sid)
    assert done.json()["data"]["status"] == "completed"


def test_cancel_then_reuse_the_file(platform, http, video: bytes) -> None:
    pieces = split(video, 2)
    first = send_chunk(http, 0, pieces[0], total_chunks=2, total_size=len(video), filename="again.mp4")
    sid = first.json()["data"]["session_id"]
    assert http.post(f"{BASE}/upload/cancel/{sid}").status_code == 200
    # Cancelling twice is harmless; the file is uploaded again from chunk 0.
    assert http.post(f"{BASE}/upload/cancel/{sid}").status_code == 200
    done = upload_file(http, video, 2, filename="again.mp4")
    assert done["session_id"] != sid and done["status"] == "completed"
    assert "completed" in _error(http.post(f"{BASE}/upload/cancel/{done['session_id']}"), 409)


def test_auto_stream_false_and_no_creation_time(platform, http, tmp_path: Path) -> None:
    data = make_h264(tmp_path / "plain.mp4", seconds=2).read_bytes()
    done = upload_file(http, data, 1, filename="plain.mp4", query="?auto_stream=false")
    video = _get(http, f"{BASE}/{done['video_id']}")["data"]["video"]
    assert video["status"] == "ready" and video["device"]["status"] == "stopped"
    assert video["started_at_src"] == "upload"
    assert video["started_at"][:4] == time.strftime("%Y", time.gmtime())


@pytest.mark.parametrize("kind", ["text", "truncated", *HOSTILE_KINDS])
def test_files_that_are_not_videos_fail_cleanly(platform, http, video: bytes, kind: str) -> None:
    if kind in HOSTILE_KINDS:
        data = hostile(kind) * (1 if len(hostile(kind)) > 1024 else 20)  # two chunks' worth
    else:
        data = b"just some notes, not a video\n" * 300 if kind == "text" else video[: len(video) // 2]
    pieces = split(data, 2)
    first = send_chunk(http, 0, pieces[0], total_chunks=2, total_size=len(data), filename=f"{kind}.mp4")
    sid = first.json()["data"]["session_id"]
    last = send_chunk(http, 1, pieces[1], total_chunks=2, total_size=len(data), session_id=sid, filename="x.mp4")
    message = _error(last, 400)
    assert message.startswith(f"{kind}.mp4 is not a video that can be decoded")
    status = _get(http, f"{BASE}/upload/status/{sid}")["data"]
    assert status["status"] == "failed"
    assert _get(http, f"{BASE}/upload/resume/{sid}")["data"]["can_reuse_session"] is False
    assert not (platform.data_dir / "uploads" / "sessions" / sid).exists()
    videos = _get(http, f"{BASE}?search={kind}.mp4")["data"]["videos"]
    assert videos == []


def test_raw_h264_is_accepted_and_a_zero_run_after_its_head_is_refused(platform, http, tmp_path: Path) -> None:
    """A raw H.264 elementary stream (`.h264`, no container) is a video; the
    same head followed by 20 MiB of zeros written in full (no hole: the
    sparse check does not see it) is refused by the probe with the reason,
    not held whole in memory by FFmpeg's parser."""
    raw = make_raw_h264(tmp_path / "mentah.h264", make_h264(tmp_path / "mentah.mp4", seconds=2))
    receipt = upload_file(http, raw.read_bytes(), 2, filename="mentah.h264", query="?auto_stream=false")
    assert receipt["status"] == "completed", receipt
    (listed,) = _get(http, f"{BASE}?search=mentah.h264")["data"]["videos"]
    assert listed["status"] == "ready" and listed["file_size"] == raw.stat().st_size, listed
    data = append_zeros(raw, 20 << 20).read_bytes()
    pieces = split(data, 2)
    first = send_chunk(http, 0, pieces[0], total_chunks=2, total_size=len(data), filename="nol.h264")
    sid = first.json()["data"]["session_id"]
    last = send_chunk(http, 1, pieces[1], total_chunks=2, total_size=len(data), session_id=sid, filename="nol.h264")
    message = _error(last, 400)
    assert re.fullmatch(
        r"nol\.h264 is not a video that can be decoded: the file has 16 MiB with no video start code at offset "
        r"\d+ \(a raw h264 stream's frames begin with start codes; a run over 16 MiB is not a frame\)",
        message,
    ), message
    assert _get(http, f"{BASE}/upload/status/{sid}")["data"]["status"] == "failed"
    assert _get(http, f"{BASE}?search=nol.h264")["data"]["videos"] == []


def test_bad_chunks_get_clear_errors(platform, http, video: bytes) -> None:
    n, total = 4, len(video)
    pieces = split(video, n)
    first = send_chunk(http, 0, pieces[0], total_chunks=n, total_size=total).json()["data"]
    sid = first["session_id"]

    def chunk(index: int, piece: bytes, **kwargs) -> httpx.Response:
        kwargs.setdefault("total_chunks", n)
        kwargs.setdefault("total_size", total)
        kwargs.setdefault("session_id", sid)
        return send_chunk(http, index, piece, **kwargs)

    assert "outside [0, 4)" in _error(chunk(4, pieces[1]), 400)
    assert "chunk_index -1 is outside" in _error(chunk(-1, pieces[1]), 400)
    body, ctype = multipart(
        [("filename", "a.mp4"), ("chunk_index", "one"), ("total_chunks", "4"), ("total_size", str(total))], b"x"
    )
    reply = http.post(f"{BASE}/upload", content=body, headers={"Content-Type": ctype})
    assert _error(reply, 400) == "chunk_index must be an integer, not 'one'"
    assert "more than the" in _error(chunk(1, pieces[1] + b"extra"), 400)  # oversize
    assert "more than the" in _error(chunk(3, pieces[0]), 400)  # the last chunk is shorter
    assert "must have" in _error(chunk(3, pieces[3][:-1]), 400)  # short last chunk
    assert "total_size" in _error(chunk(1, pieces[1], total_size=total + 1), 400)
    assert "upload session not found" == _error(chunk(1, pieces[1], session_id="sess-nope"), 404)
    assert "media server 7 not found" == _error(chunk(1, pieces[1], node=7), 404)
    # The first chunk of a file whose size is over the limit, or over the free disk.
    assert "exceeds the limit" in _error(send_chunk(http, 0, b"x", total_chunks=1, total_size=2**50 + 1), 413)
    free = shutil.disk_usage(platform.data_dir).free
    assert "storage is full" in _error(send_chunk(http, 0, b"x", total_chunks=2, total_size=free + 2**30), 507)
    # Nothing above changed the session.
    status = _get(http, f"{BASE}/upload/status/{sid}")["data"]
    assert (status["chunks_received"], status["bytes_written"]) == (1, len(pieces[0]))


def test_malformed_bodies(platform, http) -> None:
    url = f"{BASE}/upload"
    fields = [("filename", "a.mp4"), ("chunk_index", "0"), ("total_chunks", "1"), ("total_size", "3")]
    body, ctype = multipart(fields, b"abc")
    assert "closing boundary" in _error(http.post(url, content=body[:-10], headers={"Content-Type": ctype}), 400)
    assert "multipart/form-data" in _error(http.post(url, json={"file": "abc"}), 400)
    assert "boundary" in _error(http.post(url, content=body, headers={"Content-Type": "multipart/form-data"}), 400)
    no_file, ctype = multipart(fields, b"")
    no_file = no_file.replace(b'name="file"; filename="blob"', b'name="other"')
    assert "missing form field 'file'" == _error(http.post(url, content=no_file, headers={"Content-Type": ctype}), 400)
    missing, ctype = multipart(fields[1:], b"abc")
    assert "missing form field 'filename'" == _error(
        http.post(url, content=missing, headers={"Content-Type": ctype}), 400
    )
    assert _error(http.post(url), 400)  # no body at all


def test_list_search_sort_and_pages(platform, http, tmp_path: Path) -> None:
    for i, seconds in enumerate((3, 1, 2)):
        data = make_h264(tmp_path / f"{i}.mp4", seconds=seconds).read_bytes()
        upload_file(http, data, 1, filename=f"listing-{i}.mp4")
    page = _get(http, f"{BASE}?search=LISTING-&sort_by=duration&sort_order=asc&page=1&limit=2")["data"]
    assert set(page) == {"videos", "count", "pagination"}
    assert [v["original_filename"] for v in page["videos"]] == ["listing-1.mp4", "listing-2.mp4"]
    assert all(set(v) == VIDEO_KEYS for v in page["videos"])  # no device in the list
    assert page["count"] == 2
    assert page["pagination"] == {"current_page": 1, "per_page": 2, "total_items": 3, "total_pages": 2}
    second = _get(http, f"{BASE}?search=listing-&sort_by=duration&sort_order=asc&page=2&limit=2")["data"]
    assert [v["original_filename"] for v in second["videos"]] == ["listing-0.mp4"]
    everything = _get(http, f"{BASE}?search=listing-&sort_by=original_filename&sort_order=desc&limit=0")["data"]
    assert [v["original_filename"] for v in everything["videos"]] == ["listing-2.mp4", "listing-1.mp4", "listing-0.mp4"]
    assert everything["pagination"] == {"current_page": 1, "per_page": 3, "total_items": 3, "total_pages": 1}
    default = _get(http, BASE)["data"]
    assert default["pagination"]["per_page"] == 10 and default["count"] <= 10
    created = [v["created_at"] for v in default["videos"]]
    assert created == sorted(created, reverse=True)  # newest first by default
    for query in ("sort_by=size", "sort_order=up", "page=0", "limit=-1"):
        _error(http.get(f"{BASE}?{query}"), 400)
    assert _error(http.get("/api/visionaire-media/5/videos"), 404) == "media server 5 not found"


def test_first_start_made_the_local_jwks_and_says_where(platform) -> None:
    """Issue 11: the local key pair is made on first start, and `vigil run`
    says where its JWKS is and how to get tokens."""
    assert (platform.data_dir / "auth" / "jwks.json").is_file()
    log = platform.log.read_text()
    assert "made the local JWKS: " in log and "auth/jwks.json" in log
    assert "`vigil jwt --subject NAME`" in log and "`vigil token create --owner NAME`" in log
