"""Live sources: the opening rules for every kind of stream address the
platform accepts (opened by the one PyAV opener, services/media/container.py),
a decoder thread per open source that writes frames into a
shared-memory ring (services/media/frame_ring.py) and never waits for anyone
reading them, reconnection with backoff, and measured statistics.

Addresses: `rtsp://` (TCP by default, UDP on request), `rtmp://`,
`http(s)://` (MJPEG, HLS, MP4 over HTTP), `file://` inside an allowed folder,
`usb://N` and `/dev/videoN` (V4L2). Every open is bounded by an open timeout
and every read by a read timeout (PyAV's interrupt callback, so it holds for
every protocol), and FFmpeg may only use the protocols the address's scheme
needs (`protocol_whitelist`): an HLS playlist fetched over HTTP that names a
`file:` segment is refused by FFmpeg instead of reading a local file.

A source that fails (cannot open, not a video, times out, frame too large)
or ends (a file, a VOD over HTTP, a server that stops) is opened again after
a backoff that doubles from `backoff_seconds` up to `max_backoff_seconds`
and starts afresh once frames flow again. Sources with a known duration
(files, VOD) are played at their own pace, as a camera would send them.
"""

from __future__ import annotations

import collections
import logging
import threading
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import av
import numpy as np

from services.media.container import TEXT_FORMATS, HostileMedia, open_live, refuse_playlist
from services.media.frame_ring import FrameRef, FrameRing

log = logging.getLogger(__name__)

CONNECTING = "CONNECTING"
RUNNING = "RUNNING"
ERROR = "ERROR"
STOPPED = "STOPPED"

#: FFmpeg protocols each scheme may use (nested opens inherit the list).
_WHITELISTS = {
    "rtsp": "rtsp,rtp,srtp,udp,tcp",
    "rtsps": "rtsp,rtsps,rtp,srtp,udp,tcp,tls",
    "rtmp": "rtmp,tcp",
    "rtmps": "rtmps,rtmp,tcp,tls",
    "http": "http,tcp,crypto,hls",
    "https": "https,http,tcp,tls,crypto,hls",
    "file": "file",
}


class SourceError(Exception):
    """Why a source cannot be opened or read, said for an operator."""


@dataclass(frozen=True)
class SourceOptions:
    """How sources are opened and kept open."""

    open_timeout_seconds: float = 10.0
    read_timeout_seconds: float = 10.0
    rtsp_transport: str = "tcp"
    backoff_seconds: float = 1.0
    max_backoff_seconds: float = 30.0
    #: The largest frame (width x height) a source may have; a larger one is
    #: an error before any frame of that size is decoded.
    max_frame_pixels: int = 4096 * 2160
    #: The folder `file://` addresses must be inside (None: no files).
    file_root: Path | None = None
    slots: int = 4


@dataclass(frozen=True)
class Opening:
    """What `av.open` gets for an address."""

    url: str
    format: str | None
    options: dict[str, str]


def opening(address: str, options: SourceOptions) -> Opening:
    """The PyAV open arguments for a stream address; SourceError when the
    address is not one the engine may open."""
    if address.startswith("/dev/video") or address.startswith("usb://"):
        device = address if address.startswith("/dev/") else f"/dev/video{address[len('usb://') :]}"
        if not Path(device).exists():
            raise SourceError(f"no video device {device}")
        return Opening(device, "v4l2", {})
    parsed = urllib.parse.urlsplit(address)
    scheme = parsed.scheme.lower()
    if scheme not in _WHITELISTS:
        raise SourceError(f"unsupported address scheme '{scheme}'")
    av_options = {"protocol_whitelist": _WHITELISTS[scheme]}
    if scheme == "file":
        if options.file_root is None:
            raise SourceError("file:// sources are not allowed here")
        path = Path(urllib.parse.unquote(parsed.path)).resolve()
        root = options.file_root.resolve()
        if not path.is_relative_to(root):
            raise SourceError(f"file:// sources must be inside {root}")
        try:
            refuse_playlist(str(path))
        except HostileMedia as error:
            raise SourceError(str(error)) from None
        return Opening(str(path), None, av_options)
    if scheme.startswith("rtsp"):
        av_options["rtsp_transport"] = options.rtsp_transport
    return Opening(address, None, av_options)


@dataclass
class SourceStats:
    """What the engine measured of a source, as `stream_stats` shows it."""

    state: str = CONNECTING
    fps: float = 0.0
    width: int = 0
    height: int = 0
    message: str = ""
    frames: int = 0
    reconnects: int = 0
    #: How often the source ended cleanly (a file played to its end).
    ends: int = 0
    arrivals: collections.deque[tuple[float, float]] = field(default_factory=lambda: collections.deque(maxlen=256))

    def measure(self, now: float, at: float) -> None:
        """Count a frame that arrived `now` with the time `at`: fps is the
        rate of the frames' own times over the last two seconds of arrivals
        (a burst at connection is not a faster camera)."""
        self.frames += 1
        if self.arrivals and at < self.arrivals[-1][1]:
            self.arrivals.clear()  # the source's clock started again
        self.arrivals.append((now, at))
        while len(self.arrivals) > 2 and now - self.arrivals[0][0] > 2.0:
            self.arrivals.popleft()
        span = self.arrivals[-1][1] - self.arrivals[0][1]
        self.fps = round((len(self.arrivals) - 1) / span, 2) if span > 0 else 0.0

    def snapshot(self) -> SourceStats:
        return replace(self, arrivals=collections.deque())


def _copy_i420(frame: Any, dst: np.ndarray, width: int, height: int) -> None:
    """Copy a yuv420p frame's planes (of any line size) into an I420 array
    of `width` x `height` (even; a frame's odd last row or column is cut)."""
    flat = dst.reshape(-1)
    offset = 0
    for index, (w, h) in enumerate(((width, height), (width // 2, height // 2), (width // 2, height // 2))):
        plane = frame.planes[index]
        rows = np.frombuffer(plane, np.uint8).reshape(-1, plane.line_size)
        flat[offset : offset + w * h].reshape(h, w)[:] = rows[:h, :w]
        offset += w * h


class LiveSource:
    """A stream address opened in a decoder thread. `on_frame` is called in
    that thread with each frame's reference and the ring it is in (a
    callback must not block)."""

    def __init__(
        self,
        address: str,
        options: SourceOptions,
        on_frame: Callable[[FrameRef, FrameRing], None],
        *,
        name: str = "",
    ) -> None:
        self.address = address
        self.options = options
        self._on_frame = on_frame
        self._stats = SourceStats()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._progress = time.monotonic()
        self.ring: FrameRing | None = None
        self._retired: list[FrameRing] = []
        self._thread = threading.Thread(target=self._run, name=f"source-{name or address[:24]}", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self, wait_seconds: float = 0.0) -> None:
        """Ask the decoder to stop; it stops within a read timeout."""
        self._stop.set()
        if wait_seconds:
            self._thread.join(wait_seconds)

    @property
    def stopped(self) -> bool:
        return not self._thread.is_alive()

    def stats(self) -> SourceStats:
        with self._lock:
            return self._stats.snapshot()

    def _set(self, state: str, message: str = "") -> None:
        with self._lock:
            self._stats.state = state
            self._stats.message = message
            if state != RUNNING:
                self._stats.fps = 0.0
                self._stats.arrivals.clear()

    def _run(self) -> None:
        backoff = self.options.backoff_seconds
        try:
            while not self._stop.is_set():
                self._set(CONNECTING, self._stats.message)
                delivered = 0
                try:
                    delivered = self._play()
                    message = "the source ended; opening it again"
                    state = CONNECTING
                    with self._lock:
                        self._stats.ends += 1
                except SourceError as exc:
                    message, state = str(exc), ERROR
                except (av.FFmpegError, OSError, EOFError, ValueError) as exc:
                    message, state = self._reason(exc), ERROR
                if self._stop.is_set():
                    break
                if delivered:
                    backoff = self.options.backoff_seconds
                log.info("source %s: %s (again in %.1f s)", self.address[:64], message, backoff)
                self._set(state, message)
                with self._lock:
                    self._stats.reconnects += 1
                self._stop.wait(backoff)
                backoff = min(backoff * 2, self.options.max_backoff_seconds)
        except Exception:
            log.exception("source %s: decoder failed", self.address[:64])
            self._set(ERROR, "internal decoder error")
            return
        self._set(STOPPED, "")

    def _reason(self, exc: Exception) -> str:
        """Why the source failed. A time limit that fired reaches here as
        whatever the demuxer makes of the interruption (RTSP says "invalid
        data"), so nothing arriving for a whole timeout is said as such."""
        limit = min(self.options.open_timeout_seconds, self.options.read_timeout_seconds)
        if time.monotonic() - self._progress >= limit * 0.95:
            return "timed out waiting for the source"
        return _reason(exc)

    def _open(self) -> Any:
        self._progress = time.monotonic()
        spec = opening(self.address, self.options)
        return open_live(
            spec.url,
            format=spec.format,
            options=spec.options,
            timeouts=(self.options.open_timeout_seconds, self.options.read_timeout_seconds),
        )

    def _play(self) -> int:
        """Open the source and decode until it ends or `stop`; the number of
        frames delivered."""
        container = self._open()
        try:
            if not container.streams.video:
                raise SourceError("the source is not a video: it has no video stream")
            if TEXT_FORMATS & set(container.format.name.split(",")):
                raise SourceError(f"the source is not a video: FFmpeg reads it as text ({container.format.name})")
            stream = container.streams.video[0]
            stream.thread_type = "AUTO"
            self._check_size(stream.codec_context.width, stream.codec_context.height)
            paced = bool(container.duration)
            started = time.monotonic()
            first_time: float | None = None
            delivered = 0
            for frame in container.decode(stream):
                if self._stop.is_set():
                    break
                now = time.monotonic()
                at = float(frame.time) if frame.time is not None else now - started
                if first_time is None:
                    first_time = at
                if paced:
                    ahead = (at - first_time) - (now - started)
                    if ahead > 0:
                        if self._stop.wait(min(ahead, 1.0)):
                            break
                    elif ahead < -1.0:  # far behind: pace from here
                        started, first_time = now, at
                self._deliver(frame, at, time.monotonic())
                self._progress = time.monotonic()
                delivered += 1
            return delivered
        finally:
            container.close()

    def _check_size(self, width: int, height: int) -> None:
        if width * height > self.options.max_frame_pixels:
            raise SourceError(
                f"the frame is {width}x{height}, larger than the limit of {self.options.max_frame_pixels} pixels"
            )

    def _deliver(self, frame: Any, at: float, now: float) -> None:
        self._check_size(frame.width, frame.height)
        if frame.format.name not in ("yuv420p", "yuvj420p"):
            frame = frame.reformat(format="yuv420p")
        width, height = frame.width & ~1, frame.height & ~1
        ring = self.ring
        if ring is None or (ring.width, ring.height) != (width, height):
            if ring is not None:
                self._retired.append(ring)  # readers may still hold references
                while len(self._retired) > 2:
                    self._retired.pop(0).close()
            ring = self.ring = FrameRing(width, height, self.options.slots)
        seq, pixels = ring.slot_view()
        _copy_i420(frame, pixels, width, height)
        ref = ring.commit(seq, at)
        with self._lock:
            self._stats.state, self._stats.message = RUNNING, ""
            self._stats.width, self._stats.height = frame.width, frame.height
            self._stats.measure(now, at)
        self._on_frame(ref, ring)

    def close(self) -> None:
        """Free the rings (after the thread has stopped)."""
        for ring in [*self._retired, *([self.ring] if self.ring else [])]:
            ring.close()
        self._retired.clear()
        self.ring = None


def _reason(exc: Exception) -> str:
    """An operator's message for a PyAV or OS error."""
    if isinstance(exc, av.ExitError) or "Immediate exit requested" in str(exc):
        return "timed out waiting for the source"
    text = getattr(exc, "strerror", None) or str(exc)
    text = str(text).strip() or type(exc).__name__
    if isinstance(exc, av.InvalidDataError):
        return f"the source is not a video: {text}"
    return text


class Sampler:
    """Keeps frames at most `fps` a second by their own times (0 keeps
    all), evenly: a frame is kept once its time reaches the next due time.
    Times that jump back (a source reopened) start the count afresh."""

    def __init__(self, fps: float) -> None:
        self.period = 1.0 / fps if fps > 0 else 0.0
        self._due: float | None = None

    def take(self, at: float) -> bool:
        if not self.period:
            return True
        due = self._due
        if due is None or at < due - 2 * self.period or at >= due + self.period:
            self._due = at + self.period  # first frame, a jump back, or a gap
            return True
        if at >= due - 1e-6:
            self._due = due + self.period
            return True
        return False
