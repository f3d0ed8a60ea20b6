"""The Visionaire4 face of the streams domain: protobuf in, domain calls,
protobuf out."""

from __future__ import annotations

from typing import Any

import grpc
from google.protobuf import json_format

from services.db.models import Stream, StreamStatsRow
from services.streams.visionaire_domain import StreamChanges, StreamsDomain
from vigil.streams.v1 import stream_pb2, streams_service_pb2_grpc
from vigil.streams.v1 import streams_service_pb2 as pb

#: What the detail answers for a stream that no pipeline has opened yet.
NOT_STARTED = stream_pb2.StreamStats(
    state="NOT_STARTED", last_error_msg="Stream has not been opened by any pipeline or viewer yet."
)


def to_stream_pb(stream: Stream) -> stream_pb2.Stream:
    """A row as Visionaire4 prints a stream."""
    return _row_pb(
        (
            stream.stream_id,
            stream.name,
            stream.reference,
            stream.node_num,
            stream.latitude,
            stream.longitude,
            stream.custom_data,
        )
    )


def _row_pb(row: tuple[Any, ...]) -> stream_pb2.Stream:
    """A listed row (`StreamRepository.list`) as Visionaire4 prints it."""
    stream_id, name, address, node_num, latitude, longitude, custom_data = row
    out = stream_pb2.Stream(
        stream_id=stream_id,
        stream_name=name,
        stream_address=address,
        stream_node_num=node_num,
        stream_latitude=latitude or 0.0,
        stream_longitude=longitude or 0.0,
    )
    if custom_data:
        out.stream_custom_data.update(custom_data)
    else:
        out.stream_custom_data.SetInParent()
    return out


def _stats_pb(row: StreamStatsRow | None) -> stream_pb2.StreamStats:
    """The engine's measurements as Visionaire4's `stream_stats`."""
    if row is None:
        return NOT_STARTED
    return stream_pb2.StreamStats(
        fps=row.fps,
        frame_width=row.frame_width,
        frame_height=row.frame_height,
        state=row.state,
        last_error_msg=row.last_error_msg,
    )


def _changes(request: Any, *, partial: bool) -> StreamChanges:
    """The fields a create or update body carries."""

    def given(name: str) -> bool:
        return not partial or request.HasField(name)

    return StreamChanges(
        address=request.stream_address if given("stream_address") else None,
        name=request.stream_name if given("stream_name") else None,
        latitude=request.stream_latitude if given("stream_latitude") else None,
        longitude=request.stream_longitude if given("stream_longitude") else None,
        custom_data=json_format.MessageToDict(request.stream_custom_data)
        if request.HasField("stream_custom_data")
        else None,
    )


class StreamsServicer(streams_service_pb2_grpc.StreamsServiceServicer):
    """Visionaire4 `/streams` routes."""

    def __init__(self, domain: StreamsDomain) -> None:
        self._domain = domain

    async def ListStreams(self, request: pb.ListStreamsRequest, context: grpc.aio.ServicerContext) -> Any:
        streams = await self._domain.list_streams()
        return pb.ListStreamsResponse(stream_number=len(streams), streams=[_row_pb(s) for s in streams])

    async def ListNodeStreams(self, request: pb.ListNodeStreamsRequest, context: grpc.aio.ServicerContext) -> Any:
        streams = await self._domain.list_streams(request.node_num)
        return pb.ListNodeStreamsResponse(stream_number=len(streams), streams=[_row_pb(s) for s in streams])

    async def CreateStream(self, request: pb.CreateStreamRequest, context: grpc.aio.ServicerContext) -> Any:
        stream = await self._domain.create_stream(request.node_num, _changes(request, partial=False))
        return pb.CreateStreamResponse(
            code=200,
            ok=True,
            message="stream successfully created",
            node_num=stream.node_num,
            stream_id=stream.stream_id,
            stream_address=stream.reference,
            stream_name=stream.name,
        )

    async def GetStream(self, request: pb.GetStreamRequest, context: grpc.aio.ServicerContext) -> Any:
        stream = await self._domain.get_stream(request.node_num, request.stream_id)
        pipelines = await self._domain.pipelines_of(stream.stream_id)
        stats = await self._domain.stream_stats(stream.stream_id)
        base = to_stream_pb(stream)
        return pb.GetStreamResponse(
            stream_id=base.stream_id,
            stream_name=base.stream_name,
            stream_address=base.stream_address,
            stream_node_num=base.stream_node_num,
            stream_latitude=base.stream_latitude,
            stream_longitude=base.stream_longitude,
            stream_custom_data=base.stream_custom_data,
            pipelines=[analytic for analytic, _ in pipelines],
            seats=[stream_pb2.Seat(analytic_id=analytic, serial_number=serial) for analytic, serial in pipelines],
            stream_stats=_stats_pb(stats),
        )

    async def UpdateStream(self, request: pb.UpdateStreamRequest, context: grpc.aio.ServicerContext) -> Any:
        stream = await self._domain.update_stream(request.node_num, request.stream_id, _changes(request, partial=True))
        return pb.UpdateStreamResponse(
            code=200,
            message="stream successfully updated",
            node_num=stream.node_num,
            stream_id=stream.stream_id,
            stream_address=stream.reference,
            stream_name=stream.name,
        )

    async def DeleteStream(self, request: pb.DeleteStreamRequest, context: grpc.aio.ServicerContext) -> Any:
        stream = await self._domain.delete_stream(request.node_num, request.stream_id)
        return pb.DeleteStreamResponse(
            code=200, message="stream successfully deleted", node_num=stream.node_num, stream_id=stream.stream_id
        )
