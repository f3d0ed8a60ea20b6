"""Visionaire4 streams through the real Envoy, with the document's examples
(../shared/seeds/001), on SQLite and PostgreSQL."""

from __future__ import annotations

import requests

CREATE_BODY = {
    "stream_address": "rtsp://10.7.2.50:554/VOD/command.mp4",
    "stream_name": "Command Center",
    "stream_latitude": -6.261376,
    "stream_longitude": 106.823648,
}
STREAM_KEYS = {
    "stream_id",
    "stream_name",
    "stream_address",
    "stream_node_num",
    "stream_latitude",
    "stream_longitude",
    "stream_custom_data",
}


def test_stream_lifecycle_on_the_visionaire_port(platform) -> None:
    base = platform.url(listener="VISIONAIRE").rstrip("/")
    assert requests.get(f"{base}/streams").json() == {"stream_number": 0, "streams": []}

    reply = requests.post(f"{base}/streams/0", json=CREATE_BODY)
    assert reply.status_code == 200
    created = reply.json()
    assert set(created) == {"code", "ok", "message", "node_num", "stream_id", "stream_address", "stream_name"}
    assert created["code"] == 200 and created["ok"] is True
    assert created["message"] == "stream successfully created"
    assert created["node_num"] == 0
    assert created["stream_address"] == CREATE_BODY["stream_address"]
    stream_id = created["stream_id"]

    for path in ("/streams", "/streams/0"):
        listed = requests.get(base + path).json()
        assert listed["stream_number"] == 1
        (stream,) = listed["streams"]
        assert set(stream) == STREAM_KEYS
        assert stream["stream_custom_data"] == {}
        assert stream["stream_latitude"] == CREATE_BODY["stream_latitude"]

    detail = requests.get(f"{base}/streams/0/{stream_id}").json()
    assert set(detail) == STREAM_KEYS | {"pipelines", "seats", "stream_stats"}
    assert detail["pipelines"] == [] and detail["seats"] == []
    assert set(detail["stream_stats"]) == {"fps", "frame_width", "frame_height", "state", "last_error_msg"}
    assert detail["stream_stats"]["state"] != "RUNNING"  # nothing has opened it

    # The document's PUT example sends an empty body: nothing changes.
    unchanged = requests.put(f"{base}/streams/0/{stream_id}", json={}).json()
    assert unchanged == {
        "code": 200,
        "message": "stream successfully updated",
        "node_num": 0,
        "stream_id": stream_id,
        "stream_address": CREATE_BODY["stream_address"],
        "stream_name": "Command Center",
    }
    updated = requests.put(
        f"{base}/streams/0/{stream_id}",
        json={
            "stream_address": "rtsp://10.7.2.50:554/VOD/new_stream.mp4",
            "stream_name": "Command Center Updated",
            "stream_custom_data": {"floor": 2},
        },
    ).json()
    assert updated["stream_address"].endswith("new_stream.mp4") and updated["stream_name"] == "Command Center Updated"
    assert requests.get(f"{base}/streams/0/{stream_id}").json()["stream_custom_data"] == {"floor": 2}

    deleted = requests.delete(f"{base}/streams/0/{stream_id}")
    assert deleted.status_code == 200
    assert deleted.json() == {
        "code": 200,
        "message": "stream successfully deleted",
        "node_num": 0,
        "stream_id": stream_id,
    }
    gone = requests.get(f"{base}/streams/0/{stream_id}")
    assert (gone.status_code, gone.json()) == (404, {"code": 404, "message": "stream not found"})


def test_documented_errors(platform) -> None:
    base = platform.url().rstrip("/")
    for method, path, body in [
        ("GET", "/streams/7", None),
        ("POST", "/streams/7", CREATE_BODY),
        ("GET", "/streams/7/abc", None),
    ]:
        reply = requests.request(method, base + path, json=body)
        assert (reply.status_code, reply.json()) == (404, {"code": 404, "message": "node not found"}), path
    for address in ["ftp://10.0.0.1/x.mp4", "not a url", "", "rtsp://", "file://"]:
        reply = requests.post(f"{base}/streams/0", json={"stream_address": address})
        assert (reply.status_code, reply.json()) == (400, {"code": 400, "message": "Invalid stream_address"})
    for method in ("GET", "PUT", "DELETE"):
        reply = requests.request(method, f"{base}/streams/0/does-not-exist", json={} if method == "PUT" else None)
        assert (reply.status_code, reply.json()) == (404, {"code": 404, "message": "stream not found"})


def test_every_family_sees_one_table(platform) -> None:
    """A stream created on one listener is the same row on the others."""
    created = requests.post(platform.url("/streams/0"), json=CREATE_BODY).json()
    for listener in ("HTTP", "VISIONAIRE", "LUNA"):
        ids = [s["stream_id"] for s in requests.get(platform.url("/streams", listener)).json()["streams"]]
        assert created["stream_id"] in ids
    requests.delete(platform.url(f"/streams/0/{created['stream_id']}"))
