"""Checking, decoding and sampling an alarm video with PyAV.

Everything here blocks (file I/O, decoding, scaling): the classifier runs it
in a thread, so the event loop never waits on it.

`probe` checks a submitted file before it is accepted: a media file with a
video stream (not a still picture), whose first frame decodes and which is
not longer than the configured maximum. `decode` then decodes every frame
(inter-coded video cannot skip frames), keeps `sample_fps` of them per second
and resamples each kept frame to the analysis size with FFmpeg's swscale:
`frame_height` pixels high, the width keeping the aspect ratio (rounded down
to an even number), so the document's 640x360 example becomes 568x320. Each
kept frame is handed on at once, with the object detector's input already
made (the frame letterboxed into YOLOX's 416x416 square, also by swscale) and,
for a few frames spread over the video, the text detector's input
(`ocr.det_preprocess`). A file whose frames stop before its announced end, or
whose decoding fails part way, is truncated.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np

from services.classification import errors
from services.classification.errors import gaard_error
from services.media.container import (
    DECODE_ERRORS,
    NotAVideo,
    Unopenable,
    container_duration,
    error_reason,
    frame_rate,
    open_video,
)
from services.vision import ocr, yolox
from services.vision.image import chw

#: A video whose frames stop more than this before its announced end is
#: truncated (seconds; at least two frame intervals are also allowed).
_END_TOLERANCE_SECONDS = 0.5


@dataclass(frozen=True)
class Probe:
    """What a submitted file is: its size, rate, length and codec."""

    width: int
    height: int
    fps: float  # 0 when the file does not say
    duration: float  # seconds; 0 when the file does not say
    codec: str


@dataclass(frozen=True)
class SamplingPlan:
    """How a video is sampled for analysis."""

    sample_fps: float
    frame_height: int
    max_seconds: float
    text_frames: int


@dataclass(frozen=True)
class TextInput:
    """The text detector's input for one frame (`ocr.det_preprocess`)."""

    x: np.ndarray  # 3xHxW float32
    sx: float
    sy: float


@dataclass(frozen=True)
class SampledFrame:
    """One analysed frame: its place, and the models' inputs made from it."""

    index: int  # among the analysed frames, from 0
    time: float  # seconds from the first frame
    detector_input: np.ndarray  # 3x416x416 float32, BGR, letterboxed
    detector_scale: float  # analysed-frame pixels -> detector pixels
    text_input: TextInput | None  # set on the frames that go through the text detector
    size: tuple[int, int]  # the analysed frame's width and height


@dataclass(frozen=True)
class Specs:
    """The video as submitted (`original.*`) and as analysed."""

    original_width: int
    original_height: int
    original_fps: float
    original_nframes: int  # frames decoded
    duration: float  # seconds
    width: int
    height: int
    fps: float  # analysed frames per second of video
    nframes: int  # frames analysed

    def as_map(self) -> dict[str, float]:
        """The result's `video.specs`."""
        return {
            "width": float(self.width),
            "height": float(self.height),
            "fps": self.fps,
            "nframes": float(self.nframes),
            "duration": self.duration,
            "original.width": float(self.original_width),
            "original.height": float(self.original_height),
            "original.fps": self.original_fps,
            "original.nframes": float(self.original_nframes),
        }


def _is_mp4(path: str) -> bool:
    with open(path, "rb") as handle:
        head = handle.read(12)
    return head[4:8] == b"ftyp"


def _open(path: str) -> Any:
    """The one opener (`services.media.container`), its refusals as Gaard
    errors: an MP4 PyAV cannot open is TRUNCATED (its index is missing),
    anything else it cannot open, a picture or a file without a video stream
    NOT_A_VIDEO."""
    try:
        return open_video(path, pictures=False)
    except Unopenable as exc:
        if _is_mp4(path):
            raise gaard_error(errors.TRUNCATED, f"the MP4 file is incomplete or damaged ({exc})") from None
        raise gaard_error(errors.NOT_A_VIDEO, f"the file is not a video ({exc})") from None
    except NotAVideo as exc:
        raise gaard_error(errors.NOT_A_VIDEO, str(exc)) from None


def probe(path: str, max_seconds: float) -> Probe:
    """Check a submitted file. Raises the Gaard errors NOT_A_VIDEO,
    TRUNCATED (an MP4 without its index) and TOO_LONG."""
    container = _open(path)
    try:
        stream = container.streams.video[0]
        duration = container_duration(container, stream)
        if duration > max_seconds:
            raise gaard_error(
                errors.TOO_LONG, f"the video lasts {duration:.1f} s, longer than the maximum {max_seconds:g} s"
            )
        try:
            first = next(iter(container.decode(stream)), None)
        except DECODE_ERRORS as exc:
            raise gaard_error(
                errors.NOT_A_VIDEO, f"no frame of the video can be decoded ({error_reason(exc)})"
            ) from None
        if first is None:
            raise gaard_error(errors.NOT_A_VIDEO, "the video has no frame that can be decoded")
        return Probe(int(first.width), int(first.height), frame_rate(stream), duration, str(stream.codec_context.name))
    finally:
        container.close()


def analysis_size(width: int, height: int, frame_height: int) -> tuple[int, int]:
    """The analysed frames' size: `frame_height` high (never upscaled), the
    width keeping the aspect ratio, both rounded down to even numbers."""
    h = min(frame_height, height)
    w = int(width * h / height)
    return max(w // 2 * 2, 2), max(h // 2 * 2, 2)


def detector_input(frame: Any) -> tuple[np.ndarray, float]:
    """YOLOX's input from an analysed frame: `yolox.preprocess`, with the
    letterbox scaling done by swscale."""
    return yolox.preprocess_scaled((frame.width, frame.height), partial(_scaled, frame))


def _scaled(frame: Any, width: int, height: int) -> np.ndarray:
    """The frame as RGB at width x height, scaled by FFmpeg's swscale."""
    return np.asarray(frame.to_ndarray(width=width, height=height, format="rgb24", interpolation="BILINEAR"))


def text_input(frame: Any) -> TextInput:
    """PP-OCR's text detector input from an analysed frame: what
    `ocr.det_preprocess` makes (the shorter side scaled up to
    `ocr.DET_LIMIT_SIDE`, both sides multiples of 32, BGR in [-1, 1]), with
    the scaling done by swscale (a few ms, where the numpy resize takes about
    150 ms for a 568x320 frame)."""
    width, height = frame.width, frame.height
    ratio = ocr.DET_LIMIT_SIDE / min(height, width) if min(height, width) < ocr.DET_LIMIT_SIDE else 1.0
    new_height = max(round(height * ratio / 32) * 32, 32)
    new_width = max(round(width * ratio / 32) * 32, 32)
    rgb = _scaled(frame, new_width, new_height)
    x = chw(rgb, bgr=True)
    x *= 2.0 / 255.0
    x -= 1.0
    return TextInput(x, new_width / width, new_height / height)


def _text_targets(duration: float, count: int) -> list[float]:
    """The times (from the first frame) the text detector looks at: the
    middles of `count` equal parts of the video; the first frame when its
    length is unknown."""
    if count <= 0:
        return []
    if duration <= 0:
        return [0.0]
    return [duration * (2 * i + 1) / (2 * count) for i in range(count)]


def decode(path: str, plan: SamplingPlan, emit: Callable[[SampledFrame], None]) -> Specs:
    """Decode `path`, sample it, hand every analysed frame to `emit` as soon
    as it is made; returns the specs. Raises the Gaard errors NOT_A_VIDEO,
    TRUNCATED and TOO_LONG; whatever `emit` raises stops the decoding."""
    container = _open(path)
    try:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        src_fps = frame_rate(stream)
        announced = container_duration(container, stream)
        if announced > plan.max_seconds:
            raise gaard_error(
                errors.TOO_LONG, f"the video lasts {announced:.1f} s, longer than the maximum {plan.max_seconds:g} s"
            )
        step = 1.0 / plan.sample_fps
        tolerance = 0.25 / max(src_fps, plan.sample_fps)
        text_targets = _text_targets(announced, plan.text_frames)
        decoded = sampled = 0
        first_time: float | None = None
        last_time = 0.0
        next_time = 0.0
        size: tuple[int, int] | None = None
        original: tuple[int, int] = (0, 0)
        try:
            for frame in container.decode(stream):
                raw = frame.time if frame.time is not None else decoded / (src_fps or plan.sample_fps)
                if first_time is None:
                    first_time = raw
                    original = (int(frame.width), int(frame.height))
                    size = analysis_size(frame.width, frame.height, plan.frame_height)
                at = raw - first_time
                decoded += 1
                last_time = max(last_time, at)
                if at > plan.max_seconds:
                    raise gaard_error(errors.TOO_LONG, f"the video lasts more than the maximum {plan.max_seconds:g} s")
                if at < next_time - tolerance:
                    continue
                while next_time <= at + tolerance:
                    next_time += step
                assert size is not None
                small = frame.reformat(width=size[0], height=size[1], format="rgb24", interpolation="BILINEAR")
                x, scale = detector_input(small)
                text: TextInput | None = None
                if text_targets and at >= text_targets[0] - tolerance:
                    while text_targets and at >= text_targets[0] - tolerance:
                        text_targets.pop(0)
                    text = text_input(small)
                emit(SampledFrame(sampled, at, x, scale, text, size))
                sampled += 1
        except DECODE_ERRORS as exc:
            raise gaard_error(
                errors.TRUNCATED, f"the video is damaged: decoding fails at {last_time:.1f} s ({error_reason(exc)})"
            ) from None
        if decoded == 0 or size is None:
            raise gaard_error(errors.NOT_A_VIDEO, "the video has no frame that can be decoded")
        interval = 1.0 / src_fps if src_fps else 0.0
        span = last_time + interval
        if announced and span < announced - max(_END_TOLERANCE_SECONDS, 2 * interval):
            raise gaard_error(
                errors.TRUNCATED,
                f"the video is truncated: its frames stop at {span:.1f} s of {announced:.1f} s",
            )
        duration = announced or span
        return Specs(
            original_width=original[0],
            original_height=original[1],
            original_fps=round(src_fps, 3),
            original_nframes=decoded,
            duration=round(duration, 6),
            width=size[0],
            height=size[1],
            fps=round(sampled / duration, 2) if duration > 0 else 0.0,
            nframes=sampled,
        )
    finally:
        container.close()
