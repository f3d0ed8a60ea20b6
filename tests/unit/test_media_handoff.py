"""The frame hand-over from a decoding thread to the event loop: full
batches in order, a shorter one only at the end, the producer's error as
soon as it fails, and a consumer that gives up stops the producer."""

from __future__ import annotations

import asyncio
import threading

import pytest

from services.media.handoff import Handoff, Stopped


def test_batches_in_order_then_the_rest_then_nothing() -> None:
    def produce(handoff: Handoff[int]) -> None:
        for i in range(5):
            handoff.put(i)

    async def run() -> list[list[int]]:
        handoff: Handoff[int] = Handoff(maxsize=2)
        producer = asyncio.ensure_future(asyncio.to_thread(produce, handoff))
        batches = []
        while batch := await handoff.batch(2, producer):
            batches.append(batch)
        return batches

    assert asyncio.run(run()) == [[0, 1], [2, 3], [4]]


def test_the_producers_error_reaches_the_consumer() -> None:
    def produce(handoff: Handoff[int]) -> None:
        handoff.put(1)
        raise ValueError("damaged at 1.0 s")

    async def run() -> None:
        handoff: Handoff[int] = Handoff(maxsize=4)
        producer = asyncio.ensure_future(asyncio.to_thread(produce, handoff))
        while await handoff.batch(8, producer):
            pass

    with pytest.raises(ValueError, match="damaged"):
        asyncio.run(run())


def test_a_consumer_that_gives_up_stops_a_blocked_producer() -> None:
    stopped = threading.Event()

    def produce(handoff: Handoff[int]) -> None:
        try:
            for i in range(1000):
                handoff.put(i)  # blocks once the queue of 1 is full
        except Stopped:
            stopped.set()
            raise

    async def run() -> None:
        handoff: Handoff[int] = Handoff(maxsize=1)
        producer = asyncio.ensure_future(asyncio.to_thread(produce, handoff))
        assert await handoff.batch(1, producer) == [0]
        handoff.stop()
        with pytest.raises(Stopped):
            await producer

    asyncio.run(run())
    assert stopped.is_set()
