"""Prometheus metrics of the inference service, with Triton's metric names.

Served as text on `GET /metrics` of the metrics port (Triton's 8002). Every
value is read from the models' statistics when scraped: request success and
failure (with Triton's failure reasons), inference and execution counts,
cumulative request, queue and compute durations in microseconds, pending
requests, and a batch-size histogram (Vigil's own; Triton has none).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Sequence

from services.inference.stats import BATCH_BUCKETS, FAILURE_REASONS, ModelStats

log = logging.getLogger(__name__)

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

_COUNTERS = (
    ("nv_inference_request_success", "Number of successful inference requests, all batch sizes", "success_count"),
    ("nv_inference_count", "Number of inferences performed (does not include cached requests)", "inference_count"),
    ("nv_inference_exec_count", "Number of model executions performed (does not include cached requests)", "exec"),
    ("nv_inference_request_duration_us", "Cumulative inference request duration in microseconds", "success_us"),
    ("nv_inference_queue_duration_us", "Cumulative inference queuing duration in microseconds", "queue_us"),
    ("nv_inference_compute_input_duration_us", "Cumulative compute input duration in microseconds", "input_us"),
    ("nv_inference_compute_infer_duration_us", "Cumulative compute inference duration in microseconds", "infer_us"),
    (
        "nv_inference_compute_output_duration_us",
        "Cumulative inference compute output duration in microseconds",
        "out_us",
    ),
)


def _value(stats: ModelStats, key: str) -> float:
    return {
        "success_count": stats.success.count,
        "inference_count": stats.inference_count,
        "exec": stats.execution_count,
        "success_us": stats.success.ns // 1000,
        "queue_us": stats.queue.ns // 1000,
        "input_us": stats.compute_input.ns // 1000,
        "infer_us": stats.compute_infer.ns // 1000,
        "out_us": stats.compute_output.ns // 1000,
    }[key]


def _labels(stats: ModelStats, **extra: str) -> str:
    pairs = {"model": stats.model, "version": stats.version, **extra}
    inner = ",".join(f'{k}="{v}"' for k, v in sorted(pairs.items()))
    return "{" + inner + "}"


def render(models: Sequence[ModelStats]) -> str:
    """The Prometheus text exposition of every loaded model's metrics."""
    lines: list[str] = []
    name = "nv_inference_request_failure"
    lines += [f"# HELP {name} Number of failed inference requests, all batch sizes", f"# TYPE {name} counter"]
    for s in models:
        lines += [f"{name}{_labels(s, reason=r)} {s.failures[r]}" for r in FAILURE_REASONS]
    for metric, help_text, key in _COUNTERS:
        lines += [f"# HELP {metric} {help_text}", f"# TYPE {metric} counter"]
        lines += [f"{metric}{_labels(s)} {_value(s, key)}" for s in models]
    name = "nv_inference_pending_request_count"
    lines += [f"# HELP {name} Instantaneous number of pending requests awaiting execution", f"# TYPE {name} gauge"]
    lines += [f"{name}{_labels(s)} {s.pending}" for s in models]
    name = "vigil_inference_batch_size"
    lines += [f"# HELP {name} Items per model execution (dynamic batching)", f"# TYPE {name} histogram"]
    for s in models:
        total = 0
        for bound, count in zip([*BATCH_BUCKETS, "+Inf"], s.batch_histogram, strict=True):
            total += count
            lines.append(f"{name}_bucket{_labels(s, le=str(bound))} {total}")
        lines.append(f"{name}_sum{_labels(s)} {s.batch_sum}")
        lines.append(f"{name}_count{_labels(s)} {s.execution_count}")
    return "\n".join(lines) + "\n"


class MetricsServer:
    """A minimal HTTP server answering `GET /metrics` (and 404 otherwise)."""

    def __init__(self, host: str, port: int, source: Callable[[], Sequence[ModelStats]]) -> None:
        self._host = host
        self._port = port
        self._source = source
        self._server: asyncio.Server | None = None

    @property
    def port(self) -> int:
        assert self._server is not None
        return int(self._server.sockets[0].getsockname()[1])

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._handle, self._host, self._port)
        log.info("inference metrics on http://%s:%d/metrics", self._host, self.port)

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            with contextlib.suppress(Exception):
                await self._server.wait_closed()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            request = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
            method, path, *_ = request.split(b"\r\n", 1)[0].decode("latin-1").split(" ")
            if method == "GET" and path.split("?", 1)[0] == "/metrics":
                body, status = render(self._source()).encode(), "200 OK"
            else:
                body, status = b"not found\n", "404 Not Found"
            head = f"HTTP/1.1 {status}\r\nContent-Type: {CONTENT_TYPE}\r\nContent-Length: {len(body)}\r\n"
            writer.write((head + "Connection: close\r\n\r\n").encode() + body)
            await writer.drain()
        except (TimeoutError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError, ConnectionError):
            pass
        finally:
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()
