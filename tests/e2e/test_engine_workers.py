"""The engine's workers through the real Envoy and a real RTSP server, on
SQLite and PostgreSQL: assigning an analytic (the Lenz pipeline route) opens
its stream with no restart and its `stream_stats` become real; removing it
closes the stream; after `kill -9` of the engine process the supervisor
starts a new one whose worker takes the row over once the lease expired."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from services.catalog import work
from services.db.engine import make_engine
from tests.conftest import free_port
from tests.e2e.test_engine_live import create, stats, wait_for
from tests.platform_launcher import RunningPlatform
from tests.rtsp_support import RtspServer, rtsp_server

LEASE = 3.0

PLATFORM_ENV = {
    "VIGIL_ENGINE_OPEN_TIMEOUT_SECONDS": "5",
    "VIGIL_ENGINE_READ_TIMEOUT_SECONDS": "5",
    "VIGIL_ENGINE_BACKOFF_SECONDS": "0.2",
    "VIGIL_ENGINE_MAX_BACKOFF_SECONDS": "1",
    "VIGIL_ENGINE_REPORT_SECONDS": "0.3",
    "VIGIL_ENGINE_LINGER_SECONDS": "1",
    "VIGIL_ENGINE_LEASE_SECONDS": str(LEASE),
    "VIGIL_ENGINE_HEARTBEAT_SECONDS": "0.3",
}


@pytest.fixture(scope="module")
def camera() -> Iterator[RtspServer]:
    with rtsp_server(free_port(), "--live", "/live", "--size", "320x240", "--fps", "25") as server:
        yield server


def pipeline(stream_id: str) -> str:
    return f"/api/visionaire/pipeline/node-000/{stream_id}/NFV4-MPA"


def rows(platform: RunningPlatform, stream_id: str) -> list[work.WorkItem]:
    engine = make_engine(platform.env["VIGIL_DATABASE_URL"])
    try:
        return work.of_stream(engine, stream_id)
    finally:
        engine.dispose()


def test_an_assigned_stream_opens_and_a_removed_one_closes(platform, http: httpx.Client, camera) -> None:
    stream_id = create(http, camera.url("/live"))
    assert stats(http, stream_id)["state"] == "NOT_STARTED"
    assigned = http.post(pipeline(stream_id), json={})
    assert assigned.status_code == 200, assigned.text
    running = wait_for(lambda: (s := stats(http, stream_id))["state"] == "RUNNING" and s["fps"] > 0 and s)
    assert (running["frame_width"], running["frame_height"]) == (320, 240)
    assert 10 <= running["fps"] <= 40
    (row,) = rows(platform, stream_id)
    engine_pid = platform.service_process("engine").pid
    assert row.state == work.RUNNING and row.owner is not None and f":{engine_pid}:n0:" in row.owner
    # Removed: the worker drops the row and the stream closes after the linger time.
    assert http.delete(pipeline(stream_id)).status_code == 200
    stopped = wait_for(lambda: (s := stats(http, stream_id))["state"] == "STOPPED" and s)
    assert stopped["fps"] == 0 and "no viewer or analytic" in stopped["last_error_msg"]


@pytest.mark.slow
def test_a_killed_engines_rows_are_taken_over_after_the_lease(platform, http: httpx.Client, camera) -> None:
    stream_id = create(http, camera.url("/live"))
    assert http.post(pipeline(stream_id), json={}).status_code == 200
    wait_for(lambda: stats(http, stream_id)["state"] == "RUNNING")
    old = platform.service_process("engine")
    (before,) = rows(platform, stream_id)
    old.kill()  # SIGKILL: no release, the row stays running under the dead owner
    platform.wait_restarted("engine", old.pid)
    new_pid = platform.service_process("engine").pid
    taken = wait_for(
        lambda: (r := rows(platform, stream_id)[0]).owner and f":{new_pid}:" in r.owner and r, seconds=LEASE + 60
    )
    assert taken.state == work.RUNNING and taken.attempts == before.attempts + 1
    running = wait_for(lambda: (s := stats(http, stream_id))["state"] == "RUNNING" and s["fps"] > 0 and s)
    assert (running["frame_width"], running["frame_height"]) == (320, 240)
