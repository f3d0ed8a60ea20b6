"""Vigil's own LUNA worker: LUNA streams processed with no outside worker.

It follows the rules an outside LUNA worker follows, through the same gRPC
methods the REST routes transcode to (the Streams service on its gRPC port):

1. every `poll_seconds` it takes up to the free share of `max_streams`
   queued streams (`TakeLunaQueuedStreams`: atomically `in_progress`, so no
   two workers, Vigil's or outside ones, get the same stream);
2. it opens each taken stream in the stream engine with a `LUNA` demand (the
   same decoder the Visionaire4 views and analytics use: `data.type` `udp`
   or `tcp` picks the RTSP transport) and, every `feedback_seconds`, sends
   `SendLunaStreamsFeedback` for the stream's version: `in_progress` with the
   `video_info` the engine measured (width, height, frame rate, the time
   processing started) and the newest frame as the `last_frame` preview (a
   `data:image/jpeg` URL, which the service stores and serves as the last
   frame and live previews); a source the engine reports failing is
   `failure` with its message as `error`, so the stream's `autorestart`
   puts it back in the queue as for any worker; a non-endless `videofile`
   that played to its end is `done`;
3. a report answered `unmodified` (the stream was paused, cancelled,
   replaced with a new version, or deleted) ends the processing at once.

On a clean stop each stream still held gets a last `failure` report ("the
Vigil LUNA worker stopped"), so its autorestart requeues it. Fields the
engine does not measure (`bit_rate`, `gop_size`, a file's `duration` and
`progress`) are reported as 0.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import grpc
from google.protobuf import json_format, struct_pb2

from services.engine.analysers import i420_to_rgb
from services.engine.faces import FaceAnalysis
from services.engine.live import rendition
from services.engine.luna_faces import FacePolicy, face_policy, luna_item
from services.engine.sources import LUNA, OpenStream, StreamEngine
from services.inference_client.client import call_deadline
from services.media.live_source import ERROR, RUNNING, Sampler
from vigil.streams.v1 import luna_stream_pb2 as lpb
from vigil.streams.v1 import luna_streams_service_pb2 as pb
from vigil.streams.v1 import luna_streams_service_pb2_grpc as pb_grpc

log = logging.getLogger(__name__)

PREVIEW_QUALITY = 80
STOPPED_MESSAGE = "the Vigil LUNA worker stopped"


@dataclass
class Taken:
    """A LUNA stream this worker processes."""

    stream_id: str
    version: int
    endless: bool
    started: str
    task: asyncio.Task[None] | None = None
    stopping: bool = field(default=False)
    policy: FacePolicy | None = None
    handler: dict[str, Any] = field(default_factory=dict)


def _null() -> struct_pb2.Value:
    return struct_pb2.Value(null_value=struct_pb2.NULL_VALUE)


class LunaWorker:
    """Takes LUNA streams from the processing queue and processes them."""

    def __init__(
        self,
        streams: str | pb_grpc.LunaStreamsServiceStub,
        engine: StreamEngine,
        *,
        max_streams: int = 16,
        poll_seconds: float = 2.0,
        feedback_seconds: float = 5.0,
        faces: FaceAnalysis | None = None,
        inference_deadline_seconds: float | None = None,
    ) -> None:
        """With `faces` (a `FaceAnalysis` that does not recognise), each
        stream's face best shots are events under its policies
        (services/engine/luna_faces.py); `inference_deadline_seconds` caps
        the deadline of each inference call of a frame (live video does not
        wait for an inference service that is down)."""
        #: The Streams service: its gRPC target (a channel is opened on the
        #: running loop at first use) or a stub.
        self._target = streams if isinstance(streams, str) else ""
        self._stub = None if isinstance(streams, str) else streams
        self._channel: grpc.aio.Channel | None = None
        self._engine = engine
        self._faces = faces
        self._deadline = inference_deadline_seconds
        self._max = max_streams
        self._poll = poll_seconds
        self._every = feedback_seconds
        self.taken: dict[str, Taken] = {}
        self._closed = False

    def _streams(self) -> pb_grpc.LunaStreamsServiceStub:
        if self._stub is None:
            self._channel = grpc.aio.insecure_channel(self._target)
            self._stub = pb_grpc.LunaStreamsServiceStub(self._channel)
        return self._stub

    async def step(self) -> None:
        """Take what the queue has, up to the free share of `max_streams`."""
        free = self._max - len(self.taken)
        if self._closed or free <= 0:
            return
        reply = await self._streams().TakeLunaQueuedStreams(
            pb.TakeLunaQueuedStreamsRequest(filters=lpb.LunaStreamQueueFilters(), limit=free)
        )
        for stream in reply.streams:
            endless = stream.data.endless if stream.data.HasField("endless") else True
            videofile = stream.data.type == "videofile"
            taken = Taken(stream.stream_id, stream.version, endless or not videofile, _now())
            if self._faces is not None:
                taken.policy = face_policy(json_format.MessageToDict(stream.policies, preserving_proto_field_name=True))
                taken.handler = json_format.MessageToDict(stream.event_handler, preserving_proto_field_name=True)
            taken.task = asyncio.create_task(self._process(taken), name=f"luna-{stream.stream_id}")
            self.taken[stream.stream_id] = taken
            log.info("LUNA worker: took stream %s (version %d)", stream.stream_id, stream.version)

    async def _process(self, taken: Taken) -> None:
        try:
            source = await self._engine.lookup(taken.stream_id)
            if source is None:
                return  # deleted between take and open
            async with self._engine.demand(source, LUNA) as stream:
                faces = asyncio.create_task(self._find_faces(taken, stream, source.node_num))
                try:
                    await self._report_until_stopped(taken, stream)
                finally:
                    faces.cancel()
                    with contextlib.suppress(asyncio.CancelledError, Exception):
                        await faces
        except asyncio.CancelledError:
            raise
        except Exception:  # a bug here must not end the worker: report it
            log.exception("LUNA worker: stream %s failed", taken.stream_id)
            with contextlib.suppress(Exception):
                await self._send(taken, "failure", error="the Vigil LUNA worker failed on this stream")
        finally:
            self.taken.pop(taken.stream_id, None)

    async def _find_faces(self, taken: Taken, stream: OpenStream, node_num: int) -> None:
        """Sample the stream under its policy and hand each frame to the
        face stage; its best shots become events."""
        faces, policy = self._faces, taken.policy
        if faces is None or policy is None:
            return
        item = luna_item(taken.stream_id, node_num)
        extra = {"luna": {"stream_id": taken.stream_id, "version": taken.version, "event_handler": taken.handler}}
        sampler = Sampler(policy.sample_fps)
        last = None
        try:
            while not stream.closed and not taken.stopping:
                ref = await stream.wait_frame(last, 1.0)
                if ref is None:
                    continue
                last = ref
                if not sampler.take(ref.time):
                    continue
                pixels = stream.read(ref)
                if pixels is None:
                    continue
                rgb = await asyncio.to_thread(i420_to_rgb, pixels)  # type: ignore[arg-type]
                try:
                    with call_deadline(self._deadline):
                        await faces.analyse_picture(item, policy.config, rgb, ref.time, extra)
                except Exception:  # a failed frame must not stop the stream's processing
                    log.exception("LUNA worker: faces of stream %s: a frame failed", taken.stream_id)
        finally:
            faces.forget(item.id)

    async def _report_until_stopped(self, taken: Taken, stream: OpenStream) -> None:
        note = taken.policy.note() if taken.policy is not None else None
        while not stream.closed and not taken.stopping:
            stats = stream.stats()
            if not taken.endless and stats.ends:
                await self._send(taken, "done", stream=stream)
                return
            if stats.state == ERROR:
                await self._send(taken, "failure", stream=stream, error=stats.message or "the source failed")
                return
            if not await self._send(taken, "in_progress", stream=stream, error=note):
                log.info("LUNA worker: stream %s is no longer processed here", taken.stream_id)
                return
            note = None  # said once, in the stream's log
            await asyncio.sleep(self._every)

    async def _send(
        self, taken: Taken, status: str, *, stream: OpenStream | None = None, error: str | None = None
    ) -> bool:
        """One feedback report; whether it was applied (`modified`)."""
        report = lpb.LunaStreamFeedback(
            stream_id=taken.stream_id,
            status=status,
            version=taken.version,
            error=struct_pb2.Value(string_value=error) if error is not None else _null(),
        )
        if stream is not None:
            stats = stream.stats()
            if stats.state == RUNNING and stats.width:
                report.video_info.CopyFrom(
                    lpb.LunaStreamVideoInfo(
                        width=stats.width, height=stats.height, frame_rate=round(stats.fps, 3), start_time=taken.started
                    )
                )
            jpeg = await _last_frame(stream)
            if jpeg is not None:
                url = "data:image/jpeg;base64," + base64.b64encode(jpeg).decode()
                report.preview.last_frame.url = url
        reply = await self._streams().SendLunaStreamsFeedback(pb.SendLunaStreamsFeedbackRequest(streams=[report]))
        return any(s.stream_id == taken.stream_id for s in reply.streams.modified)

    async def run_forever(self) -> None:
        while not self._closed:
            try:
                await self.step()
            except grpc.aio.AioRpcError as error:
                log.warning("LUNA worker: the queue could not be read: %s", error.details())
            except Exception:
                log.exception("LUNA worker: a round failed")
            await asyncio.sleep(self._poll)

    async def close(self) -> None:
        """Stop every stream and report it `failure` (autorestart requeues it)."""
        self._closed = True
        held = list(self.taken.values())
        for taken in held:
            taken.stopping = True
            if taken.task is not None:
                taken.task.cancel()
        await asyncio.gather(*(t.task for t in held if t.task is not None), return_exceptions=True)
        for taken in held:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._send(taken, "failure", error=STOPPED_MESSAGE), 5)
        self.taken.clear()
        if self._channel is not None:
            await self._channel.close()


async def _last_frame(stream: OpenStream) -> bytes | None:
    ref = stream.latest
    if ref is None:
        return None
    encoded = await rendition(stream, 0, PREVIEW_QUALITY).jpeg(ref)
    return encoded[0] if encoded is not None else None


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
