"""The scheduler's rules with a stand-in model: batches form from concurrent
requests up to max_batch_size, wait at most the queue delay, keep requests of
different shapes apart, split results back, reject past a full queue, drop
requests past their deadline, and fail every caller of a failing batch."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Sequence
from typing import Any

import numpy as np
import pytest

from services.common.errors import ResourceExhausted, Unavailable
from services.inference.scheduler import (
    Instances,
    ModelExecutionError,
    Pending,
    Policy,
    RequestCancelled,
    Scheduler,
    run_batch,
)
from services.inference.stats import ModelStats


class Doubler:
    """A stand-in session: output = input * 2, taking `seconds` per run."""

    device = "CPU"

    def __init__(self, seconds: float = 0.05, fail: bool = False) -> None:
        self.seconds = seconds
        self.fail = fail
        self.batches: list[int] = []
        self.lock = threading.Lock()

    def run(self, outputs: list[str], feeds: dict[str, np.ndarray]) -> list[np.ndarray]:
        time.sleep(self.seconds)
        x = feeds["x"]
        with self.lock:
            self.batches.append(x.shape[0])
        if self.fail:
            raise RuntimeError("the graph broke")
        return [x * 2 for _ in outputs]


def make(policy: Policy, session: Doubler, instances: int = 1) -> Scheduler:
    stats = ModelStats("m", "1")
    scheduler = Scheduler("m", policy, Instances([session] * instances, "m"), stats)  # type: ignore[list-item]
    scheduler.start()
    return scheduler


async def submit(scheduler: Scheduler, value: float, shape: Sequence[int] = (1, 2), **kw: Any) -> np.ndarray:
    x = np.full(shape, value, np.float32)
    out = await scheduler.submit({"x": x}, ["y"], shape[0], deadline_ns=kw.get("deadline_ns"))
    return out["y"]


async def test_concurrent_requests_form_batches_and_get_their_own_results() -> None:
    session = Doubler()
    scheduler = make(Policy(max_batch_size=4, batching=True, max_delay_s=0.2), session)
    results = await asyncio.gather(*(submit(scheduler, float(i)) for i in range(8)))
    for i, out in enumerate(results):
        np.testing.assert_array_equal(out, np.full((1, 2), 2.0 * i))
    assert sorted(session.batches) == [4, 4]
    assert scheduler.stats.execution_count == 2 and scheduler.stats.inference_count == 8
    assert scheduler.stats.batch_histogram[2] == 2  # two executions in the <= 4 bucket
    await scheduler.close()


async def test_batches_never_exceed_max_batch_size_in_items() -> None:
    session = Doubler()
    scheduler = make(Policy(max_batch_size=4, batching=True, max_delay_s=0.2), session)
    await asyncio.gather(*(submit(scheduler, 1.0, (3, 2)) for _ in range(3)))
    assert session.batches == [3, 3, 3]
    await scheduler.close()


async def test_a_lone_request_waits_at_most_the_delay() -> None:
    session = Doubler(seconds=0)
    scheduler = make(Policy(max_batch_size=8, batching=True, max_delay_s=0.3), session)
    start = time.monotonic()
    await submit(scheduler, 1.0)
    waited = time.monotonic() - start
    assert 0.25 <= waited < 2.0
    assert session.batches == [1]
    await scheduler.close()


async def test_preferred_size_runs_without_waiting_for_the_delay() -> None:
    session = Doubler(seconds=0)
    scheduler = make(Policy(max_batch_size=8, batching=True, preferred=(2,), max_delay_s=5.0), session)
    start = time.monotonic()
    await asyncio.gather(submit(scheduler, 1.0), submit(scheduler, 2.0))
    assert time.monotonic() - start < 2.0
    assert session.batches == [2]
    await scheduler.close()


async def test_different_shapes_are_not_batched_together() -> None:
    session = Doubler()
    scheduler = make(Policy(max_batch_size=8, batching=True, max_delay_s=0.1), session)
    a, b = await asyncio.gather(submit(scheduler, 1.0, (1, 2)), submit(scheduler, 1.0, (1, 3)))
    assert a.shape == (1, 2) and b.shape == (1, 3)
    assert session.batches == [1, 1]
    await scheduler.close()


async def test_without_dynamic_batching_each_request_runs_alone() -> None:
    session = Doubler()
    scheduler = make(Policy(max_batch_size=8, batching=False), session)
    await asyncio.gather(*(submit(scheduler, float(i)) for i in range(4)))
    assert session.batches == [1, 1, 1, 1]
    await scheduler.close()


async def test_full_queue_rejects() -> None:
    session = Doubler(seconds=0.2)
    scheduler = make(Policy(max_batch_size=1, batching=True, max_queue_size=2), session)
    results = await asyncio.gather(*(submit(scheduler, 1.0) for _ in range(6)), return_exceptions=True)
    rejected = [r for r in results if isinstance(r, ResourceExhausted)]
    assert rejected and len(rejected) < 6
    assert "queue" in rejected[0].message
    assert scheduler.stats.failures["REJECTED"] == len(rejected)
    await scheduler.close()


async def test_request_past_its_deadline_is_dropped_before_it_runs() -> None:
    session = Doubler(seconds=0)
    scheduler = make(Policy(max_batch_size=8, batching=True, preferred=(8,), max_delay_s=5.0), session)
    deadline = time.monotonic_ns() + 100_000_000
    with pytest.raises(RequestCancelled):
        await submit(scheduler, 1.0, deadline_ns=deadline)
    assert session.batches == []
    assert scheduler.stats.failures["CANCELED"] == 1
    await scheduler.close()


async def test_cancelled_caller_is_dropped() -> None:
    session = Doubler(seconds=0)
    scheduler = make(Policy(max_batch_size=8, batching=True, preferred=(8,), max_delay_s=0.3), session)
    task = asyncio.create_task(submit(scheduler, 1.0))
    await asyncio.sleep(0.05)
    task.cancel()
    await asyncio.sleep(0.5)
    assert session.batches == []
    assert scheduler.stats.failures["CANCELED"] == 1
    await scheduler.close()


async def test_queue_timeout_rejects() -> None:
    session = Doubler(seconds=0)
    policy = Policy(max_batch_size=8, batching=True, preferred=(8,), max_delay_s=5.0, timeout_s=0.1)
    scheduler = make(policy, session)
    with pytest.raises(Unavailable, match="timeout"):
        await submit(scheduler, 1.0)
    assert session.batches == []
    await scheduler.close()


async def test_an_error_reaches_every_caller_in_the_batch() -> None:
    session = Doubler(fail=True)
    scheduler = make(Policy(max_batch_size=4, batching=True, max_delay_s=0.2), session)
    results = await asyncio.gather(*(submit(scheduler, 1.0) for _ in range(4)), return_exceptions=True)
    assert session.batches == [4]
    assert all(isinstance(r, ModelExecutionError) and "the graph broke" in r.message for r in results)
    assert scheduler.stats.failures["BACKEND"] == 4
    await scheduler.close()


def test_run_batch_splits_outputs_by_request() -> None:
    loop = asyncio.new_event_loop()
    try:
        batch = [
            Pending({"x": np.full((n, 2), float(n), np.float32)}, ("y",), n, loop.create_future()) for n in (1, 3, 2)
        ]
    finally:
        loop.close()
    split, times = run_batch(Doubler(seconds=0), batch, ("y",), True)  # type: ignore[arg-type]
    assert [s["y"].shape[0] for s in split] == [1, 3, 2]
    assert [float(s["y"][0, 0]) for s in split] == [2.0, 6.0, 4.0]
    assert times.infer_ns >= 0


def test_models_without_a_queue_size_get_the_default_bound() -> None:
    from inference import model_config_pb2 as mc

    from services.inference.model import policy_of

    plain = mc.ModelConfig(max_batch_size=8)
    assert policy_of(plain).max_queue_size == 0  # unbounded, as in Triton
    assert policy_of(plain, 128).max_queue_size == 128
    batching = mc.ModelConfig(max_batch_size=8)
    batching.dynamic_batching.SetInParent()
    assert policy_of(batching, 128).max_queue_size == 128
    batching.dynamic_batching.default_queue_policy.max_queue_size = 5
    assert policy_of(batching, 128).max_queue_size == 5
