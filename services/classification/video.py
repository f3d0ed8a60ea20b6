"""Checking an alarm video and turning it into the models' inputs.

Everything here blocks (file I/O, decoding, scaling): the classifier runs it
in a thread, so the event loop never waits on it.

`probe` checks a submitted file before it is accepted: a media file with a
video stream (not a still picture), whose first frame decodes and which is
not longer than the configured maximum. `decode` samples it with
`services.media.sampling` (every frame decoded, `sample_fps` kept per second,
resampled by swscale to `frame_height` pixels high: the document's 640x360
example becomes 568x320) and hands each kept frame on at once, with the
object detector's input already made (`yolox.preprocess_scaled`: the frame
letterboxed into YOLOX's 416x416 square, also by swscale) and, for a few
frames spread over the video, the text detector's input
(`ocr.det_preprocess`). The media library's refusals become Gaard errors
here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np

from services.classification import errors
from services.classification.errors import gaard_error
from services.media import sampling
from services.media.container import (
    DECODE_ERRORS,
    NotAVideo,
    Unopenable,
    container_duration,
    error_reason,
    frame_rate,
    open_video,
)
from services.media.sampling import Sample, Specs, analysis_size
from services.vision import ocr, yolox
from services.vision.image import chw

__all__ = ["Probe", "SampledFrame", "SamplingPlan", "Specs", "analysis_size", "decode", "detector_input", "probe"]


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


def decode(path: str, plan: SamplingPlan, emit: Callable[[SampledFrame], None]) -> Specs:
    """Decode `path`, sample it, hand every analysed frame to `emit` as soon
    as it is made; returns the specs. Raises the Gaard errors NOT_A_VIDEO,
    TRUNCATED and TOO_LONG; whatever `emit` raises stops the decoding."""

    def analysed(kept: Sample) -> None:
        x, scale = detector_input(kept.frame)
        text = text_input(kept.frame) if kept.marked else None
        emit(SampledFrame(kept.index, kept.time, x, scale, text, kept.size))

    container = _open(path)
    try:
        return sampling.sample(
            container,
            sampling.SamplingPlan(plan.sample_fps, plan.frame_height, plan.max_seconds, marks=plan.text_frames),
            analysed,
        )
    except sampling.TooLong as exc:
        raise gaard_error(errors.TOO_LONG, str(exc)) from None
    except sampling.Truncated as exc:
        raise gaard_error(errors.TRUNCATED, str(exc)) from None
    except NotAVideo as exc:
        raise gaard_error(errors.NOT_A_VIDEO, str(exc)) from None
    finally:
        container.close()
