"""FindFace video archives through the real Envoy, with the document's
examples (../shared/seeds/003), on SQLite and PostgreSQL: create, read,
replace, patch, delete, raw source upload, screenshots, processing state,
filters, ordering and cursor pages."""

from __future__ import annotations

import hashlib
import io
from datetime import UTC, datetime, timedelta
from pathlib import Path

import av
import httpx
import pytest

from tests.e2e.uploads_client import sha256
from tests.media import HOSTILE_KINDS, hostile, make_h264

SHARED = Path(__file__).resolve().parents[3] / "shared" / "seeds"
ARCHIVE_KEYS = {
    "id",
    "camera_group",
    "name",
    "url",
    "camera",
    "processing_start_date",
    "active",
    "screenshot",
    "stream_settings",
    "source_len",
    "health_status",
    "finished",
    "queued",
    "face_count",
    "file_size",
    "created_date",
    "body_count",
    "car_count",
    "case",
    "face_cluster_count",
    "body_cluster_count",
    "car_cluster_count",
}
SETTINGS_KEYS = {
    "detectors",
    "disable_drops",
    "ffmpeg_format",
    "ffmpeg_params",
    "imotion_threshold",
    "play_speed",
    "rot",
    "router_timeout_ms",
    "router_verify_ssl",
    "start_stream_timestamp",
    "stream_data_filter",
    "use_stream_timestamp",
    "video_transform",
    "enable_recorder",
    "enable_liveness",
}
# The detector defaults of the document's create answer.
FACE = {
    "filter_max_size": 8192,
    "filter_min_quality": 0.45,
    "filter_min_size": 60,
    "fullframe_crop_rot": False,
    "fullframe_use_png": False,
    "jpeg_quality": 95,
    "overall_only": True,
    "post_best_track_frame": True,
    "post_best_track_normalize": True,
    "post_first_track_frame": False,
    "post_last_track_frame": False,
    "realtime_post_every_interval": False,
    "realtime_post_first_immediately": False,
    "realtime_post_interval": 1,
    "roi": "",
    "track_interpolate_bboxes": True,
    "track_max_duration_frames": 0,
    "track_miss_interval": 1,
    "track_overlap_threshold": 0.25,
    "track_send_history": False,
    "tracker_type": "simple_iou",
    "track_deep_sort_matching_threshold": 0.65,
    "track_deep_sort_filter_unconfirmed_tracks": True,
}
BODY = FACE | {"filter_min_quality": 0.6, "filter_min_size": 70}
CAR = FACE | {"filter_min_quality": 0.73, "filter_min_size": 100}
OTHER_DEFAULTS = {
    "disable_drops": True,
    "ffmpeg_format": "",
    "ffmpeg_params": [],
    "imotion_threshold": 0,
    "play_speed": -1,
    "rot": "",
    "router_timeout_ms": 15000,
    "router_verify_ssl": True,
    "start_stream_timestamp": 0,
    "stream_data_filter": "",
    "use_stream_timestamp": False,
    "video_transform": "",
    "enable_recorder": False,
    "enable_liveness": False,
}
# The document's reference request body, every key with a placeholder value.
REFERENCE_DETECTOR = {
    "filter_max_size": 0,
    "filter_min_quality": 0,
    "filter_min_size": 0,
    "fullframe_crop_rot": False,
    "fullframe_use_png": False,
    "jpeg_quality": 0,
    "overall_only": False,
    "post_best_track_frame": False,
    "post_best_track_normalize": False,
    "post_first_track_frame": False,
    "post_last_track_frame": False,
    "realtime_post_every_interval": False,
    "realtime_post_first_immediately": False,
    "realtime_post_interval": 0,
    "roi": "string",
    "track_interpolate_bboxes": False,
    "track_max_duration_frames": 0,
    "track_miss_interval": 0,
    "track_overlap_threshold": 0,
    "track_send_history": False,
    "tracker_type": "string",
    "track_deep_sort_matching_threshold": 0,
    "track_deep_sort_filter_unconfirmed_tracks": False,
}
REFERENCE_BODY = {
    "camera_group": 0,
    "name": "A",
    "url": "A",
    "camera": 0,
    "stream_settings": {
        "detectors": {"face": REFERENCE_DETECTOR, "body": REFERENCE_DETECTOR, "car": REFERENCE_DETECTOR},
        "disable_drops": False,
        "ffmpeg_format": "string",
        "ffmpeg_params": ["A"],
        "imotion_threshold": 0,
        "play_speed": 0,
        "rot": "string",
        "router_timeout_ms": 0,
        "router_verify_ssl": False,
        "start_stream_timestamp": 0,
        "stream_data_filter": "string",
        "use_stream_timestamp": False,
        "video_transform": "string",
        "enable_recorder": False,
        "enable_liveness": False,
    },
    "case": 0,
}


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    return make_h264(tmp_path_factory.mktemp("media") / "pittjolie.mp4", seconds=2.5, noise=True).read_bytes()


def _error(reply: httpx.Response, status: int, code: str) -> str:
    assert reply.status_code == status, reply.text
    body = reply.json()
    assert set(body) == {"code", "desc"} and body["code"] == code, body
    return str(body["desc"])


def _create(http: httpx.Client, body: dict | None = None, **headers: str) -> dict:
    reply = http.post("/videos/", json=body or {"camera_group": 1, "name": "Pitt&Jolie"}, headers=headers)
    assert reply.status_code == 201, reply.text
    return reply.json()


def _upload(http: httpx.Client, archive_id: int, data: bytes, content_type: str = "video/mp4") -> httpx.Response:
    return http.put(f"/videos/{archive_id}/upload/source_file/", content=data, headers={"Content-Type": content_type})


def test_create_as_documented(platform, http) -> None:
    created = _create(http, None, **{"Accept-Language": "ru", "Content-Language": "ru"})
    assert set(created) == ARCHIVE_KEYS
    assert (created["camera_group"], created["name"], created["url"], created["camera"]) == (
        1,
        "Pitt&Jolie",
        None,
        None,
    )
    assert created["processing_start_date"] is None and created["active"] is False
    assert created["screenshot"] == platform.url(f"/videos/{created['id']}/screenshot/")
    settings = created["stream_settings"]
    assert set(settings) == SETTINGS_KEYS
    assert settings["detectors"] == {"face": FACE, "body": BODY, "car": CAR}
    assert {k: v for k, v in settings.items() if k != "detectors"} == OTHER_DEFAULTS
    assert created["source_len"] is None and created["file_size"] == 0
    assert created["health_status"] == {
        "enabled": False,
        "status": "DISABLED",
        "msg": "",
        "statistic": {},
        "code": "gray",
        "code_desc": "Обработка видео не запущена",
    }
    assert (created["finished"], created["queued"], created["face_count"], created["case"]) == (False, False, 0, None)
    created_date = datetime.fromisoformat(created["created_date"].replace("Z", "+00:00"))
    assert abs(datetime.now(UTC) - created_date) < timedelta(minutes=5)
    assert created["created_date"].endswith("Z") and "." in created["created_date"]
    assert http.get(f"/videos/{created['id']}/").json() == created | {
        "health_status": created["health_status"] | {"code_desc": "Video processing is not started"}
    }


def test_the_reference_request_example_is_accepted(platform, http) -> None:
    created = _create(http, REFERENCE_BODY)
    assert (created["url"], created["camera"], created["case"]) == ("A", 0, 0)
    assert created["stream_settings"]["detectors"]["car"] == REFERENCE_DETECTOR
    assert created["stream_settings"]["ffmpeg_params"] == ["A"]


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        ({"name": "x"}, "camera_group"),
        ({"camera_group": 1}, "name"),
        ({"camera_group": 1, "name": ""}, "name"),
        ({"camera_group": 1, "name": "n" * 257}, "name"),
        ({"camera_group": 1, "name": "x", "url": ""}, "url"),
        ({"camera_group": 1, "name": "x", "camera": "seven"}, "camera"),
        ({"camera_group": 1, "name": "x", "stream_settings": {"colour": "red"}}, "colour"),
        ({"camera_group": 1, "name": "x", "stream_settings": {"detectors": {"face": {"size": 1}}}}, "size"),
        ({"camera_group": 1, "name": "x", "stream_settings": {"detectors": {"face": {"roi": 5}}}}, "detectors.face"),
        ({"camera_group": 1, "name": "x", "stream_settings": {"ffmpeg_params": [""]}}, "ffmpeg_params"),
        ({"camera_group": 1, "name": "x", "nmae": "typo"}, "nmae"),
    ],
)
def test_bad_bodies(platform, http, body: dict, needle: str) -> None:
    assert needle in _error(http.post("/videos/", json=body), 400, "BAD_PARAM")


def test_put_patch_and_delete(platform, http) -> None:
    created = _create(http)
    url = f"/videos/{created['id']}/"
    patched = http.patch(
        url,
        json={
            "camera": 4,
            "stream_settings": {"play_speed": 2, "detectors": {"face": {"jpeg_quality": 80}, "car": None}},
        },
    ).json()
    assert patched["name"] == "Pitt&Jolie" and patched["camera"] == 4
    settings = patched["stream_settings"]
    assert settings["play_speed"] == 2 and settings["router_timeout_ms"] == 15000
    assert settings["detectors"]["face"] == FACE | {"jpeg_quality": 80}
    assert settings["detectors"]["car"] is None and settings["detectors"]["body"] == BODY
    _error(http.put(url, json={"name": "only a name"}), 400, "BAD_PARAM")
    replaced = http.put(url, json={"camera_group": 2, "name": "Replaced", "stream_settings": {"rot": "10x10+0+0"}})
    assert replaced.status_code == 200, replaced.text
    body = replaced.json()
    assert (body["camera_group"], body["name"], body["camera"]) == (2, "Replaced", 4)
    assert body["stream_settings"]["rot"] == "10x10+0+0"
    assert body["stream_settings"]["play_speed"] == -1  # PUT: what is not sent is the default again
    assert body["stream_settings"]["detectors"] == {"face": FACE, "body": BODY, "car": CAR}
    deleted = http.delete(url)
    assert deleted.status_code == 204 and deleted.content == b""
    assert _error(http.get(url), 404, "NOT_FOUND") == "video archive not found"
    _error(http.delete(url), 404, "NOT_FOUND")
    _error(http.patch(url, json={"camera": 1}), 404, "NOT_FOUND")


def test_source_file_screenshot_and_processing(platform, http, clip: bytes) -> None:
    created = _create(http)
    archive_id = created["id"]
    _error(http.get(f"/videos/{archive_id}/screenshot/"), 409, "CONFLICT")
    _error(http.post(f"/videos/{archive_id}/process/"), 409, "CONFLICT")
    uploaded = _upload(http, archive_id, clip)
    assert uploaded.status_code == 201, uploaded.text
    archive = http.get(f"/videos/{archive_id}/").json()
    assert archive["file_size"] == len(clip)
    assert archive["source_len"] == pytest.approx(2.5, abs=0.11)
    stored = list((platform.data_dir / "uploads" / "videos").glob("*.mp4"))
    assert hashlib.sha256(clip).hexdigest() in {sha256(p) for p in stored}

    shot = http.get(f"/videos/{archive_id}/screenshot/")
    assert shot.status_code == 200 and shot.headers["content-type"] == "image/jpeg"
    with av.open(io.BytesIO(shot.content), mode="r", format="image2pipe") as jpeg:
        frame = next(jpeg.decode(video=0))
    assert (frame.width, frame.height) == (64, 48)
    again = http.post(f"/videos/{archive_id}/screenshot/?timestamp=2")
    assert again.status_code == 200 and again.content[:2] == b"\xff\xd8" and again.content != shot.content
    assert http.get(f"/videos/{archive_id}/screenshot/").content == again.content  # kept
    _error(http.post(f"/videos/{archive_id}/screenshot/?timestamp=-1"), 400, "BAD_PARAM")

    assert http.post(f"/videos/{archive_id}/process/").status_code == 200
    running = http.get(f"/videos/{archive_id}/").json()
    assert running["processing_start_date"] is not None
    health = running["health_status"]
    # Queued, taken by the engine, or already done (2.5 s of 64x48 noise);
    # tests/e2e/test_findface_processing.py follows processing closely.
    assert (running["active"], running["finished"]) in ((True, False), (False, True)), running
    assert health["status"] in ("WAITING_FOR_SYNC", "INPROGRESS", "FINISHED"), health
    assert set(health["statistic"]) >= {"processed_duration", "frames_processed", "job_starts"}
    assert http.post(f"/videos/{archive_id}/stop/").status_code == 200
    stopped = http.get(f"/videos/{archive_id}/").json()
    assert (stopped["active"], stopped["queued"]) == (False, False)
    assert stopped["health_status"]["status"] in ("DISABLED", "FINISHED")

    # The archive is a Lenz video too, with its internal stream.
    videos = http.get("/api/visionaire-media/0/videos?limit=0").json()["data"]["videos"]
    assert any(v["file_size"] == len(clip) and v["original_filename"] == "Pitt&Jolie" for v in videos)


@pytest.mark.parametrize("kind", ["empty", "text", "truncated", *HOSTILE_KINDS])
def test_source_files_that_are_not_videos(platform, http, clip: bytes, kind: str) -> None:
    archive_id = _create(http)["id"]
    if kind in HOSTILE_KINDS:
        data = hostile(kind)
    else:
        data = {"empty": b"", "text": b"plain text, not a video\n" * 50, "truncated": clip[: len(clip) // 2]}[kind]
    message = _error(_upload(http, archive_id, data), 400, "BAD_PARAM")
    assert ("empty" in message) if kind == "empty" else ("not a video" in message)
    archive = http.get(f"/videos/{archive_id}/").json()
    assert archive["file_size"] == 0 and archive["source_len"] is None
    if kind != "empty":
        assert "not a video" in archive["health_status"]["msg"]


def test_unknown_archives(platform, http, clip: bytes) -> None:
    for method, path in (
        ("GET", "/videos/987654/"),
        ("POST", "/videos/987654/process/"),
        ("POST", "/videos/987654/stop/"),
        ("GET", "/videos/987654/screenshot/"),
    ):
        assert _error(http.request(method, path), 404, "NOT_FOUND") == "video archive not found"
    _error(_upload(http, 987654, clip), 404, "NOT_FOUND")


def test_list_filters_ordering_and_cursor_pages(platform, http) -> None:
    names = [f"page-{i}" for i in range(5)]
    ids = [_create(http, {"camera_group": 3, "name": name, "case": 10 + i})["id"] for i, name in enumerate(names)]
    listing = http.get("/videos/?case_in=10,11,12,13,14&ordering=name&limit=2")
    assert listing.status_code == 200, listing.text
    page = listing.json()
    assert set(page) == {"next_page", "prev_page", "results"} and page["prev_page"] is None
    seen = [r["name"] for r in page["results"]]
    while page["next_page"]:
        assert page["next_page"].startswith(platform.url("/videos/?"))
        page = http.get(page["next_page"]).json()
        seen += [r["name"] for r in page["results"]]
    assert seen == names
    back = http.get(page["prev_page"]).json()
    assert [r["name"] for r in back["results"]] == names[2:4]  # the two before the last page
    newest = http.get("/videos/?case_in=10,11,12,13,14&ordering=-created_date&limit=10").json()
    assert [r["id"] for r in newest["results"]] == ids[::-1] and newest["next_page"] is None
    default = http.get("/videos/?case_in=11,13").json()["results"]
    assert [r["id"] for r in default] == [ids[3], ids[1]]  # newest id first
    assert [r["name"] for r in http.get("/videos/?name=page-2").json()["results"]] == ["page-2"]
    now = datetime.now(UTC)
    recent = f"created_date_gte={(now - timedelta(minutes=10)).isoformat()}".replace("+", "%2B")
    assert len(http.get(f"/videos/?case_in=10,11,12,13,14&{recent}").json()["results"]) == 5
    future = f"created_date_gt={(now + timedelta(days=1)).strftime('%Y-%m-%dT%H:%M:%SZ')}"
    assert http.get(f"/videos/?{future}").json()["results"] == []
    for query in ("created_date_last_n_days=1", "created_date_nth_full_week=1"):
        assert len(http.get(f"/videos/?case_in=10,11,12,13,14&{query}").json()["results"]) == 5
    assert http.get("/videos/?created_date_nth_full_week=2&name=page-1").json()["results"] == []
    assert http.get("/videos/?save_to=somewhere").json()["results"] == []
    count = http.get("/videos/count/?case_in=10,11,12")
    assert count.status_code == 200 and count.json() == {"count": 3}
    assert http.get("/videos/count/").json()["count"] >= 5
    for query in (
        "ordering=colour",
        "limit=0",
        "limit=ten",
        "page=not-a-cursor",
        "created_date_gte=yesterday",
        "case_in=a",
    ):
        _error(http.get(f"/videos/?{query}"), 400, "BAD_PARAM")
