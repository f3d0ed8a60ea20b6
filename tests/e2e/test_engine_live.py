"""The stream engine through the real Envoy and a real RTSP server (GStreamer,
tests/rtsp_server.py), on SQLite and PostgreSQL: a viewer opens a stream,
its `stream_stats` become real, MJPEG parts arrive at the asked rate and
height, frames are encoded once however many viewers watch, and bad sources
(unreachable, not a video) report ERROR with a reason."""

from __future__ import annotations

import http.server
import itertools
import re
import threading
import time
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest

from services.media.jpeg import JpegEncoder
from tests.conftest import free_port, http_client
from tests.media import make_h264
from tests.platform_launcher import RunningPlatform
from tests.rtsp_support import RtspServer, jpeg_size, mjpeg_parts, rtsp_server

PLATFORM_ENV = {
    "VIGIL_ENGINE_OPEN_TIMEOUT_SECONDS": "5",
    "VIGIL_ENGINE_READ_TIMEOUT_SECONDS": "5",
    "VIGIL_ENGINE_BACKOFF_SECONDS": "0.2",
    "VIGIL_ENGINE_MAX_BACKOFF_SECONDS": "1",
    "VIGIL_ENGINE_REPORT_SECONDS": "0.3",
    "VIGIL_ENGINE_LINGER_SECONDS": "1",
}


def wait_for(check: Callable[[], Any], seconds: float = 60.0) -> Any:
    """Poll until `check` returns something true (a deadline against hangs)."""
    deadline = time.monotonic() + seconds
    while True:
        value = check()
        if value:
            return value
        assert time.monotonic() < deadline, "condition not reached"
        time.sleep(0.1)


@pytest.fixture(scope="module")
def camera(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RtspServer]:
    """A live 640x360 pattern at /live (and at /udp, RTP over UDP only) and
    a 10 s 160x120 clip at /clip."""
    clip = make_h264(tmp_path_factory.mktemp("clips") / "clip.mp4", seconds=10, fps=25, width=160, height=120)
    with rtsp_server(
        free_port(),
        "--live",
        "/live",
        "--live-udp",
        "/udp",
        "--size",
        "640x360",
        "--fps",
        "25",
        "--file",
        f"/clip={clip}",
    ) as server:
        yield server


def create(http: httpx.Client, address: str) -> str:
    reply = http.post("/streams/0", json={"stream_address": address, "stream_name": "cam"})
    assert reply.status_code == 200, reply.text
    return str(reply.json()["stream_id"])


def stats(http: httpx.Client, stream_id: str) -> dict:
    return dict(http.get(f"/streams/0/{stream_id}").json()["stream_stats"])


class Viewer:
    """An MJPEG viewer on its own connection, in a thread, keeping the parts.
    It reads with a short timeout and asks again after one, so closing it
    never waits on a viewer that has no frame yet."""

    def __init__(self, platform: RunningPlatform, path: str) -> None:
        self.parts: list = []
        self.status = 0
        self._stop = threading.Event()
        self._client = http_client(platform, timeout=httpx.Timeout(30, read=2))
        self._thread = threading.Thread(target=self._run, args=(path,), daemon=True)
        self._thread.start()

    def _run(self, path: str) -> None:
        while not self._stop.is_set():
            try:
                with self._client.stream("GET", path) as response:
                    self.status = response.status_code
                    if response.status_code != 200:
                        return
                    for part in mjpeg_parts(response):
                        self.parts.append(part)
                        if self._stop.is_set():
                            return
                return  # the server ended the view
            except httpx.ReadTimeout:
                continue

    def join(self) -> None:
        """Wait for the server to end the view (a deadline against hangs)."""
        self._thread.join(60)
        assert not self._thread.is_alive(), "the view did not end"

    def close(self) -> None:
        self._stop.set()
        self._thread.join(30)
        self._client.close()


def test_a_viewed_stream_is_opened_and_its_stats_become_real(platform, http, camera) -> None:
    stream_id = create(http, camera.url("/live"))
    assert stats(http, stream_id)["state"] == "NOT_STARTED"
    with http.stream("GET", f"/mjpeg/0/{stream_id}?fps=5&height=240&jpeg_quality=50") as response:
        assert response.status_code == 200
        assert response.headers["content-type"] == "multipart/x-mixed-replace; boundary=frame"
        parts = []
        for part in mjpeg_parts(response):
            parts.append(part)
            if len(parts) == 12:
                break
        running = stats(http, stream_id)
    assert {jpeg_size(p.jpeg) for p in parts} == {(426, 240)}
    # 5 frames a second by the frames' own clock (25 fps at the source):
    # never faster than asked; slower only by frames a busy machine skips.
    spacing = (parts[-1].time - parts[1].time) / (len(parts) - 2)
    assert 0.19 <= spacing <= 0.3, spacing
    assert running["state"] == "RUNNING" and running["last_error_msg"] == ""
    assert (running["frame_width"], running["frame_height"]) == (640, 360)
    assert 15 <= running["fps"] <= 35
    # Without viewers the stream closes (after the linger time) and says so.
    stopped = wait_for(lambda: (s := stats(http, stream_id))["state"] == "STOPPED" and s)
    assert stopped["fps"] == 0 and "no viewer" in stopped["last_error_msg"]


def test_a_luna_stream_of_type_udp_is_read_over_rtp_on_udp(platform, http, camera) -> None:
    body = {
        "account_id": "557d54ec-29ad-4f3c-93b4-c9092ef12515",
        "name": "udp camera",
        "data": {"type": "udp", "reference": camera.url("/udp")},
        "event_handler": {"bestshot_handler": {"handler_id": "ee4c42b6-23ae-410e-a2aa-a4220e64ba4b"}},
    }
    reply = http.post("/1/streams", json=body)
    assert reply.status_code == 201, reply.text
    frame = http.get(f"/stream_jpeg/0/{reply.json()['stream_id']}")
    assert frame.status_code == 200 and jpeg_size(frame.content) == (640, 360)
    # The same UDP-only mount refuses the default, RTP over TCP.
    tcp = http.get(f"/stream_jpeg/0/{create(http, camera.url('/udp'))}")
    assert tcp.status_code == 503, tcp.text


def test_one_current_jpeg_and_the_embed_page(platform, http, camera) -> None:
    stream_id = create(http, camera.url("/live"))
    reply = http.get(f"/stream_jpeg/0/{stream_id}")
    assert reply.status_code == 200 and reply.headers["content-type"] == "image/jpeg"
    assert jpeg_size(reply.content) == (640, 360)
    page = http.get(f"/visual/0/{stream_id}")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert f'<img src="/mjpeg/0/{stream_id}"' in page.text


@pytest.mark.parametrize("query", ["jpeg_quality=0", "jpeg_quality=101", "height=8", "fps=-1"])
def test_out_of_range_view_options_are_400(platform, http, camera, query) -> None:
    stream_id = create(http, camera.url("/live"))
    reply = http.get(f"/mjpeg/0/{stream_id}?{query}")
    assert reply.status_code == 400
    body = reply.json()
    assert body["code"] == 400 and query.split("=")[0] in body["message"]


def test_unknown_streams_and_analytics_are_404(platform, http, camera) -> None:
    for path in ("/mjpeg/0/nope", "/stream_jpeg/0/nope", "/visual/0/nope"):
        assert http.get(path).json() == {"code": 404, "message": "stream not found"}
    stream_id = create(http, camera.url("/live"))
    assert http.get(f"/mjpeg/7/{stream_id}").status_code == 404  # another node
    for path in (f"/mjpeg/0/{stream_id}/NFV4-MPA", f"/visual/0/{stream_id}/NFV4-MPA"):
        assert http.get(path).json() == {"code": 404, "message": "stream or analytic not found"}
    # Assigned (the catalog's work row): people counting draws its overlay
    # (the page embeds it); smart-search indexing draws none.
    for analytic in ("NFV4-MPA", "NFV4-SS"):
        assigned = http.post(f"/api/visionaire/pipeline/node-000/{stream_id}/{analytic}", json={})
        assert assigned.status_code == 200, assigned.text
    page = http.get(f"/visual/0/{stream_id}/NFV4-MPA")
    assert page.status_code == 200 and f'<img src="/mjpeg/0/{stream_id}/NFV4-MPA"' in page.text
    for path in (f"/mjpeg/0/{stream_id}/NFV4-SS", f"/visual/0/{stream_id}/NFV4-SS"):
        reply = http.get(path)
        assert reply.status_code == 501 and "not drawn" in reply.json()["message"], reply.text
    assert http.get(f"/mjpeg/0/{stream_id}/NFV4-MVA").status_code == 404  # not assigned


def test_a_new_address_applies_live_and_a_deleted_stream_ends_its_views(platform, http, camera) -> None:
    stream_id = create(http, camera.url("/live"))
    viewer = Viewer(platform, f"/mjpeg/0/{stream_id}?height=120")
    try:
        wait_for(lambda: viewer.parts and jpeg_size(viewer.parts[-1].jpeg) == (214, 120))
        reply = http.put(f"/streams/0/{stream_id}", json={"stream_address": camera.url("/clip")})
        assert reply.status_code == 200, reply.text
        # The same viewer, without reconnecting, now shows the clip (4:3).
        wait_for(lambda: jpeg_size(viewer.parts[-1].jpeg) == (160, 120))
        wait_for(lambda: (s := stats(http, stream_id))["frame_width"] == 160 and s["state"] == "RUNNING")
        shown = len(viewer.parts)
        assert http.delete(f"/streams/0/{stream_id}").status_code == 200
        viewer.join()  # the view ends by itself
    finally:
        viewer.close()
    assert len(viewer.parts) >= shown


def metric(http: httpx.Client, name: str, stream_id: str) -> float:
    text = http.get("/metrics").text
    pattern = rf'^{name}_total\{{[^}}]*stream_id="{stream_id}"[^}}]*\}} ([0-9.e+]+)$'
    return sum(float(value) for value in re.findall(pattern, text, re.MULTILINE))


def test_frames_are_encoded_once_per_size_however_many_viewers(platform, http, camera) -> None:
    stream_id = create(http, camera.url("/live"))
    viewers = [Viewer(platform, f"/mjpeg/0/{stream_id}?height=180") for _ in range(3)]
    try:
        wait_for(lambda: all(len(v.parts) >= 20 for v in viewers))
    finally:
        for viewer in viewers:
            viewer.close()
    assert {v.status for v in viewers} == {200}
    assert {jpeg_size(v.parts[-1].jpeg) for v in viewers} == {(320, 180)}
    encoded = metric(http, "vigil_engine_jpeg_encoded", stream_id)
    sent = metric(http, "vigil_engine_mjpeg_parts_sent", stream_id)
    assert sent >= 60
    # Three viewers of one size share each encoding (a viewer that misses a
    # frame makes it a little more than a third, never one per viewer).
    assert encoded <= sent / 2, (encoded, sent)
    # Each encoding is of a frame the engine decoded (counted as it reports).
    wait_for(lambda: metric(http, "vigil_engine_frames_decoded", stream_id) >= encoded)


def test_an_unreachable_address_reports_error_with_a_message(platform, http) -> None:
    stream_id = create(http, f"rtsp://127.0.0.1:{free_port()}/nothing")
    viewer = Viewer(platform, f"/mjpeg/0/{stream_id}")
    try:
        failed = wait_for(lambda: (s := stats(http, stream_id))["state"] == "ERROR" and s)
    finally:
        viewer.close()
    assert "refused" in failed["last_error_msg"].lower() and failed["fps"] == 0
    reply = http.get(f"/stream_jpeg/0/{stream_id}")
    assert reply.status_code == 503 and "refused" in reply.json()["message"].lower()
    assert not viewer.parts


@pytest.fixture(scope="module")
def web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, int]]:
    root = tmp_path_factory.mktemp("www")
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), partial(http.server.SimpleHTTPRequestHandler, directory=str(root))
    )
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield root, server.server_address[1]
    server.shutdown()


def test_sources_that_are_not_videos_a_local_file_playlist_and_a_huge_frame(platform, http, web) -> None:
    root, port = web
    (root / "notes.txt").write_text("not a video\n" * 200)
    (root / "page.html").write_text("<!DOCTYPE html><html><body>camera login</body></html>\n" * 50)
    secret = platform.data_dir / "secret.ts"
    secret.write_bytes(b"\x47" + b"\x00" * 187)
    (root / "local.m3u8").write_text(
        f"#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:1.0,\nfile://{secret}\n#EXT-X-ENDLIST\n"
    )
    # An MJPEG stream whose frames say 30000x30000: FFmpeg refuses the size
    # (av_image_check_size) before allocating anything.
    frame = bytearray(JpegEncoder(0, 60).encode(np.full((72, 64), 100, np.uint8), 64, 48))
    at = frame.index(b"\xff\xc0")
    frame[at + 5 : at + 9] = (30000).to_bytes(2, "big") * 2
    (root / "huge.mjpeg").write_bytes(bytes(frame) * 10)
    for name in ("notes.txt", "page.html", "local.m3u8", "huge.mjpeg"):
        stream_id = create(http, f"http://127.0.0.1:{port}/{name}")
        viewer = Viewer(platform, f"/mjpeg/0/{stream_id}")
        try:
            failed = wait_for(lambda: (s := stats(http, stream_id))["state"] == "ERROR" and s)  # noqa: B023
            reply = http.get(f"/stream_jpeg/0/{stream_id}")
        finally:
            viewer.close()
        assert failed["last_error_msg"].startswith("the source is not a video"), failed
        assert reply.status_code == 503, reply.text
        assert "not a video" in reply.json()["message"]
        assert not viewer.parts


def test_a_local_playlist_source_is_refused_unread(platform, http) -> None:
    """A `file://` playlist inside the file root naming a file outside it
    (and an address): refused before FFmpeg reads it."""
    playlist = platform.data_dir / "cam.m3u8"
    playlist.write_text("#EXTM3U\n#EXTINF:1,\n/etc/passwd\n#EXTINF:1,\nhttp://127.0.0.1:9/x.ts\n#EXT-X-ENDLIST\n")
    stream_id = create(http, f"file://{playlist}")
    reply = http.get(f"/stream_jpeg/0/{stream_id}")
    assert reply.status_code == 503 and "playlists are not opened" in reply.json()["message"], reply.text
    failed = wait_for(lambda: (s := stats(http, stream_id))["state"] == "ERROR" and s)
    assert "an HLS playlist, not a video" in failed["last_error_msg"], failed


@pytest.mark.slow
def test_a_source_that_dies_is_reconnected(platform, http) -> None:
    with rtsp_server(free_port(), "--live", "/live", "--size", "320x240", "--fps", "25") as camera:
        stream_id = create(http, camera.url("/live"))
        viewer = Viewer(platform, f"/mjpeg/0/{stream_id}?height=120")
        try:
            wait_for(lambda: len(viewer.parts) >= 5)
            camera.stop()
            wait_for(lambda: stats(http, stream_id)["state"] in ("ERROR", "CONNECTING"))
            seen = len(viewer.parts)
            camera.start()
            wait_for(lambda: stats(http, stream_id)["state"] == "RUNNING")
            wait_for(lambda: len(viewer.parts) >= seen + 10)
        finally:
            viewer.close()
    # The new session's frames start its clock again: they came after the restart.
    times = [part.time for part in viewer.parts]
    assert any(later < earlier for earlier, later in itertools.pairwise(times))
