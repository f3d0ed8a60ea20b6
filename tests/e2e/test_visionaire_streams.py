"""Visionaire4 streams through the real Envoy, with the document's examples
(../shared/seeds/001), on SQLite and PostgreSQL."""

from __future__ import annotations

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


def test_stream_lifecycle_on_the_visionaire_port(platform, visionaire_http) -> None:
    assert visionaire_http.get("/streams").json() == {"stream_number": 0, "streams": []}

    reply = visionaire_http.post("/streams/0", json=CREATE_BODY)
    assert reply.status_code == 200
    created = reply.json()
    assert set(created) == {"code", "ok", "message", "node_num", "stream_id", "stream_address", "stream_name"}
    assert created["code"] == 200 and created["ok"] is True
    assert created["message"] == "stream successfully created"
    assert created["node_num"] == 0
    assert created["stream_address"] == CREATE_BODY["stream_address"]
    stream_id = created["stream_id"]

    for path in ("/streams", "/streams/0"):
        listed = visionaire_http.get(path).json()
        assert listed["stream_number"] == 1
        (stream,) = listed["streams"]
        assert set(stream) == STREAM_KEYS
        assert stream["stream_custom_data"] == {}
        assert stream["stream_latitude"] == CREATE_BODY["stream_latitude"]

    detail = visionaire_http.get(f"/streams/0/{stream_id}").json()
    assert set(detail) == STREAM_KEYS | {"pipelines", "seats", "stream_stats"}
    assert detail["pipelines"] == [] and detail["seats"] == []
    assert set(detail["stream_stats"]) == {"fps", "frame_width", "frame_height", "state", "last_error_msg"}
    assert detail["stream_stats"]["state"] != "RUNNING"  # nothing has opened it

    # The document's PUT example sends an empty body: nothing changes.
    unchanged = visionaire_http.put(f"/streams/0/{stream_id}", json={}).json()
    assert unchanged == {
        "code": 200,
        "message": "stream successfully updated",
        "node_num": 0,
        "stream_id": stream_id,
        "stream_address": CREATE_BODY["stream_address"],
        "stream_name": "Command Center",
    }
    updated = visionaire_http.put(
        f"/streams/0/{stream_id}",
        json={
            "stream_address": "rtsp://10.7.2.50:554/VOD/new_stream.mp4",
            "stream_name": "Command Center Updated",
            "stream_custom_data": {"floor": 2},
        },
    ).json()
    assert updated["stream_address"].endswith("new_stream.mp4") and updated["stream_name"] == "Command Center Updated"
    assert visionaire_http.get(f"/streams/0/{stream_id}").json()["stream_custom_data"] == {"floor": 2}

    deleted = visionaire_http.delete(f"/streams/0/{stream_id}")
    assert deleted.status_code == 200
    assert deleted.json() == {
        "code": 200,
        "message": "stream successfully deleted",
        "node_num": 0,
        "stream_id": stream_id,
    }
    gone = visionaire_http.get(f"/streams/0/{stream_id}")
    assert (gone.status_code, gone.json()) == (404, {"code": 404, "message": "stream not found"})


def test_documented_errors(platform, http) -> None:
    for method, path, body in [
        ("GET", "/streams/7", None),
        ("POST", "/streams/7", CREATE_BODY),
        ("GET", "/streams/7/abc", None),
    ]:
        reply = http.request(method, path, json=body)
        assert (reply.status_code, reply.json()) == (404, {"code": 404, "message": "node not found"}), path
    for address in ["ftp://10.0.0.1/x.mp4", "not a url", "", "rtsp://", "file://"]:
        reply = http.post("/streams/0", json={"stream_address": address})
        assert (reply.status_code, reply.json()) == (400, {"code": 400, "message": "Invalid stream_address"})
    for method in ("GET", "PUT", "DELETE"):
        reply = http.request(method, "/streams/0/does-not-exist", json={} if method == "PUT" else None)
        assert (reply.status_code, reply.json()) == (404, {"code": 404, "message": "stream not found"})


def test_every_family_sees_one_table(platform, http, visionaire_http, luna_http) -> None:
    """A stream created on one listener is the same row on the others."""
    created = http.post("/streams/0", json=CREATE_BODY).json()
    for client in (http, visionaire_http, luna_http):
        ids = [s["stream_id"] for s in client.get("/streams").json()["streams"]]
        assert created["stream_id"] in ids
    http.delete(f"/streams/0/{created['stream_id']}")
