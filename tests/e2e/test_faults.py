"""Faults (issue 18 item 4), through the real Envoy: every gRPC service
process is killed with SIGKILL in turn while a client keeps calling a route
it serves. Meanwhile the client gets answers in the route's family shape
(503 while the process is gone, never a 500 or a hang); the supervisor
starts the service again and the route answers 200; what was acknowledged
before the kill (a stream, a LUNA stream, a watch list) is still there.
The inference service has no REST route: the classification and engine
recovery from its restart is tests/e2e/test_inference_platform.py's."""

from __future__ import annotations

import signal
import time
import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from tests.platform_launcher import RunningPlatform

PLATFORM_ENV = {"VIGIL_SERVICE_RESTARTS": "10"}


def visionaire_shape(body: Any) -> bool:
    return isinstance(body, dict) and set(body) == {"code", "message"}


def luna_shape(body: Any) -> bool:
    return isinstance(body, dict) and set(body) == {"error_code", "desc", "detail"}


def lenz_shape(body: Any) -> bool:
    return isinstance(body, dict) and body.get("success") is False and isinstance(body.get("message"), str)


def gaard_shape(body: Any) -> bool:
    return isinstance(body, dict) and set(body) == {"error_code", "error_msg"}


#: service -> (a GET it serves, the family shape of its errors, statuses that mean "served")
PROBES: dict[str, tuple[str, Callable[[Any], bool], tuple[int, ...]]] = {
    "system": ("/node_status", visionaire_shape, (200,)),
    "streams": ("/1/streams?page_size=1", luna_shape, (200,)),
    "catalog": ("/analytic_list", visionaire_shape, (200,)),
    "uploads": ("/api/visionaire-media/0/videos?limit=1", lenz_shape, (200,)),
    "engine": ("/vigil/v1/watchlists", visionaire_shape, (200,)),
    "classification": ("/api/result/664371916d24ab9cf81140ec?tenant=t", gaard_shape, (404,)),
}


@pytest.mark.slow
@pytest.mark.parametrize("service", list(PROBES))
def test_a_killed_service_answers_503_in_its_family_shape_then_serves_again(
    platform: RunningPlatform, http: httpx.Client, service: str
) -> None:
    path, shape, served = PROBES[service]
    stream = http.post("/streams/0", json={"stream_address": f"rtsp://cam/{uuid.uuid4().hex[:8]}"})
    assert stream.status_code == 200, stream.text
    stream_id = stream.json()["stream_id"]
    watchlist = http.post("/vigil/v1/watchlists", json={"name": f"kept-{service}"})
    assert watchlist.status_code == 200, watchlist.text
    assert http.get(path).status_code in served

    victim = platform.service_process(service)
    victim.send_signal(signal.SIGKILL)
    answers: list[int] = []
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        reply = http.get(path, timeout=30)
        answers.append(reply.status_code)
        assert reply.status_code < 500 or reply.status_code == 503, (service, reply.status_code, reply.text)
        if reply.status_code == 503:
            assert shape(reply.json()), (service, reply.text)
        if reply.status_code in served and _restarted(platform, service, victim.pid):
            break
        time.sleep(0.05)
    platform.wait_restarted(service, victim.pid)
    assert http.get(path).status_code in served
    # Nothing acknowledged before the kill is lost.
    assert http.get(f"/streams/0/{stream_id}").status_code == 200
    lists = http.get("/vigil/v1/watchlists").json()["watchlists"]
    assert f"kept-{service}" in {w["name"] for w in lists}
    assert 503 in answers, (service, answers)  # the outage was seen, and answered in shape


def _restarted(platform: RunningPlatform, service: str, old_pid: int) -> bool:
    try:
        return platform.service_process(service).pid != old_pid
    except LookupError:
        return False
