"""The events store through the real Envoy, on SQLite and PostgreSQL: events
appended through the library (as the stream engine appends them) are
listed with every filter and page, followed live as server-sent events and
over gRPC, counted by `/database/stats`, and removed by retention; bad input
answers in Visionaire4's error shape."""

from __future__ import annotations

import base64
import json
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import av
import grpc
import httpx
import numpy as np
import pytest

from services.analysis.faces import BestShot, Decision, Match, Quality, RuleHit
from services.analysis.plates import PlateResult, PlateSettings
from services.catalog.work import WorkItem
from services.db.engine import make_engine
from services.engine.faces import face_events
from services.engine.plates import plate_events
from services.events.store import EventStore, NewEvent
from services.search.text import TextSearch
from services.search.vectors import VectorFilter
from tests.platform_launcher import RunningPlatform
from vigil.events.v1 import events_service_pb2 as pb
from vigil.events.v1 import events_service_pb2_grpc

PLATFORM_ENV = {"VIGIL_EVENTS_HOUSEKEEPING_SECONDS": "0.5"}


def jpeg() -> bytes:
    frame = av.VideoFrame.from_ndarray(np.full((32, 48, 3), 200, np.uint8), format="rgb24")
    codec = av.CodecContext.create("mjpeg", "w")
    codec.width, codec.height, codec.pix_fmt = 48, 32, "yuvj420p"
    return b"".join(bytes(p) for p in [*codec.encode(frame.reformat(format="yuvj420p")), *codec.encode(None)])


@pytest.fixture(scope="module")
def store(platform: RunningPlatform) -> Iterator[EventStore]:
    engine = make_engine(platform.env["VIGIL_DATABASE_URL"])
    yield EventStore(engine, platform.data_dir)
    engine.dispose()


@pytest.fixture(scope="module")
def stream_id(http: httpx.Client) -> str:
    created = http.post("/streams/0", json={"stream_address": "rtsp://10.0.0.9/events"}).json()
    return str(created["stream_id"])


def event(stream_id: str, kind: str = "line_in", analytic: str = "NFV4-MPA", **kw: object) -> NewEvent:
    at = kw.pop("at", datetime.now(UTC))
    return NewEvent(stream_id=stream_id, analytic_id=analytic, event_type=kind, occurred_at=at, **kw)  # type: ignore[arg-type]


def ids(reply: httpx.Response) -> list[int]:
    assert reply.status_code == 200, reply.text
    return [e["id"] for e in reply.json()["events"]]


def until(check: object, seconds: float = 20.0) -> None:
    deadline = time.monotonic() + seconds
    while not check():  # type: ignore[operator]
        assert time.monotonic() < deadline, "condition not reached"
        time.sleep(0.1)


def test_list_with_every_filter_and_pages(http: httpx.Client, store: EventStore, stream_id: str) -> None:
    base = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)
    first = store.append(
        [event(stream_id, at=base + timedelta(minutes=i), track_id=i, label="person", score=0.8) for i in range(5)]
    )
    other = store.append([event(stream_id, "area_enter", "NFV4-MVA", at=base + timedelta(minutes=i)) for i in range(3)])
    everything = ids(http.get("/vigil/v1/events", params={"stream_id": stream_id}))
    assert everything == sorted(first + other, reverse=True)
    one = http.get("/vigil/v1/events", params={"stream_id": stream_id, "page_size": 1}).json()["events"][0]
    assert one["type"] == "area_enter" and one["analytic_id"] == "NFV4-MVA" and one["stream_id"] == stream_id
    assert one["time"] == "2026-11-30T10:02:00.000Z" and one["thumbnail_url"] == "" and one["box"] == []

    assert ids(http.get("/vigil/v1/events", params={"analytic_id": "NFV4-MVA", "stream_id": stream_id})) == other[::-1]
    assert ids(http.get("/vigil/v1/events", params={"type": "line_in", "stream_id": stream_id})) == first[::-1]
    window = {"since": "2026-11-30T10:01:00Z", "until": "2026-11-30T10:03:00Z", "stream_id": stream_id}
    assert sorted(ids(http.get("/vigil/v1/events", params=window))) == sorted(first[1:3] + other[1:3])
    # Another zone means the same instant.
    shifted = window | {"since": "2026-11-30T17:01:00+07:00"}
    assert sorted(ids(http.get("/vigil/v1/events", params=shifted))) == sorted(first[1:3] + other[1:3])

    pages, token = [], ""
    while True:
        reply = http.get("/vigil/v1/events", params={"stream_id": stream_id, "page_size": 3, "page_token": token})
        body = reply.json()
        pages.append([e["id"] for e in body["events"]])
        token = body["next_page_token"]
        if not token:
            break
    assert [len(p) for p in pages] == [3, 3, 2]
    assert [i for page in pages for i in page] == everything


def test_thumbnail_and_fields(http: httpx.Client, store: EventStore, stream_id: str) -> None:
    picture = jpeg()
    (event_id,) = store.append(
        [
            event(
                stream_id,
                track_id=42,
                label="person",
                score=0.75,
                box=(0.1, 0.2, 0.5, 0.9),
                thumbnail=picture,
                sub_analytic="counting",
                attributes={"line": "Pintu Masuk", "direction": "in"},
                primary_text="John Doe",
                secondary_text="Employee",
            )
        ]
    )
    shown = http.get("/vigil/v1/events", params={"stream_id": stream_id, "page_size": 1}).json()["events"][0]
    assert shown["id"] == event_id and shown["track_id"] == 42 and shown["score"] == 0.75
    assert shown["primary_text"] == "John Doe" and shown["secondary_text"] == "Employee"
    assert shown["box"] == [0.1, 0.2, 0.5, 0.9] and shown["sub_analytic"] == "counting"
    assert shown["attributes"] == {"line": "Pintu Masuk", "direction": "in"}
    assert shown["thumbnail_url"] == f"/vigil/v1/events/{event_id}/thumbnail"
    reply = http.get(shown["thumbnail_url"])
    assert reply.status_code == 200 and reply.headers["content-type"] == "image/jpeg" and reply.content == picture
    missing = http.get("/vigil/v1/events/999999999/thumbnail")
    assert missing.status_code == 404 and missing.json() == {"code": 404, "message": "event not found"}


def sse_events(lines: Iterator[str]) -> Iterator[dict[str, object]]:
    """The `data` of each server-sent event, skipping comments."""
    for line in lines:
        if line.startswith("data: "):
            yield json.loads(line[len("data: ") :])


def test_follow_live_through_the_edge(http: httpx.Client, store: EventStore, stream_id: str) -> None:
    # The module's own connection: the client closes it when a stream is left
    # unfinished and opens the next one for the next request.
    params = {"stream_id": stream_id, "type": "area_exit"}
    with http.stream("GET", "/vigil/v1/events/live", params=params) as live:
        assert live.status_code == 200
        assert live.headers["content-type"].startswith("text/event-stream")
        lines = live.iter_lines()
        assert next(lines) == ": following"  # subscribed: every event from now on comes
        store.append([event(stream_id, "line_in")])  # filtered out
        (wanted,) = store.append([event(stream_id, "area_exit", label="person")])
        got = next(sse_events(lines))
        assert got["id"] == wanted and got["type"] == "area_exit" and got["label"] == "person"
    # Resuming after an id replays what came after it.
    (later,) = store.append([event(stream_id, "area_exit")])
    with http.stream("GET", "/vigil/v1/events/live", params=params | {"after_id": wanted}) as live:
        assert next(sse_events(live.iter_lines()))["id"] == later


def test_watch_through_the_edge_is_a_growing_json_array(
    platform: RunningPlatform, store: EventStore, stream_id: str
) -> None:
    received: list[bytes] = []
    done = threading.Event()

    def read() -> None:
        with httpx.Client(base_url=platform.url(""), timeout=30) as client:
            params = {"stream_id": stream_id, "type": "dwell_over"}
            with client.stream("GET", "/vigil/v1/events/watch", params=params) as watch:
                assert watch.status_code == 200
                for chunk in watch.iter_raw():
                    received.append(chunk)
                    if b"dwell_over" in b"".join(received):
                        break
        done.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    appended: list[int] = []
    deadline = time.monotonic() + 20
    # The watch begins once the edge has connected; append until it hears one.
    while not done.is_set() and time.monotonic() < deadline:
        appended += store.append([event(stream_id, "dwell_over", attributes={"dwell_seconds": 31})])
        done.wait(0.3)
    reader.join(5)
    text = b"".join(received).decode()
    assert text.startswith("[")
    decoder, at = json.JSONDecoder(), 1
    elements: list[dict] = []
    while not elements or "event" not in elements[-1]:  # the array's elements up to the first event
        while text[at] in " \r\n\t,":
            at += 1
        element, at = decoder.raw_decode(text, at)
        elements.append(element)
    assert elements[0] == {}  # a keepalive: the watch has begun
    first = elements[-1]
    assert first["event"]["id"] in appended and first["event"]["attributes"] == {"dwell_seconds": 31}


def test_watch_over_grpc(platform: RunningPlatform, store: EventStore, stream_id: str) -> None:
    with grpc.insecure_channel(platform.grpc_target("system")) as channel:
        stub = events_service_pb2_grpc.EventsServiceStub(channel)
        call = stub.WatchEvents(pb.WatchEventsRequest(stream_id=stream_id, analytic_id="NFV4-FR"), timeout=30)
        call.initial_metadata()  # the watch has begun
        assert not next(call).HasField("event")  # and its first keepalive says so too
        (wanted,) = store.append([event(stream_id, "watchlist_match", "NFV4-FR", label="Budi")])
        got = next(call).event
        assert got.id == wanted and got.label == "Budi" and got.type == "watchlist_match"
        call.cancel()


def test_stats_count_events(http: httpx.Client, store: EventStore, stream_id: str) -> None:
    before = http.get("/database/stats").json()
    store.append([event(stream_id, thumbnail=jpeg()) for _ in range(3)])
    after = http.get("/database/stats").json()
    assert after["event_count"] == before["event_count"] + 3
    assert after["used_size_bytes"] > before["used_size_bytes"]
    assert set(after) == {"code", "message", "total_size_bytes", "used_size_bytes", "free_size_bytes", "event_count"}


def test_retention_and_cap_are_enforced(platform: RunningPlatform, http: httpx.Client, store: EventStore) -> None:
    stream = http.post("/streams/0", json={"stream_address": "rtsp://10.0.0.9/retention"}).json()["stream_id"]
    now = datetime.now(UTC)
    store.append([event(stream, at=now - timedelta(days=10), thumbnail=jpeg()) for _ in range(2)])
    store.append([event(stream, at=now - timedelta(days=6))])
    store.append([event(stream, at=now - timedelta(seconds=i)) for i in range(6)])

    def count() -> int:
        return len(ids(http.get("/vigil/v1/events", params={"stream_id": stream, "page_size": 1000})))

    assert count() == 9  # the default 30 days keeps them
    reply = http.put("/config/database", json={"retention_days": 7})
    assert reply.status_code == 200 and reply.json()["config"]["retention_days"] == 7
    until(lambda: count() == 7)
    assert not list((platform.data_dir / "events" / "thumbnails" / stream).glob("*.jpg"))  # files go with rows
    # The platform's event_retention_days holds too, when it is the shorter.
    platform_config = {"max_streams_per_node": 16, "event_retention_days": 5, "enable_cors": True, "log_level": "info"}
    assert http.post("/config/platform", json=platform_config).status_code == 200
    until(lambda: count() == 6)
    http.put("/config/database", json={"max_events_per_stream": 4})
    until(lambda: count() == 4)
    kept = http.get("/vigil/v1/events", params={"stream_id": stream}).json()["events"]
    newest = sorted(now - datetime.fromisoformat(e["time"]) for e in kept)
    assert all(age < timedelta(seconds=5) for age in newest)  # the newest four by their own time
    http.put("/config/database", json={"retention_days": 30, "max_events_per_stream": 100000})
    http.post("/config/platform", json=platform_config | {"event_retention_days": 30})


@pytest.mark.parametrize(
    ("params", "status", "message"),
    [
        ({"since": "yesterday"}, 400, "since is not an RFC 3339 time: 'yesterday'"),
        ({"until": "2026-11-30T10:00:00"}, 400, "until needs a time zone (e.g. Z): '2026-11-30T10:00:00'"),
        ({"since": "2026-11-30T11:00:00Z", "until": "2026-11-30T10:00:00Z"}, 400, "since must not be after until"),
        ({"analytic_id": "NFV4-XX"}, 400, None),
        ({"type": "explosion"}, 400, None),
        ({"page_size": 1001}, 400, "page_size must be between 1 and 1000"),
        ({"page_size": -1}, 400, "page_size must be between 1 and 1000"),
        ({"page_token": "abc"}, 400, "bad page_token 'abc'"),
        ({"stream_id": "no-such-stream"}, 404, "stream not found"),
        ({"colour": "red"}, 400, None),
    ],
)
def test_bad_input_in_visionaire_shape(
    http: httpx.Client, params: dict[str, str | int], status: int, message: str | None
) -> None:
    for path in ("/vigil/v1/events", "/vigil/v1/events/live", "/vigil/v1/events/watch"):
        if path != "/vigil/v1/events" and set(params) & {"since", "until", "page_size", "page_token"}:
            continue
        reply = http.get(path, params=params)
        assert reply.status_code == status, reply.text
        body = reply.json()
        assert set(body) == {"code", "message"} and body["code"] == status
        if message:
            assert body["message"] == message


def test_smart_search_frame_through_the_edge(http: httpx.Client) -> None:
    """`POST /smart-search` checks the request; a query image with no face
    is a 400 (tests/e2e/test_faces.py finds faces; the text branch is tested
    below)."""
    picture = base64.b64encode(jpeg()).decode()
    for body, status, message in [
        ({"type": "video", "query": "x"}, 400, "invalid query type"),
        ({}, 400, "invalid query type"),
        ({"type": "image", "query": "bm90IGEganBlZw=="}, 400, "query is not a base64 JPEG"),
        ({"type": "text", "query": ""}, 400, "query is required"),
        ({"type": "image", "query": picture, "limit": 5000}, 400, "limit must be 1..200"),
        ({"type": "image", "query": picture, "since": "yesterday"}, 400, None),
        ({"type": "image", "query": picture, "limit": 5}, 400, "no face found in query image"),
        ({"type": "text", "query": "B" * 257}, 400, "query text is longer than 256 characters"),
        ({"type": "text", "query": "   "}, 400, "query is required"),
    ]:
        reply = http.post("/smart-search", json=body)
        assert reply.status_code == status, (body, reply.text)
        answer = reply.json()
        assert set(answer) == {"code", "message"} and answer["code"] == status
        if message:
            assert answer["message"] == message
        if status == 501:
            assert "issue 15" in answer["message"]


def test_smart_search_by_text_through_the_edge(http: httpx.Client, store: EventStore, stream_id: str) -> None:
    """Plates (exact, partial, approximate), names and labels, most similar
    first, with the event's thumbnail and texts; filtered by stream and time."""
    at = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
    exact, misread, person, other = store.append(
        [
            event(
                stream_id,
                "plate_read",
                "NFV4-LPR3",
                at=at,
                label="car",
                primary_text="B1234XYZ",
                secondary_text="car",
                thumbnail=jpeg(),
                score=0.93,
            ),
            event(
                stream_id,
                "plate_read",
                "NFV4-LPR3",
                at=at + timedelta(seconds=5),
                label="truck",
                primary_text="B1284XYZ",
                secondary_text="truck",
            ),
            event(
                stream_id,
                "watchlist_match",
                "NFV4-FR",
                at=at,
                label="face",
                primary_text="Siti Rahayu",
                secondary_text="VIP list",
            ),
            event("cam-elsewhere", "plate_read", "NFV4-LPR3", at=at, primary_text="B1234XYZ"),
        ]
    )
    body = {"type": "text", "query": "b 1234 xyz", "stream_id": stream_id}
    reply = http.post("/smart-search", json=body)
    assert reply.status_code == 200, reply.text
    answer = reply.json()
    assert answer["code"] == 200 and answer["message"] == "success"
    first, second = answer["results"]
    assert first["primary_text"] == "B1234XYZ" and first["secondary_text"] == "car" and first["similarity"] == 1
    assert first["stream_id"] == stream_id and first["analytic_id"] == "NFV4-LPR3" and first["node_num"] == 0
    assert first["timestamp_ms"] == at.timestamp() * 1000
    assert base64.b64decode(first["image_jpeg"]) == jpeg()
    assert second["primary_text"] == "B1284XYZ" and 0.7 < second["similarity"] < 0.8 and second["image_jpeg"] == ""

    everywhere = http.post("/smart-search", json={"type": "text", "query": "B1234XYZ"}).json()["results"]
    # Equally similar: newest first.
    assert [r["stream_id"] for r in everywhere if r["similarity"] == 1] == ["cam-elsewhere", stream_id]
    later = {"type": "text", "query": "B1234XYZ", "since": "2026-12-02T09:00:01Z", "stream_id": stream_id}
    assert [r["primary_text"] for r in http.post("/smart-search", json=later).json()["results"]] == ["B1284XYZ"]
    one = http.post("/smart-search", json={**body, "limit": 1}).json()["results"]
    assert [r["primary_text"] for r in one] == ["B1234XYZ"]

    name = http.post("/smart-search", json={"type": "text", "query": "rahayu", "stream_id": stream_id}).json()
    assert [(r["primary_text"], r["secondary_text"]) for r in name["results"]] == [("Siti Rahayu", "VIP list")]
    truck = http.post("/smart-search", json={"type": "text", "query": "TRUCK", "stream_id": stream_id}).json()
    assert [(r["primary_text"], r["similarity"]) for r in truck["results"]] == [("B1284XYZ", 0.5)]
    nothing = http.post("/smart-search", json={"type": "text", "query": "ZZ9999", "stream_id": stream_id})
    assert nothing.status_code == 200 and nothing.json()["results"] == []
    assert exact and misread and person and other


def work_item(stream_id: str, analytic_id: str) -> WorkItem:
    return WorkItem(
        id=1,
        stream_id=stream_id,
        node_num=0,
        analytic_id=analytic_id,
        kind="live",
        config={},
        config_version=1,
        state="running",
        owner=None,
        heartbeat_at=None,
        progress=0.0,
        error="",
        attempts=0,
        seat=0,
        serial_number="",
    )


def test_smart_search_by_text_returns_each_sighting_once(
    platform: RunningPlatform, http: httpx.Client, store: EventStore, stream_id: str
) -> None:
    """A vehicle's `plate_read` and the `plate_match` events of the two rules
    its plate set off, and a face track's `face_seen`, `person_recognised` and
    `watchlist_match`, made by the engine's own functions (one `sighting` key
    per track), are one result each, standing as the rule's event with the
    read's text, thumbnail and time; `limit` counts sightings."""
    at = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)
    rules = [{"type": "plate_match", "plates": ["B 5150 KLM"]}, {"type": "plate_match", "pattern": "B5150[A-Z]+"}]
    settings = PlateSettings.from_config({"plate_region": "ID", "rules": rules})
    shade = np.full((40, 60, 3), 120, np.uint8)

    def vehicle(track_id: int, seconds: float) -> list[NewEvent]:
        result = PlateResult(track_id, "car", "B5150KLM", 0.91, 5, (0.1, 0.2, 0.5, 0.6), seconds, shade, shade[:12])
        when = at + timedelta(seconds=seconds)
        return plate_events(work_item(stream_id, "NFV4-LPR3"), settings, result, when, when)

    first, second = vehicle(1, 0.0), vehicle(2, 60.0)
    assert [e.event_type for e in first] == ["plate_read", "plate_match", "plate_match"]
    best = BestShot(
        Quality(0.95, 120.0, 3.0, -2.0, 1.0, 300.0),
        np.full(128, 128**-0.5, np.float32),
        (0.3, 0.2, 0.5, 0.5),
        4.0,
        np.full((64, 64, 3), 150, np.uint8),
    )
    dewi = Match(7, "Dewi Lestari", "", 3, "staff", 0.71)
    decision = Decision(5, best, 20, 2.0, dewi, 0.71, rule_hits=[RuleHit(0, "watchlist_match", dewi)])
    face = face_events(work_item(stream_id, "NFV4-FR"), decision, at)
    assert [e.event_type for e in face] == ["face_seen", "person_recognised", "watchlist_match"]
    store.append(first + second + face)

    def search(query: str, **more: object) -> list[dict[str, object]]:
        reply = http.post("/smart-search", json={"type": "text", "query": query, "stream_id": stream_id, **more})
        assert reply.status_code == 200, reply.text
        return list(reply.json()["results"])

    ms = [(at + timedelta(seconds=s)).timestamp() * 1000 for s in (60, 0)]
    plates = search("b 5150 klm")
    assert [(r["timestamp_ms"], r["primary_text"], r["secondary_text"], r["similarity"]) for r in plates] == [
        (ms[0], "B5150KLM", "car", 1),
        (ms[1], "B5150KLM", "car", 1),
    ]
    assert base64.b64decode(str(plates[1]["image_jpeg"])) == first[0].thumbnail
    # `limit` is results: two sightings, not two events of the newest.
    assert [r["timestamp_ms"] for r in search("5150", limit=2)] == ms
    assert [r["timestamp_ms"] for r in search("B5150KLM", limit=1)] == ms[:1]
    names = search("lestari")
    assert [(r["primary_text"], r["secondary_text"], r["analytic_id"]) for r in names] == [
        ("Dewi Lestari", "staff", "NFV4-FR")
    ]

    # The event standing for each sighting is its rule's.
    engine = make_engine(platform.env["VIGIL_DATABASE_URL"])
    try:
        texts = TextSearch(engine)
        hits = texts.search("B5150KLM", VectorFilter(stream_id=stream_id), 10) + texts.search(
            "Dewi Lestari", VectorFilter(stream_id=stream_id), 10
        )
    finally:
        engine.dispose()
    assert [e.event_type for e in store.by_ids([h.event_id for h in hits])] == ["plate_match"] * 2 + ["watchlist_match"]
