"""The newest analysis result of each stream and analytic analysed in this
engine process, for the overlay views (`/mjpeg/{node}/{stream}/{analytic}`).

An analysis stage publishes, after each analysed frame, a function that
draws that frame's result (tracked boxes, counting lines with their counts,
areas with their occupancy) on a picture; the overlay view draws the newest
one on every frame it sends, as Frigate draws its latest detections on the
live frame. Publishing costs a dictionary write: nothing is drawn until a
viewer asks. Each publication has a version, so a view encodes a frame once
per (frame, result) pair however many viewers watch.

Only the stages registered as drawing (`drawable`) have overlays; an
assigned analytic whose stage draws nothing here is refused by the view.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np

#: Draws a result on an RGB picture (HxWx3 uint8) and returns a new one;
#: positions are normalised, so any output size works.
Draw = Callable[[np.ndarray], np.ndarray]


@dataclass(frozen=True)
class Drawn:
    """One published result: its version (rises with every publication in
    the process) and how to draw it."""

    version: int
    draw: Draw


class Overlays:
    """The newest drawable result per (stream, analytic) of this process."""

    def __init__(self, drawable: Iterable[str] = ()) -> None:
        self.drawable = frozenset(drawable)
        self._latest: dict[tuple[str, str], Drawn] = {}
        self._versions = itertools.count(1)

    def publish(self, stream_id: str, analytic_id: str, draw: Draw) -> None:
        self._latest[(stream_id, analytic_id)] = Drawn(next(self._versions), draw)

    def latest(self, stream_id: str, analytic_id: str) -> Drawn | None:
        return self._latest.get((stream_id, analytic_id))

    def clear(self, stream_id: str, analytic_id: str) -> None:
        """The analysis ended (row removed, released, failed): its last
        result no longer describes the stream."""
        self._latest.pop((stream_id, analytic_id), None)
