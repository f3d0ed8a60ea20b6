"""Re-streaming uploaded videos over RTSP (`auto_stream`), through the real
Envoy, on SQLite and PostgreSQL: the platform's own RTSP server (GStreamer,
supervised by `vigil run`) publishes an upload at `device.publish_url`,
looping; PyAV opens it and decodes frames of the uploaded size, and
Debian's ffprobe (scripts/ffmpeg_deps.sh installs it) opens it too; switching
`auto_stream` off, deleting the video or stopping the platform ends the
publication; a non-H.264 upload is re-encoded."""

from __future__ import annotations

import contextlib
import json
import shutil
import subprocess
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import av
import numpy as np
import pytest

from tests.e2e.uploads_client import upload_file
from tests.media import make_h264
from tests.rtsp_support import rtsp_available

pytestmark = pytest.mark.skipif(
    not rtsp_available(), reason="GStreamer's RTSP server is not installed (scripts/rtsp_server_deps.sh)"
)
PLATFORM_ENV = {"VIGIL_RTSP_HOST": "127.0.0.1", "VIGIL_RTSP_PUBLIC_HOST": "127.0.0.1"}
BASE = "/api/visionaire-media/0/videos"


def wait_for(check: Callable[[], Any], timeout: float = 15.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.2)


def device(http, video_id: str) -> dict:
    reply = http.get(f"{BASE}/{video_id}")
    assert reply.status_code == 200, reply.text
    return reply.json()["data"]["video"]["device"]


def running(http, video_id: str) -> dict:
    """The device once the RTSP server reports the mount running."""
    state = wait_for(lambda: (d := device(http, video_id))["status"] == "running" and d)
    assert state, device(http, video_id)
    return state


def frames(url: str, count: int) -> list[tuple[int, int]]:
    """The sizes of the first `count` frames PyAV decodes from `url`."""
    sizes = []
    with av.open(url, options={"rtsp_transport": "tcp"}, timeout=10) as container:
        assert container.streams.video[0].codec_context.name == "h264"
        for frame in container.decode(video=0):
            sizes.append((frame.width, frame.height))
            if len(sizes) == count:
                break
    return sizes


def watch(url: str) -> None:
    """Decode until the server ends the stream (no timeout of our own: the
    test's join gives up after 15 s)."""
    with contextlib.suppress(av.error.FFmpegError), av.open(url, options={"rtsp_transport": "tcp"}) as container:
        for _ in container.decode(video=0):
            pass


def opens(url: str) -> bool:
    try:
        with av.open(url, options={"rtsp_transport": "tcp"}, timeout=5):
            return True
    except av.error.FFmpegError:
        return False


def test_an_upload_is_published_looping_and_unpublished(platform, http, tmp_path: Path) -> None:
    clip = make_h264(tmp_path / "parking lot.mp4", seconds=1.0, fps=10, width=96, height=64).read_bytes()
    video_id = upload_file(http, clip, 2, filename="parking lot.mp4")["video_id"]  # auto_stream defaults to true
    detail = http.get(f"{BASE}/{video_id}").json()["data"]["video"]
    assert detail["status"] == "streaming"
    state = running(http, video_id)
    port = platform.env["VIGIL_RTSP_PORT"]
    url = f"rtsp://127.0.0.1:{port}/live/parking-lot"
    assert state["publish_url"] == url and state["error_count"] == 0 and state["uptime"] > 0

    # 15 frames of a 10-frame clip: it loops, and every frame has the uploaded size.
    assert frames(url, 15) == [(96, 64)] * 15
    assert wait_for(lambda: device(http, video_id)["restart_count"] >= 1, 5)

    watcher = threading.Thread(target=watch, args=(url,), daemon=True)  # a client watching when it ends
    watcher.start()
    time.sleep(1)
    off = http.patch(f"{BASE}/{video_id}", json={"auto_stream": False})
    assert off.status_code == 200, off.text
    video = off.json()["data"]["video"]
    assert (video["status"], video["device"]["status"], video["device"]["publish_url"]) == ("ready", "stopped", "")
    assert wait_for(lambda: not opens(url)), "the mount is still published"
    watcher.join(15)
    assert not watcher.is_alive(), "the watching client was not disconnected"

    on = http.patch(f"{BASE}/{video_id}", json={"auto_stream": True})
    assert on.status_code == 200 and on.json()["data"]["video"]["status"] == "streaming"
    assert running(http, video_id)["publish_url"] == url
    assert frames(url, 3) == [(96, 64)] * 3

    assert http.delete(f"{BASE}/{video_id}").status_code == 200
    assert wait_for(lambda: not opens(url)), "a deleted video is still published"


@pytest.mark.skipif(
    shutil.which("ffprobe") is None,
    reason="ffprobe is not installed and could not be (scripts/ffmpeg_deps.sh installs Debian's ffmpeg as root)",
)
def test_ffprobe_opens_the_publish_url(platform, http, tmp_path: Path) -> None:
    """Issue 14 item 4: not only PyAV, a stock ffprobe opens the URL too."""
    clip = make_h264(tmp_path / "probe me.mp4", seconds=1.0, fps=10, width=96, height=64).read_bytes()
    video_id = upload_file(http, clip, 1, filename="probe me.mp4")["video_id"]
    url = running(http, video_id)["publish_url"]
    assert url.endswith("/live/probe-me")
    probe = subprocess.run(
        [
            "ffprobe", "-v", "error", "-rtsp_transport", "tcp", "-select_streams", "v:0",
            "-show_entries", "stream=codec_name,width,height", "-of", "json", url,
        ],
        capture_output=True,
        text=True,
        timeout=30,
    )  # fmt: skip
    assert probe.returncode == 0, probe.stderr
    streams = json.loads(probe.stdout)["streams"]
    assert streams == [{"codec_name": "h264", "width": 96, "height": 64}], probe.stdout
    assert http.delete(f"{BASE}/{video_id}").status_code == 200
    assert wait_for(lambda: not opens(url)), "a deleted video is still published"


def test_a_non_h264_upload_is_re_encoded(platform, http, tmp_path: Path) -> None:
    path = tmp_path / "old camera.mkv"
    with av.open(str(path), "w") as out:
        stream = out.add_stream("mpeg4", rate=10)
        stream.width, stream.height, stream.pix_fmt = 80, 48, "yuv420p"
        for i in range(10):
            pixels = np.full((48, 80, 3), i * 20, dtype=np.uint8)
            for packet in stream.encode(av.VideoFrame.from_ndarray(pixels, format="rgb24")):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    video_id = upload_file(http, path.read_bytes(), 1, filename="old camera.mkv")["video_id"]
    url = running(http, video_id)["publish_url"]
    assert url.endswith("/live/old-camera")
    assert frames(url, 12) == [(80, 48)] * 12  # decoded, re-encoded as H.264, looping
    assert http.delete(f"{BASE}/{video_id}").status_code == 200


def test_same_names_get_distinct_urls_and_bad_updates_are_refused(platform, http, tmp_path: Path) -> None:
    clip = make_h264(tmp_path / "gate.mp4", seconds=0.5, fps=10).read_bytes()
    first = upload_file(http, clip, 1, filename="gate.mp4")["video_id"]
    second = upload_file(http, clip, 1, filename="gate.mp4")["video_id"]
    urls = {running(http, first)["publish_url"], running(http, second)["publish_url"]}
    assert {u.rsplit("/", 1)[1] for u in urls} == {"gate", f"gate-{second}"}
    missing = http.patch(f"{BASE}/{first}", json={})
    assert missing.status_code == 400 and "auto_stream" in missing.json()["message"]
    assert missing.json()["success"] is False
    nothing = http.patch(f"{BASE}/000000000000", json={"auto_stream": False})
    assert nothing.status_code == 404 and nothing.json() == {"success": False, "message": "video not found"}
    for video_id in (first, second):
        assert http.delete(f"{BASE}/{video_id}").status_code == 200


def test_stopping_the_platform_ends_the_publication(platform, http, tmp_path: Path) -> None:
    """The RTSP server is a child of `vigil run` and stops with it. (The last
    test of the module: it stops the module's platform.)"""
    clip = make_h264(tmp_path / "last.mp4", seconds=0.5, fps=10).read_bytes()
    url = running(http, upload_file(http, clip, 1, filename="last.mp4")["video_id"])["publish_url"]
    assert opens(url)
    rtsp = platform.child("rtsp_server.py")
    assert platform.stop() == 0
    assert not rtsp.is_running() and not opens(url)
