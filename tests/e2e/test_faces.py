"""Face recognition end to end, through the real Envoy, on SQLite and
PostgreSQL: the astronaut is enrolled on a watch list through
`/vigil/v1/watchlists` (a photo with no face or two faces is a clear 400),
an H.264 clip made from her picture is a `file://` stream with `NFV4-FR`
assigned with event rules, the engine recognises her (`person_recognised`
with her name and note, beside a `face_seen` with its thumbnail, and a
`watchlist_match` for the rule naming her list), the overlay view draws her
face in the recognised colour, and `POST /smart-search`
with her photo finds that face first; a query with no face is a 400."""

from __future__ import annotations

import base64

import httpx
import numpy as np

from services.analysis import overlay
from tests.e2e.test_engine_analysis import PLATFORM_ENV as ENGINE_ENV
from tests.e2e.test_engine_analysis import frames, pipeline
from tests.e2e.test_engine_live import create, wait_for
from tests.faces_support import astronaut, clip_frames, jpeg_of, make_clip, two_people
from tests.inference_support import picture

PLATFORM_ENV = ENGINE_ENV
CONFIG = {"object_confidence_threshold": 0.5, "similarity_threshold": 0.5, "min_face_size": 32, "sample_fps": 5}
WHOLE = [{"x": 0, "y": 0}, {"x": 1, "y": 0}, {"x": 1, "y": 1}, {"x": 0, "y": 1}]
#: Event rules: her list fires; a list she is not on, and unknown faces, do not.
RULES = [
    {"type": "watchlist_match", "watchlist": "crew", "min_similarity": 0.5},
    {"type": "watchlist_match", "watchlist": "guests", "min_similarity": 0.4},
    {"type": "unknown_face", "area": "Frame"},
]


def colour_pixels(pictures: list[np.ndarray], colour: tuple[int, int, int]) -> int:
    """The most pixels of (nearly, after JPEG) `colour` in one of the pictures."""
    return max(int((np.abs(p.astype(int) - np.array(colour)).max(axis=2) < 50).sum()) for p in pictures)


def b64(rgb: np.ndarray) -> str:
    return base64.b64encode(jpeg_of(rgb)).decode()


def error(reply: httpx.Response, status: int, message: str | None = None) -> None:
    assert reply.status_code == status, reply.text
    body = reply.json()
    assert set(body) == {"code", "message"} and body["code"] == status
    if message is not None:
        assert body["message"] == message, body


def test_watch_lists_enrol_one_face_per_photo(http: httpx.Client) -> None:
    made = http.post("/vigil/v1/watchlists", json={"name": "visitors", "description": "front desk"})
    assert made.status_code == 200, made.text
    listed = made.json()["watchlist"]
    assert listed["name"] == "visitors" and listed["person_count"] == 0
    error(http.post("/vigil/v1/watchlists", json={"name": "visitors"}), 409)
    error(http.post("/vigil/v1/watchlists", json={"name": " "}), 400, "name is required")
    wid = listed["watchlist_id"]
    person = http.post(f"/vigil/v1/watchlists/{wid}/persons", json={"name": "Cameraman"}).json()["person"]
    pid = person["person_id"]
    error(
        http.post(f"/vigil/v1/persons/{pid}/photos", json={"image": b64(picture("chelsea.png"))}), 400, "no face found"
    )
    error(
        http.post(f"/vigil/v1/persons/{pid}/photos", json={"image": b64(two_people())}),
        400,
        "more than one face (2 found): enrol a photo of one person",
    )
    error(http.post(f"/vigil/v1/persons/{pid}/photos", json={"image": "bm90IGEganBlZw=="}), 400)
    error(
        http.post(f"/vigil/v1/persons/{pid + 1000}/photos", json={"image": b64(astronaut())}), 404, "person not found"
    )
    photo = http.post(f"/vigil/v1/persons/{pid}/photos", json={"image": b64(picture("camera.png"))})
    assert photo.status_code == 200, photo.text
    assert photo.json()["photo"]["warning"].startswith("yaw")  # in profile: enrolled, with a warning
    got = http.get(f"/vigil/v1/persons/{pid}").json()["person"]
    assert [p["photo_id"] for p in got["photos"]] == [photo.json()["photo"]["photo_id"]]
    assert http.get(f"/vigil/v1/watchlists/{wid}").json()["watchlist"]["person_count"] == 1
    assert http.delete(f"/vigil/v1/watchlists/{wid}").status_code == 200
    error(http.get(f"/vigil/v1/persons/{pid}"), 404, "person not found")
    error(http.get(f"/vigil/v1/watchlists/{wid}"), 404, "watch list not found")


def test_an_enrolled_person_is_recognised_on_a_stream_and_found_by_photo(platform, http: httpx.Client) -> None:
    wid = http.post("/vigil/v1/watchlists", json={"name": "crew"}).json()["watchlist"]["watchlist_id"]
    person = http.post(f"/vigil/v1/watchlists/{wid}/persons", json={"name": "Eileen Collins", "note": "STS-93"})
    pid = person.json()["person"]["person_id"]
    enrolled = http.post(f"/vigil/v1/persons/{pid}/photos", json={"image": b64(astronaut())})
    assert enrolled.status_code == 200, enrolled.text

    other = http.post("/vigil/v1/watchlists", json={"name": "guests"}).json()["watchlist"]["watchlist_id"]
    guest = http.post(f"/vigil/v1/watchlists/{other}/persons", json={"name": "Cameraman"}).json()["person"]
    photo = http.post(f"/vigil/v1/persons/{guest['person_id']}/photos", json={"image": b64(picture("camera.png"))})
    assert photo.status_code == 200, photo.text

    clip = make_clip(platform.data_dir / "face.mp4", clip_frames())  # the data folder is the engine's file root
    stream_id = create(http, f"file://{clip}")
    # A rule naming an area the config lacks could never fire: refused.
    refused = http.post(pipeline(stream_id, "NFV4-FR"), json={**CONFIG, "rules": RULES})
    assert refused.status_code == 400 and "rules[2].area Frame is not one of the config's areas" in refused.text
    config = {**CONFIG, "areas": [{"name": "Frame", "points": WHOLE}], "rules": RULES}
    assigned = http.post(pipeline(stream_id, "NFV4-FR"), json=config)
    assert assigned.status_code == 200, assigned.text

    def events() -> list[dict]:
        reply = http.get("/vigil/v1/events", params={"stream_id": stream_id, "page_size": 100})
        assert reply.status_code == 200, reply.text
        return sorted(reply.json()["events"], key=lambda e: e["id"])

    found = wait_for(lambda: (e := events()) and any(x["type"] == "person_recognised" for x in e) and e, seconds=120)
    recognised = next(e for e in found if e["type"] == "person_recognised")
    assert recognised["primary_text"] == "Eileen Collins" and recognised["secondary_text"] == "STS-93"
    assert recognised["analytic_id"] == "NFV4-FR" and recognised["attributes"]["similarity"] > 0.8
    seen = next(e for e in found if e["type"] == "face_seen" and e["track_id"] == recognised["track_id"])
    shot = http.get(seen["thumbnail_url"])
    assert shot.status_code == 200 and shot.content.startswith(b"\xff\xd8")
    assert not any(e["type"] == "stranger" for e in found)
    # The rules: one watchlist_match for her list (rule 0) per decided track;
    # none for the other list (the cameraman is not like her), no unknown_face.
    found = wait_for(lambda: (e := events()) and any(x["type"] == "watchlist_match" for x in e) and e, seconds=60)
    matched = [e for e in found if e["type"] == "watchlist_match"]
    assert {(e["sub_analytic"], e["attributes"]["rule"], e["attributes"]["watchlist"]) for e in matched} == {
        ("rules[0]", 0, "crew")
    }
    assert matched[0]["primary_text"] == "Eileen Collins" and matched[0]["attributes"]["similarity"] > 0.8
    assert not any(e["type"] == "unknown_face" for e in found)
    # The overlay view draws her box in the recognised colour (its Lenz id
    # too); the plain view of the same stream has none of it.
    green = overlay.RECOGNISED.as_rgb()
    assert colour_pixels(frames(platform, f"/mjpeg/0/{stream_id}/NFV4-FR?height=240"), green) > 100
    assert colour_pixels(frames(platform, f"/mjpeg/0/{stream_id}/NFDSS-FR?height=240"), green) > 100
    assert colour_pixels(frames(platform, f"/mjpeg/0/{stream_id}?height=240"), green) < 10
    assert http.delete(pipeline(stream_id, "NFV4-FR")).status_code == 200

    reply = http.post("/smart-search", json={"type": "image", "query": b64(astronaut()), "stream_id": stream_id})
    assert reply.status_code == 200, reply.text
    results = reply.json()["results"]
    assert results and results[0]["primary_text"] == "Eileen Collins" and results[0]["similarity"] > 0.8
    assert results[0]["stream_id"] == stream_id and results[0]["analytic_id"] == "NFV4-FR"
    assert base64.b64decode(results[0]["image_jpeg"]).startswith(b"\xff\xd8")
    for query, message in [
        (b64(picture("chelsea.png")), "no face found in query image"),
        ("bm90IGEganBlZw==", "query is not a base64 JPEG"),
    ]:
        error(http.post("/smart-search", json={"type": "image", "query": query}), 400, message)
