"""The LUNA streams and groups servicers on a real grpc.aio server, on SQLite
and PostgreSQL, through generated stubs: concurrent queue takers, feedback
and autorestart, log clearing, previews."""

from __future__ import annotations

import asyncio
import base64
import threading
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from fractions import Fraction
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import av
import grpc
import numpy as np
import pytest
from google.protobuf import json_format

from services.common.settings import Settings
from services.streams.wiring import StreamsProcess, build
from tests.conftest import AioServer
from vigil.streams.v1 import luna_groups_service_pb2 as gpb
from vigil.streams.v1 import luna_groups_service_pb2_grpc, luna_stream_pb2, luna_streams_service_pb2_grpc
from vigil.streams.v1 import luna_streams_service_pb2 as pb

ACCOUNT = "557d54ec-29ad-4f3c-93b4-c9092ef12515"
HANDLER = "ee4c42b6-23ae-410e-a2aa-a4220e64ba4b"


def jpeg(level: int = 128, width: int = 32, height: int = 24, *, noise: bool = False) -> bytes:
    """A real JPEG image made with PyAV: one grey level, or random noise
    (which compresses badly, for large frames)."""
    codec = av.CodecContext.create("mjpeg", "w")
    codec.width, codec.height, codec.pix_fmt, codec.time_base = width, height, "yuvj420p", Fraction(1, 25)
    if noise:
        image = np.random.default_rng(level).integers(0, 256, (height, width, 3), dtype=np.uint8)
    else:
        image = np.full((height, width, 3), level, np.uint8)
    frame = av.VideoFrame.from_ndarray(image, format="rgb24").reformat(format="yuvj420p")
    return b"".join(bytes(packet) for packet in [*codec.encode(frame), *codec.encode(None)])


@dataclass
class Luna:
    server: AioServer
    process: StreamsProcess
    streams: luna_streams_service_pb2_grpc.LunaStreamsServiceStub
    groups: luna_groups_service_pb2_grpc.LunaGroupsServiceStub
    data_dir: Path

    def create(self, name: str = "", **body: Any) -> str:
        request = pb.CreateLunaStreamRequest()
        json_format.ParseDict(
            {
                "account_id": ACCOUNT,
                "name": name,
                "data": {"type": "tcp", "reference": "rtsp://some_stream_address"},
                "event_handler": {"bestshot_handler": {"handler_id": HANDLER}},
                **body,
            },
            request,
        )
        return str(self.streams.CreateLunaStream(request).stream_id)

    def get(self, stream_id: str) -> pb.GetLunaStreamResponse:
        return self.streams.GetLunaStream(pb.GetLunaStreamRequest(stream_id=stream_id))

    def feedback(self, *reports: dict[str, Any]) -> dict[str, Any]:
        request = pb.SendLunaStreamsFeedbackRequest()
        json_format.ParseDict({"streams": list(reports)}, request)
        reply = self.streams.SendLunaStreamsFeedback(request)
        return json_format.MessageToDict(
            reply, preserving_proto_field_name=True, always_print_fields_with_no_presence=True
        )["streams"]

    def take(self, limit: int = 1, **filters: list[str]) -> list[str]:
        request = pb.TakeLunaQueuedStreamsRequest(limit=limit, filters=filters)
        return [s.stream_id for s in self.streams.TakeLunaQueuedStreams(request).streams]


@pytest.fixture
def luna(database_url, aio_server, tmp_path) -> Iterator[Luna]:
    settings = Settings(_env_file=None, database_url=database_url, data_dir=tmp_path)
    process = build(settings)
    server = aio_server(lambda: process.registrations)
    yield Luna(
        server,
        process,
        luna_streams_service_pb2_grpc.LunaStreamsServiceStub(server.channel),
        luna_groups_service_pb2_grpc.LunaGroupsServiceStub(server.channel),
        tmp_path,
    )


def test_concurrent_takers_never_get_the_same_stream(luna: Luna) -> None:
    created = {luna.create(f"s{i}") for i in range(48)}
    target = f"127.0.0.1:{luna.server.port}"
    start = threading.Barrier(6)

    def worker(_: int) -> list[str]:
        taken: list[str] = []
        with grpc.insecure_channel(target) as channel:
            stub = luna_streams_service_pb2_grpc.LunaStreamsServiceStub(channel)
            start.wait()
            while True:
                batch = stub.TakeLunaQueuedStreams(
                    pb.TakeLunaQueuedStreamsRequest(limit=3, filters=luna_stream_pb2.LunaStreamQueueFilters())
                ).streams
                if not batch:
                    return taken
                assert all(s.status == "in_progress" for s in batch)
                taken += [s.stream_id for s in batch]

    with ThreadPoolExecutor(6) as pool:
        results = list(pool.map(worker, range(6)))
    everything = [stream_id for taken in results for stream_id in taken]
    assert len(everything) == len(set(everything)) == 48  # nobody got a stream twice
    assert set(everything) == created
    assert sum(1 for taken in results if taken) > 1  # the takers really ran side by side
    assert luna.streams.CountLunaStreams(pb.CountLunaStreamsRequest(statuses="in_progress")).streams_count == 48


def test_queue_filters_and_peek(luna: Luna) -> None:
    group = luna.groups.CreateLunaGroup(gpb.CreateLunaGroupRequest(account_id=ACCOUNT, group_name="hd_stream_2"))
    grouped = luna.create("in-group", group_name="hd_stream_2")
    other = luna.create("other")
    paused = luna.create("paused", status="pause")
    peek = luna.streams.ListLunaQueuedStreams(pb.ListLunaQueuedStreamsRequest(limit=10))
    assert [s.stream_id for s in peek.streams] == [grouped, other]  # oldest first, no paused stream
    assert luna.take(5, group_ids=[group.group_id]) == [grouped]
    assert luna.take(5, group_names=["hd_stream_2"]) == []
    assert luna.take(5, names=["paused"]) == []
    assert luna.take(5, stream_ids=[other]) == [other]
    assert luna.get(paused).status == "pause"
    with pytest.raises(grpc.RpcError) as err:
        luna.streams.ListLunaQueuedStreams(pb.ListLunaQueuedStreamsRequest(limit=0))
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert dict(err.value.trailing_metadata())["vigil-error-code"] == "12012"


def test_feedback_applies_only_to_the_current_version_of_a_processed_stream(luna: Luna) -> None:
    stream_id = luna.create("worker")
    report = {"stream_id": stream_id, "status": "in_progress", "version": 1, "error": None}
    # Not taken yet: the worker does not own it.
    assert luna.feedback(report) == {
        "modified": [],
        "unmodified": [{"stream_id": stream_id, "status": "pending", "version": 1}],
    }
    # Not opened yet: no video info (null), and both preview routes all the same.
    fresh = luna.get(stream_id)
    assert fresh.video_info.WhichOneof("kind") == "null_value"
    assert fresh.preview.live.url == f"/1/streams/{stream_id}/preview/handler/live"
    assert fresh.preview.last_frame.url == f"/1/streams/{stream_id}/preview/handler/last_frame"
    assert luna.take() == [stream_id]
    video = {"width": 1920, "height": 1080, "frame_rate": 25, "bit_rate": 25, "gop_size": 25, "progress": 1}
    outcome = luna.feedback(report | {"video_info": video}, report | {"version": 7})
    assert outcome["modified"] == [{"stream_id": stream_id, "status": "in_progress", "version": 1}]
    assert outcome["unmodified"] == [{"stream_id": stream_id, "status": "in_progress", "version": 1}]
    shown = json_format.MessageToDict(luna.get(stream_id).video_info)
    assert shown == video | {"start_time": "", "duration": 0}  # every key of the document's example
    # The user pauses it: the worker's next report is not applied, and tells it.
    luna.streams.UpdateLunaStream(pb.UpdateLunaStreamRequest(stream_id=stream_id, status="pause"))
    assert luna.feedback(report)["unmodified"] == [{"stream_id": stream_id, "status": "pause", "version": 1}]
    missing = str(uuid.uuid4())
    assert luna.feedback(report | {"stream_id": missing})["unmodified"] == [
        {"stream_id": missing, "status": "not_found", "version": 1}
    ]
    logs = luna.streams.ListLunaStreamLogs(pb.ListLunaStreamLogsRequest(stream_ids=stream_id)).logs
    assert len(logs) == 1 and logs[0].video_info.width == 1920  # one applied report, one record


def test_autorestart_cycle(luna: Luna) -> None:
    stream_id = luna.create("flaky", autorestart={"restart": 1, "attempt_count": 2, "delay": 0})
    assert luna.get(stream_id).autorestart.status == "enabled"
    for attempt in (1, 2):
        assert luna.take() == [stream_id]
        failure = {"stream_id": stream_id, "status": "failure", "version": 1, "error": "connection refused"}
        assert luna.feedback(failure)["modified"][0]["status"] == "failure"
        stream = luna.get(stream_id)
        assert (stream.status, stream.autorestart.status) == ("failure", "in_progress")
        assert stream.last_error.string_value == "connection refused"
        assert luna.server.call(luna.process.luna.restart_due()) == 1
        stream = luna.get(stream_id)
        assert stream.status == "pending"
        assert stream.autorestart.current_attempt == attempt
        assert stream.autorestart.last_attempt_time.string_value.endswith("Z")
    assert luna.take() == [stream_id]
    luna.feedback({"stream_id": stream_id, "status": "failure", "version": 1, "error": "gone"})
    assert luna.server.call(luna.process.luna.restart_due()) == 0  # two attempts were all it had
    stream = luna.get(stream_id)
    assert (stream.status, stream.autorestart.status, stream.autorestart.current_attempt) == ("failure", "failed", 2)
    # A user action starts the count afresh.
    luna.streams.UpdateLunaStream(pb.UpdateLunaStreamRequest(stream_id=stream_id, status="pending"))
    stream = luna.get(stream_id)
    assert (stream.status, stream.autorestart.status, stream.autorestart.current_attempt) == ("pending", "enabled", 0)


def test_a_stream_whose_worker_went_silent_goes_back_in_the_queue(luna: Luna) -> None:
    stream_id = luna.create("orphan")
    assert luna.take() == [stream_id]
    requeue = luna.process.luna.requeue_silent
    assert luna.server.call(requeue(60)) == 0  # it was just taken
    later = datetime.now(UTC) + timedelta(seconds=61)
    assert luna.server.call(requeue(0, now=later)) == 0  # 0: never
    assert luna.server.call(requeue(60, now=later)) == 1
    assert luna.get(stream_id).status == "pending"
    assert luna.take() == [stream_id]  # another worker takes it over
    luna.streams.UpdateLunaStream(pb.UpdateLunaStreamRequest(stream_id=stream_id, status="pause"))
    assert luna.server.call(requeue(60, now=later + timedelta(seconds=120))) == 0  # paused: left alone


def test_autorestart_waits_for_its_delay(luna: Luna) -> None:
    stream_id = luna.create("slow", autorestart={"restart": 1, "attempt_count": 3, "delay": 3600})
    luna.take()
    luna.feedback({"stream_id": stream_id, "status": "failure", "version": 1})
    assert luna.server.call(luna.process.luna.restart_due()) == 0
    assert luna.get(stream_id).status == "failure"


def test_log_clearing_keeps_the_last_record_of_each_stream(luna: Luna) -> None:
    first, second = luna.create("a"), luna.create("b")
    luna.take(2)
    for _ in range(3):
        luna.feedback(*({"stream_id": s, "status": "in_progress", "version": 1} for s in (first, second)))
    everything = pb.ListLunaStreamLogsRequest(page_size=100)
    assert len(luna.streams.ListLunaStreamLogs(everything).logs) == 6
    job = asyncio.run_coroutine_threadsafe(luna.process.luna.housekeeping_forever(0.05, 0.000001), luna.server._loop)
    try:
        for _ in range(200):
            if len(luna.streams.ListLunaStreamLogs(everything).logs) == 2:
                break
            threading.Event().wait(0.05)
    finally:
        job.cancel()
    logs = luna.streams.ListLunaStreamLogs(everything).logs
    assert sorted(log.stream_id for log in logs) == sorted([first, second])


def test_previews_from_feedback(luna: Luna) -> None:
    stream_id = luna.create("preview")
    luna.take()
    with pytest.raises(grpc.RpcError) as err:
        luna.streams.GetLunaStreamLastFramePreview(pb.GetLunaStreamLastFramePreviewRequest(stream_id=stream_id))
    assert err.value.code() == grpc.StatusCode.NOT_FOUND
    dark, light = jpeg(20), jpeg(230)
    data_url = "data:image/jpeg;base64," + base64.b64encode(dark).decode()
    report = {"stream_id": stream_id, "status": "in_progress", "version": 1}
    luna.feedback(report | {"preview": {"last_frame": {"url": data_url}}})
    frame = luna.streams.GetLunaStreamLastFramePreview(pb.GetLunaStreamLastFramePreviewRequest(stream_id=stream_id))
    assert (frame.content_type, frame.data) == ("image/jpeg", dark)
    assert (luna.data_dir / "previews" / f"{stream_id}.jpg").read_bytes() == dark
    shown = luna.get(stream_id).preview.last_frame.url
    assert shown == f"/1/streams/{stream_id}/preview/handler/last_frame"  # the data URL is not echoed

    # The live preview: the stored frame now, then the next one a worker posts.
    live = luna.streams.GetLunaStreamLivePreview(pb.GetLunaStreamLivePreviewRequest(stream_id=stream_id))
    first = next(live)
    assert first.content_type.startswith("multipart/x-mixed-replace; boundary=")
    assert dark in first.data and first.data.startswith(b"--frame\r\nContent-Type: image/jpeg\r\n")

    # A worker that serves its frame over HTTP.
    class Frame(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "image/jpeg")
            self.send_header("Content-Length", str(len(light)))
            self.end_headers()
            self.wfile.write(light)

        def log_message(self, *args: object) -> None:
            pass

    http = ThreadingHTTPServer(("127.0.0.1", 0), Frame)
    threading.Thread(target=http.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{http.server_address[1]}/api/1/streams/preview/{stream_id}"
        luna.feedback(report | {"preview": {"last_frame": {"url": url}, "live": {"url": url + "/live"}}})
        second = next(live)
        assert light in second.data and second.content_type == ""
    finally:
        live.cancel()
        http.shutdown()
    frame = luna.streams.GetLunaStreamLastFramePreview(pb.GetLunaStreamLastFramePreviewRequest(stream_id=stream_id))
    assert frame.data == light
    # The body shows the service's own routes, which serve what the worker posted.
    assert luna.get(stream_id).preview.live.url == f"/1/streams/{stream_id}/preview/handler/live"
    luna.streams.DeleteLunaStream(pb.DeleteLunaStreamRequest(stream_id=stream_id))
    assert not (luna.data_dir / "previews" / f"{stream_id}.jpg").exists()


def test_bad_preview_in_feedback_is_rejected(luna: Luna) -> None:
    stream_id = luna.create("bad")
    for url in ("data:image/jpeg;base64,!!!", "data:image/png;base64,iVBORw0KGgo=", "data:image/jpeg;base64,AAAA"):
        with pytest.raises(grpc.RpcError) as err:
            luna.feedback(
                {"stream_id": stream_id, "status": "in_progress", "version": 1, "preview": {"last_frame": {"url": url}}}
            )
        assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT


def test_account_scope(luna: Luna) -> None:
    mine = luna.create("mine")
    other_account = str(uuid.uuid4())
    assert luna.streams.CountLunaStreams(pb.CountLunaStreamsRequest(account_id=other_account)).streams_count == 0
    for call in (
        lambda: luna.streams.GetLunaStream(pb.GetLunaStreamRequest(stream_id=mine, account_id=other_account)),
        lambda: luna.streams.DeleteLunaStream(pb.DeleteLunaStreamRequest(stream_id=mine, account_id=other_account)),
        lambda: luna.streams.UpdateLunaStream(
            pb.UpdateLunaStreamRequest(stream_id=mine, account_id=other_account, description="x")
        ),
    ):
        with pytest.raises(grpc.RpcError) as err:
            call()
        assert err.value.code() == grpc.StatusCode.NOT_FOUND
    luna.streams.DeleteLunaStreams(pb.DeleteLunaStreamsRequest(account_id=other_account, names=["mine"]))
    assert luna.get(mine).name == "mine"  # another account's delete did not reach it
    luna.streams.DeleteLunaStreams(pb.DeleteLunaStreamsRequest(account_id=ACCOUNT, names=["mine"]))
    with pytest.raises(grpc.RpcError):
        luna.get(mine)


def test_a_stream_needs_an_address_and_a_replace_without_one_keeps_it(luna: Luna) -> None:
    with pytest.raises(grpc.RpcError) as err:
        luna.create("no address", data={"type": "tcp"})
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT and "'reference' is a required" in str(
        err.value.details()
    )
    stream_id = luna.create("kept")
    request = pb.ReplaceLunaStreamRequest()
    json_format.ParseDict(
        {
            "stream_id": stream_id,
            "account_id": ACCOUNT,
            "data": {"type": "udp"},
            "event_handler": {"bestshot_handler": {"handler_id": HANDLER}},
        },
        request,
    )
    assert luna.streams.ReplaceLunaStream(request).version == 2
    stream = luna.get(stream_id)
    assert (stream.data.reference, stream.data.type) == ("rtsp://some_stream_address", "udp")
