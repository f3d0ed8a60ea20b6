"""Visionaire4 system routes and LUNA service routes through the real Envoy."""

from __future__ import annotations

import re
import time

import httpx
import yaml

from services.common import hardware
from services.common.settings import Settings

LUNA_ID = re.compile(r"^\d{10},[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def test_system_info(platform, visionaire_http) -> None:
    info = visionaire_http.get("/").json()
    assert set(info) == {"name", "version", "deployment_key"}
    assert set(info["version"]) == {"major", "minor", "patch"}
    assert info["deployment_key"] == "vigil-local"


def test_node_status_is_the_real_registry(platform, http) -> None:
    first = http.get("/node_status").json()
    assert first["node_number"] == 1
    (node,) = first["nodes"]
    assert set(node) == {"node_num", "status", "running_time_sec", "ip_address", "run_mode", "workers"}
    assert node["node_num"] == 0 and node["status"] == "online"
    # Vigil's extension: the node's engine workers, from their own heartbeats.
    workers = node["workers"]
    assert len(workers) == Settings().engine.workers and {w["status"] for w in workers} == {"online"}
    assert all(
        set(w) == {"worker_id", "status", "work_held", "running_time_sec", "last_heartbeat_sec"} for w in workers
    )
    assert all(w["last_heartbeat_sec"] < Settings().engine.lease_seconds for w in workers)
    assert node["run_mode"] == hardware.run_mode()
    assert re.match(r"^\d+\.\d+\.\d+\.\d+$", node["ip_address"])
    time.sleep(1.1)
    later = http.get("/node_status").json()["nodes"][0]
    assert later["running_time_sec"] >= node["running_time_sec"] + 1


def test_resource_stats(platform, http) -> None:
    v1 = http.get("/resource_stats").json()
    (device,) = v1["devices"]
    assert set(device) == {"node_num", "data"}
    assert set(device["data"]) == {"cpu_percent", "ram_percent", "swap_memory_percent", "gpus", "services"}
    services = {s["service_name"]: s["service_number"] for s in device["data"]["services"]}
    assert services["vigil::engine_worker"] == Settings().engine.workers
    assert services["vigil::analytics_work"] >= 0
    assert 0 < device["data"]["ram_percent"] <= 100
    v2 = http.get("/v2/resource_stats").json()
    assert set(v2["devices"][0]) == {"node_num", "ip_address", "data"}


def test_metrics_count_requests_and_streams(platform, http, visionaire_http) -> None:
    http.get("/streams/0")
    http.get("/streams/42")
    created = http.post("/streams/0", json={"stream_address": "rtsp://cam/1"}).json()
    reply = visionaire_http.get("/metrics")
    assert reply.status_code == 200 and reply.headers["content-type"].startswith("text/plain")
    text = reply.text
    assert re.search(r'request_count_total\{path="GET:/streams/\{node_num\}",status_code="404"\} [1-9]', text)
    assert re.search(r'request_count_total\{path="GET:/streams/\{node_num\}",status_code="200"\} [1-9]', text)
    total = len(http.get("/streams").json()["streams"])
    assert f"visionaire_streams_total {float(total)}" in text
    http.delete(f"/streams/0/{created['stream_id']}")


def test_luna_version_plugins_and_request_id(platform, luna_http) -> None:
    reply = luna_http.get("/version")
    assert set(reply.json()) == {"Version"} and set(reply.json()["Version"]) == {"api", "major", "minor", "patch"}
    assert LUNA_ID.match(reply.headers["Luna-Request-Id"])
    echoed = "1536751345,8b8b5937-2e9c-4e8b-a7a7-5caf86621b5a"
    reply = luna_http.get("/plugins", headers={"Luna-Request-Id": echoed})
    assert reply.json() == {"plugins": []}
    assert reply.headers["Luna-Request-Id"] == echoed


def test_healthcheck(platform, luna_http) -> None:
    for query in ("", "?include_luna_services=0", "?include_luna_services=1"):
        reply = luna_http.get("/healthcheck" + query)
        assert reply.status_code == 200, reply.text
        assert set(reply.json()) == {"execution_time"} and reply.json()["execution_time"] >= 0
    reply = luna_http.get("/healthcheck?include_luna_services=2")
    assert reply.status_code == 400
    assert reply.json()["error_code"] == 12022


def test_config_masks_secrets(platform, luna_http) -> None:
    config = luna_http.get("/config").json()
    values = config["VIGIL"]
    assert values["HTTP_PORT"] == int(platform.env["VIGIL_HTTP_PORT"])
    url = platform.env["VIGIL_DATABASE_URL"]
    if "@" in url and ":" in url.split("//", 1)[1].split("@")[0]:
        assert "********" in values["DATABASE_URL"]
    assert values["DATABASE_URL"].split("://")[0] == url.split("://")[0]


def test_docs_spec(platform, luna_http) -> None:
    reply = luna_http.get("/docs/spec", headers={"Accept": "application/x-yaml"})
    assert reply.status_code == 200 and reply.headers["content-type"] == "application/x-yaml"
    spec = yaml.safe_load(reply.text)
    assert spec["openapi"].startswith("3.")
    assert "post" in spec["paths"]["/streams/{node_num}"]
    assert "get" in spec["paths"]["/1/streams"] and "delete" in spec["paths"]["/1/streams"]
    assert any(p["name"] == "create_time__gte" for p in spec["paths"]["/1/streams"]["get"]["parameters"])
    html = luna_http.get("/docs/spec", headers={"Accept": "text/html"})
    assert html.status_code == 200 and html.headers["content-type"].startswith("text/html")
    assert "/streams/{node_num}" in html.text
    bad = luna_http.get("/docs/spec", headers={"Accept": "application/json"})
    assert bad.status_code == 415
    assert bad.json()["error_code"] == 12024 and bad.json()["desc"] == "Unsupported media type"


def test_platform_and_database_config(platform, http) -> None:
    config = http.get("/config/platform").json()
    assert config["code"] == 200 and set(config["config"]) == {
        "max_streams_per_node",
        "event_retention_days",
        "enable_cors",
        "log_level",
    }
    wanted = {"max_streams_per_node": 8, "event_retention_days": 7, "enable_cors": False, "log_level": "debug"}
    reply = http.post("/config/platform", json=wanted).json()
    assert reply == {"code": 200, "message": "success", "config": wanted}
    assert http.get("/config/platform").json()["config"] == wanted
    bad = http.post("/config/platform", json={**wanted, "log_level": "loud"})
    assert (bad.status_code, bad.json()) == (400, {"code": 400, "message": "invalid configuration value"})

    db = http.get("/config/database").json()
    assert set(db["config"]) == {"retention_days", "max_events_per_stream"}
    changed = http.put("/config/database", json={"retention_days": 3}).json()
    assert changed["config"]["retention_days"] == 3
    assert changed["config"]["max_events_per_stream"] == db["config"]["max_events_per_stream"]
    bad = http.put("/config/database", json={"retention_days": 0})
    assert bad.status_code == 400

    stats = http.get("/database/stats").json()
    assert stats["code"] == 200 and stats["used_size_bytes"] > 0
    assert stats["total_size_bytes"] >= stats["free_size_bytes"] > 0
    assert stats["event_count"] == 0


def test_checkin(platform, http) -> None:
    state = http.get("/config/checkin").json()
    assert state["checkin"]["status"] == "inactive"
    cleared = http.delete("/config/checkin").json()
    assert cleared == {"code": 200, "message": "checkin credentials cleared"}
    missing = http.post("/config/checkin", json={"access_key": "", "secret_key": ""})
    assert (missing.status_code, missing.json()["message"]) == (400, "invalid license credentials")
    # No licence server is configured: an honest 501, not a made-up success.
    unbuilt = http.post("/config/checkin", json={"access_key": "AKID", "secret_key": "sk"})
    assert unbuilt.status_code == 501


def test_restart_restarts_the_services(platform, http) -> None:
    created = http.post("/streams/0", json={"stream_address": "rtsp://cam/restart"}).json()
    reply = http.post("/system/restart")
    assert reply.json() == {"code": 200, "message": "System restart initiated"}
    deadline = time.monotonic() + 60
    saw_down = False
    while time.monotonic() < deadline:
        try:
            status = http.get("/healthcheck?include_luna_services=1", timeout=2).status_code
        except httpx.HTTPError:
            status = 0
        saw_down = saw_down or status != 200
        if saw_down and status == 200:
            break
        time.sleep(0.1)
    assert saw_down and status == 200
    # Nothing is lost across the restart.
    assert http.get(f"/streams/0/{created['stream_id']}").status_code == 200


def _metric(text: str, path: str, status: int) -> float:
    """The request counter of one route and status; 0 when absent."""
    pattern = re.escape(f'request_count_total{{path="{path}",status_code="{status}"}}') + r" (\S+)"
    match = re.search(pattern, text)
    return float(match.group(1)) if match else 0.0


def test_metrics_count_the_status_the_client_received(platform, http, luna_http) -> None:
    """201s, 204s and errors are counted as what the client got, not 200."""
    account = "557d54ec-29ad-4f3c-93b4-c9092ef12515"
    before = http.get("/metrics").text
    created = luna_http.post("/1/groups", json={"account_id": account, "group_name": "counted"})
    assert created.status_code == 201
    duplicate = luna_http.post("/1/groups", json={"account_id": account, "group_name": "counted"})
    assert duplicate.status_code == 409
    assert luna_http.delete(f"/1/groups/{created.json()['group_id']}").status_code == 204
    assert luna_http.delete(f"/1/groups/{created.json()['group_id']}").status_code == 404
    after = http.get("/metrics").text
    for path, status, delta in (
        ("POST:/1/groups", 201, 1),
        ("POST:/1/groups", 409, 1),
        ("POST:/1/groups", 200, 0),
        ("DELETE:/1/groups/{group_id}", 204, 1),
        ("DELETE:/1/groups/{group_id}", 404, 1),
        ("DELETE:/1/groups/{group_id}", 200, 0),
    ):
        assert _metric(after, path, status) - _metric(before, path, status) == delta, (path, status)


PREFLIGHT = {"Origin": "https://console.example", "Access-Control-Request-Method": "POST"}
CONFIG = {"max_streams_per_node": 16, "event_retention_days": 30, "log_level": "info"}


def test_enable_cors_turns_the_edge_policy_on_and_off(platform, http, visionaire_http) -> None:
    """A browser's preflight gets CORS headers only while `enable_cors` is
    true, at once and without a restart, on every listener."""
    for enabled in (True, False, True):
        reply = http.post("/config/platform", json=CONFIG | {"enable_cors": enabled})
        assert reply.status_code == 200 and reply.json()["config"]["enable_cors"] is enabled
        for client in (http, visionaire_http):
            preflight = client.options(
                "/streams/0", headers=PREFLIGHT | {"Access-Control-Request-Headers": "content-type"}
            )
            actual = client.get("/streams", headers={"Origin": PREFLIGHT["Origin"]})
            assert actual.status_code == 200
            if enabled:
                assert preflight.status_code == 200, preflight.text
                assert preflight.headers["access-control-allow-origin"] == PREFLIGHT["Origin"]
                assert "POST" in preflight.headers["access-control-allow-methods"]
                assert "content-type" in preflight.headers["access-control-allow-headers"]
                assert actual.headers["access-control-allow-origin"] == PREFLIGHT["Origin"]
            else:
                assert preflight.status_code == 404  # no route answers OPTIONS
                assert not any(k.startswith("access-control-") for k in preflight.headers)
                assert "access-control-allow-origin" not in actual.headers
    # Without an Origin nothing about CORS is added, on or off.
    assert "access-control-allow-origin" not in http.get("/streams").headers


def _wait_for_log(platform, needle: str, start: int, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while needle not in platform.log.read_text()[start:]:
        assert time.monotonic() < deadline, f"{needle!r} never appeared in the platform log"
        time.sleep(0.2)


def test_log_level_changes_every_service_without_a_restart(platform, http) -> None:
    """`log_level` is followed by every running service: at `debug` the
    streams service logs each call, at `warning` it does not."""
    pid = platform.service_process("streams").pid
    call = "GET:/streams /vigil.streams.v1.StreamsService/ListStreams -> 200"
    start = len(platform.log.read_text())
    assert http.post("/config/platform", json=CONFIG | {"enable_cors": True, "log_level": "error"}).status_code == 200
    _wait_for_log(platform, "streams: log level is now ERROR", start)

    start = len(platform.log.read_text())
    assert http.post("/config/platform", json=CONFIG | {"enable_cors": True, "log_level": "debug"}).status_code == 200
    _wait_for_log(platform, "streams: log level is now DEBUG", start)
    assert http.get("/streams").status_code == 200
    _wait_for_log(platform, call, start)

    start = len(platform.log.read_text())
    assert http.post("/config/platform", json=CONFIG | {"enable_cors": True, "log_level": "warning"}).status_code == 200
    _wait_for_log(platform, "streams: log level is now WARNING", start)
    assert http.get("/streams").status_code == 200
    assert http.get("/version").status_code == 200  # the streams call above is logged before it answers
    assert call not in platform.log.read_text()[start:]
    assert platform.service_process("streams").pid == pid  # no restart
    http.post("/config/platform", json=CONFIG | {"enable_cors": True})
