"""JPEG pictures of video frames, encoded by PyAV's MJPEG encoder (no
image library): screenshots of stored videos and network sources, and the
frames the stream engine's live views show.

Every function here blocks (decoding, encoding): call them in a thread.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import av

from services.media.container import (
    DECODE_ERRORS,
    NotAVideo,
    NoVideoStream,
    container_duration,
    error_reason,
    first_frame,
    open_video,
)


def screenshot(source: str, at_seconds: float | None = None, jpeg_quality: int = 90) -> bytes:
    """A JPEG of the frame at `at_seconds` (the first frame when None; the
    last one when past the end) of a file path or URL. Raises NotAVideo."""
    try:
        container = open_video(source)
    except NoVideoStream:
        raise NotAVideo("the source has no video stream") from None
    try:
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
            except DECODE_ERRORS as exc:
                raise NotAVideo(f"no frame can be decoded at {at_seconds:g} s ({error_reason(exc)})") from None
        if frame is None:
            container.seek(0)
            frame = first_frame(container)
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
