"""The engine's people analytics end to end, through the real Envoy, on
SQLite and PostgreSQL: an H.264 clip made here in which scikit-image's
astronaut walks across the frame's middle (right, back, right: the clip of
tests/unit/test_people_counting_clip.py) is a `file://` stream; NFV4-MPA is
assigned with a counting line on the middle (the Lenz pipeline route); the
engine's worker samples it, YOLOX-Nano runs in the inference service, and
the line events come out of `GET /vigil/v1/events` with their directions
and thumbnails, and the config's `line_count_over` rule raises one breach.
(Every analytic of the catalog has a stage now; the dispatcher's refusal
of one that has none is tests/unit/test_dispatch.py.)"""

from __future__ import annotations

import io

import httpx
import numpy as np
from PIL import Image

from services.analysis import overlay
from services.catalog import work
from tests.e2e.test_engine_live import Viewer, create, wait_for
from tests.e2e.test_engine_workers import rows
from tests.unit.test_people_counting_clip import make_clip

PLATFORM_ENV = {
    "VIGIL_ENGINE_OPEN_TIMEOUT_SECONDS": "10",
    "VIGIL_ENGINE_READ_TIMEOUT_SECONDS": "10",
    "VIGIL_ENGINE_BACKOFF_SECONDS": "0.2",
    "VIGIL_ENGINE_MAX_BACKOFF_SECONDS": "1",
    "VIGIL_ENGINE_REPORT_SECONDS": "0.5",
    "VIGIL_ENGINE_LINGER_SECONDS": "1",
    "VIGIL_ENGINE_LEASE_SECONDS": "5",
    "VIGIL_ENGINE_HEARTBEAT_SECONDS": "0.5",
}

#: Drawn upwards: a walk from left to right crosses it `in`.
CONFIG = {
    "object_confidence_threshold": 0.5,
    "sub_analytics": [
        {
            "name": "counting",
            "is_active": True,
            "areas": [
                {"name": "Middle", "points": [{"x": 0.5, "y": 0.98}, {"x": 0.5, "y": 0.02}], "direction": "both"}
            ],
        }
    ],
    # An event rule (/rules/pipeline): more than 2 crossings within 10 minutes.
    "rules": [{"type": "line_count_over", "line": "Middle", "limit": 2, "window_seconds": 600}],
}


def pipeline(stream_id: str, analytic: str) -> str:
    return f"/api/visionaire/pipeline/node-000/{stream_id}/{analytic}"


def crossings(http: httpx.Client, stream_id: str) -> list[dict]:
    reply = http.get("/vigil/v1/events", params={"stream_id": stream_id, "page_size": 100})
    assert reply.status_code == 200, reply.text
    found = [e for e in reply.json()["events"] if e["sub_analytic"] == "counting"]
    return sorted(found, key=lambda e: e["id"])


def frames(platform, path: str, count: int = 3) -> list[np.ndarray]:
    """The first `count` MJPEG parts of a view, as RGB pictures."""
    viewer = Viewer(platform, path)
    try:
        wait_for(lambda: len(viewer.parts) >= count, seconds=60)
    finally:
        viewer.close()
    assert viewer.status == 200
    return [np.asarray(Image.open(io.BytesIO(part.jpeg)).convert("RGB")) for part in viewer.parts[:count]]


def line_share(pictures: list[np.ndarray]) -> float:
    """The best share, over the pictures, of rows whose middle columns hold
    the overlay's counting-line colour (JPEG-blurred)."""
    best = 0.0
    for rgb in pictures:
        height, width = rgb.shape[:2]
        strip = rgb[int(height * 0.1) : int(height * 0.9), width // 2 - 3 : width // 2 + 4].astype(int)
        near = np.abs(strip - np.array(overlay.LINE.as_rgb())).max(axis=2) < 60
        best = max(best, float(near.any(axis=1).mean()))
    return best


def test_a_person_crossing_a_line_gives_line_events_each_way(platform, http: httpx.Client) -> None:
    clip = platform.data_dir / "walks.mp4"  # the data folder is the engine's file root
    make_clip(clip, "astronaut.png")
    stream_id = create(http, f"file://{clip}")
    assigned = http.post(pipeline(stream_id, "NFV4-MPA"), json=CONFIG)
    assert assigned.status_code == 200, assigned.text
    # The clip loops: each play is in, out, in; the first play's three come
    # first, whatever the later plays have added by the time they are read.
    events = wait_for(lambda: (found := crossings(http, stream_id)) and len(found) >= 3 and found, seconds=120)
    assert [e["type"] for e in events[:3]] == ["line_in", "line_out", "line_in"], events
    first = events[:3]
    assert all(e["analytic_id"] == "NFV4-MPA" and e["label"] == "person" and e["score"] >= 0.5 for e in first)
    assert len({e["track_id"] for e in first}) == 1  # one walker, one track in a play
    for e in first:
        centre = (e["box"][0] + e["box"][2]) / 2
        assert (0.5 < centre < 0.7) if e["type"] == "line_in" else (0.3 < centre < 0.5), e
    thumbnail = http.get(first[0]["thumbnail_url"])
    assert thumbnail.status_code == 200 and thumbnail.content.startswith(b"\xff\xd8")
    # The rule: the third crossing breaks it (stored with it), one event, not
    # one per later crossing.
    reply = http.get("/vigil/v1/events", params={"stream_id": stream_id, "type": "line_count_over"})
    breaches = reply.json()["events"]
    assert len(breaches) == 1 and breaches[0]["sub_analytic"] == "rules", breaches
    assert breaches[0]["attributes"]["count"] == 3 and breaches[0]["attributes"]["line"] == "Middle"
    # The overlay view draws the counting line (and boxes) on the frames; the
    # plain view of the same stream shows none.
    assert line_share(frames(platform, f"/mjpeg/0/{stream_id}/NFV4-MPA?height=240")) > 0.6
    assert line_share(frames(platform, f"/mjpeg/0/{stream_id}?height=240")) < 0.1
    (row,) = rows(platform, stream_id)
    assert row.state == work.RUNNING
    assert http.delete(pipeline(stream_id, "NFV4-MPA")).status_code == 200
