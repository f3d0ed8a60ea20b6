"""Through the real Envoy, on SQLite and PostgreSQL: every LUNA stream body
(list, get, queue peek and take, v1 and v2) shows `video_info` (null until a
worker reports it) and both preview routes; `max_streams_per_node` refuses
creates on a full node in each family's shape; error details quote only a
short prefix of a bad value."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx

ACCOUNT = "8950722f-3fd4-4223-b48f-03f95f0e8dfb"
HANDLER = "ee4c42b6-23ae-410e-a2aa-a4220e64ba4b"
V1_BODY = {
    "account_id": ACCOUNT,
    "data": {"type": "tcp", "reference": "rtsp://10.1.1.1/live"},
    "event_handler": {"bestshot_handler": {"handler_id": HANDLER}},
}
V2_BODY = {
    "account_id": ACCOUNT,
    "data": {
        "type": "tcp",
        "reference": "rtsp://10.1.1.2/live",
        "analytics": [{"event_handler": {"handler_id": HANDLER}}],
    },
}
VIDEO_INFO = {
    "width": 1920,
    "height": 1080,
    "frame_rate": 25,
    "bit_rate": 25,
    "gop_size": 25,
    "start_time": "2018-08-11T09:11:41.674Z",
    "duration": 0,
    "progress": 1,
}


def ok(reply: httpx.Response, status: int = 200) -> Any:
    assert reply.status_code == status, reply.text
    return reply.json()


def previews(stream_id: str, version: int) -> dict[str, Any]:
    base = f"/{version}/streams/{stream_id}/preview/handler"
    return {"live": {"url": f"{base}/live"}, "last_frame": {"url": f"{base}/last_frame"}}


def test_every_stream_body_shows_video_info_and_both_previews(http: httpx.Client) -> None:
    first = ok(http.post("/1/streams", json={**V1_BODY, "name": "bodies v1"}), 201)["stream_id"]
    second = ok(http.post("/2/streams", json={**V2_BODY, "name": "bodies v2"}), 201)["stream_id"]
    ids = [first, second]

    def bodies(version: int) -> list[dict[str, Any]]:
        listed = ok(http.get(f"/{version}/streams", params={"stream_ids": ",".join(ids)}))["streams"]
        got = [ok(http.get(f"/{version}/streams/{stream_id}")) for stream_id in ids]
        peek = ok(http.get(f"/{version}/streams/processing/queue", params={"stream_ids": ",".join(ids), "limit": 10}))
        return [*listed, *got, *peek["streams"]]

    for version in (1, 2):
        shown = bodies(version)
        assert len(shown) == 6
        for stream in shown:
            assert "video_info" in stream and stream["video_info"] is None
            assert stream["preview"] == previews(stream["stream_id"], version)

    taken = ok(http.post("/1/streams/processing/queue", json={"filters": {"stream_ids": [first]}, "limit": 1}))
    taken_v2 = ok(http.post("/2/streams/processing/queue", json={"filters": {"stream_ids": [second]}, "limit": 1}))
    for stream, version in ((taken["streams"][0], 1), (taken_v2["streams"][0], 2)):
        assert stream["video_info"] is None and stream["preview"] == previews(stream["stream_id"], version)

    # A worker opens the first stream and reports its video.
    report = {"stream_id": first, "status": "in_progress", "version": 1, "error": None, "video_info": VIDEO_INFO}
    assert ok(http.post("/1/streams/feedback", json={"streams": [report]}))["streams"]["modified"]
    for version in (1, 2):
        stream = ok(http.get(f"/{version}/streams/{first}"))
        assert stream["video_info"] == VIDEO_INFO and stream["preview"] == previews(first, version)
        assert ok(http.get(f"/{version}/streams/{second}"))["video_info"] is None
    # No frame yet: the advertised routes answer LUNA's 39001.
    missing = http.get(f"/1/streams/{first}/preview/handler/last_frame")
    assert missing.status_code == 404 and missing.json()["error_code"] == 39001


def test_max_streams_per_node_refuses_creates_on_a_full_node(http: httpx.Client) -> None:
    have = ok(http.get("/streams/0"))["stream_number"]
    config = {"max_streams_per_node": have + 2, "event_retention_days": 30, "enable_cors": True, "log_level": "info"}
    ok(http.post("/config/platform", json=config))
    made = ok(http.post("/streams/0", json={"stream_address": "rtsp://10.2.0.1/live"}))["stream_id"]
    ok(http.post("/1/streams", json=V1_BODY), 201)

    full = http.post("/streams/0", json={"stream_address": "rtsp://10.2.0.2/live"})
    message = f"node 0 already has the maximum of {have + 2} streams (max_streams_per_node)"
    assert (full.status_code, full.json()) == (400, {"code": 400, "message": message})
    luna = http.post("/2/streams", json=V2_BODY)
    assert luna.status_code == 400 and luna.json() == {
        "error_code": 12022,
        "desc": luna.json()["desc"],
        "detail": message,
    }
    assert ok(http.get("/streams/0"))["stream_number"] == have + 2

    # A delete makes room; concurrent creates never overfill the node.
    ok(http.delete(f"/streams/0/{made}"))
    config["max_streams_per_node"] = have + 5
    ok(http.post("/config/platform", json=config))
    with ThreadPoolExecutor(8) as pool:
        codes = list(
            pool.map(
                lambda i: http.post("/streams/0", json={"stream_address": f"rtsp://10.2.1.{i}/live"}).status_code,
                range(8),
            )
        )
    assert sorted(codes) == [200] * 4 + [400] * 4
    assert ok(http.get("/streams/0"))["stream_number"] == have + 5

    # Out of range stays refused, and the stored limit is unchanged.
    bad = http.post("/config/platform", json={**config, "max_streams_per_node": 0})
    assert (bad.status_code, bad.json()) == (400, {"code": 400, "message": "invalid configuration value"})
    assert http.post("/streams/0", json={"stream_address": "rtsp://10.2.0.3/live"}).status_code == 400
    config["max_streams_per_node"] = 100000
    ok(http.post("/config/platform", json=config))
    ok(http.post("/streams/0", json={"stream_address": "rtsp://10.2.0.3/live"}))


def test_error_details_quote_a_short_prefix_of_a_bad_value(http: httpx.Client) -> None:
    long_name = "x" * 5000 + "!" * 5000  # 10 000 characters, not a valid group name
    for path, body in (
        ("/1/groups", {"account_id": ACCOUNT, "group_name": long_name}),
        ("/1/streams", {**V1_BODY, "group_name": long_name}),
        ("/1/streams", {**V1_BODY, "name": long_name}),
        ("/1/streams", {**V1_BODY, "data": {"type": long_name, "reference": "rtsp://h/x"}}),
        ("/1/streams/feedback", {"streams": [{"stream_id": long_name, "status": "in_progress", "version": 1}]}),
    ):
        reply = http.post(path, json=body)
        assert reply.status_code == 400 and reply.json()["error_code"] == 12022, (path, reply.text[:300])
        detail = reply.json()["detail"]
        assert "x" * 32 in detail and "x" * 33 not in detail and len(detail) < 200, detail
