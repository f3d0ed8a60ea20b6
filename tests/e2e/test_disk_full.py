"""The disk filling during an upload (issue 18, item 4), for real, on SQLite
and PostgreSQL: the uploads' data folder (`<data_dir>/uploads`) is a small
tmpfs mounted by the test (as root; skipped loudly where the container
allows no mount), so the service meets a real ENOSPC. With no free-space
reserve (`VIGIL_UPLOAD_MIN_FREE_BYTES=0`) the writes themselves hit the
full disk:

- a Lenz session larger than the disk is refused before any byte is
  written (its data file is preallocated): 507 in Lenz's shape, nothing
  left on disk;
- a first chunk that fills the disk: 507, the session made for it dropped
  (the client never got its id), nothing left on disk;
- a chunk of a session that goes through a spool file (its file part came
  before its fields) and fills the disk: 507, the spool file deleted, the
  session's ledger without it (resume lists it missing); once space is
  freed the same chunk is sent again and the upload completes
  byte-identical;
- a chunk written into its session's preallocated file needs no new space
  and is taken even with the disk full;
- a FindFace source file that fills the disk: 507 in FindFace's shape, the
  archive keeps no source, the spool deleted; after freeing space the same
  PUT succeeds (201);
- the uploads process is the same one from start to end (no crash)."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import free_port, fresh_database
from tests.e2e.uploads_client import send_chunk, sha256, split
from tests.media import make_h264
from tests.platform_launcher import RunningPlatform, start_platform

BASE = "/api/visionaire-media/0/videos"
DISK_BYTES = 12 * 1024 * 1024


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def platform(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningPlatform]:
    """The platform with `<data_dir>/uploads` on a 12 MiB tmpfs."""
    data_dir = tmp_path_factory.mktemp(f"platform-full-{request.param}")
    uploads = data_dir / "uploads"
    uploads.mkdir()
    if os.geteuid() != 0:
        pytest.skip("the disk-full test mounts a tmpfs and needs root")
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={DISK_BYTES},mode=0755", "tmpfs", str(uploads)],
        capture_output=True,
        text=True,
    )
    if mounted.returncode != 0:
        pytest.skip(f"!!! cannot mount a tmpfs here ({mounted.stderr.strip()}): disk-full test SKIPPED !!!")
    try:
        with fresh_database(request.param, data_dir) as url:
            running = start_platform(
                url,
                data_dir,
                free_port,
                {"VIGIL_UPLOAD_MIN_FREE_BYTES": "0"},
            )
            try:
                yield running
            finally:
                code = running.stop()
            assert code == 0, running.log.read_text()[-4000:]
    finally:
        subprocess.run(["umount", "-l", str(uploads)], check=False)


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    path = make_h264(tmp_path_factory.mktemp("media") / "full.mp4", seconds=3, width=320, height=240, noise=True)
    data = path.read_bytes()
    assert 200_000 < len(data) < 3_000_000, len(data)
    return data


def fill(platform: RunningPlatform, leave: int) -> Path:
    """A filler file that leaves about `leave` bytes free on the uploads disk."""
    root = platform.data_dir / "uploads"
    filler = root / "filler"
    free = shutil.disk_usage(root).free
    with open(filler, "ab") as handle:
        handle.truncate(handle.tell())
        size = max(0, free - leave)
        block = b"\0" * (1 << 20)
        while size > 0:
            handle.write(block[: min(len(block), size)])
            size -= len(block)
    left = shutil.disk_usage(root).free
    assert left <= leave + 64 * 1024, left
    return filler


def lenz_full(reply: httpx.Response) -> None:
    assert reply.status_code == 507, reply.text
    body = reply.json()
    assert body["success"] is False and "storage is full" in body["message"], body


def spool_files(platform: RunningPlatform) -> list[str]:
    return os.listdir(platform.data_dir / "uploads" / "tmp")


def test_lenz_upload_when_the_disk_fills(platform: RunningPlatform, http: httpx.Client, clip: bytes) -> None:
    pid = platform.service_process("uploads").pid
    uploads = platform.data_dir / "uploads"
    # Larger than the whole disk: refused before any byte is written.
    reply = send_chunk(http, 0, clip[:1000], total_chunks=1, total_size=4 * DISK_BYTES)
    lenz_full(reply)
    assert os.listdir(uploads / "sessions") == []

    n = 3
    pieces = split(clip, n)
    # A first chunk that fills the disk: the session made for it is dropped
    # (the client never got its id), nothing stays on disk.
    filler = fill(platform, len(clip) + len(pieces[0]) // 2)
    reply = send_chunk(http, 0, pieces[0], total_chunks=n, total_size=len(clip), file_first=True)
    lenz_full(reply)
    assert spool_files(platform) == [] and os.listdir(uploads / "sessions") == []

    filler.unlink()
    reply = send_chunk(http, 0, pieces[0], total_chunks=n, total_size=len(clip))
    assert reply.status_code == 200, reply.text
    sid = reply.json()["data"]["session_id"]
    # A chunk of that session that goes through a spool file (its file part
    # came before its fields) and fills the disk: 507, the spool deleted,
    # the session still resumable without it.
    filler = fill(platform, len(pieces[2]) // 2)
    reply = send_chunk(http, 2, pieces[2], total_chunks=n, total_size=len(clip), session_id=sid, file_first=True)
    lenz_full(reply)
    assert spool_files(platform) == []
    resume = http.get(f"{BASE}/upload/resume/{sid}")
    assert resume.status_code == 200, resume.text
    assert resume.json()["data"]["missing_chunks"] == [1, 2]
    assert resume.json()["data"]["can_reuse_session"] is True

    # A chunk written into the preallocated file needs no new space.
    fill(platform, 16 * 1024)
    reply = send_chunk(http, 1, pieces[1], total_chunks=n, total_size=len(clip), session_id=sid)
    assert reply.status_code == 200, reply.text

    # Space freed: the refused chunk again, and the upload completes.
    filler.unlink()
    reply = send_chunk(http, 2, pieces[2], total_chunks=n, total_size=len(clip), session_id=sid)
    assert reply.status_code == 200, reply.text
    status = http.get(f"{BASE}/upload/status/{sid}").json()["data"]
    assert status["status"] == "completed", status
    (video,) = list((uploads / "videos").iterdir())
    assert sha256(video) == hashlib.sha256(clip).hexdigest()
    assert platform.service_process("uploads").pid == pid  # the service never died


def test_findface_source_file_when_the_disk_fills(platform: RunningPlatform, http: httpx.Client, clip: bytes) -> None:
    pid = platform.service_process("uploads").pid
    created = http.post("/videos/", json={"camera_group": 1, "name": "full"})
    assert created.status_code == 201, created.text
    archive = created.json()["id"]
    filler = fill(platform, len(clip) // 2)
    reply = http.put(f"/videos/{archive}/upload/source_file/", content=clip, headers={"Content-Type": "video/mp4"})
    assert reply.status_code == 507, reply.text
    body = reply.json()
    assert set(body) == {"code", "desc"} and "storage is full" in body["desc"], body
    assert spool_files(platform) == []
    after = http.get(f"/videos/{archive}/")
    assert after.status_code == 200, after.text
    assert after.json()["source_len"] is None and after.json()["file_size"] == 0, after.json()

    filler.unlink()
    reply = http.put(f"/videos/{archive}/upload/source_file/", content=clip, headers={"Content-Type": "video/mp4"})
    assert reply.status_code == 201, reply.text
    assert http.get(f"/videos/{archive}/").json()["file_size"] == len(clip)
    assert platform.service_process("uploads").pid == pid
