"""Still pictures sent by callers (a watch-list photo, a smart-search query)
decoded to RGB with PyAV's MJPEG decoder (no image library). The picture's
size is read from its JPEG header first, so a small file that claims a huge
picture is refused before anything is allocated.

`decode_jpeg` blocks: call it in a thread.
"""

from __future__ import annotations

import base64
import binascii

import av
import numpy as np

from services.common.errors import InvalidArgument

#: The largest picture decoded (40 megapixels).
MAX_PIXELS = 40_000_000
#: Start-of-frame markers (baseline, extended, progressive, lossless ...),
#: which carry the picture's size; DHT (C4), JPG (C8) and DAC (CC) do not.
_SOF = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}


#: The largest base64 JPEG a caller may send (a photo, a query, a picture
#: to extract), in decoded bytes.
MAX_JPEG_BYTES = 12 * 1024 * 1024


def base64_jpeg(value: str, name: str, max_bytes: int = MAX_JPEG_BYTES) -> bytes:
    """The JPEG a caller sent as base64 (a `data:` URL too) in the field
    `name`; InvalidArgument (`<name> is too large`, `<name> is not a base64
    JPEG`) otherwise."""
    if len(value) > max_bytes * 4 // 3 + 4:
        raise InvalidArgument(f"{name} is too large")
    text = value.strip()
    if text.startswith("data:"):
        text = text.partition(",")[2]
    try:
        data = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise InvalidArgument(f"{name} is not a base64 JPEG") from None
    if not data.startswith(b"\xff\xd8"):
        raise InvalidArgument(f"{name} is not a base64 JPEG")
    return data


class NotAPicture(ValueError):
    """The bytes are not a JPEG this service can decode."""


def jpeg_size(data: bytes) -> tuple[int, int]:
    """(width, height) from a JPEG's start-of-frame segment."""
    if not data.startswith(b"\xff\xd8"):
        raise NotAPicture("not a JPEG")
    i = 2
    while i + 4 <= len(data):
        if data[i] != 0xFF:
            raise NotAPicture("not a JPEG (a bad segment)")
        marker = data[i + 1]
        if marker == 0xFF:  # fill byte
            i += 1
            continue
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
            i += 2
            continue
        length = int.from_bytes(data[i + 2 : i + 4], "big")
        if marker in _SOF:
            if i + 9 > len(data):
                break
            height = int.from_bytes(data[i + 5 : i + 7], "big")
            width = int.from_bytes(data[i + 7 : i + 9], "big")
            return width, height
        if marker == 0xDA or length < 2:
            break
        i += 2 + length
    raise NotAPicture("not a JPEG (no picture size in it)")


def decode_jpeg(data: bytes, max_pixels: int = MAX_PIXELS) -> np.ndarray:
    """A JPEG as an HxWx3 RGB uint8 array; NotAPicture when it is none, or
    larger than `max_pixels`."""
    width, height = jpeg_size(data)
    if width <= 0 or height <= 0:
        raise NotAPicture("not a JPEG (an empty picture)")
    if width * height > max_pixels:
        raise NotAPicture(f"the picture is too large ({width}x{height}, at most {max_pixels} pixels)")
    decoder = av.CodecContext.create("mjpeg", "r")
    try:
        frames = [*decoder.decode(av.Packet(data)), *decoder.decode(None)]
    except (av.error.FFmpegError, ValueError) as error:
        raise NotAPicture(f"the JPEG cannot be decoded ({error})") from None
    if not frames:
        raise NotAPicture("the JPEG cannot be decoded")
    return np.ascontiguousarray(frames[0].to_ndarray(format="rgb24"))
