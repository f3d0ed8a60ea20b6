"""Gaard's alarm-clip classification through the real Envoy, on SQLite and
PostgreSQL, with the real models: clips made from real pictures get the risk
and labels their content implies, synchronously and in the background, in
the documented shape; bad input gets Gaard's error body with a 4xx; results
belong to their tenant."""

from __future__ import annotations

import json
import re
from pathlib import Path

import grpc
import httpx
import pytest
import skimage
from google.api import httpbody_pb2

from tests.classify_support import classify, make_clip, multipart, wait_result
from tests.inference_support import model_repository
from tests.media import HOSTILE_KINDS, hostile
from vigil.classification.v1 import classification_service_pb2 as pb
from vigil.classification.v1 import classification_service_pb2_grpc

MAX_BYTES = 3 * 1024 * 1024
MAX_SECONDS = 6
PLATFORM_ENV = {"VIGIL_CLASSIFY_MAX_BYTES": str(MAX_BYTES), "VIGIL_CLASSIFY_MAX_SECONDS": str(MAX_SECONDS)}

RESULT_KEYS = [
    "id", "status", "parentId", "cameraId", "analyse_id", "tenant", "duration", "duration_seconds", "model",
    "version", "error_code", "error_msg", "risk", "labels", "scores", "video", "timing", "metadata", "created_at",
    "started_at",
]  # fmt: skip
SPECS_KEYS = {
    "width", "height", "fps", "nframes", "duration",
    "original.width", "original.height", "original.fps", "original.nframes",
}  # fmt: skip
JUDGED = {"intrusion", "person", "vehicule", "animal", "other", "text", "NOTHING"}
TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d\d:\d\d$")


@pytest.fixture(scope="module", autouse=True)
def _models() -> None:
    model_repository()


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """Small clips (640x360, 2 s, 4 fps) of real pictures, a wall and noise."""
    tmp = tmp_path_factory.mktemp("clips")
    scenes = {
        "astronaut": ["astronaut.png"],
        "camera": ["camera.png"],
        "cat": ["chelsea.png"],
        "motorcycle": ["motorcycle_left.png"],
        "text": ["text.png"],
        "wall": ["wall"],
        "noise": ["noise"],
    }
    return {name: make_clip(tmp / f"{name}.mp4", s).read_bytes() for name, s in scenes.items()}


def gaard_error(reply: httpx.Response, status: int, code: int) -> str:
    assert reply.status_code == status, reply.text
    assert reply.headers["content-type"].startswith("application/json")
    body = reply.json()
    assert set(body) == {"error_code", "error_msg"} and body["error_code"] == code, body
    return str(body["error_msg"])


def mp4(data: bytes, name: str = "video.mp4") -> tuple[str, bytes, str]:
    return (name, data, "video/mp4")


def test_sync_result_has_the_documented_shape(platform, http, clips) -> None:
    reply = classify(
        http,
        file=mp4(clips["astronaut"], "video.mov"),
        fields=[("site_id", "S-12"), ("parentId", "664371916d24ab9cf81140aa")],
        metadata={"no_trans": "20818", "parc_origine": "RO", "camera_id": 134188},
    )
    assert reply.status_code == 200, reply.text
    result = reply.json()
    assert list(result) == RESULT_KEYS  # every documented key, in the document's order
    assert result["status"] == {"classify": "done", "video": "done"}
    assert re.fullmatch(r"[0-9a-f]{24}", result["id"])
    assert (result["tenant"], result["parentId"], result["cameraId"]) == ("acme", "664371916d24ab9cf81140aa", "134188")
    assert 0 <= result["analyse_id"] < 2**32
    assert result["metadata"] == {
        "site_id": "S-12",
        "parentId": "664371916d24ab9cf81140aa",
        "no_trans": "20818",
        "parc_origine": "RO",
        "camera_id": 134188,
    }
    assert (result["model"], result["version"]) == ("yolox_nano+ppocr_det", "1+1")
    assert (result["error_code"], result["error_msg"]) == (0, "")
    assert result["duration"] >= 1 and result["duration_seconds"] == result["duration"] // 1000
    assert 0 < result["timing"]["total"] <= result["duration"] + 1
    assert TIMESTAMP.match(result["created_at"]) and TIMESTAMP.match(result["started_at"])
    video = result["video"]
    assert (video["videoname"], video["filesize"]) == ("video.mov", len(clips["astronaut"]))
    assert set(video["specs"]) == SPECS_KEYS
    specs = video["specs"]
    assert (specs["original.width"], specs["original.height"], specs["original.fps"]) == (640, 360, 4)
    assert (specs["original.nframes"], specs["duration"]) == (8, 2)
    assert (specs["width"], specs["height"], specs["nframes"], specs["fps"]) == (568, 320, 6, 3)
    assert set(result["scores"]) == JUDGED  # flag, plant, web, spider, rain, wind: not judged, not invented
    assert all(0 <= v <= 1 for v in result["scores"].values())
    # The result is kept: GET prints exactly the same JSON.
    again = http.get(f"/api/result/{result['id']}", params={"tenant": "acme"})
    assert again.status_code == 200 and again.json() == result
    assert list(again.json()) == RESULT_KEYS


@pytest.mark.parametrize("clip", ["astronaut", "camera"])
def test_a_person_is_not_safe(platform, http, clips, clip) -> None:
    result = classify(http, file=mp4(clips[clip])).json()
    assert result["risk"] != "safe"
    assert "person" in result["labels"] and "intrusion" in result["labels"]
    assert result["scores"]["person"] >= 0.5
    assert result["scores"]["NOTHING"] < result["scores"]["person"]


def test_a_motorcycle_is_a_vehicle_and_not_safe(platform, http, clips) -> None:
    result = classify(http, file=mp4(clips["motorcycle"])).json()
    assert result["risk"] != "safe"
    assert "vehicule" in result["labels"]
    assert result["scores"]["vehicule"] > result["scores"]["person"]


def test_only_a_cat_is_safe_with_animal(platform, http, clips) -> None:
    result = classify(http, file=mp4(clips["cat"])).json()
    assert result["risk"] == "safe"
    assert "animal" in result["labels"]
    assert "person" not in result["labels"] and "intrusion" not in result["labels"]


def test_printed_text_is_text_and_safe(platform, http, clips) -> None:
    result = classify(http, file=mp4(clips["text"])).json()
    assert result["risk"] == "safe"
    assert "text" in result["labels"]


@pytest.mark.parametrize("clip", ["wall", "noise"])
def test_an_empty_clip_is_safe_with_nothing_highest(platform, http, clips, clip) -> None:
    result = classify(http, file=mp4(clips[clip])).json()
    assert result["risk"] == "safe"
    scores = result["scores"]
    assert max(scores, key=scores.get) == "NOTHING"
    assert result["labels"] == ["NOTHING"]


def test_async_pending_then_done(platform, http, clips) -> None:
    reply = classify(http, file=mp4(clips["camera"]), sync=False, fields=[("camera_id", "134188-VI08")])
    assert reply.status_code == 200, reply.text
    accepted = reply.json()
    assert set(accepted) == {"id", "accepted_at"} and TIMESTAMP.match(accepted["accepted_at"])
    first = http.get(f"/api/result/{accepted['id']}", params={"tenant": "acme"}).json()
    assert list(first) == RESULT_KEYS
    assert first["status"]["classify"] in ("pending", "done")
    assert first["created_at"] == accepted["accepted_at"]
    assert first["video"]["specs"]["original.width"] == 640  # known from the probe, before decoding
    result = wait_result(http, accepted["id"])
    assert result["status"] == {"classify": "done", "video": "done"}
    assert result["cameraId"] == "134188-VI08"
    assert result["risk"] != "safe" and "person" in result["labels"]


def test_results_belong_to_their_tenant(platform, http, clips) -> None:
    accepted = classify(http, file=mp4(clips["wall"]), sync=False, tenant="tenant-a").json()
    wait_result(http, accepted["id"], tenant="tenant-a")
    url = f"/api/result/{accepted['id']}"
    gaard_error(http.get(url, params={"tenant": "tenant-b"}), 404, 3001)
    # No tenant given: the document shows none, so the result is found by id.
    assert http.get(url).json()["id"] == accepted["id"]
    gaard_error(http.get("/api/result/664371916d24ab9cf81140ec", params={"tenant": "t"}), 404, 3001)


def test_bad_input_gets_a_gaard_error(platform, http, clips, tmp_path: Path) -> None:
    assert "tenant" in gaard_error(classify(http, tenant=None, file=mp4(clips["wall"])), 400, 1001)
    assert "video" in gaard_error(classify(http), 400, 1002)
    assert "not a video" in gaard_error(classify(http, file=mp4(b"%PDF-1.4 not a video" * 50, "a.mp4")), 415, 2001)
    for kind in HOSTILE_KINDS:  # playlists naming local files and addresses, a huge frame: refused unread
        message = gaard_error(classify(http, file=mp4(hostile(kind), f"{kind}.mp4")), 415, 2001)
        assert "playlists are not opened" in message or "over the limit" in message, (kind, message)
    png = (Path(str(skimage.__file__)).parent / "data" / "astronaut.png").read_bytes()
    assert "picture" in gaard_error(classify(http, file=("a.png", png, "image/png")), 415, 2001)
    cut = clips["camera"][: len(clips["camera"]) // 2]  # the MP4's index is at its end: gone
    assert "incomplete" in gaard_error(classify(http, file=mp4(cut)), 422, 2002)
    long = make_clip(tmp_path / "long.mp4", ["wall"], seconds=MAX_SECONDS + 1, fps=2, width=64, height=48)
    assert "longer than the maximum" in gaard_error(classify(http, file=mp4(long.read_bytes())), 422, 2003)
    big = bytes(MAX_BYTES + 1)
    assert str(MAX_BYTES) in gaard_error(classify(http, file=mp4(big)), 413, 1003)
    bad_meta = classify(http, file=mp4(clips["wall"]), fields=[("metadata", "[1, 2")])
    assert "metadata" in gaard_error(bad_meta, 400, 1000)
    raw = http.post("/api/classify?sync=true", content=clips["wall"], headers={"Content-Type": "video/mp4"})
    assert "multipart" in gaard_error(raw, 400, 1000)
    gaard_error(http.post("/api/classify?sync=true", json={"tenant": "t"}), 400, 1000)
    assert "sync" in gaard_error(http.post("/api/classify?sync=maybe"), 400, 1000)


def test_a_truncated_clip_accepted_in_the_background_fails_with_its_code(platform, http, clips, tmp_path: Path) -> None:
    whole = make_clip(tmp_path / "fs.mp4", ["camera.png", "chelsea.png"], seconds=3, fps=5, faststart=True)
    data = whole.read_bytes()
    cut = data[: len(data) * 2 // 3]  # the index first: the start looks fine, the frames stop early
    accepted = classify(http, file=mp4(cut), sync=False)
    assert accepted.status_code == 200, accepted.text
    result = wait_result(http, accepted.json()["id"])
    assert result["status"] == {"classify": "failed", "video": "failed"}
    assert result["error_code"] == 2002 and "truncated" in result["error_msg"]
    assert (result["risk"], result["labels"], result["scores"]) == ("", [], {})
    assert list(result) == RESULT_KEYS


def test_grpc_callers_get_the_typed_outcome(platform, http, clips) -> None:
    body, ctype = multipart([("tenant", "acme")], mp4(clips["cat"]))
    half = len(body) // 2
    with grpc.insecure_channel(platform.grpc_target("classification")) as channel:
        stub = classification_service_pb2_grpc.ClassificationServiceStub(channel)
        reply = stub.Classify(
            iter(
                [
                    pb.ClassifyRequest(
                        sync=True, http_body=httpbody_pb2.HttpBody(content_type=ctype, data=body[:half])
                    ),
                    pb.ClassifyRequest(http_body=httpbody_pb2.HttpBody(data=body[half:])),
                ]
            ),
            timeout=120,
        )
        assert reply.WhichOneof("outcome") == "result"
        printed = json.loads(reply.http_body.data)
        assert reply.http_body.content_type == "application/json"
        assert (printed["id"], printed["risk"], printed["labels"]) == (
            reply.result.id,
            reply.result.risk,
            list(reply.result.labels),
        )
        got = stub.GetResult(pb.GetResultRequest(id=reply.result.id, tenant="acme"), timeout=10)
        assert got.scores == reply.result.scores
        queued = stub.Classify(
            iter([pb.ClassifyRequest(http_body=httpbody_pb2.HttpBody(content_type=ctype, data=body))]), timeout=60
        )
        assert queued.WhichOneof("outcome") == "accepted"
        assert json.loads(queued.http_body.data) == {
            "id": queued.accepted.id,
            "accepted_at": queued.accepted.accepted_at,
        }
    # The REST edge prints the same bytes the servicer put in http_body.
    rest = http.get(f"/api/result/{reply.result.id}", params={"tenant": "acme"}).json()
    assert rest == printed
