"""The supervisor restarts a gRPC service that dies, up to
VIGIL_SERVICE_RESTARTS times a minute; past that the platform stops."""

from __future__ import annotations

import signal
import time
from pathlib import Path

from tests.conftest import free_port, fresh_database, http_client
from tests.platform_launcher import start_platform


def test_restart_then_stop_past_the_limit(http, tmp_path: Path) -> None:
    with fresh_database("sqlite", tmp_path) as url:
        platform = start_platform(url, tmp_path, free_port, {"VIGIL_SERVICE_RESTARTS": "1"})
        try:
            first = platform.service_process("catalog")
            first.send_signal(signal.SIGKILL)
            platform.wait_restarted("catalog", first.pid)
            again = platform.service_process("catalog")
            deadline = time.monotonic() + 60
            while "catalog serving again" not in platform.log.read_text() and time.monotonic() < deadline:
                time.sleep(0.2)
            assert platform.process.poll() is None
            with http_client(platform) as http:
                assert http.get("/").status_code == 200
            # A second death within the minute is one more than allowed.
            again.send_signal(signal.SIGKILL)
            assert platform.process.wait(60) == 1
            assert "restarted 1 times within a minute" in platform.log.read_text()
        finally:
            platform.stop()
