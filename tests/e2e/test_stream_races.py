"""The two faces of the streams table racing each other through the real
Envoy, on SQLite and PostgreSQL: a Visionaire4 `PUT /streams/0/{id}` against
a worker's `POST /1/streams/feedback`, and against a LUNA `PATCH`. Every
write that was acknowledged must still be there afterwards. A Visionaire4
address change puts a stream that a worker holds back in the queue."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any

import httpx

ACCOUNT = "557d54ec-29ad-4f3c-93b4-c9092ef12515"
HANDLER = "ee4c42b6-23ae-410e-a2aa-a4220e64ba4b"
ROUNDS = 50


def ok(reply: httpx.Response, status: int = 200) -> Any:
    assert reply.status_code == status, reply.text
    return reply.json() if reply.content else None


def taken_stream(http: httpx.Client, name: str) -> str:
    """A LUNA stream that a worker has taken (status `in_progress`)."""
    body = {
        "account_id": ACCOUNT,
        "name": name,
        "data": {"type": "tcp", "reference": "rtsp://10.0.0.1/live"},
        "event_handler": {"bestshot_handler": {"handler_id": HANDLER}},
    }
    stream_id = str(ok(http.post("/1/streams", json=body), 201)["stream_id"])
    taken = ok(http.post("/1/streams/processing/queue", json={"filters": {"stream_ids": [stream_id]}, "limit": 1}))
    assert [s["stream_id"] for s in taken["streams"]] == [stream_id]
    return stream_id


def race(first: Callable[[], httpx.Response], second: Callable[[], httpx.Response]) -> list[httpx.Response]:
    """Run both calls at once (released together by a barrier)."""
    barrier = threading.Barrier(2)

    def run(call: Callable[[], httpx.Response]) -> httpx.Response:
        barrier.wait()
        return call()

    with ThreadPoolExecutor(2) as pool:
        return list(pool.map(run, (first, second)))


def test_visionaire_put_racing_feedback_loses_nothing(http: httpx.Client) -> None:
    stream_id = taken_stream(http, "raced by feedback")
    lost: list[int] = []
    for n in range(ROUNDS):
        status = ("in_progress", "restart")[n % 2]  # both keep the stream with its worker
        report = {"stream_id": stream_id, "status": status, "version": 1, "error": f"round {n}"}
        put, fed = race(
            partial(http.put, f"/streams/0/{stream_id}", json={"stream_name": f"name {n}", "stream_latitude": n / 10}),
            partial(http.post, "/1/streams/feedback", json={"streams": [report]}),
        )
        assert ok(put)["stream_name"] == f"name {n}"
        assert ok(fed)["streams"]["modified"] == [{"stream_id": stream_id, "status": status, "version": 1}]
        luna = ok(http.get(f"/1/streams/{stream_id}"))
        visionaire = ok(http.get(f"/streams/0/{stream_id}"))
        if (luna["status"], luna["last_error"]) != (status, f"round {n}"):
            lost.append(n)
        assert visionaire["stream_name"] == f"name {n}" and visionaire["stream_latitude"] == n / 10
        assert luna["version"] == 1  # a name is not a processing setting
    assert lost == [], f"acknowledged feedback lost in rounds {lost}"


def test_luna_patch_racing_visionaire_put_loses_nothing(http: httpx.Client) -> None:
    stream_id = taken_stream(http, "raced by patch")
    for n in range(ROUNDS):
        patch, put = race(
            partial(http.patch, f"/1/streams/{stream_id}", json={"description": f"description {n}"}),
            partial(http.put, f"/streams/0/{stream_id}", json={"stream_name": f"name {n}"}),
        )
        assert patch.status_code == 204 and not patch.content
        ok(put)
        stream = ok(http.get(f"/1/streams/{stream_id}"))
        assert (stream["description"], stream["name"]) == (f"description {n}", f"name {n}"), f"round {n}"
        assert stream["status"] == "in_progress"


def test_visionaire_address_change_requeues_a_processed_stream(http: httpx.Client) -> None:
    stream_id = taken_stream(http, "moved")
    # Not a processing setting: the worker keeps the stream and its version.
    ok(http.put(f"/streams/0/{stream_id}", json={"stream_name": "renamed"}))
    report = {"stream_id": stream_id, "status": "in_progress", "version": 1, "error": "decoder warning"}
    assert ok(http.post("/1/streams/feedback", json={"streams": [report]}))["streams"]["modified"]

    # A new address: a new version, back in the queue, the old error gone.
    ok(http.put(f"/streams/0/{stream_id}", json={"stream_address": "rtsp://10.0.0.2/live"}))
    stream = ok(http.get(f"/1/streams/{stream_id}"))
    assert (stream["status"], stream["version"], stream["last_error"]) == ("pending", 2, None)
    assert stream["data"]["reference"] == "rtsp://10.0.0.2/live"
    # The old worker's next report is stale; another worker takes the stream.
    stale = ok(http.post("/1/streams/feedback", json={"streams": [report]}))["streams"]
    assert stale["unmodified"] == [{"stream_id": stream_id, "status": "pending", "version": 2}]
    taken = ok(http.post("/1/streams/processing/queue", json={"filters": {"stream_ids": [stream_id]}, "limit": 1}))
    assert [(s["stream_id"], s["version"]) for s in taken["streams"]] == [(stream_id, 2)]
    # The same address again changes nothing a worker sees.
    ok(http.put(f"/streams/0/{stream_id}", json={"stream_address": "rtsp://10.0.0.2/live"}))
    assert ok(http.get(f"/1/streams/{stream_id}"))["status"] == "in_progress"


def test_one_address_rule_for_both_faces(http: httpx.Client) -> None:
    """What Visionaire4 refuses as `stream_address`, LUNA refuses as
    `data.reference`, and the other way round; the detail quotes a short
    prefix of the bad value."""
    body: dict[str, Any] = {
        "account_id": ACCOUNT,
        "data": {"type": "tcp"},
        "event_handler": {"bestshot_handler": {"handler_id": HANDLER}},
    }
    for address in ("ftp://host/file.mp4", "rtsp://", "just text", "/etc/passwd", "rtsp://h/" + "a" * 600):
        refused = http.post("/streams/0", json={"stream_address": address})
        assert (refused.status_code, refused.json()) == (400, {"code": 400, "message": "Invalid stream_address"})
        luna = http.post("/1/streams", json={**body, "data": {"type": "tcp", "reference": address}})
        assert luna.status_code == 400 and luna.json()["error_code"] == 12022, address
        assert "data.reference" in luna.json()["detail"] and len(luna.json()["detail"]) < 200
    for address in ("rtsp://10.0.0.3/live", "file:///videos/a.mp4", "usb://0"):
        ok(http.post("/streams/0", json={"stream_address": address}))
        ok(http.post("/1/streams", json={**body, "data": {"type": "tcp", "reference": address}}), 201)
