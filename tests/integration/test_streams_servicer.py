"""The Visionaire4 streams servicer on a real grpc.aio server, on SQLite and
PostgreSQL, through generated stubs."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import grpc
import pytest
from google.protobuf import json_format
from sqlmodel import Session

from services.common.settings import Settings
from services.db.engine import make_engine
from services.db.models import Setting, utcnow
from services.engine.repository import EngineRepository, StatsReport
from services.streams.wiring import build
from tests.conftest import register_local_node
from vigil.streams.v1 import luna_streams_service_pb2 as lpb
from vigil.streams.v1 import luna_streams_service_pb2_grpc, streams_service_pb2_grpc
from vigil.streams.v1 import streams_service_pb2 as pb


@pytest.fixture
def stub(database_url, aio_server):
    register_local_node(database_url)
    server = aio_server(lambda: build(Settings(_env_file=None, database_url=database_url)).registrations)
    return streams_service_pb2_grpc.StreamsServiceStub(server.channel)


def test_create_get_update_delete(stub) -> None:
    created = stub.CreateStream(
        pb.CreateStreamRequest(
            node_num=0,
            stream_address="rtsp://10.7.2.50:554/VOD/command.mp4",
            stream_name="Command Center",
            stream_latitude=-6.261376,
            stream_longitude=106.823648,
        )
    )
    assert created.ok and created.code == 200 and created.message == "stream successfully created"
    detail = stub.GetStream(pb.GetStreamRequest(node_num=0, stream_id=created.stream_id))
    assert detail.stream_name == "Command Center"
    assert detail.stream_latitude == pytest.approx(-6.261376)
    assert detail.stream_stats.state == "NOT_STARTED"
    updated = stub.UpdateStream(
        pb.UpdateStreamRequest(node_num=0, stream_id=created.stream_id, stream_name="Command Center Updated")
    )
    assert updated.stream_name == "Command Center Updated"
    assert updated.stream_address == "rtsp://10.7.2.50:554/VOD/command.mp4"  # kept
    listed = stub.ListNodeStreams(pb.ListNodeStreamsRequest(node_num=0))
    assert listed.stream_number == 1 and listed.streams[0].stream_id == created.stream_id
    deleted = stub.DeleteStream(pb.DeleteStreamRequest(node_num=0, stream_id=created.stream_id))
    assert deleted.message == "stream successfully deleted"
    assert stub.ListStreams(pb.ListStreamsRequest()).stream_number == 0


def test_errors_carry_codes_and_edge_metadata(stub) -> None:
    with pytest.raises(grpc.RpcError) as err:
        stub.ListNodeStreams(pb.ListNodeStreamsRequest(node_num=9))
    assert err.value.code() == grpc.StatusCode.NOT_FOUND
    assert err.value.details() == "node not found"
    trailers = dict(err.value.trailing_metadata())
    assert trailers["vigil-http-status"] == "404"
    with pytest.raises(grpc.RpcError) as err:
        stub.CreateStream(pb.CreateStreamRequest(node_num=0, stream_address="ftp://nope/x"))
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert err.value.details() == "Invalid stream_address"
    with pytest.raises(grpc.RpcError) as err:
        stub.GetStream(pb.GetStreamRequest(node_num=0, stream_id="missing"))
    assert err.value.code() == grpc.StatusCode.NOT_FOUND and err.value.details() == "stream not found"


def test_unknown_json_field_is_rejected_when_the_edge_forwards_the_body(stub) -> None:
    body = b'{"stream_address": "rtsp://h/x", "stream_nmae": "typo"}'
    with pytest.raises(grpc.RpcError) as err:
        stub.CreateStream(
            pb.CreateStreamRequest(node_num=0, stream_address="rtsp://h/x"),
            metadata=[("vigil-json-body-bin", body)],
        )
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert err.value.details() == "unknown field 'stream_nmae'"


@pytest.fixture
def both(database_url, aio_server):
    """The Visionaire4 and LUNA faces of one streams server."""
    register_local_node(database_url)
    server = aio_server(lambda: build(Settings(_env_file=None, database_url=database_url)).registrations)
    return stub_pair(server.channel)


def stub_pair(channel: grpc.Channel) -> tuple[Any, Any]:
    return (
        streams_service_pb2_grpc.StreamsServiceStub(channel),
        luna_streams_service_pb2_grpc.LunaStreamsServiceStub(channel),
    )


def _luna_stream(luna: Any, **body: Any) -> str:
    request = lpb.CreateLunaStreamRequest()
    json_format.ParseDict(
        {
            "account_id": "557d54ec-29ad-4f3c-93b4-c9092ef12515",
            "data": {"type": "tcp", "reference": "rtsp://10.0.0.1/live"},
            "event_handler": {"bestshot_handler": {"handler_id": "ee4c42b6-23ae-410e-a2aa-a4220e64ba4b"}},
            **body,
        },
        request,
    )
    return str(luna.CreateLunaStream(request).stream_id)


def test_an_address_change_requeues_and_restarts_the_count(both) -> None:
    visionaire, luna = both
    stream_id = _luna_stream(luna, autorestart={"restart": 1, "attempt_count": 1, "delay": 3600})
    take = lpb.TakeLunaQueuedStreamsRequest(limit=1)
    take.filters.stream_ids.append(stream_id)
    assert [s.stream_id for s in luna.TakeLunaQueuedStreams(take).streams] == [stream_id]
    failed = lpb.SendLunaStreamsFeedbackRequest()
    json_format.ParseDict(
        {"streams": [{"stream_id": stream_id, "status": "failure", "version": 1, "error": "no signal"}]}, failed
    )
    assert luna.SendLunaStreamsFeedback(failed).streams.modified
    stream = luna.GetLunaStream(lpb.GetLunaStreamRequest(stream_id=stream_id))
    assert (stream.status, stream.autorestart.status) == ("failure", "in_progress")

    # Renaming keeps everything a worker sees.
    visionaire.UpdateStream(pb.UpdateStreamRequest(node_num=0, stream_id=stream_id, stream_name="renamed"))
    stream = luna.GetLunaStream(lpb.GetLunaStreamRequest(stream_id=stream_id))
    assert (stream.name, stream.status, stream.version, stream.last_error.string_value) == (
        "renamed",
        "failure",
        1,
        "no signal",
    )
    # A new address: version 2, back in the queue, error and restart count afresh.
    visionaire.UpdateStream(pb.UpdateStreamRequest(node_num=0, stream_id=stream_id, stream_address="rtsp://10.0.0.2/x"))
    stream = luna.GetLunaStream(lpb.GetLunaStreamRequest(stream_id=stream_id))
    assert (stream.status, stream.version, stream.data.reference) == ("pending", 2, "rtsp://10.0.0.2/x")
    assert stream.last_error.WhichOneof("kind") == "null_value"
    assert (stream.autorestart.status, stream.autorestart.current_attempt) == ("enabled", 0)
    # A paused stream stays paused.
    luna.UpdateLunaStream(lpb.UpdateLunaStreamRequest(stream_id=stream_id, status="pause"))
    visionaire.UpdateStream(pb.UpdateStreamRequest(node_num=0, stream_id=stream_id, stream_address="rtsp://10.0.0.3/x"))
    stream = luna.GetLunaStream(lpb.GetLunaStreamRequest(stream_id=stream_id))
    assert (stream.status, stream.version) == ("pause", 3)


def test_the_stored_max_streams_per_node_is_enforced(database_url, both) -> None:
    visionaire, luna = both
    visionaire.CreateStream(pb.CreateStreamRequest(node_num=0, stream_address="rtsp://10.0.0.1/a"))
    engine = make_engine(database_url)
    with Session(engine) as session:  # what the system service stores for POST /config/platform
        session.add(Setting(key="platform", value={"max_streams_per_node": 2}, updated_at=utcnow()))
        session.commit()
    engine.dispose()
    _luna_stream(luna)
    message = "node 0 already has the maximum of 2 streams (max_streams_per_node)"
    for create in (
        lambda: visionaire.CreateStream(pb.CreateStreamRequest(node_num=0, stream_address="rtsp://10.0.0.1/b")),
        lambda: _luna_stream(luna),
    ):
        with pytest.raises(grpc.RpcError) as err:
            create()
        assert (err.value.code(), err.value.details()) == (grpc.StatusCode.INVALID_ARGUMENT, message)
    assert visionaire.ListStreams(pb.ListStreamsRequest()).stream_number == 2


def test_stream_stats_are_what_the_engine_last_wrote_and_stale_ones_are_stopped(stub, database_url) -> None:
    created = stub.CreateStream(pb.CreateStreamRequest(node_num=0, stream_address="rtsp://10.7.2.50/live"))
    engine = EngineRepository(make_engine(database_url))

    def report(state: str, fps: float, message: str = "", age: float = 0.0) -> None:
        row = StatsReport(created.stream_id, state, fps, 1920, 1080, message, 100, 0)
        engine.write_stats([row], "test:1", now=utcnow() - timedelta(seconds=age))

    def stats() -> Any:
        return stub.GetStream(pb.GetStreamRequest(node_num=0, stream_id=created.stream_id)).stream_stats

    report("CONNECTING", 0.0)
    report("RUNNING", 25.0)  # the same row, updated
    now = stats()
    assert (now.state, now.fps, now.frame_width, now.frame_height, now.last_error_msg) == (
        "RUNNING",
        25.0,
        1920,
        1080,
        "",
    )
    report("ERROR", 0.0, "Connection refused")
    assert (stats().state, stats().last_error_msg) == ("ERROR", "Connection refused")
    report("RUNNING", 25.0, age=60)  # its engine stopped reporting a minute ago
    stale = stats()
    assert stale.state == "STOPPED" and stale.fps == 0 and "stopped reporting" in stale.last_error_msg
    # A deleted stream's report is dropped (its row went with it), not an error.
    stub.DeleteStream(pb.DeleteStreamRequest(node_num=0, stream_id=created.stream_id))
    report("RUNNING", 25.0)
