"""The request scheduler of one model version: a queue and a background task.

Each request waits in the queue with its own future. A background task takes
an idle model instance, then fills a batch from the head of the queue until
it holds `max_batch_size` items (or a preferred batch size), or until
`max_queue_delay` has passed since the oldest request arrived, runs the batch
on the instance in a worker thread and splits the outputs back to each
caller (the MLServer adaptive-batching shape, with Triton's rules):

- the queue is bounded (`max_queue_size`) and rejects a request beyond it at
  once with RESOURCE_EXHAUSTED;
- a request whose caller gave up (gRPC deadline passed, call cancelled) is
  dropped before it runs; one that waited past its queue timeout is rejected
  (Triton's `timeout_action: REJECT`);
- only requests with the same input shapes (batch dimension aside) share a
  batch;
- an error while running a batch reaches every caller in it.

Without dynamic batching (Triton's default scheduler) the same queue runs each
request alone as soon as an instance is idle. Clocks are monotonic.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import grpc
import numpy as np

from services.common.errors import ResourceExhausted, Unavailable, VigilError
from services.inference.backend import OnnxSession
from services.inference.stats import ExecutionTimes, ModelStats

log = logging.getLogger(__name__)


class ModelExecutionError(VigilError):
    """The model failed while running a batch: every caller in it gets this."""

    grpc_code = grpc.StatusCode.INTERNAL
    http_status = 500
    desc = "Internal server error"


class RequestCancelled(VigilError):
    """The caller's deadline passed (or it cancelled) before the request ran."""

    grpc_code = grpc.StatusCode.DEADLINE_EXCEEDED
    http_status = 504
    desc = "Deadline exceeded"


@dataclass(frozen=True)
class Policy:
    """How a model's queue forms batches (from its configuration)."""

    max_batch_size: int  # items per execution; 0: the model does not batch
    batching: bool  # dynamic batching on
    preferred: tuple[int, ...] = ()
    max_delay_s: float = 0.0
    max_queue_size: int = 0  # 0: unbounded
    timeout_s: float = 0.0  # queue timeout; 0: none
    reject_on_timeout: bool = True
    allow_timeout_override: bool = False


@dataclass(eq=False)
class Pending:
    """One request in the queue."""

    inputs: dict[str, np.ndarray]
    outputs: tuple[str, ...]
    batch_size: int  # items; 1 for a model that does not batch
    future: asyncio.Future[dict[str, np.ndarray]]
    arrived_ns: int = field(default_factory=time.monotonic_ns)
    deadline_ns: int | None = None  # the caller gives up then
    timeout_ns: int | None = None  # the queue policy rejects it then

    @property
    def signature(self) -> tuple[tuple[str, str, tuple[int, ...]], ...]:
        """What must match for two requests to share a batch."""
        return tuple((n, str(a.dtype), a.shape[1:]) for n, a in sorted(self.inputs.items()))


class Instances:
    """A model version's instances and the worker threads that run them."""

    def __init__(self, sessions: Sequence[OnnxSession], name: str) -> None:
        self.sessions = list(sessions)
        self._idle: asyncio.Queue[OnnxSession] = asyncio.Queue()
        for session in self.sessions:
            self._idle.put_nowait(session)
        self.executor = ThreadPoolExecutor(max_workers=len(self.sessions), thread_name_prefix=f"infer-{name}")

    async def acquire(self) -> OnnxSession:
        return await self._idle.get()

    def release(self, session: OnnxSession) -> None:
        self._idle.put_nowait(session)

    def close(self) -> None:
        self.executor.shutdown(wait=False, cancel_futures=True)


def run_batch(
    session: OnnxSession, batch: Sequence[Pending], outputs: Sequence[str], batched: bool
) -> tuple[list[dict[str, np.ndarray]], ExecutionTimes]:
    """Concatenate, run, split (in a worker thread). Returns each request's
    outputs and the time of each phase."""
    t0 = time.perf_counter_ns()
    if batched and len(batch) > 1:
        feeds = {name: np.concatenate([p.inputs[name] for p in batch]) for name in batch[0].inputs}
    else:
        feeds = dict(batch[0].inputs)
    t1 = time.perf_counter_ns()
    results = session.run(list(outputs), feeds)
    t2 = time.perf_counter_ns()
    split: list[dict[str, np.ndarray]] = []
    if batched and len(batch) > 1:
        start = 0
        for p in batch:
            end = start + p.batch_size
            split.append({n: results[i][start:end] for i, n in enumerate(outputs) if n in p.outputs})
            start = end
    else:
        split.append({n: results[i] for i, n in enumerate(outputs) if n in batch[0].outputs})
    t3 = time.perf_counter_ns()
    return split, ExecutionTimes(t1 - t0, t2 - t1, t3 - t2)


class Scheduler:
    """The queue and batching task of one model version."""

    def __init__(
        self,
        name: str,
        policy: Policy,
        instances: Instances,
        stats: ModelStats,
        runner: Callable[..., tuple[list[dict[str, np.ndarray]], ExecutionTimes]] = run_batch,
    ) -> None:
        self.name = name
        self.policy = policy
        self.instances = instances
        self.stats = stats
        self._runner = runner
        self._queue: deque[Pending] = deque()
        self._wake = asyncio.Event()
        self._running: set[asyncio.Task[None]] = set()
        self._task: asyncio.Task[None] | None = None
        self._closing = False

    # -- public -----------------------------------------------------------

    def start(self) -> None:
        self._task = asyncio.create_task(self._loop(), name=f"scheduler-{self.name}")

    def __len__(self) -> int:
        return len(self._queue)

    async def submit(
        self,
        inputs: dict[str, np.ndarray],
        outputs: Sequence[str],
        batch_size: int,
        *,
        deadline_ns: int | None,
        timeout_us: int = 0,
    ) -> dict[str, np.ndarray]:
        """Queue one request and wait for its outputs."""
        if self._closing:
            raise Unavailable(f"model '{self.name}' is unloading")
        limit = self.policy.max_queue_size
        if limit and len(self._queue) >= limit:
            self.stats.failed(0, "REJECTED")
            raise ResourceExhausted(f"model '{self.name}': exceeds maximum queue size ({limit})")
        loop = asyncio.get_running_loop()
        pending = Pending(inputs, tuple(outputs), batch_size, loop.create_future(), deadline_ns=deadline_ns)
        if self.policy.allow_timeout_override and timeout_us > 0:
            pending.timeout_ns = pending.arrived_ns + timeout_us * 1000
        elif self.policy.timeout_s > 0:
            pending.timeout_ns = pending.arrived_ns + int(self.policy.timeout_s * 1e9)
        self._queue.append(pending)
        self.stats.queued(+1)
        self._wake.set()
        return await pending.future

    async def close(self) -> None:
        """Stop taking requests, let the queued and running ones finish."""
        self._closing = True
        while self._queue or self._running:
            self._wake.set()
            await asyncio.sleep(0.01)
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        self.instances.close()

    # -- the background task ------------------------------------------------

    async def _loop(self) -> None:
        while True:
            session = await self.instances.acquire()
            try:
                batch = await self._next_batch()
            except BaseException:
                self.instances.release(session)
                raise
            task = asyncio.create_task(self._execute(session, batch))
            self._running.add(task)
            task.add_done_callback(self._running.discard)

    def _expire(self, now: int) -> None:
        """Drop requests whose caller left; reject those past their queue timeout."""
        kept: deque[Pending] = deque()
        for p in self._queue:
            if p.future.done():  # cancelled by its caller (deadline or cancel)
                self._leave(p, "CANCELED")
            elif p.deadline_ns is not None and now >= p.deadline_ns:
                p.future.set_exception(RequestCancelled(f"model '{self.name}': request deadline exceeded in queue"))
                self._leave(p, "CANCELED")
            elif p.timeout_ns is not None and now >= p.timeout_ns and self.policy.reject_on_timeout:
                p.future.set_exception(Unavailable(f"model '{self.name}': request timeout expired in queue"))
                self._leave(p, "REJECTED")
            else:
                kept.append(p)
        self._queue = kept

    def _leave(self, p: Pending, reason: str) -> None:
        self.stats.queued(-1)
        self.stats.failed(time.monotonic_ns() - p.arrived_ns, reason)

    def _take(self, now: int) -> tuple[list[Pending], bool]:
        """The batch the head of the queue forms now, and whether it must run
        now (full, preferred, incompatible next request, or delay passed)."""
        policy = self.policy
        head = self._queue[0]
        if not policy.batching or policy.max_batch_size == 0:
            return [head], True
        signature = head.signature
        batch: list[Pending] = []
        items = 0
        blocked = False
        for p in self._queue:
            if p.signature != signature or items + p.batch_size > policy.max_batch_size:
                blocked = True
                break
            batch.append(p)
            items += p.batch_size
        if not batch:  # the head alone is larger than allowed: checked before queueing
            return [head], True
        largest_preferred = max(policy.preferred, default=0)
        if blocked or items >= policy.max_batch_size or (largest_preferred and items >= largest_preferred):
            return batch, True
        if now - head.arrived_ns >= int(policy.max_delay_s * 1e9):
            fitting = [s for s in policy.preferred if s <= items]
            if fitting:  # the largest preferred size that the waiting requests fill
                target, cut, total = max(fitting), [], 0
                for p in batch:
                    if total + p.batch_size > target:
                        break
                    cut.append(p)
                    total += p.batch_size
                return cut or batch, True
            return batch, True
        return batch, False

    def _wait_until(self, now: int) -> float:
        """Seconds until the delay of the head or some expiry is due."""
        due = [self._queue[0].arrived_ns + int(self.policy.max_delay_s * 1e9)]
        for p in self._queue:
            due += [t for t in (p.deadline_ns, p.timeout_ns) if t is not None]
        return max(min(due) - now, 0) / 1e9

    async def _next_batch(self) -> list[Pending]:
        while True:
            now = time.monotonic_ns()
            self._expire(now)
            if not self._queue:
                self._wake.clear()
                await self._wake.wait()
                continue
            batch, ready = self._take(now)
            if ready:
                for _ in batch:
                    self._queue.popleft()
                    self.stats.queued(-1)
                return batch
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self._wait_until(now))

    async def _execute(self, session: OnnxSession, batch: list[Pending]) -> None:
        start = time.monotonic_ns()
        live = [p for p in batch if not p.future.done()]
        for p in batch:
            if p.future.done():
                self._leave_after_queue(p, "CANCELED")
        try:
            if not live:
                return
            wanted = tuple(dict.fromkeys(name for p in live for name in p.outputs))
            loop = asyncio.get_running_loop()
            batched = self.policy.max_batch_size > 0
            try:
                split, times = await loop.run_in_executor(
                    self.instances.executor, self._runner, session, live, wanted, batched
                )
            except Exception as exc:
                log.warning("model '%s' failed on a batch of %d requests: %s", self.name, len(live), exc)
                error = ModelExecutionError(f"model '{self.name}' failed: {str(exc)[:500]}")
                for p in live:
                    if not p.future.done():
                        p.future.set_exception(error)
                    self.stats.failed(time.monotonic_ns() - p.arrived_ns, "BACKEND")
                return
            self.stats.execution(sum(p.batch_size for p in live), times)
            done = time.monotonic_ns()
            for p, result in zip(live, split, strict=True):
                if p.future.done():  # the caller left while the batch ran
                    self.stats.failed(done - p.arrived_ns, "CANCELED")
                    continue
                p.future.set_result(result)
                self.stats.succeeded(done - p.arrived_ns, start - p.arrived_ns, times)
        finally:
            self.instances.release(session)

    def _leave_after_queue(self, p: Pending, reason: str) -> None:
        self.stats.failed(time.monotonic_ns() - p.arrived_ns, reason)
