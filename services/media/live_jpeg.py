"""JPEG encoding of I420 frames for live views: one encoder per output size
and quality, kept open and reused frame after frame (an MJPEG encoder makes
one complete baseline JPEG per frame)."""

from __future__ import annotations

from fractions import Fraction

import av
import numpy as np


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

    def encode(self, i420: np.ndarray, width: int, height: int) -> bytes:
        """One JPEG of an I420 frame of `width` x `height`."""
        out_width, out_height = output_size(width, height, self.out_height or height)
        frame = av.VideoFrame.from_ndarray(i420, format="yuv420p")
        scaled = frame.reformat(width=out_width, height=out_height, format="yuvj420p")
        self._pts += 1
        scaled.pts = self._pts
        codec = self._context(out_width, out_height)
        data = b"".join(bytes(packet) for packet in codec.encode(scaled))
        if not data.startswith(b"\xff\xd8"):
            raise ValueError("the frame could not be encoded as JPEG")
        return data
