"""Crash safety of classifications, on SQLite and PostgreSQL: `kill -9` of
the classification process while classifications are queued and running;
the supervisor restarts it and every accepted classification is finished
(none is left pending), with the result its content implies. A client that
was waiting on `sync=true` gets an error at once, not a hang."""

from __future__ import annotations

import signal
import threading
import time
from pathlib import Path

import httpx

from tests.classify_support import classify, make_clip, wait_result
from tests.inference_support import model_repository

# One worker, so that the queue is still full when the process dies.
PLATFORM_ENV = {"VIGIL_CLASSIFY_WORKERS": "1"}


def test_kill_9_with_classifications_queued_and_running(platform, http, tmp_path: Path) -> None:
    model_repository()
    person = make_clip(tmp_path / "p.mp4", ["camera.png"], seconds=3, fps=5).read_bytes()
    cat = make_clip(tmp_path / "c.mp4", ["chelsea.png"], seconds=3, fps=5).read_bytes()
    ids: dict[str, str] = {}
    for i in range(4):
        data = person if i % 2 == 0 else cat
        reply = classify(http, file=(f"{i}.mp4", data, "video/mp4"), sync=False)
        assert reply.status_code == 200, reply.text
        ids[reply.json()["id"]] = "person" if data is person else "cat"

    waited: list[tuple[int | str, float]] = []

    def wait_sync() -> None:
        start = time.monotonic()
        try:
            outcome: int | str = classify(http, file=("s.mp4", person, "video/mp4"), timeout=60).status_code
        except httpx.HTTPError as exc:
            outcome = repr(exc)
        waited.append((outcome, time.monotonic() - start))

    client = threading.Thread(target=wait_sync)
    client.start()
    time.sleep(0.3)
    states = [http.get(f"/api/result/{cid}", params={"tenant": "acme"}).json()["status"]["classify"] for cid in ids]
    assert "pending" in states, states  # the process dies with work left
    victim = platform.service_process("classification")
    victim.send_signal(signal.SIGKILL)
    victim.wait(10)
    client.join(60)
    ((outcome, seconds),) = waited
    assert outcome != 200 and seconds < 30, waited  # told, not left hanging

    platform.wait_restarted("classification", victim.pid)
    assert "recovered classifications" in platform.log.read_text()
    for cid, content in ids.items():
        result = wait_result(http, cid)
        assert result["status"] == {"classify": "done", "video": "done"}, result
        if content == "person":
            assert result["risk"] != "safe" and "person" in result["labels"]
        else:
            assert result["risk"] == "safe" and "animal" in result["labels"]
