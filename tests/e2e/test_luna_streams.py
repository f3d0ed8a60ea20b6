"""LUNA Streams v1 and v2 through the real Envoy, with the document's
examples (../shared/seeds/002), on SQLite and PostgreSQL: streams, filters,
the processing queue and feedback, autorestart, logs, groups, previews, and
the one streams table that Visionaire4 shares."""

from __future__ import annotations

import base64
import re
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from tests.e2e.luna_examples import (
    CREATE_GROUP,
    CREATE_V1,
    CREATE_V2,
    DELETE_FILTERS,
    FEEDBACK,
    LINK,
    PATCH,
    PATCH_GROUP,
    REPLACE_V1,
    REPLACE_V2,
    TAKE,
    VIDEO_INFO,
    example,
)
from tests.integration.test_luna_servicer import jpeg

TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
COMMON_KEYS = {
    "stream_id",
    "account_id",
    "name",
    "description",
    "data",
    "location",
    "autorestart",
    "version",
    "create_time",
    "status",
    "last_error",
    "groups",
    "preview",
    "video_info",
}
V1_KEYS = COMMON_KEYS | {"event_handler", "policies"}
LUNA_ERROR = {"error_code", "desc", "detail"}


class Luna:
    """Small helpers over the module's clients on the LUNA and Visionaire4
    listeners of one platform."""

    def __init__(self, http: httpx.Client, visionaire: httpx.Client) -> None:
        self.http = http
        self.visionaire = visionaire

    def call(self, method: str, path: str, body: Any = None, **params: Any) -> httpx.Response:
        return self.http.request(method, path, json=body, params=params or None)

    def ok(self, method: str, path: str, body: Any = None, status: int = 200, **params: Any) -> Any:
        reply = self.call(method, path, body, **params)
        assert reply.status_code == status, reply.text
        if status == 204:
            assert reply.content == b""
            return None
        assert reply.headers["content-type"].startswith("application/json")
        return reply.json()

    def error(self, method: str, path: str, body: Any = None, *, status: int, code: int, **params: Any) -> str:
        reply = self.call(method, path, body, **params)
        assert reply.status_code == status, reply.text
        payload = reply.json()
        assert set(payload) == LUNA_ERROR and payload["error_code"] == code, payload
        return str(payload["detail"])

    def group(self, account: str, name: str = "hd_stream_2") -> str:
        body = {"account_id": account, "group_name": name}
        return str(self.ok("POST", "/1/groups", body, status=201)["group_id"])

    def stream(self, account: str, version: int = 1, **changes: Any) -> str:
        body = example(CREATE_V1 if version == 1 else CREATE_V2, account_id=account, group_name="") | changes
        body = {k: v for k, v in body.items() if v != ""}
        return str(self.ok("POST", f"/{version}/streams", body, status=201)["stream_id"])

    def take(self, version: int = 1, limit: int = 10, **filters: list[str]) -> list[dict[str, Any]]:
        body = {"filters": filters, "limit": limit}
        return list(self.ok("POST", f"/{version}/streams/processing/queue", body)["streams"])

    def feedback(self, *reports: dict[str, Any], version: int = 1) -> dict[str, Any]:
        return dict(self.ok("POST", f"/{version}/streams/feedback", {"streams": list(reports)})["streams"])


@pytest.fixture
def luna(luna_http: httpx.Client, visionaire_http: httpx.Client) -> Luna:
    return Luna(luna_http, visionaire_http)


@pytest.fixture
def account() -> str:
    return str(uuid.uuid4())


def wait_for(check: Callable[[], Any], seconds: float = 20.0) -> Any:
    deadline = time.monotonic() + seconds
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.1)


# --- streams -------------------------------------------------------------------


def test_create_v1_document_example_and_read_it_back(luna: Luna, account: str) -> None:
    luna.group(account)
    body = example(CREATE_V1, account_id=account)
    created = luna.ok("POST", "/1/streams", body, status=201)
    assert set(created) == {"stream_id", "version"} and created["version"] == 1
    stream_id = created["stream_id"]

    stream = luna.ok("GET", f"/1/streams/{stream_id}")
    assert set(stream) == V1_KEYS
    for key in ("account_id", "name", "description", "data", "event_handler", "policies", "location", "status"):
        assert stream[key] == body[key], key
    assert stream["autorestart"] == {
        "restart": 0,
        "attempt_count": 10,
        "delay": 60,
        "current_attempt": 0,
        "last_attempt_time": None,
        "status": "disabled",
    }
    assert stream["version"] == 1 and TIME.match(stream["create_time"])
    assert stream["last_error"] is None and stream["groups"] == ["hd_stream_2"]
    assert stream["video_info"] is None  # not opened by a worker yet
    assert stream["preview"] == {
        "live": {"url": f"/1/streams/{stream_id}/preview/handler/live"},
        "last_frame": {"url": f"/1/streams/{stream_id}/preview/handler/last_frame"},
    }

    # The same stream through API v2: one analytics entry made of v1's settings.
    v2 = luna.ok("GET", f"/2/streams/{stream_id}")
    assert set(v2) == COMMON_KEYS
    (entry,) = v2["data"]["analytics"]
    assert v2["data"]["reference"] == "rtsp://some_stream_address"
    assert entry["event_handler"]["handler_id"] == body["event_handler"]["bestshot_handler"]["handler_id"]
    assert entry["filtering"]["min_score_face"] == body["policies"]["filtering"]["min_score"]
    assert entry["healthcheck"]["timeout"] == 123

    # And through Visionaire4, on node 0.
    seen = luna.visionaire.get(f"/streams/0/{stream_id}").json()
    assert seen["stream_address"] == "rtsp://some_stream_address" and seen["stream_name"] == "Stream 1"
    assert (seen["stream_latitude"], seen["stream_longitude"]) == (55.752, 36.616)


def test_create_v2_document_example_and_read_it_back(luna: Luna, account: str) -> None:
    luna.group(account)
    body = example(CREATE_V2, account_id=account)
    created = luna.ok("POST", "/2/streams", body, status=201)
    stream = luna.ok("GET", f"/2/streams/{created['stream_id']}")
    (entry,) = stream["data"]["analytics"]
    (given,) = body["data"]["analytics"]
    for key in ("mode", "enabled", "droi", "filtering", "liveness", "primary_track_policy", "event_handler"):
        assert entry[key] == given[key], key
    assert entry["sending"]["bestshot_settings"] == {
        "type": 1,
        "face_bestshots_to_send": 1,
        "body_bestshots_to_send": 1,
    }
    assert entry["healthcheck"] == {"max_error_count": 10, "period": 3600, "retry_delay": 5, "timeout": 2147483647}
    assert stream["data"]["preferred_program_stream_frame_width"] == 800 and stream["data"]["endless"] is True
    assert stream["groups"] == ["hd_stream_2"] and stream["location"] == body["location"]
    v1 = luna.ok("GET", f"/1/streams/{created['stream_id']}")
    assert v1["event_handler"]["bestshot_handler"] == {"handler_id": given["event_handler"]["handler_id"]}
    assert v1["policies"]["liveness"]["livenesses_weights"] == [0, 0.45, 0.5]


def test_defaults_are_filled_in(luna: Luna, account: str) -> None:
    body = {
        "account_id": account,
        "data": {"type": "tcp", "reference": "rtsp://cam/1"},
        "event_handler": {"bestshot_handler": {"handler_id": str(uuid.uuid4())}},
    }
    stream = luna.ok("GET", f"/1/streams/{luna.ok('POST', '/1/streams', body, status=201)['stream_id']}")
    assert stream["status"] == "pending" and stream["name"] == "" and stream["description"] == ""
    assert stream["policies"]["sending"]["number_of_bestshots_to_send"] == 1
    assert stream["policies"]["liveness"]["livenesses_weights"] == [0.05, 0.45, 0.5]
    assert stream["data"]["roi"] == {"x": 0, "y": 0, "width": 0, "height": 0, "mode": "abs"}
    assert stream["event_handler"]["api_version"] == 6
    assert stream["autorestart"]["attempt_count"] == 10 and stream["autorestart"]["delay"] == 60
    assert "geo_position" not in stream["location"]
    # A key given as zero or false is kept, not replaced by its default.
    body["policies"] = {"sending": {"time_period_of_searching": 0, "send_only_full_set": False}}
    stream = luna.ok("GET", f"/1/streams/{luna.ok('POST', '/1/streams', body, status=201)['stream_id']}")
    assert stream["policies"]["sending"]["time_period_of_searching"] == 0
    assert stream["policies"]["sending"]["send_only_full_set"] is False


def test_list_filters_order_and_pages(luna: Luna, account: str) -> None:
    luna.group(account, "night")
    ids = [luna.stream(account, name=f"cam{i}") for i in range(5)]
    luna.ok("PATCH", f"/1/streams/{ids[1]}", {"status": "pause"}, status=204)
    luna.ok("POST", "/1/linker", {"action": "attach", "stream_ids": ids[3:], "group_id": _group_id(luna, account)}, 204)

    def listed(version: int = 1, **params: Any) -> list[str]:
        return [s["stream_id"] for s in luna.ok("GET", f"/{version}/streams", account_id=account, **params)["streams"]]

    assert listed() == ids  # creation order, oldest first
    assert listed(2) == ids
    assert listed(order="desc") == ids[::-1]
    assert listed(page=2, page_size=2) == ids[2:4]
    assert listed(page=3, page_size=2) == ids[4:]
    assert listed(page_size=1000) == ids
    assert listed(stream_ids=f"{ids[0]},{ids[4]}") == [ids[0], ids[4]]
    assert listed(names="cam2,cam3") == ids[2:4]
    assert listed(statuses="pause") == [ids[1]]
    assert listed(statuses="pending,pause") == ids
    assert listed(group_name="night") == ids[3:]
    assert listed(reference="rtsp://some_stream_address") == ids
    assert listed(reference="rtsp://elsewhere") == []
    by_id = sorted(ids)
    assert listed(stream_id__gte=by_id[1]) == by_id[1:]  # an ID range sorts by ID
    assert listed(stream_id__gte=by_id[1], stream_id__lt=by_id[3], order="desc") == [by_id[2], by_id[1]]
    created = luna.ok("GET", f"/1/streams/{ids[2]}")["create_time"]
    assert listed(create_time__gte=created) == ids[2:]
    assert listed(create_time__lt=created) == ids[:2]
    assert luna.ok("GET", "/1/streams/count", account_id=account) == {"streams_count": 5}
    assert luna.ok("GET", "/2/streams/count", account_id=account, statuses="pending") == {"streams_count": 4}
    assert luna.ok("GET", "/1/streams/count", account_id=account, names="cam0", create_time__lt=created) == {
        "streams_count": 1
    }
    for stream in luna.ok("GET", "/1/streams", account_id=account)["streams"]:
        assert set(stream) == V1_KEYS


def _group_id(luna: Luna, account: str, name: str = "night") -> str:
    (group,) = luna.ok("GET", "/1/groups", account_id=account, group_names=name)
    return str(group["group_id"])


def test_patch_replace_and_delete(luna: Luna, account: str) -> None:
    luna.group(account)
    stream_id = luna.stream(account)
    assert luna.ok("PATCH", f"/1/streams/{stream_id}", PATCH, status=204) is None
    stream = luna.ok("GET", f"/1/streams/{stream_id}")
    assert (stream["description"], stream["status"]) == (PATCH["description"], "cancel")
    luna.ok("PATCH", f"/2/streams/{stream_id}", {"status": "pending"}, status=204)
    detail = luna.error("PATCH", f"/1/streams/{stream_id}", {}, status=400, code=12022)
    assert detail == "Failed to validate input json. Path: '', message: 'at least one field must have a value'"
    luna.error("PATCH", f"/1/streams/{stream_id}", {"status": "in_progress"}, status=400, code=12022)

    replaced = luna.ok("PUT", f"/1/streams/{stream_id}", example(REPLACE_V1, account_id=account))
    assert replaced == {"stream_id": stream_id, "version": 2}
    stream = luna.ok("GET", f"/1/streams/{stream_id}")
    assert stream["data"]["type"] == "udp" and stream["data"]["roi"]["x"] == 65536 and stream["name"] == ""
    assert stream["policies"]["healthcheck"]["timeout"] == 2147483647 and stream["groups"] == ["hd_stream_2"]
    replaced = luna.ok("PUT", f"/2/streams/{stream_id}", example(REPLACE_V2, account_id=account))
    assert replaced == {"stream_id": stream_id, "version": 3}
    assert luna.ok("GET", f"/2/streams/{stream_id}")["data"]["analytics"][0]["mode"] == 1
    # Replacing another account's stream finds nothing.
    luna.error(
        "PUT", f"/1/streams/{stream_id}", example(REPLACE_V1, account_id=str(uuid.uuid4())), status=404, code=39001
    )

    assert luna.ok("DELETE", f"/1/streams/{stream_id}", status=204) is None
    detail = luna.error("GET", f"/1/streams/{stream_id}", status=404, code=39001)
    assert detail == f"Stream with id '{stream_id}' not found"
    luna.error("DELETE", f"/2/streams/{stream_id}", status=404, code=39001)
    luna.error("PUT", f"/1/streams/{stream_id}", example(REPLACE_V1, account_id=account), status=404, code=39001)


def test_delete_by_filters_is_an_or(luna: Luna, account: str) -> None:
    named = luna.stream(account, name="some name")
    by_id = luna.stream(account, name="kept by name")
    kept = luna.stream(account, name="kept")
    body = {"stream_ids": [*DELETE_FILTERS["stream_ids"], by_id], "names": DELETE_FILTERS["names"]}
    assert luna.ok("DELETE", "/1/streams", body, status=204, account_id=account) is None
    left = [s["stream_id"] for s in luna.ok("GET", "/1/streams", account_id=account)["streams"]]
    assert left == [kept] and named not in left
    luna.ok("DELETE", "/2/streams", {"stream_ids": None, "names": ["kept"]}, status=204, account_id=account)
    assert luna.ok("GET", "/1/streams/count", account_id=account) == {"streams_count": 0}
    too_many = {"stream_ids": [str(uuid.uuid4()) for _ in range(1001)]}
    luna.error("DELETE", "/1/streams", too_many, status=400, code=12022)


def test_an_account_sees_and_changes_only_its_own(luna: Luna, account: str) -> None:
    other = str(uuid.uuid4())
    mine = luna.stream(account, name="shared name")
    luna.stream(other, name="shared name")
    group = luna.group(account, "mine")
    assert [s["stream_id"] for s in luna.ok("GET", "/1/streams", account_id=account)["streams"]] == [mine]
    for method, path, body in [
        ("GET", f"/1/streams/{mine}", None),
        ("GET", f"/2/streams/{mine}", None),
        ("PATCH", f"/1/streams/{mine}", {"description": "x"}),
        ("DELETE", f"/1/streams/{mine}", None),
        ("GET", f"/1/streams/{mine}/preview/handler/last_frame", None),
        ("GET", f"/1/groups/{group}", None),
        ("PATCH", f"/1/groups/{group}", {"description": "x"}),
        ("DELETE", f"/1/groups/{group}", None),
    ]:
        luna.error(method, path, body, status=404, code=39001, account_id=other)
    luna.ok("DELETE", "/1/streams", {"names": ["shared name"]}, status=204, account_id=other)
    assert luna.ok("GET", f"/1/streams/{mine}", account_id=account)["name"] == "shared name"
    assert luna.ok("GET", "/1/groups/count", account_id=other) == {"groups_count": 0}
    link = {"action": "attach", "stream_ids": [mine], "group_id": group}
    luna.error("POST", "/1/linker", link, status=404, code=39001, account_id=other)


def test_a_stream_needs_an_existing_group(luna: Luna, account: str) -> None:
    detail = luna.error("POST", "/1/streams", example(CREATE_V1, account_id=account), status=404, code=39001)
    assert "hd_stream_2" in detail


# --- the processing queue, feedback, logs ------------------------------------------


def test_queue_feedback_and_logs(luna: Luna, account: str) -> None:
    group = luna.group(account)
    first = luna.stream(account, name="some name")
    second = luna.stream(account, 2, name="v2 stream")
    # The document's take example combines filters that no stream meets at once.
    assert luna.ok("POST", "/1/streams/processing/queue", TAKE) == {"streams": []}
    luna.ok("POST", "/1/linker", {"action": "attach", "stream_ids": [first, second], "group_id": group}, 204)

    peek = luna.ok("GET", "/1/streams/processing/queue", limit=10, group_ids=group)["streams"]
    assert [s["stream_id"] for s in peek] == [first, second] and {s["status"] for s in peek} == {"pending"}
    peek = luna.ok("GET", "/2/streams/processing/queue", limit=1, group_ids=group, names="v2 stream")["streams"]
    assert [s["stream_id"] for s in peek] == [second] and peek[0]["data"]["analytics"]
    taken = luna.take(1, 1, group_ids=[group], names=["some name"])
    assert [s["stream_id"] for s in taken] == [first] and taken[0]["status"] == "in_progress"
    assert set(taken[0]) == V1_KEYS
    (v2_taken,) = luna.take(2, 5, group_ids=[group])
    assert v2_taken["stream_id"] == second and v2_taken["data"]["analytics"]
    assert luna.take(1, 5, group_ids=[group]) == []

    report = example(FEEDBACK["streams"][0], stream_id=first)
    assert luna.feedback(report) == {
        "modified": [{"stream_id": first, "status": "in_progress", "version": 1}],
        "unmodified": [],
    }
    stream = luna.ok("GET", f"/1/streams/{first}")
    assert stream["video_info"] == VIDEO_INFO
    assert stream["preview"]["live"] == {"url": f"/1/streams/{first}/preview/handler/live"}  # its own routes
    stale = example(report, version=2, status="failure", error="boom")
    assert luna.feedback(stale, version=2)["unmodified"] == [
        {"stream_id": first, "status": "in_progress", "version": 1}
    ]
    luna.feedback(example(report, status="done", error="end of file"))
    stream = luna.ok("GET", f"/1/streams/{first}")
    assert (stream["status"], stream["last_error"]) == ("done", "end of file")

    logs = luna.ok("GET", "/1/streams/logs", stream_ids=first)["logs"]
    assert [log["status"] for log in logs] == ["done", "in_progress"]  # newest first
    assert set(logs[0]) == {"stream_id", "log_time", "error", "status", "video_info", "version", "preview"}
    assert logs[0]["error"] == "end of file" and logs[1]["error"] is None and TIME.match(logs[0]["log_time"])
    only = luna.ok("GET", "/2/streams/logs", stream_ids=first, targets="status,error")["logs"]
    assert only == [{"error": "end of file", "status": "done"}, {"error": None, "status": "in_progress"}]
    repeated = luna.http.get(f"/1/streams/logs?stream_ids={first}&targets=status&targets=version").json()["logs"]
    assert repeated == [{"status": "done", "version": 1}, {"status": "in_progress", "version": 1}]
    assert luna.ok("GET", "/1/streams/logs", stream_ids=first, statuses="done", targets="status")["logs"] == [
        {"status": "done"}
    ]
    assert len(luna.ok("GET", "/1/streams/logs", account_id=account, page=2, page_size=1)["logs"]) == 1
    newest = logs[0]["log_time"]
    assert luna.ok("GET", "/1/streams/logs", stream_ids=first, log_time__lt=newest, targets="status")["logs"] == [
        {"status": "in_progress"}
    ]
    # Deleting old records keeps each stream's last one.
    assert luna.ok("DELETE", "/1/streams/logs", log_time__lt="2999-01-01T00:00:00Z")["deleted_count"] >= 1
    assert [log["status"] for log in luna.ok("GET", "/1/streams/logs", stream_ids=first)["logs"]] == ["done"]
    assert luna.ok("DELETE", "/2/streams/logs", log_time__lt="2000-01-01T00:00:00Z") == {"deleted_count": 0}


def test_concurrent_takers_through_the_edge(luna: Luna, account: str) -> None:
    group = luna.group(account, "crowd")
    created = [luna.stream(account, name=f"c{i}") for i in range(30)]
    luna.ok("POST", "/1/linker", {"action": "attach", "stream_ids": created, "group_id": group}, 204)
    start = threading.Barrier(5)

    def worker(_: int) -> list[str]:
        start.wait()
        got: list[str] = []
        while batch := luna.take(1, 2, group_ids=[group]):
            got += [s["stream_id"] for s in batch]
        return got

    with ThreadPoolExecutor(5) as pool:
        results = list(pool.map(worker, range(5)))
    everything = [stream_id for got in results for stream_id in got]
    assert len(everything) == len(set(everything)) == 30
    assert set(everything) == set(created)


def test_autorestart_through_the_timer(luna: Luna, account: str) -> None:
    stream_id = luna.stream(account, name="flaky", autorestart={"restart": 1, "attempt_count": 1, "delay": 1})
    failure = {"stream_id": stream_id, "status": "failure", "version": 1, "error": "connection refused"}
    assert [s["stream_id"] for s in luna.take(1, 1, stream_ids=[stream_id])] == [stream_id]
    luna.feedback(failure)
    stream = luna.ok("GET", f"/1/streams/{stream_id}")
    assert (stream["status"], stream["autorestart"]["status"]) in [("failure", "in_progress"), ("pending", "enabled")]
    restarted = wait_for(lambda: luna.ok("GET", f"/1/streams/{stream_id}")["status"] == "pending")
    assert restarted, "the autorestart timer did not put the stream back in the queue"
    stream = luna.ok("GET", f"/1/streams/{stream_id}")
    assert stream["autorestart"]["current_attempt"] == 1 and TIME.match(stream["autorestart"]["last_attempt_time"])
    assert stream["last_error"] == "connection refused"
    assert [s["stream_id"] for s in luna.take(1, 1, stream_ids=[stream_id])] == [stream_id]
    luna.feedback(failure)
    failed = wait_for(lambda: luna.ok("GET", f"/1/streams/{stream_id}")["autorestart"]["status"] == "failed", 5)
    assert failed
    assert luna.ok("GET", f"/1/streams/{stream_id}")["status"] == "failure"


# --- groups --------------------------------------------------------------------


def test_groups_and_linker(luna: Luna, account: str) -> None:
    body = example(CREATE_GROUP, account_id=account)
    created = luna.ok("POST", "/1/groups", body, status=201)
    assert set(created) == {"group_id", "group_name"} and created["group_name"] == "stream_group-1"
    group_id = created["group_id"]
    luna.error("POST", "/2/groups", body, status=409, code=12022)
    second = luna.ok("POST", "/2/groups", {"account_id": account, "group_name": "stream_group-2"}, status=201)

    listed = luna.ok("GET", "/1/groups", account_id=account)
    assert [g["group_id"] for g in listed] == [group_id, second["group_id"]]  # a bare array, oldest first
    assert set(listed[0]) == {"account_id", "group_name", "group_id", "description", "create_time"}
    assert listed[0]["description"] == "default stream group" and TIME.match(listed[0]["create_time"])
    assert luna.ok("GET", "/2/groups", account_id=account, page=2, page_size=1) == [listed[1]]
    assert luna.ok("GET", "/1/groups", group_names="stream_group-2", account_id=account) == [listed[1]]
    assert luna.ok("GET", "/1/groups", group_ids=group_id) == [listed[0]]
    assert luna.ok("GET", "/1/groups/count", account_id=account) == {"groups_count": 2}
    assert luna.ok("GET", "/2/groups/count", group_ids=group_id) == {"groups_count": 1}
    assert luna.ok("GET", f"/1/groups/{group_id}") == listed[0]
    luna.ok("PATCH", f"/1/groups/{group_id}", PATCH_GROUP, status=204)
    assert luna.ok("GET", f"/2/groups/{group_id}")["description"] == "old stream group"
    luna.error("PATCH", f"/1/groups/{group_id}", {}, status=400, code=12022)

    stream_id = luna.stream(account)
    link = example(LINK, stream_ids=[stream_id], group_id=group_id)
    assert luna.ok("POST", "/1/linker", link, status=204) is None
    luna.ok("POST", "/2/linker", link, status=204)  # attaching twice changes nothing
    luna.ok("POST", "/1/linker", example(link, group_id=second["group_id"]), status=204)
    assert luna.ok("GET", f"/1/streams/{stream_id}")["groups"] == ["stream_group-1", "stream_group-2"]
    assert [s["stream_id"] for s in luna.ok("GET", "/1/streams", group_name="stream_group-1")["streams"]] == [stream_id]
    luna.ok("POST", "/1/linker", example(link, action="detach"), status=204)
    assert luna.ok("GET", f"/2/streams/{stream_id}")["groups"] == ["stream_group-2"]
    missing = str(uuid.uuid4())
    luna.error("POST", "/1/linker", example(link, stream_ids=[missing]), status=404, code=39001)
    luna.error("POST", "/1/linker", example(LINK), status=404, code=39001)

    luna.ok("DELETE", f"/1/groups/{second['group_id']}", status=204)
    assert luna.ok("GET", f"/1/streams/{stream_id}")["groups"] == []  # the stream stays, detached
    luna.error("GET", f"/1/groups/{second['group_id']}", status=404, code=39001)
    luna.error("DELETE", f"/2/groups/{second['group_id']}", status=404, code=39001)


# --- previews -----------------------------------------------------------------------


class MjpegReader:
    """Reads the JPEG parts of an MJPEG answer one at a time."""

    def __init__(self, reply: httpx.Response) -> None:
        self._chunks = reply.iter_bytes()
        self._buffer = b""

    def next_frame(self) -> bytes:
        while True:
            head_end = self._buffer.find(b"\r\n\r\n")
            if self._buffer.startswith(b"--frame\r\n") and head_end > 0:
                length = re.search(rb"Content-Length: (\d+)", self._buffer[:head_end])
                assert length is not None, self._buffer[:head_end]
                end = head_end + 4 + int(length.group(1))
                if len(self._buffer) >= end + 2:
                    frame = self._buffer[head_end + 4 : end]
                    self._buffer = self._buffer[end + 2 :]
                    return frame
            self._buffer += next(self._chunks)


def test_previews(luna: Luna, account: str) -> None:
    stream_id = luna.stream(account, name="preview")
    luna.take(1, 1, stream_ids=[stream_id])
    for version in (1, 2):
        for route in ("last_frame", "live"):
            unknown = str(uuid.uuid4())
            detail = luna.error("GET", f"/{version}/streams/{unknown}/preview/handler/{route}", status=404, code=39001)
            assert detail == f"Stream with id '{unknown}' not found"
    luna.error("GET", f"/1/streams/{stream_id}/preview/handler/last_frame", status=404, code=39001)

    dark, light = jpeg(20), jpeg(230)
    report = {"stream_id": stream_id, "status": "in_progress", "version": 1}

    def post(frame: bytes) -> None:
        url = "data:image/jpeg;base64," + base64.b64encode(frame).decode()
        assert luna.feedback(report | {"preview": {"last_frame": {"url": url}}})["modified"]

    post(dark)
    for version in (1, 2):
        reply = luna.call("GET", f"/{version}/streams/{stream_id}/preview/handler/last_frame")
        assert reply.status_code == 200 and reply.headers["content-type"] == "image/jpeg"
        assert reply.content == dark
    shown = luna.ok("GET", f"/1/streams/{stream_id}")["preview"]
    assert shown["last_frame"] == {"url": f"/1/streams/{stream_id}/preview/handler/last_frame"}

    with luna.http.stream("GET", f"/1/streams/{stream_id}/preview/handler/live") as live:
        assert live.status_code == 200
        assert live.headers["content-type"] == "multipart/x-mixed-replace; boundary=frame"
        reader = MjpegReader(live)
        assert reader.next_frame() == dark
        post(light)
        assert reader.next_frame() == light

    # Frames of every size: below and above the body size the edge copies for
    # its strict JSON check (64 KiB).
    for width, height in ((160, 120), (640, 480)):
        frame = jpeg(7, width, height, noise=True)
        post(frame)
        assert luna.call("GET", f"/1/streams/{stream_id}/preview/handler/last_frame").content == frame
    assert len(frame) > 64 * 1024


# --- one table, several faces ------------------------------------------------------------------


def test_a_visionaire_stream_is_a_luna_stream(luna: Luna) -> None:
    body = {
        "stream_address": "rtsp://10.7.2.50:554/VOD/command.mp4",
        "stream_name": "Command Center",
        "stream_latitude": -6.261376,
        "stream_longitude": 106.823648,
    }
    created = luna.visionaire.post("/streams/0", json=body).json()
    stream_id = created["stream_id"]
    stream = luna.ok("GET", f"/1/streams/{stream_id}")
    assert set(stream) == V1_KEYS
    assert stream["data"]["type"] == "tcp" and stream["data"]["reference"] == body["stream_address"]
    assert stream["name"] == "Command Center" and stream["account_id"] == ""
    assert stream["location"]["geo_position"] == {"longitude": 106.823648, "latitude": -6.261376}
    assert stream["event_handler"] == {"api_version": 6} and stream["autorestart"]["status"] == "disabled"
    assert luna.ok("GET", f"/2/streams/{stream_id}")["data"]["analytics"] == []
    assert stream_id in [s["stream_id"] for s in luna.ok("GET", "/1/streams", page_size=1000)["streams"]]
    # It has no LUNA handler, so LUNA workers are not handed it.
    assert luna.ok("GET", "/1/streams/processing/queue", limit=5, stream_ids=stream_id) == {"streams": []}
    luna.ok("DELETE", f"/1/streams/{stream_id}", status=204)
    assert luna.visionaire.get(f"/streams/0/{stream_id}").status_code == 404


def test_a_luna_stream_changed_through_visionaire(luna: Luna, account: str) -> None:
    stream_id = luna.stream(account, name="shared")
    visionaire = f"/streams/0/{stream_id}"
    update = {"stream_address": "rtsp://10.0.0.9/live", "stream_latitude": 1.5, "stream_longitude": 2.5}
    assert luna.visionaire.put(visionaire, json=update).status_code == 200
    stream = luna.ok("GET", f"/1/streams/{stream_id}")
    assert stream["data"]["reference"] == "rtsp://10.0.0.9/live" and stream["version"] == 2
    assert stream["location"]["geo_position"] == {"longitude": 2.5, "latitude": 1.5}
    assert stream["data"]["preferred_program_stream_frame_width"] == 800  # LUNA settings kept
    # Deleting it through Visionaire4 takes its LUNA logs and group links along.
    group = luna.group(account, "visionaire")
    luna.ok("POST", "/1/linker", {"action": "attach", "stream_ids": [stream_id], "group_id": group}, 204)
    luna.take(1, 1, stream_ids=[stream_id])
    luna.feedback({"stream_id": stream_id, "status": "in_progress", "version": 2})
    assert len(luna.ok("GET", "/1/streams/logs", stream_ids=stream_id)["logs"]) == 1
    assert luna.visionaire.delete(visionaire).status_code == 200
    luna.error("GET", f"/1/streams/{stream_id}", status=404, code=39001)
    assert luna.ok("GET", "/1/streams/logs", stream_ids=stream_id)["logs"] == []
    assert luna.ok("GET", "/1/streams", group_name="visionaire", account_id=account)["streams"] == []


# --- bad input ------------------------------------------------------------------------------------

BAD_UUID = "ae09126e-70a6-49c7-923f-DF2320F08639"
V1_BODY = {k: v for k, v in CREATE_V1.items() if k != "group_name"}
BAD_INPUT: list[tuple[str, str, Any, int, int]] = [
    # (method, path, body, status, error_code)
    ("GET", "/1/streams?page_size=0", None, 400, 12012),
    ("GET", "/1/streams?page_size=1001", None, 400, 12012),
    ("GET", "/2/streams?page=0", None, 400, 12012),
    ("GET", "/1/streams?stream_ids=not-a-uuid", None, 400, 12012),
    ("GET", f"/1/streams?stream_ids={BAD_UUID}", None, 400, 12012),
    ("GET", "/1/streams?statuses=pending,sleeping", None, 400, 12012),
    ("GET", "/1/streams?account_id=123", None, 400, 12012),
    ("GET", "/1/streams?order=up", None, 400, 12012),
    ("GET", "/1/streams?create_time__gte=yesterday", None, 400, 12012),
    ("GET", "/1/streams?stream_id__lt=x", None, 400, 12012),
    ("GET", "/1/streams?group_name=bad%20name", None, 400, 12012),
    ("GET", "/1/streams?bogus=1", None, 400, 12012),
    ("GET", "/2/streams/count?statuses=nope", None, 400, 12012),
    ("GET", "/1/streams/not-a-uuid", None, 400, 12022),
    ("DELETE", "/1/streams/not-a-uuid", None, 400, 12022),
    ("PATCH", "/1/streams/not-a-uuid", {"status": "pause"}, 400, 12022),
    ("POST", "/1/streams", {**V1_BODY, "account_id": "nope"}, 400, 12022),
    ("POST", "/1/streams", {**V1_BODY, "faces": 1}, 400, 12022),
    ("POST", "/1/streams", {**V1_BODY, "status": "in_progress"}, 400, 12022),
    ("POST", "/1/streams", {**V1_BODY, "name": "n" * 129}, 400, 12022),
    ("POST", "/1/streams", {**V1_BODY, "description": "d" * 513}, 400, 12022),
    ("POST", "/1/streams", {**V1_BODY, "group_name": "no spaces allowed"}, 400, 12022),
    ("POST", "/1/streams", {k: v for k, v in V1_BODY.items() if k != "data"}, 400, 12022),
    ("POST", "/1/streams", {k: v for k, v in V1_BODY.items() if k != "event_handler"}, 400, 12022),
    ("POST", "/1/streams", {**V1_BODY, "data": {"type": "carrier-pigeon", "reference": "x"}}, 400, 12022),
    ("POST", "/1/streams", {**V1_BODY, "data": {"type": "tcp", "reference": "x", "bogus": 1}}, 400, 12022),
    ("POST", "/1/streams", {**V1_BODY, "autorestart": {"restart": 5}}, 400, 12022),
    ("POST", "/1/streams", {**V1_BODY, "policies": {"sending": {"type": "years"}}}, 400, 12022),
    ("POST", "/1/streams", {**V1_BODY, "location": {"geo_position": {"latitude": 100, "longitude": 0}}}, 400, 12022),
    ("POST", "/2/streams", {**CREATE_V2, "data": {"type": "tcp", "analytics": []}}, 400, 12022),
    ("POST", "/2/streams", {**CREATE_V2, "event_handler": {}}, 400, 12022),
    ("PUT", f"/1/streams/{uuid.uuid4()}", {"account_id": "nope"}, 400, 12022),
    ("PUT", f"/2/streams/{uuid.uuid4()}", {**REPLACE_V2, "policies": {}}, 400, 12022),
    ("DELETE", "/1/streams", {"stream_ids": ["not-a-uuid"]}, 400, 12022),
    ("DELETE", "/1/streams", {"faces": []}, 400, 12022),
    ("GET", "/1/streams/processing/queue", None, 400, 12012),
    ("GET", "/1/streams/processing/queue?limit=0", None, 400, 12012),
    ("GET", "/2/streams/processing/queue?limit=1&group_ids=x", None, 400, 12012),
    ("POST", "/1/streams/processing/queue", {"limit": 1}, 400, 12022),
    ("POST", "/1/streams/processing/queue", {"filters": {}, "limit": 0}, 400, 12022),
    ("POST", "/2/streams/processing/queue", {"filters": {"stream_ids": ["x"]}, "limit": 1}, 400, 12022),
    ("POST", "/1/streams/feedback", {"streams": []}, 400, 12022),
    (
        "POST",
        "/1/streams/feedback",
        {"streams": [{"stream_id": "x", "status": "in_progress", "version": 1}]},
        400,
        12022,
    ),
    ("POST", "/1/streams/feedback", {"streams": [{**FEEDBACK["streams"][0], "status": "asleep"}]}, 400, 12022),
    ("POST", "/1/streams/feedback", {"streams": [{**FEEDBACK["streams"][0], "error": 5}]}, 400, 12022),
    ("POST", "/1/streams/feedback", {"streams": [{**FEEDBACK["streams"][0], "version": 0}]}, 400, 12022),
    ("GET", f"/1/streams/{uuid.uuid4()}/preview/handler/last_frame?account_id=x", None, 400, 12012),
    ("GET", "/1/streams/logs?targets=status,colour", None, 400, 12012),
    ("GET", "/1/streams/logs?page_size=1001", None, 400, 12012),
    ("GET", "/1/streams/logs?log_time__gte=soon", None, 400, 12012),
    ("DELETE", "/1/streams/logs?log_time__lt=soon", None, 400, 12012),
    ("POST", "/1/groups", {"account_id": str(uuid.uuid4()), "group_name": "a b"}, 400, 12022),
    ("POST", "/1/groups", {"account_id": str(uuid.uuid4())}, 400, 12022),
    ("POST", "/1/groups", {"group_name": "g"}, 400, 12022),
    ("POST", "/1/groups", {"account_id": str(uuid.uuid4()), "group_name": "g", "description": "d" * 257}, 400, 12022),
    ("GET", "/1/groups?page_size=0", None, 400, 12012),
    ("GET", "/2/groups?group_ids=x", None, 400, 12012),
    ("GET", "/1/groups/count?account_id=x", None, 400, 12012),
    ("GET", "/1/groups/x", None, 400, 12022),
    ("PATCH", f"/1/groups/{uuid.uuid4()}?account_id=x", {"description": "d"}, 400, 12012),
    ("DELETE", f"/1/groups/{uuid.uuid4()}", None, 404, 39001),
    ("POST", "/1/linker", {**LINK, "action": "glue"}, 400, 12022),
    ("POST", "/1/linker", {**LINK, "stream_ids": ["x"]}, 400, 12022),
    ("POST", "/1/linker", {**LINK, "stream_ids": [str(uuid.uuid4()) for _ in range(1001)]}, 400, 12022),
    ("POST", "/1/linker?account_id=x", LINK, 400, 12012),
]


@pytest.mark.parametrize(("method", "path", "body", "status", "code"), BAD_INPUT)
def test_bad_input_gets_the_documented_error(luna: Luna, method, path, body, status, code) -> None:
    reply = luna.http.request(method, path, json=body)
    assert reply.status_code == status, reply.text
    payload = reply.json()
    assert set(payload) == LUNA_ERROR, payload
    assert payload["error_code"] == code, payload
    assert payload["desc"] == {12012: "Bad/incomplete input data", 12022: "Bad/incomplete input data"}.get(
        code, "Object not found"
    )
