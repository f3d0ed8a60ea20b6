"""The LUNA Streams faces of the streams domain (document 002), API v1 and
v2: protobuf in, domain calls, protobuf out.

Request bodies become plain dicts (`json_format.MessageToDict`, which keeps
exactly the keys a client set, since the settings are `optional` scalars);
streams become the v1 or v2 view of `luna_schema` and then protobuf
(`json_format.ParseDict`). Creates answer 201; PATCH, DELETE and the linker
answer 204 with no body, as LUNA does.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Sequence
from typing import Any

import grpc
from google.api import httpbody_pb2
from google.protobuf import json_format, message, struct_pb2

from services.common.interceptors import HTTP_STATUS_KEY
from services.db.models import Stream, StreamGroup, StreamLog
from services.streams import luna_schema as schema
from services.streams.luna_domain import (
    FeedbackReport,
    LunaStreamRecord,
    LunaStreamsDomain,
    StreamBody,
    StreamQuery,
    autorestart_state,
)
from services.streams.luna_groups import LunaGroupsDomain
from vigil.streams.v1 import (
    luna_group_pb2,
    luna_groups_service_pb2_grpc,
    luna_stream_pb2,
    luna_streams_service_pb2_grpc,
)
from vigil.streams.v1 import luna_groups_service_pb2 as gpb
from vigil.streams.v1 import luna_streams_service_pb2 as pb

MJPEG_BOUNDARY = "frame"
MJPEG_TYPE = f"multipart/x-mixed-replace; boundary={MJPEG_BOUNDARY}"


async def _status(context: grpc.aio.ServicerContext, status: int) -> None:
    """Answer with a documented non-200 status (the edge sets it)."""
    await context.send_initial_metadata(((HTTP_STATUS_KEY, str(status)),))


def _given(request: message.Message, name: str) -> dict[str, Any] | None:
    """A message field as a dict of the keys the client set; None when the
    field was left out."""
    if not request.HasField(name):
        return None
    return json_format.MessageToDict(getattr(request, name), preserving_proto_field_name=True)


def _value(value: struct_pb2.Value) -> Any:
    """A `google.protobuf.Value` as Python (None for null)."""
    return json_format.MessageToDict(value)


def _time(value: Any) -> str | None:
    if value is None:
        return None
    parsed = schema.parse_time(str(value))
    return schema.format_time(parsed) if parsed else str(value)


def _location(stream: Stream) -> dict[str, Any]:
    stored = stream.location or {}
    out: dict[str, Any] = {key: stored.get(key, "") or "" for key in schema.LOCATION_KEYS}
    if stream.latitude is not None and stream.longitude is not None:
        out["geo_position"] = {"longitude": stream.longitude, "latitude": stream.latitude}
    return out


def _autorestart(stream: Stream) -> dict[str, Any]:
    state = autorestart_state(stream.autorestart)
    return {
        "restart": state["restart"],
        "attempt_count": state["attempt_count"],
        "delay": state["delay"],
        "current_attempt": state["current_attempt"],
        "last_attempt_time": _time(state["last_attempt_time"]),
        "status": state["status"],
    }


def preview_links(stream_id: str, api_version: int) -> dict[str, Any]:
    """The stream's own preview routes, as a stream body shows them."""
    base = f"/{api_version}/streams/{stream_id}/preview/handler"
    return {"live": {"url": f"{base}/live"}, "last_frame": {"url": f"{base}/last_frame"}}


def _common(record: LunaStreamRecord) -> dict[str, Any]:
    """The keys both API versions show (`video_info` is null until a worker
    reports it)."""
    stream = record.stream
    out: dict[str, Any] = {
        "stream_id": stream.stream_id,
        "account_id": stream.account_id or "",
        "name": stream.name,
        "description": stream.description,
        "location": _location(stream),
        "autorestart": _autorestart(stream),
        "version": stream.version,
        "create_time": schema.format_time(stream.create_time),
        "status": stream.status,
        "last_error": stream.last_error,
        "groups": record.groups,
        "video_info": stream.video_info,
    }
    return out


def stream_v1(record: LunaStreamRecord) -> dict[str, Any]:
    """A stream as API v1 prints it."""
    s = record.stream
    data, handler, policies = schema.v1_settings(s.api_version, s.reference, s.luna_data, s.event_handler, s.policies)
    return _common(record) | {
        "data": data,
        "event_handler": handler,
        "policies": policies,
        "preview": preview_links(s.stream_id, 1),
    }


def stream_v2(record: LunaStreamRecord) -> dict[str, Any]:
    """A stream as API v2 prints it."""
    s = record.stream
    return _common(record) | {
        "data": schema.v2_data(s.api_version, s.reference, s.luna_data, s.event_handler, s.policies),
        "preview": preview_links(s.stream_id, 2),
    }


def _parse(values: dict[str, Any], target: message.Message) -> Any:
    return json_format.ParseDict(values, target)


def _query(request: Any) -> StreamQuery:
    """The stream filter query parameters a request message carries."""
    fields = {f.name for f in request.DESCRIPTOR.fields}
    return StreamQuery(
        **{
            key: getattr(request, key)
            for key in (
                "account_id",
                "stream_ids",
                "stream_id_gte",
                "stream_id_lt",
                "names",
                "reference",
                "statuses",
                "create_time_gte",
                "create_time_lt",
                "group_name",
            )
            if key in fields
        }
    )


def _page(request: Any) -> tuple[int | None, int | None]:
    page = request.page if request.HasField("page") else None
    size = request.page_size if request.HasField("page_size") else None
    return page, size


def _body(request: Any, api_version: int) -> StreamBody:
    return StreamBody(
        api_version=api_version,
        account_id=request.account_id,
        name=request.name,
        description=request.description,
        data=_given(request, "data"),
        event_handler=_given(request, "event_handler") if api_version == 1 else None,
        policies=_given(request, "policies") if api_version == 1 else None,
        location=_given(request, "location"),
        autorestart=_given(request, "autorestart"),
        status=request.status,
        group_name=request.group_name,
    )


def _report(item: luna_stream_pb2.LunaStreamFeedback) -> FeedbackReport:
    return FeedbackReport(
        stream_id=item.stream_id,
        status=item.status,
        version=item.version,
        error=_value(item.error) if item.HasField("error") else None,
        video_info=json_format.MessageToDict(
            item.video_info, preserving_proto_field_name=True, always_print_fields_with_no_presence=True
        )
        if item.HasField("video_info")
        else None,
        preview=_given(item, "preview"),
    )


def _log(record: StreamLog, targets: Sequence[str]) -> luna_stream_pb2.LunaStreamLog:
    values: dict[str, Any] = {
        "stream_id": record.stream_id,
        "log_time": schema.format_time(record.log_time),
        "error": record.error,
        "status": record.status,
        "version": record.version,
        "preview": record.preview or {},
    }
    if record.video_info is not None:
        values["video_info"] = record.video_info
    return _parse({k: v for k, v in values.items() if k in targets}, luna_stream_pb2.LunaStreamLog())


def _mjpeg_part(frame: bytes) -> bytes:
    head = f"--{MJPEG_BOUNDARY}\r\nContent-Type: image/jpeg\r\nContent-Length: {len(frame)}\r\n\r\n"
    return head.encode() + frame + b"\r\n"


class LunaStreamsServicer(luna_streams_service_pb2_grpc.LunaStreamsServiceServicer):
    """LUNA `/1/streams...` and `/2/streams...` routes."""

    def __init__(self, domain: LunaStreamsDomain) -> None:
        self._domain = domain

    async def CreateLunaStream(self, request: pb.CreateLunaStreamRequest, context: grpc.aio.ServicerContext) -> Any:
        stream = await self._domain.create(_body(request, 1))
        await _status(context, 201)
        return pb.CreateLunaStreamResponse(stream_id=stream.stream_id, version=stream.version)

    async def CreateLunaStreamV2(self, request: pb.CreateLunaStreamV2Request, context: grpc.aio.ServicerContext) -> Any:
        stream = await self._domain.create(_body(request, 2))
        await _status(context, 201)
        return pb.CreateLunaStreamV2Response(stream_id=stream.stream_id, version=stream.version)

    async def ListLunaStreams(self, request: pb.ListLunaStreamsRequest, context: grpc.aio.ServicerContext) -> Any:
        page, size = _page(request)
        records = await self._domain.list_streams(_query(request), order=request.order, page=page, page_size=size)
        return pb.ListLunaStreamsResponse(streams=[_parse(stream_v1(r), luna_stream_pb2.LunaStream()) for r in records])

    async def ListLunaStreamsV2(self, request: pb.ListLunaStreamsV2Request, context: grpc.aio.ServicerContext) -> Any:
        page, size = _page(request)
        records = await self._domain.list_streams(_query(request), page=page, page_size=size)
        return pb.ListLunaStreamsV2Response(
            streams=[_parse(stream_v2(r), luna_stream_pb2.LunaStreamV2()) for r in records]
        )

    async def DeleteLunaStreams(self, request: pb.DeleteLunaStreamsRequest, context: grpc.aio.ServicerContext) -> Any:
        await self._domain.delete_matching(request.account_id, list(request.stream_ids), list(request.names))
        await _status(context, 204)
        return pb.DeleteLunaStreamsResponse()

    async def CountLunaStreams(self, request: pb.CountLunaStreamsRequest, context: grpc.aio.ServicerContext) -> Any:
        return pb.CountLunaStreamsResponse(streams_count=await self._domain.count(_query(request)))

    async def GetLunaStream(self, request: pb.GetLunaStreamRequest, context: grpc.aio.ServicerContext) -> Any:
        record = await self._domain.get(request.stream_id, request.account_id)
        return _parse(stream_v1(record), pb.GetLunaStreamResponse())

    async def GetLunaStreamV2(self, request: pb.GetLunaStreamV2Request, context: grpc.aio.ServicerContext) -> Any:
        record = await self._domain.get(request.stream_id, request.account_id)
        return _parse(stream_v2(record), pb.GetLunaStreamV2Response())

    async def UpdateLunaStream(self, request: pb.UpdateLunaStreamRequest, context: grpc.aio.ServicerContext) -> Any:
        await self._domain.update(
            request.stream_id,
            request.account_id,
            request.description if request.HasField("description") else None,
            request.status if request.HasField("status") else None,
        )
        await _status(context, 204)
        return pb.UpdateLunaStreamResponse()

    async def ReplaceLunaStream(self, request: pb.ReplaceLunaStreamRequest, context: grpc.aio.ServicerContext) -> Any:
        stream = await self._domain.replace(request.stream_id, _body(request, 1))
        return pb.ReplaceLunaStreamResponse(stream_id=stream.stream_id, version=stream.version)

    async def ReplaceLunaStreamV2(
        self, request: pb.ReplaceLunaStreamV2Request, context: grpc.aio.ServicerContext
    ) -> Any:
        stream = await self._domain.replace(request.stream_id, _body(request, 2))
        return pb.ReplaceLunaStreamV2Response(stream_id=stream.stream_id, version=stream.version)

    async def DeleteLunaStream(self, request: pb.DeleteLunaStreamRequest, context: grpc.aio.ServicerContext) -> Any:
        await self._domain.delete(request.stream_id, request.account_id)
        await _status(context, 204)
        return pb.DeleteLunaStreamResponse()

    async def ListLunaQueuedStreams(
        self, request: pb.ListLunaQueuedStreamsRequest, context: grpc.aio.ServicerContext
    ) -> Any:
        records = await self._domain.queued(
            request.limit, request.stream_ids, request.names, request.group_ids, request.group_names
        )
        return pb.ListLunaQueuedStreamsResponse(
            streams=[_parse(stream_v1(r), luna_stream_pb2.LunaStream()) for r in records]
        )

    async def ListLunaQueuedStreamsV2(
        self, request: pb.ListLunaQueuedStreamsV2Request, context: grpc.aio.ServicerContext
    ) -> Any:
        records = await self._domain.queued(
            request.limit, request.stream_ids, request.names, request.group_ids, request.group_names
        )
        return pb.ListLunaQueuedStreamsV2Response(
            streams=[_parse(stream_v2(r), luna_stream_pb2.LunaStreamV2()) for r in records]
        )

    async def _take(self, request: Any) -> list[LunaStreamRecord]:
        if not request.HasField("filters"):
            raise schema.bad_json("", "'filters' is a required property")
        filters = request.filters
        return await self._domain.take(
            request.limit,
            stream_ids=list(filters.stream_ids),
            names=list(filters.names),
            group_ids=list(filters.group_ids),
            group_names=list(filters.group_names),
        )

    async def TakeLunaQueuedStreams(
        self, request: pb.TakeLunaQueuedStreamsRequest, context: grpc.aio.ServicerContext
    ) -> Any:
        records = await self._take(request)
        return pb.TakeLunaQueuedStreamsResponse(
            streams=[_parse(stream_v1(r), luna_stream_pb2.LunaStream()) for r in records]
        )

    async def TakeLunaQueuedStreamsV2(
        self, request: pb.TakeLunaQueuedStreamsV2Request, context: grpc.aio.ServicerContext
    ) -> Any:
        records = await self._take(request)
        return pb.TakeLunaQueuedStreamsV2Response(
            streams=[_parse(stream_v2(r), luna_stream_pb2.LunaStreamV2()) for r in records]
        )

    async def SendLunaStreamsFeedback(
        self, request: pb.SendLunaStreamsFeedbackRequest, context: grpc.aio.ServicerContext
    ) -> Any:
        outcomes = await self._domain.feedback([_report(item) for item in request.streams])
        result = luna_stream_pb2.LunaStreamFeedbackOutcome()
        for outcome in outcomes:
            (result.modified if outcome.modified else result.unmodified).add(
                stream_id=outcome.stream_id, status=outcome.status, version=outcome.version
            )
        return pb.SendLunaStreamsFeedbackResponse(streams=result)

    async def GetLunaStreamLastFramePreview(
        self, request: pb.GetLunaStreamLastFramePreviewRequest, context: grpc.aio.ServicerContext
    ) -> Any:
        frame = await self._domain.last_frame(request.stream_id, request.account_id)
        return httpbody_pb2.HttpBody(content_type="image/jpeg", data=frame)

    async def GetLunaStreamLivePreview(
        self, request: pb.GetLunaStreamLivePreviewRequest, context: grpc.aio.ServicerContext
    ) -> AsyncIterator[httpbody_pb2.HttpBody]:
        frames = await self._domain.live(request.stream_id, request.account_id)
        content_type = MJPEG_TYPE
        async for frame in frames:
            yield httpbody_pb2.HttpBody(content_type=content_type, data=_mjpeg_part(frame))
            content_type = ""

    async def ListLunaStreamLogs(self, request: pb.ListLunaStreamLogsRequest, context: grpc.aio.ServicerContext) -> Any:
        page, size = _page(request)
        records, targets = await self._domain.logs(
            _query(request),
            targets=list(request.targets),
            log_time_gte=request.log_time_gte,
            log_time_lt=request.log_time_lt,
            page=page,
            page_size=size,
        )
        return pb.ListLunaStreamLogsResponse(logs=[_log(r, targets) for r in records])

    async def DeleteLunaStreamLogs(
        self, request: pb.DeleteLunaStreamLogsRequest, context: grpc.aio.ServicerContext
    ) -> Any:
        return pb.DeleteLunaStreamLogsResponse(deleted_count=await self._domain.delete_logs(request.log_time_lt))


def group_dict(group: StreamGroup) -> dict[str, Any]:
    """A group as LUNA prints it."""
    return {
        "account_id": group.account_id,
        "group_name": group.group_name,
        "group_id": group.group_id,
        "description": group.description,
        "create_time": schema.format_time(group.create_time),
    }


class LunaGroupsServicer(luna_groups_service_pb2_grpc.LunaGroupsServiceServicer):
    """LUNA `/1/groups...` and `/1/linker` routes (and their /2/ twins)."""

    def __init__(self, domain: LunaGroupsDomain) -> None:
        self._domain = domain

    async def CreateLunaGroup(self, request: gpb.CreateLunaGroupRequest, context: grpc.aio.ServicerContext) -> Any:
        group = await self._domain.create(request.account_id, request.group_name, request.description)
        await _status(context, 201)
        return gpb.CreateLunaGroupResponse(group_id=group.group_id, group_name=group.group_name)

    async def ListLunaGroups(self, request: gpb.ListLunaGroupsRequest, context: grpc.aio.ServicerContext) -> Any:
        page, size = _page(request)
        groups = await self._domain.list_groups(request.account_id, request.group_ids, request.group_names, page, size)
        values = [group_dict(g) for g in groups]
        return gpb.ListLunaGroupsResponse(
            groups=[_parse(v, luna_group_pb2.LunaGroup()) for v in values],
            http_body=httpbody_pb2.HttpBody(
                content_type="application/json", data=json.dumps(values, separators=(",", ":")).encode()
            ),
        )

    async def CountLunaGroups(self, request: gpb.CountLunaGroupsRequest, context: grpc.aio.ServicerContext) -> Any:
        count = await self._domain.count(request.account_id, request.group_ids, request.group_names)
        return gpb.CountLunaGroupsResponse(groups_count=count)

    async def GetLunaGroup(self, request: gpb.GetLunaGroupRequest, context: grpc.aio.ServicerContext) -> Any:
        group = await self._domain.get(request.group_id, request.account_id)
        return _parse(group_dict(group), gpb.GetLunaGroupResponse())

    async def UpdateLunaGroup(self, request: gpb.UpdateLunaGroupRequest, context: grpc.aio.ServicerContext) -> Any:
        description = request.description if request.HasField("description") else None
        await self._domain.update(request.group_id, request.account_id, description)
        await _status(context, 204)
        return gpb.UpdateLunaGroupResponse()

    async def DeleteLunaGroup(self, request: gpb.DeleteLunaGroupRequest, context: grpc.aio.ServicerContext) -> Any:
        await self._domain.delete(request.group_id, request.account_id)
        await _status(context, 204)
        return gpb.DeleteLunaGroupResponse()

    async def LinkLunaGroupStreams(
        self, request: gpb.LinkLunaGroupStreamsRequest, context: grpc.aio.ServicerContext
    ) -> Any:
        await self._domain.link(request.account_id, request.action, list(request.stream_ids), request.group_id)
        await _status(context, 204)
        return gpb.LinkLunaGroupStreamsResponse()
