"""JPEG pictures of video frames, encoded by PyAV's MJPEG encoder (no
image library): screenshots of stored videos and network sources, and the
frames the stream engine's live views show.

Every function here blocks (decoding, encoding): call them in a thread.
"""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction
from typing import Any

import av
import numpy as np

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
    scale = str(qscale(quality))
    encoder.options = {"qmin": scale, "qmax": scale}
    image = frame.reformat(width=encoder.width, height=encoder.height, format="yuvj420p")
    packets = [*encoder.encode(image), *encoder.encode(None)]
    data = b"".join(bytes(p) for p in packets)
    if not data.startswith(b"\xff\xd8"):
        raise NotAVideo("the frame could not be encoded as JPEG")
    return data


def output_size(width: int, height: int, out_height: int) -> tuple[int, int]:
    """The even output size of a `width` x `height` frame scaled to
    `out_height` rows, keeping the aspect ratio."""
    out_height = max(2, out_height & ~1)
    out_width = max(2, round(width * out_height / height / 2) * 2)
    return out_width, out_height


def qscale(quality: int) -> int:
    """FFmpeg's MJPEG qscale (2 best .. 31 worst) for a 1..100 quality."""
    return max(2, min(31, round(31 - (quality / 100) * 29)))


class JpegEncoder:
    """Encodes I420 frames scaled to one height (0: the frame's own) at one
    quality. Not thread-safe: one caller at a time."""

    def __init__(self, out_height: int, quality: int) -> None:
        self.out_height = out_height
        self.quality = quality
        self._codec: av.video.codeccontext.VideoCodecContext | None = None
        self._pts = 0

    def _context(self, width: int, height: int) -> av.video.codeccontext.VideoCodecContext:
        codec = self._codec
        if codec is None or (codec.width, codec.height) != (width, height):
            codec = av.CodecContext.create("mjpeg", "w")
            codec.width, codec.height = width, height
            codec.pix_fmt = "yuvj420p"
            codec.time_base = Fraction(1, 1000)
            scale = str(qscale(self.quality))
            codec.options = {"qmin": scale, "qmax": scale}
            codec.open()
            self._codec = codec
        return codec

    def encode(
        self, i420: np.ndarray, width: int, height: int, draw: Callable[[np.ndarray], np.ndarray] | None = None
    ) -> bytes:
        """One JPEG of an I420 frame of `width` x `height`; with `draw`,
        of the RGB picture it returns for the frame scaled to the output
        size (an overlay drawn at the size it is seen)."""
        out_width, out_height = output_size(width, height, self.out_height or height)
        frame = av.VideoFrame.from_ndarray(i420, format="yuv420p")
        if draw is None:
            scaled = frame.reformat(width=out_width, height=out_height, format="yuvj420p")
        else:
            rgb = frame.reformat(width=out_width, height=out_height, format="rgb24").to_ndarray()
            drawn = av.VideoFrame.from_ndarray(np.ascontiguousarray(draw(rgb)), format="rgb24")
            scaled = drawn.reformat(format="yuvj420p")
        self._pts += 1
        scaled.pts = self._pts
        codec = self._context(out_width, out_height)
        data = b"".join(bytes(packet) for packet in codec.encode(scaled))
        if not data.startswith(b"\xff\xd8"):
            raise ValueError("the frame could not be encoded as JPEG")
        return data
