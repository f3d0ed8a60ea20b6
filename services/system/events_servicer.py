"""The gRPC face of `vigil.events.v1.EventsService`: protobuf in, the events
domain's answers out. Live follows go out as server-sent events (REST) or
typed messages (WatchEvents)."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from typing import Any

import grpc
from google.api import httpbody_pb2
from google.protobuf import json_format, struct_pb2

from services.common.errors import ResourceExhausted
from services.events.follow import FollowerTooSlow
from services.events.store import StoredEvent
from services.system.events import EventsDomain
from vigil.events.v1 import event_pb2, events_service_pb2_grpc
from vigil.events.v1 import events_service_pb2 as pb

SSE_TYPE = "text/event-stream"
_END = object()


def _time(value: Any) -> str:
    return str(value.isoformat(timespec="milliseconds").replace("+00:00", "Z"))


def event_message(event: StoredEvent) -> event_pb2.Event:
    """An event as the contract prints it."""
    attributes = struct_pb2.Struct()
    attributes.update(event.attributes)
    message = event_pb2.Event(
        id=event.id,
        stream_id=event.stream_id,
        node_num=event.node_num,
        analytic_id=event.analytic_id,
        sub_analytic=event.sub_analytic,
        type=event.event_type,
        label=event.label,
        score=event.score,
        box=event.box or [],
        time=_time(event.occurred_at),
        created_at=_time(event.created_at),
        thumbnail_url=f"/vigil/v1/events/{event.id}/thumbnail" if event.has_thumbnail else "",
        attributes=attributes,
        primary_text=event.primary_text,
        secondary_text=event.secondary_text,
    )
    if event.track_id is not None:
        message.track_id = event.track_id
    return message


def sse_block(event: StoredEvent) -> bytes:
    """One server-sent event: `id`, `event` and one `data` line of JSON."""
    body = json_format.MessageToDict(
        event_message(event), preserving_proto_field_name=True, always_print_fields_with_no_presence=True
    )
    # Whole numbers print as the edge prints them (5, not 5.0).
    body["id"] = event.id
    if event.track_id is not None:
        body["track_id"] = event.track_id
    data = json.dumps(body, separators=(",", ":"), ensure_ascii=False)
    return f"id: {event.id}\nevent: event\ndata: {data}\n\n".encode()


async def with_keepalive(events: AsyncIterator[StoredEvent], seconds: float) -> AsyncIterator[StoredEvent | None]:
    """The events, with None after every `seconds` without one. A pump task
    reads the events so that waiting never cancels the iterator itself."""
    queue: asyncio.Queue[Any] = asyncio.Queue(maxsize=1)

    async def pump() -> None:
        try:
            async for event in events:
                await queue.put(event)
            await queue.put(_END)
        except Exception as exc:  # handed to the reader, raised there
            await queue.put(exc)

    task = asyncio.create_task(pump())
    try:
        while True:
            try:
                item = await asyncio.wait_for(queue.get(), seconds)
            except TimeoutError:
                yield None
                continue
            if item is _END:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


class EventsServicer(events_service_pb2_grpc.EventsServiceServicer):
    """Converts protobuf to the events domain's calls and back."""

    def __init__(self, domain: EventsDomain, keepalive_seconds: float) -> None:
        self._domain = domain
        self._keepalive_seconds = keepalive_seconds

    async def ListEvents(self, request: pb.ListEventsRequest, context: grpc.aio.ServicerContext) -> Any:
        query = await self._domain.query(
            request.stream_id, request.analytic_id, request.type, request.since, request.until
        )
        page = await self._domain.list(query, request.page_size, request.page_token)
        return pb.ListEventsResponse(events=[event_message(e) for e in page.events], next_page_token=page.next_token)

    async def FollowEvents(
        self, request: pb.FollowEventsRequest, context: grpc.aio.ServicerContext
    ) -> AsyncIterator[httpbody_pb2.HttpBody]:
        query = await self._domain.query(request.stream_id, request.analytic_id, request.type)
        async with self._domain.follow(query, request.after_id) as events:
            # The first message names the content type and tells the reader
            # that the follow has begun: every event appended from now on comes.
            yield httpbody_pb2.HttpBody(content_type=SSE_TYPE, data=b": following\n\n")
            try:
                async for event in with_keepalive(events, self._keepalive_seconds):
                    yield httpbody_pb2.HttpBody(data=sse_block(event) if event else b": keepalive\n\n")
            except FollowerTooSlow:
                yield httpbody_pb2.HttpBody(data=b"event: error\ndata: fell behind by more than 1000 events\n\n")

    async def WatchEvents(
        self, request: pb.WatchEventsRequest, context: grpc.aio.ServicerContext
    ) -> AsyncIterator[pb.WatchEventsResponse]:
        query = await self._domain.query(request.stream_id, request.analytic_id, request.type)
        async with self._domain.follow(query, request.after_id) as events:
            # Initial metadata and a first keepalive (a message without an
            # event) say the watch has begun: through the edge the answer's
            # status and first bytes come at once, not with the first event.
            await context.send_initial_metadata(())
            yield pb.WatchEventsResponse()
            try:
                async for event in with_keepalive(events, self._keepalive_seconds):
                    # A quiet watch sends a keepalive now and then, so the
                    # edge's idle timeout does not cut it.
                    yield pb.WatchEventsResponse(event=event_message(event)) if event else pb.WatchEventsResponse()
            except FollowerTooSlow:
                raise ResourceExhausted("fell behind by more than 1000 events") from None

    async def GetEventThumbnail(self, request: pb.GetEventThumbnailRequest, context: grpc.aio.ServicerContext) -> Any:
        jpeg = await self._domain.thumbnail(request.event_id)
        return httpbody_pb2.HttpBody(content_type="image/jpeg", data=jpeg)
