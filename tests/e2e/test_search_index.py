"""Smart-search indexing (`NFV4-SS`) and Extract end to end, through the
real Envoy, on SQLite and PostgreSQL: an H.264 clip of the astronaut is a
`file://` stream with `NFV4-SS` assigned, the engine indexes her face
(`face_seen` with an embedding, no recognition) and her person
(`object_seen`); `POST /extract/{node}/{stream}/NFV4-SS` indexes an outside
picture at once (her photo: a face and a person, with its metadata); smart
search by image finds the extracted face and the stream's, by text the
person; Extract refuses a stream without the pipeline (404 `pipeline not
found`, as documented) and a picture that is not a base64 JPEG (400)."""

from __future__ import annotations

import httpx

from tests.e2e.test_engine_analysis import PLATFORM_ENV as ENGINE_ENV
from tests.e2e.test_engine_analysis import pipeline
from tests.e2e.test_engine_live import create, wait_for
from tests.e2e.test_faces import b64, error
from tests.faces_support import astronaut, clip_frames, make_clip

PLATFORM_ENV = ENGINE_ENV
CONFIG = {"object_confidence_threshold": 0.5, "sample_fps": 5, "index_faces": True, "index_objects": True}


def events(http: httpx.Client, stream_id: str) -> list[dict]:
    reply = http.get("/vigil/v1/events", params={"stream_id": stream_id, "page_size": 100})
    assert reply.status_code == 200, reply.text
    return sorted(reply.json()["events"], key=lambda e: e["id"])


def test_a_stream_is_indexed_and_an_outside_picture_extracted(platform, http: httpx.Client) -> None:
    clip = make_clip(platform.data_dir / "index.mp4", clip_frames())
    stream_id = create(http, f"file://{clip}")
    error(http.post(f"/extract/0/{stream_id}/NFV4-SS", json={"image": b64(astronaut())}), 404, "pipeline not found")
    assert http.post(pipeline(stream_id, "NFV4-SS"), json=CONFIG).status_code == 200

    def indexed() -> list[dict]:
        found = events(http, stream_id)
        types = {(e["type"], e["label"]) for e in found}
        return found if {("face_seen", "face"), ("object_seen", "person")} <= types else []

    found = wait_for(indexed, seconds=120)
    assert all(e["analytic_id"] == "NFV4-SS" for e in found)
    assert not any(e["type"] in ("person_recognised", "stranger") for e in found)  # indexing, not recognition
    assert http.delete(pipeline(stream_id, "NFV4-SS")).status_code == 200
    error(http.post(f"/extract/0/{stream_id}/NFV4-SS", json={"image": b64(astronaut())}), 404, "pipeline not found")

    assert http.post(pipeline(stream_id, "NFV4-SS"), json={**CONFIG, "sample_fps": 0.1}).status_code == 200
    before = {e["id"] for e in events(http, stream_id)}
    body = {"image": b64(astronaut()), "metadata": {"source": "external-api", "camera": "gate"}}
    reply = http.post(f"/extract/0/{stream_id}/NFV4-SS", json=body)
    assert reply.status_code == 200, reply.text
    assert reply.json() == {
        "code": 200,
        "message": "payload successfully pushed to pipeline",
        "node_num": 0,
        "stream_id": stream_id,
        "pipeline_id": "NFV4-SS",
    }
    extracted = [
        e for e in events(http, stream_id) if e["id"] not in before and e["attributes"].get("source") == "extract"
    ]
    assert {(e["type"], e["label"]) for e in extracted} >= {("face_seen", "face"), ("object_seen", "person")}
    assert all(e["attributes"]["metadata"] == {"source": "external-api", "camera": "gate"} for e in extracted)
    face = next(e for e in extracted if e["type"] == "face_seen")

    by_image = http.post("/smart-search", json={"type": "image", "query": b64(astronaut()), "stream_id": stream_id})
    assert by_image.status_code == 200, by_image.text
    results = by_image.json()["results"]
    assert results[0]["similarity"] > 0.95 and results[0]["analytic_id"] == "NFV4-SS"  # her own photo, extracted
    assert len([r for r in results if r["similarity"] > 0.6]) >= 2  # and her face on the stream
    assert face["id"] and all(r["stream_id"] == stream_id for r in results)
    by_text = http.post("/smart-search", json={"type": "text", "query": "person", "stream_id": stream_id})
    assert by_text.status_code == 200 and by_text.json()["results"], by_text.text

    for image, status in [("bm90IGEganBlZw==", 400), ("", 400)]:
        reply = http.post(f"/extract/0/{stream_id}/NFV4-SS", json={"image": image})
        assert reply.status_code == status, reply.text
    error(http.post(f"/extract/0/{stream_id}/NFV4-FR", json={"image": b64(astronaut())}), 404, "pipeline not found")
    error(http.post(f"/extract/3/{stream_id}/NFV4-SS", json={"image": b64(astronaut())}), 404, "pipeline not found")
