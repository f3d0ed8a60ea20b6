"""Small real videos for tests and benchmarks, made with PyAV: H.264 in MP4,
a few frames of changing colour, optionally with a container creation_time;
and valid MP4 files of any size made from one as they are read."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path

import av
import numpy as np


def make_h264(
    path: Path,
    *,
    seconds: float = 2.0,
    fps: int = 10,
    width: int = 64,
    height: int = 48,
    creation_time: str | None = None,
    noise: bool = False,
) -> Path:
    """Write an H.264 MP4 of `seconds` at `fps` to `path` and return it.
    `noise` makes frames of random pixels (a larger file)."""
    rng = np.random.default_rng(7)
    with av.open(str(path), "w") as out:
        if creation_time:
            out.metadata["creation_time"] = creation_time
        stream = out.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        for i in range(round(seconds * fps)):
            if noise:
                pixels = rng.integers(0, 256, (height, width, 3), dtype=np.uint8)
            else:
                pixels = np.full((height, width, 3), (i * 9) % 256, dtype=np.uint8)
                pixels[: height // 2, : width // 2] = (255, 0, 0)
            for packet in stream.encode(av.VideoFrame.from_ndarray(pixels, format="rgb24")):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return path


def make_raw_h264(path: Path, clip: Path) -> Path:
    """`clip`'s H.264 video as a raw Annex B elementary stream (`.h264`: no
    container, frames found by their start codes)."""
    with av.open(str(clip)) as source, av.open(str(path), "w", format="h264") as out:
        stream = out.add_stream_from_template(source.streams.video[0])
        for packet in source.demux(source.streams.video[0]):
            if packet.dts is not None:
                packet.stream = stream
                out.mux(packet)
    return path


def append_zeros(path: Path, size: int) -> Path:
    """Append `size` zero bytes to `path`, every one written (not a hole:
    the sparse-file check does not see them)."""
    block = bytes(1 << 20)
    with path.open("ab") as out:
        for start in range(0, size, len(block)):
            out.write(block[: min(len(block), size - start)])
    return path


def make_sparse_frames(
    path: Path, *, hours: float = 10.0, every: float = 300.0, width: int = 64, height: int = 48
) -> Path:
    """Write an H.264 MP4 of `hours` whose frames are `every` seconds apart
    (pts set by hand: one frame every few minutes, the last at the end), as
    a timelapse or motion-triggered recorder writes: long in time, tiny on
    disk."""
    rate = 25
    count = round(hours * 3600 / every) + 1
    with av.open(str(path), "w") as out:
        stream = out.add_stream("libx264", rate=rate)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.options = {"preset": "ultrafast"}
        for i in range(count):
            pixels = np.full((height, width, 3), (i * 37) % 256, dtype=np.uint8)
            frame = av.VideoFrame.from_ndarray(pixels, format="rgb24")
            frame.pts = round(i * every * rate)
            frame.time_base = Fraction(1, rate)
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return path


class PaddedVideo:
    """A valid MP4 of any size, made as it is read: a small real video
    followed by an MP4 `free` box of a byte pattern. PyAV plays it (players
    skip `free` boxes); nothing ever holds more than one block of it."""

    _PATTERN = bytes(range(256)) * 4097  # 1 MiB + 256: any 1 MiB slice at any phase

    def __init__(self, video: bytes, size: int) -> None:
        if size < len(video) + 16:
            raise ValueError("size is smaller than the video and a box header")
        self.video = video
        self.size = size
        box = size - len(video)
        self.head = video + (1).to_bytes(4, "big") + b"free" + box.to_bytes(8, "big")

    def read(self, offset: int, length: int, block: int = 1 << 20) -> Iterator[bytes]:
        """The bytes [offset, offset + length), in blocks of at most `block`."""
        end = min(offset + length, self.size)
        pos = offset
        while pos < end:
            if pos < len(self.head):
                piece = self.head[pos : min(end, len(self.head))]
            else:
                phase = (pos - len(self.head)) % 256
                piece = self._PATTERN[phase : phase + min(block, end - pos, 1 << 20)]
            yield piece
            pos += len(piece)

    def sha256(self) -> str:
        digest = hashlib.sha256()
        for piece in self.read(0, self.size):
            digest.update(piece)
        return digest.hexdigest()


#: Hostile media (issue 18): files that must never be opened as videos.
HOSTILE_KINDS = ("hls", "concat", "sdp", "huge")


def hostile(kind: str) -> bytes:
    """A file of a hostile kind: an HLS playlist naming a local file and an
    address, an ffconcat playlist naming a local file, an SDP description
    (FFmpeg would listen for RTP), a header announcing 16 000 x 16 000
    frames (a 384 MB frame, over Vigil's 8K limit)."""
    return {
        "hls": b"#EXTM3U\n#EXTINF:1,\n/etc/passwd\n#EXTINF:1,\nhttp://127.0.0.1:9/x.ts\n#EXT-X-ENDLIST\n",
        "concat": b"ffconcat version 1.0\nfile '/etc/passwd'\n",
        "sdp": b"v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=x\r\nc=IN IP4 127.0.0.1\r\nm=video 5004 RTP/AVP 96\r\n",
        "huge": b"YUV4MPEG2 W16000 H16000 F25:1 Ip A1:1 C420jpeg\nFRAME\n" + bytes(4096),
    }[kind]
