"""The motion gate: whether a frame changed enough to be worth the detector.

Frigate's way, reduced to what the gate needs: the frame's luma (the Y plane
of the ring's I420 frame, so no colour conversion) is scaled down to about
`HEIGHT` rows, blurred, and compared with a running average of the earlier
frames; the share of pixels that differ by more than `threshold` is the
motion. A still scene (a parked car, an empty corridor, sensor noise) stays
under `min_share`; a person walking in a 1080p frame is far over it. A frame
where most pixels changed (lights switched, a reconnect, the camera moved)
counts as motion and resets the average to it, as Frigate recalibrates.

`GatePolicy` decides per sampled frame whether to run the detector: always
on motion; without motion only to re-check what is tracked (every
`recheck_seconds` while objects are tracked, so a standing person keeps
their track and a line's dwell goes on) and, rarely, an empty scene
(`idle_recheck_seconds`, for an object that entered too slowly to be seen as
motion). Times are the frames' own, so the policy works the same on live
sources and on files analysed faster than real time.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

#: Rows the luma is scaled to before it is compared.
HEIGHT = 90
#: A pixel moved when it differs from the running average by more (0-255).
THRESHOLD = 25
#: A frame moved when more than this share of its pixels moved.
MIN_SHARE = 0.002
#: Over this share the whole scene changed: the average starts again.
RECALIBRATE_SHARE = 0.6
#: Weight of the newest frame in the running average.
ALPHA = 0.2


class MotionDetector:
    """Motion between a frame and the running average of the earlier ones."""

    def __init__(self, *, threshold: int = THRESHOLD, min_share: float = MIN_SHARE, alpha: float = ALPHA) -> None:
        self.threshold = threshold
        self.min_share = min_share
        self.alpha = alpha
        self._average: np.ndarray | None = None

    def share(self, luma: np.ndarray) -> float:
        """The share of moved pixels of a luma plane (H x W uint8); the
        first frame, or one of another size, is all motion."""
        small = _small(luma)
        average = self._average
        if average is None or average.shape != small.shape:
            self._average = small.astype(np.float32)
            return 1.0
        moved = float((cv2.absdiff(small.astype(np.float32), average) > self.threshold).mean())
        if moved > RECALIBRATE_SHARE:
            self._average = small.astype(np.float32)
        else:
            cv2.accumulateWeighted(small, average, self.alpha)
        return moved

    def moved(self, luma: np.ndarray) -> bool:
        return self.share(luma) > self.min_share


def _small(luma: np.ndarray) -> np.ndarray:
    height, width = luma.shape[:2]
    rows = min(HEIGHT, height)
    cols = max(1, round(width * rows / height))
    small = cv2.resize(luma, (cols, rows), interpolation=cv2.INTER_AREA)
    return cv2.GaussianBlur(small, (3, 3), 0)


@dataclass
class GatePolicy:
    """When a stream's analysis runs the detector (see the module text)."""

    recheck_seconds: float = 1.0
    idle_recheck_seconds: float = 10.0
    detector: MotionDetector | None = None
    _last: float | None = None

    def __post_init__(self) -> None:
        if self.detector is None:
            self.detector = MotionDetector()

    def detect(self, luma: np.ndarray, time: float, tracking: bool) -> bool:
        """Whether to run the detector on this frame (`tracking`: objects
        are tracked now). The motion is measured on every frame, so the
        average follows the scene."""
        return self.decide(self.measure(luma), time, tracking)

    def measure(self, luma: np.ndarray) -> bool:
        """`detect`'s first half: whether this frame moved (the average
        follows it). Frames are measured in their order."""
        assert self.detector is not None
        return self.detector.moved(luma)

    def likely(self, moved: bool, time: float, tracking: bool) -> bool:
        """What `decide` would say now, without deciding: a pipeline asks
        it before the frame ahead is decided (with that frame's `_last` and
        `tracking` not known yet), to send the detector its request early.
        A wrong guess costs a request; `decide` is still exact."""
        last = self._last
        wait = self.recheck_seconds if tracking else self.idle_recheck_seconds
        return moved or last is None or time < last or time - last >= wait

    def decide(self, moved: bool, time: float, tracking: bool) -> bool:
        """`detect`'s second half, in frame order once the frame before it
        is decided (`tracking` is that frame's)."""
        if self.likely(moved, time, tracking):
            self._last = time
            return True
        return False
