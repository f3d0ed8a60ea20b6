"""PyAV helpers shared by every service that opens a video file (uploads,
classification)."""

from __future__ import annotations

from typing import Any

import av


def error_reason(exc: Exception) -> str:
    """The short reason of a PyAV/OS error, for a client-facing message."""
    text = getattr(exc, "strerror", None) or str(exc)
    return str(text).split(":")[0].strip() or type(exc).__name__


def container_duration(container: Any, stream: Any) -> float:
    """Seconds the container (or else the video stream) announces; 0 when
    neither says."""
    if container.duration:
        return float(container.duration) / av.time_base
    if stream.duration and stream.time_base:
        return float(stream.duration * stream.time_base)
    return 0.0
