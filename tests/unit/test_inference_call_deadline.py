"""The inference client during an outage (issue 18, item 4): calls never
wait for a ready channel, and `call_deadline` caps the deadline of the
calls made inside it (the engine's live analysis), so a call to a port
that accepts connections but never answers (a restarted server bound but
not serving, a stopped process) fails within the cap, not the client's
30 s; a port nobody listens on fails at once."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Iterator

import grpc
import pytest

from services.inference_client import InferenceClient, InferenceError
from services.inference_client.client import call_deadline
from tests.conftest import free_port


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A port that accepts TCP connections (the kernel's backlog) and never
    says a word: what a frozen or not-yet-serving gRPC server looks like."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(16)
        yield listener.getsockname()[1]


def test_the_cap_bounds_every_deadline_and_ends_with_its_block() -> None:
    client = InferenceClient("127.0.0.1:1", timeout=30.0)
    assert client.deadline() == 30.0 and client.deadline(5) == 5
    with call_deadline(2.0):
        assert client.deadline() == 2.0
        assert client.deadline(5) == 2.0  # a named deadline is capped too
        assert client.deadline(1) == 1  # a shorter one stays
        assert InferenceClient("127.0.0.1:1", timeout=None).deadline() == 2.0
        with call_deadline(None):
            assert client.deadline() == 30.0
    assert client.deadline() == 30.0


async def test_a_silent_server_fails_within_the_cap(silent_port: int) -> None:
    async with InferenceClient(f"127.0.0.1:{silent_port}", shared_memory=False) as client:
        started = time.monotonic()
        with call_deadline(0.5), pytest.raises(InferenceError) as err:
            await client.server_ready()
        assert err.value.code == grpc.StatusCode.DEADLINE_EXCEEDED
        assert time.monotonic() - started < 5  # not the client's 30 s

        # The cap holds in tasks started inside the block (asyncio copies
        # the context), as the analysis stages' gathers do.
        async def ready() -> bool:
            return await client.server_ready()

        started = time.monotonic()
        with call_deadline(0.5):
            results = await asyncio.gather(ready(), ready(), return_exceptions=True)
        assert all(isinstance(r, InferenceError) and r.code == grpc.StatusCode.DEADLINE_EXCEEDED for r in results)
        assert time.monotonic() - started < 5


async def test_a_closed_port_fails_at_once() -> None:
    async with InferenceClient(f"127.0.0.1:{free_port()}", shared_memory=False) as client:
        for _ in range(3):  # the first call connects from IDLE, the next find TRANSIENT_FAILURE
            started = time.monotonic()
            with pytest.raises(InferenceError) as err:
                await client.server_ready()
            assert err.value.code == grpc.StatusCode.UNAVAILABLE
            assert time.monotonic() - started < 5
