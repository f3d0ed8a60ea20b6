"""A stream says which analytic skips frames because the inference service
fails (services/engine/analysers.py skip_frame / analysed), after the
source's own message, until that analytic analyses a frame again."""

from __future__ import annotations

import asyncio

import grpc

from services.catalog import work
from services.engine.analysers import analysed, skip_frame
from services.engine.repository import StreamSource
from services.engine.sources import OpenStream
from services.inference_client import InferenceError
from services.media.live_source import SourceStats


def _item(analytic: str) -> work.WorkItem:
    return work.WorkItem(
        id=7, stream_id="s1", node_num=0, analytic_id=analytic, kind="live", config={}, config_version=1,
        state=work.RUNNING, owner="w", heartbeat_at=None, progress=0.0, error="", attempts=1, seat=1,
        serial_number="x",
    )  # fmt: skip


def test_a_skipped_frame_is_said_on_the_stream_until_one_is_analysed() -> None:
    loop = asyncio.new_event_loop()
    try:
        stream = OpenStream(StreamSource("s1", 0, "rtsp://cam/1"), loop)
        people, cars = _item("NFV4-MPA"), _item("NFV4-MVA")
        assert stream.message(SourceStats(message="")) == ""
        skip_frame(stream, people, InferenceError(grpc.StatusCode.UNAVAILABLE, "connection refused"))
        skip_frame(stream, cars, InferenceError(grpc.StatusCode.DEADLINE_EXCEEDED, "late"))
        said = stream.message(SourceStats(message="reconnected"))
        assert said == (
            "reconnected; NFV4-MPA: frames skipped, the inference service is unavailable "
            "(UNAVAILABLE: connection refused); "
            "NFV4-MVA: frames skipped, the inference service is unavailable (DEADLINE_EXCEEDED: late)"
        )
        analysed(stream, people)
        analysed(stream, cars)
        assert stream.message(SourceStats(message="")) == ""
        skip_frame(object(), people, RuntimeError("x"))  # a recording (no such methods): only counted
    finally:
        loop.close()
