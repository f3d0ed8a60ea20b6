"""PostgreSQL restarted under load (issue 18 item 4): a platform on its own
PostgreSQL serves a client that keeps listing and creating streams while
the server is stopped (`-m fast`: sessions cut) and started again 3 s later. While it is down every
answer is a 503 in Visionaire4's shape (never a 500), none hangs; once it
is back the requests succeed again on their own (the pool reconnects), and
every stream whose creation was acknowledged is there."""

from __future__ import annotations

import os
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import free_port, http_client
from tests.platform_launcher import start_platform

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def postgres() -> Iterator[tuple[str, str]]:
    if not os.environ.get("VIGIL_TEST_POSTGRES_URL"):
        pytest.skip("PostgreSQL variant skipped: VIGIL_TEST_POSTGRES_URL is not set (see scripts/test.sh)")
    env = {**os.environ, "VIGIL_TEST_PG_PORT": str(free_port())}
    out = subprocess.run(["bash", str(ROOT / "scripts" / "postgres.sh")], env=env, capture_output=True, text=True)
    if not out.stdout.strip():
        pytest.skip("a second PostgreSQL could not be started")
    url, folder = out.stdout.split()
    yield url, folder
    subprocess.run(["bash", str(ROOT / "scripts" / "postgres.sh"), "stop", folder], check=False)


def pg_ctl(folder: str, action: str) -> None:
    """Run `pg_ctl` on the test server, its output to its log file (a pipe
    held by a started server would never close)."""
    pg_bin = sorted(Path("/usr/lib/postgresql").glob("*/bin"))[-1]
    command = f"PATH={pg_bin}:$PATH pg_ctl -D '{folder}/data' -l '{folder}/log' -w {action}"
    subprocess.run(
        ["su", "postgres", "-s", "/bin/sh", "-c", command],
        check=True,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        timeout=60,
    )


def restart(url: str, folder: str, down_seconds: float = 3.0) -> None:
    """Stop the server (fast: sessions are cut), keep it down a while, start
    it again on the same port."""
    port = url.rsplit(":", 1)[1].split("/")[0]
    pg_ctl(folder, "-m fast stop")
    time.sleep(down_seconds)
    pg_ctl(folder, f"-o \"-p {port} -k '{folder}' -c listen_addresses=127.0.0.1 -c fsync=off\" start")


@pytest.mark.slow
def test_requests_recover_after_postgres_restarts(postgres: tuple[str, str], tmp_path: Path) -> None:
    url, folder = postgres
    platform = start_platform(url, tmp_path, free_port)
    answers: list[tuple[str, int, float]] = []
    created: list[str] = []
    stop = threading.Event()

    def load() -> None:
        with http_client(platform) as http:
            n = 0
            while not stop.is_set():
                n += 1
                started = time.monotonic()
                reply = http.post("/streams/0", json={"stream_address": f"rtsp://cam/{n}"}, timeout=30)
                answers.append(("POST", reply.status_code, time.monotonic() - started))
                if reply.status_code == 200:
                    created.append(reply.json()["stream_id"])
                elif reply.status_code == 503:
                    assert set(reply.json()) == {"code", "message"}, reply.text
                started = time.monotonic()
                listed = http.get("/streams", timeout=30)
                answers.append(("GET", listed.status_code, time.monotonic() - started))
                time.sleep(0.02)

    try:
        worker = threading.Thread(target=load, daemon=True)
        worker.start()
        time.sleep(2)
        restart(url, folder)
        time.sleep(5)
        stop.set()
        worker.join(60)
        assert not worker.is_alive(), "a request hung"
        statuses = {status for _, status, _ in answers}
        assert statuses == {200, 503}, sorted(statuses)  # the outage was seen, and answered 503
        assert max(seconds for _, _, seconds in answers) < 30
        assert answers[-1][1] == 200 and answers[-2][1] == 200, answers[-6:]  # recovered on its own
        with http_client(platform) as http:
            listed = {s["stream_id"] for s in http.get("/streams").json()["streams"]}
        assert set(created) <= listed  # nothing acknowledged was lost
    finally:
        stop.set()
        platform.stop()
