"""What tests of the engine's analysis stages share: a frame ring standing in
for an open stream (frames by reference, as the stages read them) and work
items as the workers hand them over."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import numpy as np

from services.catalog import work
from services.media.frame_ring import FrameRef, FrameRing


class Ring:
    """What an analysis stage reads of an open stream: frames by reference."""

    def __init__(self, width: int, height: int) -> None:
        self.ring = FrameRing(width, height)

    def put(self, pixels: np.ndarray, time: float) -> FrameRef:
        seq, view = self.ring.slot_view()
        view[:] = pixels
        return self.ring.commit(seq, time)

    def read(self, ref: FrameRef) -> object | None:
        return self.ring.read(ref)


def work_item(
    analytic_id: str,
    stream_id: str,
    config: dict[str, Any] | None = None,
    *,
    work_id: int = 7,
    version: int = 1,
    seat: int = 1,
    kind: str = work.LIVE,
) -> work.WorkItem:
    """A running work row of `analytic_id` on `stream_id`, as a worker holds it."""
    return work.WorkItem(
        id=work_id,
        stream_id=stream_id,
        node_num=0,
        analytic_id=analytic_id,
        kind=kind,
        config=config or {},
        config_version=version,
        state=work.RUNNING,
        owner="test",
        heartbeat_at=datetime.now(UTC),
        progress=0.0,
        error="",
        attempts=1,
        seat=seat,
        serial_number=f"{analytic_id}-N0-{seat:04d}",
    )
