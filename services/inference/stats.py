"""Cumulative statistics of one model version, as Triton keeps them.

Request durations (success, fail, queue, compute input/infer/output) count
each request once; a batch's compute durations are charged to every request
in it. Execution statistics are kept per batch size. The Prometheus metrics
and the ModelStatistics answer are both read from here.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

#: Why a request failed, as Triton's `nv_inference_request_failure` labels it.
FAILURE_REASONS = ("REJECTED", "CANCELED", "BACKEND", "OTHER")
#: Upper bounds of the batch-size histogram.
BATCH_BUCKETS = (1, 2, 4, 8, 16, 32, 64, 128)


@dataclass
class Duration:
    """A count and a total time in nanoseconds."""

    count: int = 0
    ns: int = 0

    def add(self, ns: int, count: int = 1) -> None:
        self.count += count
        self.ns += max(ns, 0)


@dataclass
class BatchDurations:
    """Execution durations of one batch size."""

    compute_input: Duration = field(default_factory=Duration)
    compute_infer: Duration = field(default_factory=Duration)
    compute_output: Duration = field(default_factory=Duration)


@dataclass
class ExecutionTimes:
    """How long one execution spent in each phase, in nanoseconds."""

    input_ns: int
    infer_ns: int
    output_ns: int


class ModelStats:
    """Thread-safe cumulative statistics of one model version."""

    def __init__(self, model: str, version: str) -> None:
        self.model = model
        self.version = version
        self._lock = threading.Lock()
        self.success = Duration()
        self.fail = Duration()
        self.queue = Duration()
        self.compute_input = Duration()
        self.compute_infer = Duration()
        self.compute_output = Duration()
        self.failures = dict.fromkeys(FAILURE_REASONS, 0)
        self.inference_count = 0
        self.execution_count = 0
        self.last_inference_ms = 0
        self.batches: dict[int, BatchDurations] = {}
        self.batch_histogram = [0] * (len(BATCH_BUCKETS) + 1)
        self.batch_sum = 0
        self.pending = 0

    def execution(self, batch_size: int, times: ExecutionTimes) -> None:
        """One model execution of `batch_size` (items, not requests)."""
        with self._lock:
            self.execution_count += 1
            self.inference_count += batch_size
            entry = self.batches.setdefault(batch_size, BatchDurations())
            entry.compute_input.add(times.input_ns)
            entry.compute_infer.add(times.infer_ns)
            entry.compute_output.add(times.output_ns)
            bucket = next((i for i, bound in enumerate(BATCH_BUCKETS) if batch_size <= bound), len(BATCH_BUCKETS))
            self.batch_histogram[bucket] += 1
            self.batch_sum += batch_size

    def succeeded(self, total_ns: int, queue_ns: int, times: ExecutionTimes) -> None:
        """One request answered."""
        with self._lock:
            self.success.add(total_ns)
            self.queue.add(queue_ns)
            self.compute_input.add(times.input_ns)
            self.compute_infer.add(times.infer_ns)
            self.compute_output.add(times.output_ns)
            self.last_inference_ms = int(time.time() * 1000)

    def failed(self, total_ns: int, reason: str) -> None:
        """One request that got an error."""
        with self._lock:
            self.fail.add(total_ns)
            self.failures[reason if reason in self.failures else "OTHER"] += 1
            self.last_inference_ms = int(time.time() * 1000)

    def queued(self, delta: int) -> None:
        with self._lock:
            self.pending += delta
