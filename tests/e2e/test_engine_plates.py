"""Licence plates end to end, through the real Envoy, on SQLite and
PostgreSQL: an H.264 clip made here (scikit-image's motorcycle with a plate
rendered on it in a TrueType font, then the empty scene) is a `file://`
stream; NFV4-LPR3 is assigned with Indonesian plates (the Lenz pipeline
route); the engine's worker samples it, YOLOX-Nano and PP-OCRv4 run in the
inference service, and the plate comes out once per vehicle in `GET
/vigil/v1/events`, and first in `POST /smart-search` by text, even typed
with a misread. A `plate_match` rule listing the plate raises a `plate_match` event beside
the read, and the overlay view draws the vehicle and its plate. A plate
pattern that is not a regular expression, or a plate rule with neither
plates nor pattern, is a 400."""

from __future__ import annotations

import base64

import httpx
import numpy as np

from services.analysis import overlay
from tests.e2e.test_engine_analysis import PLATFORM_ENV as ENGINE_ENV
from tests.e2e.test_engine_analysis import frames, pipeline
from tests.e2e.test_engine_live import create, wait_for
from tests.plates_support import make_plate_clip

PLATFORM_ENV = ENGINE_ENV
#: With two plate_match rules: the plate is on rule 0's list; rule 1's pattern does not match it.
RULES = [
    {"type": "plate_match", "plates": ["AD 77 KL", "b 1234-xyz"]},
    {"type": "plate_match", "pattern": "^AD[0-9]+[A-Z]*$"},
]
CONFIG = {"plate_region": "ID", "reads_per_track": 3, "sample_fps": 5, "rules": RULES}


def colour_pixels(pictures: list[np.ndarray], colours: list[tuple[int, int, int]]) -> int:
    """The most pixels of (nearly, after JPEG) any of `colours` in one of the pictures."""
    return max(
        sum(int((np.abs(p.astype(int) - np.array(c)).max(axis=2) < 50).sum()) for c in colours) for p in pictures
    )


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
    reads = [e for e in events if e["type"] == "plate_read"]
    first = reads[0]
    assert first["type"] == "plate_read" and first["label"] == "motorcycle", first
    assert first["primary_text"] == "B1234XYZ" and first["secondary_text"] == "motorcycle"
    assert first["score"] > 0.8 and first["attributes"]["reads"] == 3
    assert base64.b64decode(first["attributes"]["plate_jpeg"]).startswith(b"\xff\xd8")
    thumbnail = http.get(first["thumbnail_url"])
    assert thumbnail.status_code == 200 and thumbnail.content.startswith(b"\xff\xd8")
    # One vehicle, one event: the clip loops, and each later play is a new
    # track with its own event, never a second one for a track.
    events = plates(http, stream_id)
    reads = [e for e in events if e["type"] == "plate_read"]
    assert len({e["track_id"] for e in reads}) == len(reads), events
    assert {e["primary_text"] for e in events} == {"B1234XYZ"}
    # Rule 0 lists the plate: one plate_match beside each read; rule 1 never.
    matches = [e for e in events if e["type"] == "plate_match"]
    assert {(e["sub_analytic"], e["attributes"]["rule"]) for e in matches} == {("rules[0]", 0)}, events
    assert {e["track_id"] for e in matches} <= {e["track_id"] for e in reads}
    assert matches[0]["label"] == "motorcycle" and matches[0]["attributes"]["plate"] == "B1234XYZ"
    # Each match shares its read's sighting key (the link smart search groups by).
    sightings = {e["attributes"]["sighting"]: e["track_id"] for e in reads}
    assert len(sightings) == len(reads) and all(
        sightings[m["attributes"]["sighting"]] == m["track_id"] for m in matches
    )
    # The overlay view draws the vehicle and its plate (its Lenz id too); the
    # plain view of the same stream has none of those colours. The vehicle is
    # in 2 s of the clip's 5: 30 frames at 5 fps see a whole play.
    drawn = [overlay.PLATE.as_rgb(), overlay.LISTED.as_rgb()]
    for view in ("NFV4-LPR3", "NFDSS-LPR"):
        pictures = frames(platform, f"/mjpeg/0/{stream_id}/{view}?height=240&fps=5", count=30)
        assert colour_pixels(pictures, drawn) > 100, view
    assert colour_pixels(frames(platform, f"/mjpeg/0/{stream_id}?height=240&fps=5", count=30), drawn) < 10

    found = http.post("/smart-search", json={"type": "text", "query": "B 1284 XYZ", "stream_id": stream_id})
    assert found.status_code == 200, found.text
    best = found.json()["results"][0]
    assert best["primary_text"] == "B1234XYZ" and 0.7 < best["similarity"] < 0.8
    assert best["analytic_id"] == "NFV4-LPR3" and best["image_jpeg"]
    # One result per sighting: a read and its plate_match (same time) are one.
    stamps = [r["timestamp_ms"] for r in found.json()["results"]]
    assert len(set(stamps)) == len(stamps), stamps
    assert http.delete(pipeline(stream_id, "NFV4-LPR3")).status_code == 200


def test_a_plate_pattern_that_is_not_a_regular_expression_is_refused(platform, http: httpx.Client) -> None:
    stream_id = create(http, "rtsp://10.0.0.9/plates")
    reply = http.post(pipeline(stream_id, "NFV4-LPR3"), json={"plate_pattern": "([A-Z"})
    assert reply.status_code == 400, reply.text
    assert "plate_pattern is not a valid regular expression" in reply.text
    reply = http.post(pipeline(stream_id, "NFV4-LPR3"), json={"rules": [{"type": "plate_match", "plates": ["-"]}]})
    assert reply.status_code == 400, reply.text
    assert "rules[0] needs plates (at least one with a letter or digit) or a pattern" in reply.text
