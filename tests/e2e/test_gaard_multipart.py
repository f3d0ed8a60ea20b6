"""Gaard `POST /api/classify` forms as clients send them, through the real
Envoy on SQLite and PostgreSQL: `curl -F video=@clip.mp4 -F tenant=t -F
metadata=@metadata.json` (metadata as a JSON file part), a video found by its
type, a metadata part that is not an object (400 in Gaard's shape), and
`GET /api/result/{id}` without a `tenant` (as the document shows it)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.classify_support import make_clip
from tests.conftest import http_client
from tests.inference_support import model_repository

META = {"no_trans": "20818", "parc_origine": "RO", "camera_id": 134188}


@pytest.fixture(scope="module", autouse=True)
def _models() -> None:
    model_repository()


@pytest.fixture(scope="module")
def http(platform: Any) -> Iterator[httpx.Client]:
    """One persistent-connection client for the module, as users drive the edge."""
    with http_client(platform, timeout=120) as client:
        yield client


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    return make_clip(tmp_path_factory.mktemp("gaard") / "wall.mp4", ["wall"]).read_bytes()


def gaard_error(reply: httpx.Response, status: int, code: int) -> str:
    assert reply.status_code == status, reply.text
    assert reply.headers["content-type"].startswith("application/json")
    body = reply.json()
    assert set(body) == {"error_code", "error_msg"} and body["error_code"] == code, body
    return str(body["error_msg"])


def test_curl_form_with_a_metadata_file(http: httpx.Client, clip: bytes) -> None:
    reply = http.post(
        "/api/classify",
        params={"sync": "true"},
        data={"tenant": "t", "site_id": "s1"},
        files={
            "video": ("clip.mp4", clip, "video/mp4"),
            "metadata": ("metadata.json", json.dumps(META).encode(), "application/json"),
        },
    )
    assert reply.status_code == 200, reply.text
    result = reply.json()
    assert result["metadata"] == {**META, "site_id": "s1"}
    assert (result["tenant"], result["cameraId"], result["video"]["videoname"]) == ("t", "134188", "clip.mp4")
    assert result["status"]["classify"] == "done"
    # The result is readable with no tenant (the document's route has none) and by its tenant.
    again = http.get(f"/api/result/{result['id']}")
    assert again.status_code == 200, again.text
    assert again.json()["metadata"] == result["metadata"]
    assert http.get(f"/api/result/{result['id']}", params={"tenant": "t"}).status_code == 200
    gaard_error(http.get(f"/api/result/{result['id']}", params={"tenant": "other"}), 404, 3001)


def test_the_video_found_by_its_extension(http: httpx.Client, clip: bytes) -> None:
    reply = http.post(
        "/api/classify",
        data={"tenant": "t"},
        files={
            "metadata": ("m.json", b'{"cameraId": "cam-9"}', "application/octet-stream"),
            "recording": ("alarm.mp4", clip, "application/octet-stream"),
        },
    )
    assert reply.status_code == 200, reply.text
    accepted = reply.json()
    assert set(accepted) == {"id", "accepted_at"}
    result = http.get(f"/api/result/{accepted['id']}").json()
    assert (result["cameraId"], result["video"]["videoname"]) == ("cam-9", "alarm.mp4")


@pytest.mark.parametrize("metadata", [b"[1, 2]", b"not json"])
def test_metadata_not_a_json_object_is_a_gaard_400(http: httpx.Client, clip: bytes, metadata: bytes) -> None:
    as_file = http.post(
        "/api/classify",
        data={"tenant": "t"},
        files={"video": ("clip.mp4", clip, "video/mp4"), "metadata": ("m.json", metadata, "application/json")},
    )
    assert "metadata" in gaard_error(as_file, 400, 1000)
    as_text = http.post(
        "/api/classify",
        data={"tenant": "t", "metadata": metadata.decode()},
        files={"video": ("clip.mp4", clip, "video/mp4")},
    )
    assert "metadata" in gaard_error(as_text, 400, 1000)


def test_two_videos_or_a_stray_file_are_refused(http: httpx.Client, clip: bytes) -> None:
    two = http.post(
        "/api/classify",
        data={"tenant": "t"},
        files={"a": ("a.mp4", clip, "video/mp4"), "b": ("b.mov", clip, "video/quicktime")},
    )
    assert gaard_error(two, 400, 1000) == "the form has more than one video file"
    stray = http.post(
        "/api/classify",
        data={"tenant": "t"},
        files={"video": ("clip.mp4", clip, "video/mp4"), "notes": ("n.txt", b"hello", "text/plain")},
    )
    assert "'notes'" in gaard_error(stray, 400, 1000)


def test_unknown_result_without_a_tenant_is_a_gaard_404(http: httpx.Client) -> None:
    gaard_error(http.get("/api/result/664371916d24ab9cf81140ec"), 404, 3001)
    gaard_error(http.get("/api/result/" + "x" * 300), 404, 3001)
