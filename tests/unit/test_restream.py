"""The uploads side of re-streaming (services/uploads/restream.py): which
videos are mounted where, and what the RTSP server's state file makes of
each video's device. The server itself is tested through the platform
(tests/e2e/test_restream.py)."""

from __future__ import annotations

import json
import time
from pathlib import Path

import av
import numpy as np

from services.db.models import Video, utcnow
from services.uploads.restream import Restreamer, mounts_file, state_file
from tests.media import make_h264


def video(n: int, name: str, path: Path | str, *, auto_stream: bool = True) -> Video:
    now = utcnow()
    return Video(
        id=n,
        video_id=f"v{n:011d}",
        original_filename=name,
        name=name,
        file_path=str(path),
        auto_stream=auto_stream,
        created_at=now,
        updated_at=now,
    )


def mpeg4(path: Path) -> Path:
    with av.open(str(path), "w") as out:
        stream = out.add_stream("mpeg4", rate=10)
        stream.width, stream.height, stream.pix_fmt = 32, 32, "yuv420p"
        for packet in stream.encode(av.VideoFrame.from_ndarray(np.zeros((32, 32, 3), np.uint8), format="rgb24")):
            out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return path


def test_mounts_names_collisions_and_codecs(tmp_path: Path) -> None:
    clip = make_h264(tmp_path / "a.mp4", seconds=0.3)
    other = mpeg4(tmp_path / "b.mkv")
    restreamer = Restreamer(tmp_path, running=True, public_host="10.0.0.7", port=8554)
    videos = [
        video(2, "gate 1 (night).mp4", clip),
        video(1, "gate-1-night.mov", other),
        video(3, "off.mp4", clip, auto_stream=False),
        video(4, "gone.mp4", tmp_path / "gone.mp4"),
        video(5, "../../etc.mp4", clip),
        video(6, "", clip),
    ]
    restreamer.publish(videos)
    mounts = json.loads(mounts_file(tmp_path).read_text())["mounts"]
    assert mounts == {
        "/live/gate-1-night": {"path": str(other), "h264": False, "video_id": "v00000000001"},
        "/live/gate-1-night-v00000000002": {"path": str(clip), "h264": True, "video_id": "v00000000002"},
        "/live/etc": {"path": str(clip), "h264": True, "video_id": "v00000000005"},
        "/live/v00000000006": {"path": str(clip), "h264": True, "video_id": "v00000000006"},
    }
    # The same set again leaves the file untouched (the server reads it when it changes).
    before = mounts_file(tmp_path).stat().st_mtime_ns
    time.sleep(0.01)
    restreamer.publish(list(reversed(videos)))
    assert mounts_file(tmp_path).stat().st_mtime_ns == before
    restreamer.publish([video(1, "gate-1-night.mov", other)])
    assert list(json.loads(mounts_file(tmp_path).read_text())["mounts"]) == ["/live/gate-1-night"]
    assert mounts_file(tmp_path).stat().st_mtime_ns != before


def test_device_states_from_the_state_file(tmp_path: Path) -> None:
    clip = make_h264(tmp_path / "a.mp4", seconds=0.3)
    one, two = video(1, "one.mp4", clip), video(2, "two.mp4", clip)
    restreamer = Restreamer(tmp_path, running=True, public_host="fe80::1", port=9554)
    restreamer.publish([one, two])
    assert restreamer.publication(video(3, "three.mp4", clip)) is None  # not published

    # No state file yet (or one the server stopped writing): an error.
    stale = restreamer.publication(one)
    assert stale is not None and (stale.status, stale.last_error) == ("error", "the RTSP server is not running")
    assert stale.url == "rtsp://[fe80::1]:9554/live/one"

    now = time.time()
    mount = {"path": str(clip), "since": now - 2, "status": "streaming", "last_error": "", "error_count": 1}
    state = {"updated": now, "mounts": {"/live/one": mount | {"restart_count": 4}}}
    state_file(tmp_path).write_text(json.dumps(state))
    running = restreamer.publication(one)
    assert running is not None and (running.status, running.error_count, running.restart_count) == ("running", 1, 4)
    assert 2000 <= running.uptime_ms < 10000
    pending = restreamer.publication(two)  # mounted in the file, not yet by the server
    assert pending is not None and (pending.status, pending.url) == ("pending", "rtsp://[fe80::1]:9554/live/two")

    mount |= {"status": "error", "last_error": "cannot read", "restart_count": 0}
    state_file(tmp_path).write_text(json.dumps({"updated": now, "mounts": {"/live/one": mount}, "pad": 1}))
    failed = restreamer.publication(one)
    assert failed is not None and (failed.status, failed.uptime_ms, failed.last_error) == ("error", 0.0, "cannot read")

    assert Restreamer(tmp_path, running=False, public_host="h", port=1).publication(one) is None
