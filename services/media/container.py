"""The one PyAV opener of Vigil: every service that opens a video file or a
network source (uploads, classification, the stream engine) opens it here,
so what counts as "not a video" is decided once.

Every function here blocks (file or network I/O, decoding): call it in a
thread.
"""

from __future__ import annotations

import os
from typing import Any

import av

#: How long PyAV waits on a network source (a FindFace archive `url`), in µs.
NETWORK_TIMEOUT_US = "5000000"
#: Demuxers of still pictures: a file they open is not a video.
PICTURE_FORMATS = {"image2", "image2pipe", "apng", "ico", "tiff_pipe"}
#: Demuxers that turn text into pictures (ANSI art): a text file or a web
#: page is not a video, though FFmpeg would play it as one.
TEXT_FORMATS = {"tty", "bin", "idf", "xbin", "adf"}
#: What PyAV raises for a file it cannot read or decode.
DECODE_ERRORS = (av.FFmpegError, OSError, ValueError)
#: The largest frame (width x height) a stored video may announce: 8K UHD.
#: A header claiming more is refused before any frame is decoded.
MAX_FRAME_PIXELS = 7680 * 4320
#: How long opening a local file, and then each read, may take (s): a file
#: crafted to make the demuxer spin ends within this.
LOCAL_TIMEOUTS = (30.0, 30.0)
#: FFmpeg protocols a local file may use: itself only (a nested open of
#: another protocol, `http:` in a playlist, is refused by FFmpeg).
LOCAL_PROTOCOLS = "file"
#: Text formats that make FFmpeg open other files or network sources: a
#: playlist (HLS, ffconcat, DASH manifest, SDP) is never a video, and
#: opening one would read what it names. Matched on the file's first bytes
#: (after a BOM and blank space), before FFmpeg sees the file.
PLAYLIST_SIGNATURES = {
    b"#EXTM3U": "an HLS playlist",
    b"#EXT-X-": "an HLS playlist",
    b"ffconcat": "an ffconcat playlist",
    b"<?xml": "an XML document (a DASH manifest?)",
    b"<MPD": "a DASH manifest",
    b"v=0": "an SDP session description",
    b"[playlist]": "a PLS playlist",
    b"<asx": "an ASX playlist",
    b"#EXTINF": "an M3U playlist",
}


#: A local file whose holes (bytes it claims but that are not stored on
#: disk: a `truncate`d or sparse-copied file) reach this many bytes is
#: refused before FFmpeg reads it. A file Vigil stored has every byte
#: written (an upload writes each chunk; its preallocation is filled), and
#: FFmpeg reading a hole can scan gigabytes of zeros for a start code,
#: holding them in memory (a raw H.264 head then a 10 GiB hole took 53 s
#: and 2.7 GB before this check).
MAX_HOLE_BYTES = 16 * 1024 * 1024


#: Demuxers of raw video elementary streams: no container framing, the
#: frames are found by their start codes (00 00 01). FFmpeg's parser gathers
#: the bytes after a start code into one packet until the next start code,
#: so a long run with none (gigabytes of zeros written after a real raw
#: H.264 head) is held in memory whole: these are opened through a
#: StartCodeReader.
RAW_STREAM_FORMATS = {"h264", "hevc", "vvc", "mpegvideo", "m4v", "cavsvideo", "avs2", "avs3", "vc1"}
#: The longest run of bytes a raw elementary stream may have with no start
#: code: no real frame is near this (an 8K intra frame is a few MiB).
MAX_RUN_BYTES = 16 * 1024 * 1024
#: The file's head the format is found from (`raw_stream_format`): more
#: than FFmpeg's default probesize (5 000 000 bytes), so the probe sees the
#: same bytes as the real open and finds the same format.
FORMAT_HEAD_BYTES = 8 * 1024 * 1024
#: PyAV's read size for a file object (its default is 32 KiB).
READ_BUFFER_BYTES = 256 * 1024
START_CODE = b"\x00\x00\x01"


class NotAVideo(ValueError):
    """The source cannot be opened or decoded as a video; the message says why."""


class Unopenable(NotAVideo):
    """PyAV cannot open the source at all; the message is its short reason."""


class StillPicture(NotAVideo):
    """The source is a still picture (PNG, JPEG, ...), not a video."""


class NoVideoStream(NotAVideo):
    """The source opens but has no video stream."""


def error_reason(exc: Exception) -> str:
    """The short reason of a PyAV/OS error, for a client-facing message."""
    text = getattr(exc, "strerror", None) or str(exc)
    return str(text).split(":")[0].strip() or type(exc).__name__


class HostileMedia(Unopenable):
    """The source is refused before it is decoded: a playlist that would
    make FFmpeg open what it names, or a frame size over the limit."""


def refuse_playlist(path: str) -> None:
    """Raise HostileMedia when a local file starts like a playlist or
    session description (see PLAYLIST_SIGNATURES); nothing when it cannot
    be read (the open says why)."""
    try:
        with open(path, "rb") as file:
            head = file.read(1024)
    except OSError:
        return
    head = head.removeprefix(b"\xef\xbb\xbf").lstrip()
    for signature, what in PLAYLIST_SIGNATURES.items():
        if head[: len(signature)].lower() == signature.lower():
            raise HostileMedia(f"the file is {what}, not a video: playlists are not opened")


def hole_bytes(path: str) -> int:
    """Bytes of `path` that are holes (not stored on disk), found with
    SEEK_DATA / SEEK_HOLE without reading the file; 0 when the file system
    cannot say or the file cannot be opened (the open says why)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return 0
    try:
        size = os.fstat(fd).st_size
        holes, position = 0, 0
        for _ in range(100_000):  # extents: a bound for a file of many fragments
            try:
                hole = os.lseek(fd, position, os.SEEK_HOLE)
            except OSError:  # not supported here
                return holes
            if hole >= size:
                return holes
            try:
                data = os.lseek(fd, hole, os.SEEK_DATA)
            except OSError:  # ENXIO: a hole to the end
                return holes + size - hole
            holes += data - hole
            position = data
        return holes
    finally:
        os.close(fd)


def refuse_sparse(path: str, limit: int = MAX_HOLE_BYTES) -> None:
    """Raise HostileMedia when a local file has `limit` bytes or more of
    holes (see MAX_HOLE_BYTES): it is refused without being read."""
    holes = hole_bytes(path)
    if holes >= limit:
        size = os.path.getsize(path)
        raise HostileMedia(
            f"the file is sparse: {holes} of its {size} bytes are holes, not stored on disk "
            "(a truncated or placeholder file, not a written video)"
        )


class StartCodeReader:
    """A local file read by FFmpeg through PyAV (`av.open(reader)`) that
    refuses (HostileMedia, raised from the read PyAV called, so the open,
    demux or decode in progress stops with it) a run of more than
    `run_limit` bytes with no start code (00 00 01); and, when `head_limit`
    is set, ends (reads as EOF) after that many bytes. `name` is the path,
    so FFmpeg's probe sees the same file name as a path open would. The
    descriptor is closed by `close()` or when the reader is collected (PyAV
    does not close a file object it was given)."""

    def __init__(
        self,
        path: str,
        *,
        run_limit: int | None = MAX_RUN_BYTES,
        head_limit: int | None = None,
        format: str | None = None,
    ) -> None:
        self._fd = -1
        self.name = path
        #: The demuxer's name, for the refusal's message.
        self.format = format
        self._fd = os.open(path, os.O_RDONLY)
        self._position = 0
        self._run_limit = run_limit
        self._head_limit = head_limit
        self._tail = b""  # the last 2 bytes read: a start code may straddle two reads
        self._run_start = 0  # where the current run with no start code began
        self._read_end = 0  # where the last read ended: a read elsewhere starts a new run

    def read(self, size: int = -1) -> bytes:
        position = self._position
        if size < 0:
            size = READ_BUFFER_BYTES
        if self._head_limit is not None:
            size = max(0, min(size, self._head_limit - position))
        data = os.pread(self._fd, size, position) if size else b""
        self._position += len(data)
        if self._run_limit is None or not data:
            return data
        if position != self._read_end:
            # A read after a seek elsewhere (not PyAV's seek to the end and
            # back to learn the size): a new place, a new run.
            self._tail, self._run_start = b"", position
        self._read_end = self._position
        joined = self._tail + data
        found = joined.rfind(START_CODE)
        if found >= 0:
            self._run_start = position - len(self._tail) + found + 3
        self._tail = joined[-2:]
        run = self._position - self._run_start
        if run > self._run_limit:
            raise HostileMedia(
                f"the file has {run >> 20} MiB with no video start code at offset {self._run_start} "
                f"(a raw {self.format or 'video'} stream's frames begin with start codes; a run over "
                f"{self._run_limit >> 20} MiB is not a frame)"
            )
        return data

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        if whence == os.SEEK_CUR:
            offset += self._position
        elif whence == os.SEEK_END:
            offset += os.fstat(self._fd).st_size
        elif whence != os.SEEK_SET:
            raise OSError(f"unsupported seek whence {whence}")
        self._position = max(0, offset)
        return self._position

    def tell(self) -> int:
        return self._position

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1

    def __del__(self) -> None:
        self.close()


def raw_stream_format(path: str, options: dict[str, str], timeout: tuple[float, float] | None) -> str | None:
    """The demuxer FFmpeg picks for a local file when it is one of
    RAW_STREAM_FORMATS, else None (also when this first look cannot open
    it: the real open says why). Found by opening the file's first
    FORMAT_HEAD_BYTES only (then EOF), so a long run of zeros after a raw
    head is never read here."""
    try:
        reader = StartCodeReader(path, run_limit=None, head_limit=FORMAT_HEAD_BYTES)
    except OSError:
        return None
    try:
        with av.open(reader, "r", options=dict(options), timeout=timeout, buffer_size=READ_BUFFER_BYTES) as container:
            name = str(container.format.name)
    except (*DECODE_ERRORS, UnicodeDecodeError):
        return None
    finally:
        reader.close()
    return name if name in RAW_STREAM_FORMATS else None


def check_frame_size(container: Any, limit: int = MAX_FRAME_PIXELS) -> None:
    """Raise HostileMedia when a video stream announces frames larger than
    `limit` pixels (read from the header: nothing is decoded)."""
    for stream in container.streams.video:
        width, height = stream.codec_context.width or 0, stream.codec_context.height or 0
        if width * height > limit:
            raise HostileMedia(
                f"the video announces {width}x{height} frames, over the limit of {limit} pixels (8K UHD)"
            )


def open_video(source: str, *, pictures: bool = True) -> Any:
    """Open a file path, `file://` URL or network URL that has a video
    stream. A local file is opened only through FFmpeg's `file` protocol,
    never when it is a playlist, and with a time limit on the open and every
    read; a sparse local file (MAX_HOLE_BYTES of holes) is refused unread;
    a network source with a time limit on reads. A header announcing
    frames over MAX_FRAME_PIXELS is refused before decoding. A raw
    elementary stream (RAW_STREAM_FORMATS, found from the file's head) is
    read through a StartCodeReader: a run of MAX_RUN_BYTES with no start
    code stops its open, demux or decode with HostileMedia, in bounded
    memory. Raises
    Unopenable (HostileMedia), NoVideoStream, and StillPicture when
    `pictures` is False."""
    network = "://" in source and not source.startswith("file:")
    path = source.removeprefix("file://")
    if network:
        options: dict[str, str] = {"rw_timeout": NETWORK_TIMEOUT_US}
        timeout: tuple[float, float] | None = None
    else:
        refuse_playlist(path)
        refuse_sparse(path)
        options, timeout = {"protocol_whitelist": LOCAL_PROTOCOLS}, LOCAL_TIMEOUTS
    raw = None if network else raw_stream_format(path, options, timeout)
    try:
        if raw is None:
            container = av.open(path, options=options, timeout=timeout)
        else:
            reader = StartCodeReader(path, format=raw)
            try:
                container = av.open(
                    reader, "r", format=raw, options=options, timeout=timeout, buffer_size=READ_BUFFER_BYTES
                )
            except BaseException:
                reader.close()
                raise
    except HostileMedia:
        raise
    except (*DECODE_ERRORS, UnicodeDecodeError) as exc:
        raise Unopenable(error_reason(exc)) from None
    try:
        name = container.format.name
        if not pictures and (name in PICTURE_FORMATS or name.endswith("_pipe")):
            raise StillPicture(f"the file is a picture ({name}), not a video")
        if not container.streams.video:
            raise NoVideoStream("the file has no video stream")
        check_frame_size(container)
    except NotAVideo:
        container.close()
        raise
    return container


def open_live(
    url: str, *, format: str | None = None, options: dict[str, str] | None = None, timeouts: tuple[float, float]
) -> Any:
    """Open a live source for the stream engine (services/media/live_source.py
    builds the arguments: the protocol whitelist of the address's scheme,
    RTSP transport, a V4L2 device's format). `timeouts` bounds the open and
    every later read (PyAV's interrupt callback, so it holds for every
    protocol). Raises what PyAV raises; the caller says why to operators."""
    return av.open(url, format=format, options=options or {}, timeout=timeouts)


def container_duration(container: Any, stream: Any) -> float:
    """Seconds the container (or else the video stream) announces; 0 when
    neither says."""
    if container.duration:
        return float(container.duration) / av.time_base
    if stream.duration and stream.time_base:
        return float(stream.duration * stream.time_base)
    return 0.0


def frame_rate(stream: Any) -> float:
    """The video stream's frame rate; 0 when the file does not say."""
    rate = stream.average_rate or stream.guessed_rate or stream.base_rate
    return float(rate) if rate else 0.0


def first_frame(container: Any) -> Any:
    """The first decodable frame of the first video stream. Raises NotAVideo."""
    try:
        for frame in container.decode(video=0):
            return frame
    except HostileMedia:
        raise
    except DECODE_ERRORS as exc:
        raise NotAVideo(f"no frame can be decoded ({error_reason(exc)})") from None
    raise NotAVideo("the video stream has no decodable frame")
