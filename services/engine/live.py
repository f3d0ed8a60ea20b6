"""Visionaire4's live views, served by the stream engine from the frames it
decodes: `/mjpeg/{node}/{stream}` (multipart/x-mixed-replace JPEG parts),
`/stream_jpeg/{node}/{stream}` (the current frame) and `/visual/...` (small
HTML pages that embed them).

Each viewer holds a VIEWER demand on its stream (services/engine/sources.py)
and sends the newest frame it has not sent, sampled to its `fps` by the
frames' own times. Frames are encoded once per stream, output height and
quality (`Rendition`), however many viewers watch, and only when a viewer
wants them; the decoder never waits for a viewer, so a slow viewer skips
frames and slows nothing else.

The overlay views (`/mjpeg/.../{analytic}`, `/visual/.../{analytic}`) draw
the newest result the analysis stage published for that stream and analytic
(services/engine/overlays.py: tracked boxes with their ids, counting lines
with their in/out counts, areas with their occupancy) on each frame, at the
output size, encoded once per frame, result, size and quality. They answer
404 `stream or analytic not found` for an analytic not assigned to the
stream, and UNIMPLEMENTED (501) for an assigned one whose stage draws no
overlay in this engine (face recognition, plates, ...). Until the first
analysed frame (or on an engine process that does not analyse the stream)
the frames go out as they are.
"""

from __future__ import annotations

import asyncio
import html
from collections.abc import AsyncIterator, Callable
from typing import Any

import grpc
from google.api import httpbody_pb2
from prometheus_client import Counter

from services.catalog.analytics import CATALOG
from services.common.errors import InvalidArgument, NotFound, Unavailable, Unimplemented
from services.engine.overlays import Drawn, Overlays
from services.engine.sources import VIEWER, OpenStream, StreamEngine, require
from services.media.frame_ring import FrameRef
from services.media.jpeg import JpegEncoder
from services.media.live_source import ERROR, Sampler
from vigil.streams.v1 import visualization_service_pb2 as pb
from vigil.streams.v1 import visualization_service_pb2_grpc as pb_grpc

BOUNDARY = "frame"
MJPEG_TYPE = f"multipart/x-mixed-replace; boundary={BOUNDARY}"
DEFAULT_HEIGHT = 320
#: The Lenz catalog's ids of analytics (`NFDSS-FR`, `NFDSS-LPR`) as the
#: streams' assignments name them (`NFV4-FR`, `NFV4-LPR3`).
VISIONAIRE_IDS = {a.lenz_id: a.id for a in CATALOG if a.lenz_id}
DEFAULT_QUALITY = 60
MAX_HEIGHT = 4320
MAX_FPS = 120
#: A viewer with no new frame for this long gets the last one again (keeps
#: the connection and Envoy's idle timer alive while a source reconnects).
KEEPALIVE_SECONDS = 10.0

ENCODED = Counter(
    "vigil_engine_jpeg_encoded",
    "Live-view JPEG encodings, one per frame, stream, height and quality however many viewers watch",
    ["stream_id", "height", "quality"],
)
SENT = Counter("vigil_engine_mjpeg_parts_sent", "MJPEG parts sent to live viewers", ["stream_id"])


class Rendition:
    """One stream's frames at one height and quality, each encoded once
    (with an overlay: once per frame and overlay version)."""

    def __init__(
        self, stream: OpenStream, height: int, quality: int, overlay: Callable[[], Drawn | None] | None = None
    ) -> None:
        self._stream = stream
        self._encoder = JpegEncoder(height, quality)
        self._overlay = overlay
        self._lock = asyncio.Lock()
        self._ref: FrameRef | None = None
        self._version = 0
        self._jpeg = b""
        self._labels = (stream.stream_id, str(height), str(quality))

    async def jpeg(self, ref: FrameRef) -> tuple[bytes, FrameRef] | None:
        """The JPEG of `ref` or of a newer frame, and which frame it is: a
        frame another viewer already had encoded is reused, and a viewer
        that asks for a frame older than the stream's newest gets the newest
        (encoded once, shared by the viewers after it). None when the frame
        was overwritten before it could be read."""
        async with self._lock:
            drawn = self._overlay() if self._overlay is not None else None
            version = drawn.version if drawn is not None else 0
            done = self._ref
            if done is not None and done.ring == ref.ring and done.seq >= ref.seq and self._version == version:
                return self._jpeg, done
            latest = self._stream.latest
            if latest is not None and latest.ring == ref.ring and latest.seq > ref.seq:
                ref = latest
            pixels = self._stream.read(ref)
            if pixels is None:
                return None
            draw = drawn.draw if drawn is not None else None
            self._jpeg = await asyncio.to_thread(self._encoder.encode, pixels, ref.width, ref.height, draw)  # type: ignore[arg-type]
            self._ref = ref
            self._version = version
            ENCODED.labels(*self._labels).inc()
            return self._jpeg, ref


def rendition(stream: OpenStream, height: int, quality: int, overlay: Overlay | None = None) -> Rendition:
    key = (height, quality, overlay.analytic_id if overlay is not None else "")
    found = stream.renditions.get(key)
    if found is None:
        latest = overlay.latest if overlay is not None else None
        found = stream.renditions[key] = Rendition(stream, height, quality, latest)
    return found  # type: ignore[return-value]


class Overlay:
    """The newest drawn result of one stream's analytic."""

    def __init__(self, overlays: Overlays, stream_id: str, analytic_id: str) -> None:
        self._overlays = overlays
        self.stream_id = stream_id
        self.analytic_id = analytic_id

    def latest(self) -> Drawn | None:
        return self._overlays.latest(self.stream_id, self.analytic_id)


def _part(jpeg: bytes, ref: FrameRef) -> bytes:
    head = (
        f"--{BOUNDARY}\r\nContent-Type: image/jpeg\r\nContent-Length: {len(jpeg)}\r\n"
        f"X-Frame-Time: {ref.time:.3f}\r\n\r\n"
    )
    return head.encode() + jpeg + b"\r\n"


def view_options(request: Any) -> tuple[float, int, int]:
    """fps, height and quality of a live-view request; InvalidArgument when
    one is out of range (an absent one takes its default)."""
    fps = request.fps if request.HasField("fps") else 0
    height = request.height if request.HasField("height") else DEFAULT_HEIGHT
    quality = request.jpeg_quality if request.HasField("jpeg_quality") else DEFAULT_QUALITY
    if not 0 <= fps <= MAX_FPS:
        raise InvalidArgument(f"fps must be between 0 and {MAX_FPS}")
    if not 16 <= height <= MAX_HEIGHT:
        raise InvalidArgument(f"height must be between 16 and {MAX_HEIGHT}")
    if not 1 <= quality <= 100:
        raise InvalidArgument("jpeg_quality must be between 1 and 100")
    return float(fps), height, quality


class LiveViews:
    """The live views of the engine's streams."""

    def __init__(
        self, engine: StreamEngine, *, first_frame_seconds: float = 15.0, overlays: Overlays | None = None
    ) -> None:
        self._engine = engine
        self._first_frame = first_frame_seconds
        self._overlays = overlays

    async def mjpeg(self, node_num: int, stream_id: str, fps: float, height: int, quality: int) -> AsyncIterator[bytes]:
        source = await require(self._engine, node_num, stream_id)
        return self._mjpeg(source, fps, height, quality)

    async def overlay_mjpeg(
        self, node_num: int, stream_id: str, analytic_id: str, fps: float, height: int, quality: int
    ) -> AsyncIterator[bytes]:
        analytic_id = VISIONAIRE_IDS.get(analytic_id, analytic_id)
        source = await self._overlay_source(node_num, stream_id, analytic_id)
        assert self._overlays is not None
        return self._mjpeg(source, fps, height, quality, Overlay(self._overlays, stream_id, analytic_id))

    async def _mjpeg(
        self, source: Any, fps: float, height: int, quality: int, overlay: Overlay | None = None
    ) -> AsyncIterator[bytes]:
        async with self._engine.demand(source, VIEWER) as stream:
            view = rendition(stream, height, quality, overlay)
            sampler = Sampler(fps)
            last: FrameRef | None = None
            sent: bytes | None = None
            while not stream.closed:
                ref = await stream.wait_frame(last, KEEPALIVE_SECONDS)
                if ref is None:
                    if sent is not None and not stream.closed:
                        yield sent  # keep-alive: the last frame again
                    continue
                last = ref
                if not sampler.take(ref.time):
                    continue
                encoded = await view.jpeg(ref)
                if encoded is None:
                    continue
                jpeg, last = encoded
                sent = _part(jpeg, last)
                SENT.labels(stream.stream_id).inc()
                yield sent

    async def current_jpeg(self, node_num: int, stream_id: str) -> bytes:
        source = await require(self._engine, node_num, stream_id)
        async with self._engine.demand(source, VIEWER) as stream:
            view = rendition(stream, 0, DEFAULT_QUALITY)
            deadline = asyncio.get_running_loop().time() + self._first_frame
            while True:
                remaining = deadline - asyncio.get_running_loop().time()
                ref = stream.latest or await stream.wait_frame(None, min(0.25, max(0.0, remaining)))
                if ref is None:
                    stats = stream.stats()
                    if stats.state == ERROR or remaining <= 0 or stream.closed:
                        reason = f": {stats.message}" if stats.message else ""
                        raise Unavailable(f"no frame from the stream ({stats.state.lower()}{reason})")
                    continue
                encoded = await view.jpeg(ref)
                if encoded is not None:
                    return encoded[0]

    async def page(self, node_num: int, stream_id: str, analytic_id: str = "") -> str:
        if analytic_id:
            analytic_id = VISIONAIRE_IDS.get(analytic_id, analytic_id)
            await self._overlay_source(node_num, stream_id, analytic_id)
            src = f"/mjpeg/{node_num}/{stream_id}/{analytic_id}"
            title = html.escape(f"Stream {stream_id}: {analytic_id}")
        else:
            await require(self._engine, node_num, stream_id)
            src = f"/mjpeg/{node_num}/{stream_id}"
            title = html.escape(f"Stream {stream_id}")
        return (
            '<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>'
            f"{title}</title><style>body{{margin:0;background:#000}}img{{width:100%;height:auto}}</style>"
            f'</head><body><img src="{html.escape(src)}" alt="{title}"></body></html>\n'
        )

    async def _overlay_source(self, node_num: int, stream_id: str, analytic_id: str) -> Any:
        """The stream of an overlay view. An analytic not assigned to the
        stream is `stream or analytic not found`; an assigned one whose
        stage draws nothing in this engine is UNIMPLEMENTED."""
        source = await require(self._engine, node_num, stream_id, "stream or analytic not found")
        if analytic_id not in await self._engine.assigned_analytics(stream_id):
            raise NotFound("stream or analytic not found")
        if self._overlays is None or analytic_id not in self._overlays.drawable:
            raise Unimplemented(f"the overlay of {analytic_id} is not drawn by this engine")
        return source


async def _bodies(parts: AsyncIterator[bytes]) -> AsyncIterator[httpbody_pb2.HttpBody]:
    """MJPEG parts as HttpBody messages: the first names the content type."""
    content_type = MJPEG_TYPE
    async for part in parts:
        yield httpbody_pb2.HttpBody(content_type=content_type, data=part)
        content_type = ""


class VisualizationServicer(pb_grpc.VisualizationServiceServicer):
    """The REST face of the live views."""

    def __init__(self, views: LiveViews) -> None:
        self._views = views

    async def GetMjpeg(
        self, request: pb.GetMjpegRequest, context: grpc.aio.ServicerContext
    ) -> AsyncIterator[httpbody_pb2.HttpBody]:
        fps, height, quality = view_options(request)
        parts = await self._views.mjpeg(request.node_num, request.stream_id, fps, height, quality)
        async for body in _bodies(parts):
            yield body

    async def GetMjpegOverlay(
        self, request: pb.GetMjpegOverlayRequest, context: grpc.aio.ServicerContext
    ) -> AsyncIterator[httpbody_pb2.HttpBody]:
        fps, height, quality = view_options(request)
        parts = await self._views.overlay_mjpeg(
            request.node_num, request.stream_id, request.analytic_id, fps, height, quality
        )
        async for body in _bodies(parts):
            yield body

    async def GetStreamJpeg(self, request: pb.GetStreamJpegRequest, context: grpc.aio.ServicerContext) -> Any:
        jpeg = await self._views.current_jpeg(request.node_num, request.stream_id)
        return httpbody_pb2.HttpBody(content_type="image/jpeg", data=jpeg)

    async def GetVisual(self, request: pb.GetVisualRequest, context: grpc.aio.ServicerContext) -> Any:
        page = await self._views.page(request.node_num, request.stream_id)
        return httpbody_pb2.HttpBody(content_type="text/html; charset=utf-8", data=page.encode())

    async def GetVisualOverlay(self, request: pb.GetVisualOverlayRequest, context: grpc.aio.ServicerContext) -> Any:
        page = await self._views.page(request.node_num, request.stream_id, request.analytic_id)
        return httpbody_pb2.HttpBody(content_type="text/html; charset=utf-8", data=page.encode())
