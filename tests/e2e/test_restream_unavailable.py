"""Without an RTSP server (`VIGIL_RTSP_ENABLED=false`, as on a node without
GStreamer), through the real Envoy: an upload with the default
`auto_stream=true` still works and its device says `unavailable`; asking
for `auto_stream=true` (upload query or PATCH) is a 400 in Lenz's error
shape; `auto_stream=false` works as before."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.uploads_client import send_chunk, upload_file
from tests.media import make_h264

PLATFORM_ENV = {"VIGIL_RTSP_ENABLED": "false"}
BASE = "/api/visionaire-media/0/videos"


def test_auto_stream_is_refused_without_an_rtsp_server(platform, http, tmp_path: Path) -> None:
    with pytest.raises(LookupError):
        platform.child("rtsp_server.py")
    clip = make_h264(tmp_path / "yard.mp4", seconds=0.5, fps=10).read_bytes()

    video_id = upload_file(http, clip, 1, filename="yard.mp4")["video_id"]  # the default: auto_stream=true
    video = http.get(f"{BASE}/{video_id}").json()["data"]["video"]
    assert video["status"] == "ready"
    assert (video["device"]["status"], video["device"]["publish_url"]) == ("unavailable", "")

    refused = send_chunk(
        http, 0, clip, total_chunks=1, total_size=len(clip), filename="y.mp4", query="?auto_stream=true"
    )
    assert refused.status_code == 400, refused.text
    body = refused.json()
    assert set(body) == {"success", "message"} and body["success"] is False
    assert "auto_stream=true is not available" in body["message"] and "no RTSP server" in body["message"]

    patched = http.patch(f"{BASE}/{video_id}", json={"auto_stream": True})
    assert patched.status_code == 400 and patched.json() == body

    off = http.patch(f"{BASE}/{video_id}", json={"auto_stream": False})
    assert off.status_code == 200 and off.json()["data"]["video"]["device"]["status"] == "stopped"
    plain = upload_file(http, clip, 1, filename="plain.mp4", query="?auto_stream=false")["video_id"]
    assert http.get(f"{BASE}/{plain}").json()["data"]["video"]["device"]["status"] == "stopped"
