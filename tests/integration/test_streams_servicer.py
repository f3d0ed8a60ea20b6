"""The Visionaire4 streams servicer on a real grpc.aio server, on SQLite and
PostgreSQL, through generated stubs."""

from __future__ import annotations

import grpc
import pytest

from services.common.settings import Settings
from services.streams.__main__ import registrations
from tests.conftest import register_local_node
from vigil.streams.v1 import streams_service_pb2 as pb
from vigil.streams.v1 import streams_service_pb2_grpc


@pytest.fixture
def stub(database_url, aio_server):
    register_local_node(database_url)
    server = aio_server(lambda: registrations(Settings(_env_file=None, database_url=database_url)))
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
