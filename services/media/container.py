"""The one PyAV opener of Vigil: every service that opens a video file or a
network source (uploads, classification, the stream engine) opens it here,
so what counts as "not a video" is decided once.

Every function here blocks (file or network I/O, decoding): call it in a
thread.
"""

from __future__ import annotations

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


def open_video(source: str, *, pictures: bool = True) -> Any:
    """Open a file path, `file://` URL or network URL (with a time limit on
    network reads) that has a video stream. Raises Unopenable,
    NoVideoStream, and StillPicture when `pictures` is False."""
    network = "://" in source and not source.startswith("file:")
    options = {"rw_timeout": NETWORK_TIMEOUT_US} if network else {}
    try:
        container = av.open(source.removeprefix("file://"), options=options)
    except (*DECODE_ERRORS, UnicodeDecodeError) as exc:
        raise Unopenable(error_reason(exc)) from None
    name = container.format.name
    if not pictures and (name in PICTURE_FORMATS or name.endswith("_pipe")):
        container.close()
        raise StillPicture(f"the file is a picture ({name}), not a video")
    if not container.streams.video:
        container.close()
        raise NoVideoStream("the file has no video stream")
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
    except DECODE_ERRORS as exc:
        raise NotAVideo(f"no frame can be decoded ({error_reason(exc)})") from None
    raise NotAVideo("the video stream has no decodable frame")
