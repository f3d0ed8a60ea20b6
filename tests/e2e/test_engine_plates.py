"""Licence plates end to end, through the real Envoy, on SQLite and
PostgreSQL: an H.264 clip made here (scikit-image's motorcycle with a plate
rendered on it in a TrueType font, then the empty scene) is a `file://`
stream; NFV4-LPR3 is assigned with Indonesian plates (the Lenz pipeline
route); the engine's worker samples it, YOLOX-Nano and PP-OCRv4 run in the
inference service, and the plate comes out once per vehicle in `GET
/vigil/v1/events`, and first in `POST /smart-search` by text, even typed
with a misread. A plate pattern that is not a regular expression is a 400."""

from __future__ import annotations

import base64

import httpx

from tests.e2e.test_engine_analysis import PLATFORM_ENV as ENGINE_ENV
from tests.e2e.test_engine_analysis import pipeline
from tests.e2e.test_engine_live import create, wait_for
from tests.plates_support import make_plate_clip

PLATFORM_ENV = ENGINE_ENV
CONFIG = {"plate_region": "ID", "reads_per_track": 3, "sample_fps": 5}


def plates(http: httpx.Client, stream_id: str) -> list[dict]:
    params: dict[str, str | int] = {"stream_id": stream_id, "analytic_id": "NFV4-LPR3", "page_size": 100}
    reply = http.get("/vigil/v1/events", params=params)
    assert reply.status_code == 200, reply.text
    return sorted(reply.json()["events"], key=lambda e: e["id"])


def test_a_plate_on_a_vehicle_is_read_once_and_found_by_text(platform, http: httpx.Client) -> None:
    clip = make_plate_clip(platform.data_dir / "plate.mp4", "B1234XYZ")  # the data folder is the file root
    stream_id = create(http, f"file://{clip}")
    assigned = http.post(pipeline(stream_id, "NFV4-LPR3"), json=CONFIG)
    assert assigned.status_code == 200, assigned.text
    events = wait_for(lambda: plates(http, stream_id), seconds=120)
    first = events[0]
    assert first["type"] == "plate_read" and first["label"] == "motorcycle", first
    assert first["primary_text"] == "B1234XYZ" and first["secondary_text"] == "motorcycle"
    assert first["score"] > 0.8 and first["attributes"]["reads"] == 3
    assert base64.b64decode(first["attributes"]["plate_jpeg"]).startswith(b"\xff\xd8")
    thumbnail = http.get(first["thumbnail_url"])
    assert thumbnail.status_code == 200 and thumbnail.content.startswith(b"\xff\xd8")
    # One vehicle, one event: the clip loops, and each later play is a new
    # track with its own event, never a second one for a track.
    events = plates(http, stream_id)
    assert len({e["track_id"] for e in events}) == len(events), events
    assert {e["primary_text"] for e in events} == {"B1234XYZ"}

    found = http.post("/smart-search", json={"type": "text", "query": "B 1284 XYZ", "stream_id": stream_id})
    assert found.status_code == 200, found.text
    best = found.json()["results"][0]
    assert best["primary_text"] == "B1234XYZ" and 0.7 < best["similarity"] < 0.8
    assert best["analytic_id"] == "NFV4-LPR3" and best["image_jpeg"]
    assert http.delete(pipeline(stream_id, "NFV4-LPR3")).status_code == 200


def test_a_plate_pattern_that_is_not_a_regular_expression_is_refused(platform, http: httpx.Client) -> None:
    stream_id = create(http, "rtsp://10.0.0.9/plates")
    reply = http.post(pipeline(stream_id, "NFV4-LPR3"), json={"plate_pattern": "([A-Z"})
    assert reply.status_code == 400, reply.text
    assert "plate_pattern is not a valid regular expression" in reply.text
