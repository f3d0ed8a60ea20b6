"""What PyAV says about a video file: duration, creation time, a decodable
frame; and screenshots as JPEG encoded by PyAV's MJPEG encoder.

Every function here blocks (file I/O and decoding): call them in a thread.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from fractions import Fraction
from typing import Any

import av

from services.common.media import container_duration, error_reason

#: The chunk size of hashing reads.
_READ_BYTES = 4 * 1024 * 1024
#: How long PyAV waits on a network source (a FindFace archive `url`), in µs.
_NETWORK_TIMEOUT_US = "5000000"
#: A probe decodes the last this-many seconds to find files cut short.
_END_CHECK_SECONDS = 1.5


class NotAVideo(ValueError):
    """The file cannot be opened or decoded as a video; the message says why."""


@dataclass(frozen=True)
class VideoInfo:
    """What a probe found."""

    duration: float  # seconds
    creation_time: datetime | None  # the container's creation_time, UTC
    width: int
    height: int
    codec: str


def sha256_of(path: str, digest: Any = None, start: int = 0) -> str:
    """The SHA-256 of a file, read in large blocks; `digest` (a hashlib
    sha256 that has hashed the first `start` bytes) continues from there."""
    if digest is None:
        digest, start = hashlib.sha256(), 0
    with open(path, "rb") as handle:
        handle.seek(start)
        while block := handle.read(_READ_BYTES):
            digest.update(block)
    return str(digest.hexdigest())


def parse_creation_time(value: str | None) -> datetime | None:
    """`2026-01-15T00:00:00.000000Z` -> an aware UTC datetime; None when
    absent, unparsable, or the epoch (muxers write 1970-01-01 for 'unset')."""
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    parsed = parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    parsed = parsed.astimezone(UTC)
    return None if parsed.year <= 1970 else parsed


def _open(source: str) -> Any:
    options = {"rw_timeout": _NETWORK_TIMEOUT_US} if "://" in source and not source.startswith("file:") else {}
    try:
        return av.open(source.removeprefix("file://"), options=options)
    except (av.FFmpegError, OSError, ValueError) as exc:
        raise NotAVideo(error_reason(exc)) from None


def _first_frame(container: Any) -> Any:
    try:
        for frame in container.decode(video=0):
            return frame
    except (av.FFmpegError, OSError, ValueError) as exc:
        raise NotAVideo(f"no frame can be decoded ({error_reason(exc)})") from None
    raise NotAVideo("the video stream has no decodable frame")


def _check_end(container: Any, duration: float) -> None:
    """Decode from the key frame before the last seconds to the end: a file
    cut short (its index promising more than its data holds) stops early."""
    target = duration - _END_CHECK_SECONDS
    reached = -1.0
    try:
        container.seek(int(target * av.time_base), any_frame=False, backward=True)
        for frame in container.decode(video=0):
            if frame.time is not None:
                reached = max(reached, float(frame.time))
    except (av.FFmpegError, OSError, ValueError) as exc:
        raise NotAVideo(f"the video is truncated ({error_reason(exc)})") from None
    if reached < target:
        raise NotAVideo(f"the video is truncated: its frames stop at {max(reached, 0):.1f} s of {duration:.1f} s")


def probe(path: str) -> VideoInfo:
    """Open `path` as a video: it must have a video stream whose first frame
    decodes and whose frames reach its last seconds (a file cut short fails
    there). Raises NotAVideo."""
    container = _open(path)
    try:
        if not container.streams.video:
            raise NotAVideo("the file has no video stream")
        stream = container.streams.video[0]
        first = _first_frame(container)
        duration = container_duration(container, stream)
        if duration > _END_CHECK_SECONDS:
            _check_end(container, duration)
        created = parse_creation_time(container.metadata.get("creation_time")) or parse_creation_time(
            stream.metadata.get("creation_time")
        )
        return VideoInfo(
            duration=round(duration, 3),
            creation_time=created,
            width=int(first.width),
            height=int(first.height),
            codec=str(stream.codec_context.name),
        )
    finally:
        container.close()


def screenshot(source: str, at_seconds: float | None = None, jpeg_quality: int = 90) -> bytes:
    """A JPEG of the frame at `at_seconds` (the first frame when None; the
    last one when past the end) of a file path or URL. Raises NotAVideo."""
    container = _open(source)
    try:
        if not container.streams.video:
            raise NotAVideo("the source has no video stream")
        stream = container.streams.video[0]
        frame = None
        duration = container_duration(container, stream)
        if at_seconds and duration and at_seconds >= duration:
            at_seconds = max(0.0, duration - 0.001)  # the last frame
        if at_seconds and at_seconds > 0:
            try:
                container.seek(int(at_seconds * av.time_base), backward=True, any_frame=False)
                for decoded in container.decode(video=0):
                    frame = decoded
                    if decoded.time is not None and decoded.time >= at_seconds:
                        break
            except (av.FFmpegError, OSError, ValueError) as exc:
                raise NotAVideo(f"no frame can be decoded at {at_seconds:g} s ({error_reason(exc)})") from None
        if frame is None:
            container.seek(0)
            frame = _first_frame(container)
        return encode_jpeg(frame, stream, jpeg_quality)
    finally:
        container.close()


def encode_jpeg(frame: Any, stream: Any = None, quality: int = 90) -> bytes:
    """Encode one decoded frame as a baseline JPEG with PyAV's MJPEG encoder."""
    encoder = av.CodecContext.create("mjpeg", "w")
    encoder.width = frame.width - frame.width % 2
    encoder.height = frame.height - frame.height % 2
    encoder.pix_fmt = "yuvj420p"
    encoder.time_base = Fraction(1, 25)
    # FFmpeg's qscale: 2 (best) .. 31 (worst), from a 1..100 quality.
    qscale = max(2, min(31, round(31 - (quality / 100) * 29)))
    encoder.options = {"qmin": str(qscale), "qmax": str(qscale)}
    image = frame.reformat(width=encoder.width, height=encoder.height, format="yuvj420p")
    packets = [*encoder.encode(image), *encoder.encode(None)]
    data = b"".join(bytes(p) for p in packets)
    if not data.startswith(b"\xff\xd8"):
        raise NotAVideo("the frame could not be encoded as JPEG")
    return data
