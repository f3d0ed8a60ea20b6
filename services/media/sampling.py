"""Decoding a video and keeping a few frames per second of it for analysis.

Every frame is decoded (inter-coded video cannot skip frames); `sample_fps`
of them per second are kept and resampled with FFmpeg's swscale to the
analysis size: `frame_height` pixels high (never upscaled), the width keeping
the aspect ratio, rounded down to an even number (640x360 becomes 568x320).
Each kept frame is handed to `emit` at once, so analysis can start while
decoding goes on; `marks` frames spread over the video are marked (the
middles of `marks` equal parts), for a second, costlier look. A video whose
frames stop before its announced end, or whose decoding fails part way, is
truncated.

Everything here blocks (file I/O, decoding, scaling): run it in a thread
(`services.media.handoff` hands the frames to the event loop).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from services.media.container import DECODE_ERRORS, NotAVideo, container_duration, error_reason, frame_rate

#: A video whose frames stop more than this before its announced end is
#: truncated (seconds; at least two frame intervals are also allowed).
END_TOLERANCE_SECONDS = 0.5


class TooLong(NotAVideo):
    """The video lasts longer than the plan allows."""


class Truncated(NotAVideo):
    """The video's frames stop before its end, or decoding fails part way."""


@dataclass(frozen=True)
class SamplingPlan:
    """How a video is sampled: frames kept per second, their height, the
    longest video accepted, and how many frames spread over it are marked."""

    sample_fps: float
    frame_height: int
    max_seconds: float
    marks: int = 0


@dataclass(frozen=True)
class Sample:
    """One kept frame: its place, the frame at the analysis size (a PyAV
    rgb24 VideoFrame) and whether it is one of the marked frames."""

    index: int  # among the kept frames, from 0
    time: float  # seconds from the first frame
    frame: Any
    marked: bool

    @property
    def size(self) -> tuple[int, int]:
        return int(self.frame.width), int(self.frame.height)


@dataclass(frozen=True)
class Specs:
    """The video as decoded (`original_*`) and as sampled."""

    original_width: int
    original_height: int
    original_fps: float
    original_nframes: int  # frames decoded
    duration: float  # seconds
    width: int
    height: int
    fps: float  # kept frames per second of video
    nframes: int  # frames kept

    def as_map(self) -> dict[str, float]:
        """Flat, as a result's `video.specs` shows them."""
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


def analysis_size(width: int, height: int, frame_height: int) -> tuple[int, int]:
    """The kept frames' size: `frame_height` high (never upscaled), the
    width keeping the aspect ratio, both rounded down to even numbers."""
    h = min(frame_height, height)
    w = int(width * h / height)
    return max(w // 2 * 2, 2), max(h // 2 * 2, 2)


def _marks(duration: float, count: int) -> list[float]:
    """The times (from the first frame) of the marked frames: the middles of
    `count` equal parts of the video; the first frame when its length is
    unknown."""
    if count <= 0:
        return []
    if duration <= 0:
        return [0.0]
    return [duration * (2 * i + 1) / (2 * count) for i in range(count)]


def sample(container: Any, plan: SamplingPlan, emit: Callable[[Sample], None]) -> Specs:
    """Decode the first video stream of an open container (`open_video`),
    hand every kept frame to `emit` as soon as it is made; the specs. Raises
    TooLong, Truncated and NotAVideo (no frame decodes); whatever `emit`
    raises stops the decoding. The caller closes the container."""
    stream = container.streams.video[0]
    stream.thread_type = "AUTO"
    src_fps = frame_rate(stream)
    announced = container_duration(container, stream)
    if announced > plan.max_seconds:
        raise TooLong(f"the video lasts {announced:.1f} s, longer than the maximum {plan.max_seconds:g} s")
    step = 1.0 / plan.sample_fps
    tolerance = 0.25 / max(src_fps, plan.sample_fps)
    marks = _marks(announced, plan.marks)
    decoded = kept = 0
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
                raise TooLong(f"the video lasts more than the maximum {plan.max_seconds:g} s")
            if at < next_time - tolerance:
                continue
            while next_time <= at + tolerance:
                next_time += step
            assert size is not None
            small = frame.reformat(width=size[0], height=size[1], format="rgb24", interpolation="BILINEAR")
            marked = False
            if marks and at >= marks[0] - tolerance:
                while marks and at >= marks[0] - tolerance:
                    marks.pop(0)
                marked = True
            emit(Sample(kept, at, small, marked))
            kept += 1
    except NotAVideo:
        raise
    except DECODE_ERRORS as exc:
        raise Truncated(f"the video is damaged: decoding fails at {last_time:.1f} s ({error_reason(exc)})") from None
    if decoded == 0 or size is None:
        raise NotAVideo("the video has no frame that can be decoded")
    interval = 1.0 / src_fps if src_fps else 0.0
    span = last_time + interval
    if announced and span < announced - max(END_TOLERANCE_SECONDS, 2 * interval):
        raise Truncated(f"the video is truncated: its frames stop at {span:.1f} s of {announced:.1f} s")
    duration = announced or span
    return Specs(
        original_width=original[0],
        original_height=original[1],
        original_fps=round(src_fps, 3),
        original_nframes=decoded,
        duration=round(duration, 6),
        width=size[0],
        height=size[1],
        fps=round(kept / duration, 2) if duration > 0 else 0.0,
        nframes=kept,
    )
