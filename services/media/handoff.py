"""Handing decoded frames from a decoding thread to the event loop.

The thread calls `put` for every frame; the loop takes them in batches with
`batch`. The queue between them is bounded, so a slow consumer holds the
decoder back instead of frames piling up, and `stop` (the consumer gave up:
an error, a cancelled call) makes the thread's next `put` raise `Stopped`,
which ends the decoding.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
from typing import Any, Generic, TypeVar

T = TypeVar("T")

#: How often a blocked `put` looks whether the consumer gave up, in seconds.
_POLL_SECONDS = 0.2


class Stopped(Exception):
    """The consumer of the frames gave up: the decoding thread stops."""


class Handoff(Generic[T]):
    """A bounded hand-over from one producing thread to the event loop it
    was made on."""

    def __init__(self, maxsize: int) -> None:
        self._loop = asyncio.get_running_loop()
        self._queue: asyncio.Queue[T] = asyncio.Queue(maxsize=maxsize)
        self._stop = threading.Event()

    def put(self, item: T) -> None:
        """From the producing thread: wait for room, then hand `item` over.
        Raises Stopped once the consumer has given up."""
        put = asyncio.run_coroutine_threadsafe(self._queue.put(item), self._loop)
        while True:
            if self._stop.is_set():
                put.cancel()
                raise Stopped
            try:
                put.result(timeout=_POLL_SECONDS)
                return
            except concurrent.futures.TimeoutError:
                continue

    def stop(self) -> None:
        """The consumer gives up: the producer's next `put` raises Stopped."""
        self._stop.set()

    async def batch(self, size: int, producer: asyncio.Future[Any]) -> list[T]:
        """The next `size` items (fewer only once the producer has finished);
        [] when it has finished and every item was taken. Raises the
        producer's error as soon as it fails."""
        batch: list[T] = []
        while len(batch) < size:
            if not self._queue.empty():
                batch.append(self._queue.get_nowait())
                continue
            if producer.done():
                producer.result()  # the producer's error, if it failed
                break
            getter = asyncio.ensure_future(self._queue.get())
            waiting: set[asyncio.Future[Any]] = {getter, producer}
            await asyncio.wait(waiting, return_when=asyncio.FIRST_COMPLETED)
            if getter.done():
                batch.append(getter.result())
            else:
                getter.cancel()
                await asyncio.gather(getter, return_exceptions=True)
        return batch
