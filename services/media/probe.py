"""What a stored video file is: its checksum, and what PyAV says about it
(duration, creation time, a decodable frame, the end reached).

Every function here blocks (file I/O and decoding): call them in a thread.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import av

from services.media.container import (
    DECODE_ERRORS,
    HostileMedia,
    NotAVideo,
    container_duration,
    error_reason,
    first_frame,
    open_video,
)

__all__ = ["NotAVideo", "VideoInfo", "parse_creation_time", "probe", "sha256_of"]

#: The chunk size of hashing reads.
_READ_BYTES = 4 * 1024 * 1024
#: A probe decodes the last this-many seconds to find files cut short.
_END_CHECK_SECONDS = 1.5


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
    except HostileMedia:
        raise
    except DECODE_ERRORS as exc:
        raise NotAVideo(f"the video is truncated ({error_reason(exc)})") from None
    if reached < target:
        raise NotAVideo(f"the video is truncated: its frames stop at {max(reached, 0):.1f} s of {duration:.1f} s")


def probe(path: str) -> VideoInfo:
    """Open `path` as a video: it must have a video stream whose first frame
    decodes and whose frames reach its last seconds (a file cut short fails
    there). Raises NotAVideo."""
    container = open_video(path)
    try:
        stream = container.streams.video[0]
        first = first_frame(container)
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
