"""The edge's Envoy configuration (services/platform/envoy_config.py): the
settings reach it, Envoy itself accepts it, and vigil.lua is told the limits."""

from __future__ import annotations

import subprocess
from pathlib import Path

import yaml

from services.auth import keys
from services.common.settings import Settings
from services.platform import envoy_config
from services.platform.supervisor import envoy_binary


def _settings(**changes: object) -> Settings:
    return Settings(_env_file=None).replace(**changes)  # type: ignore[call-arg]


def test_body_limits_follow_the_settings() -> None:
    settings = _settings(edge_max_json_bytes=100_000, luna_preview_max_bytes=300_000)
    default, larger = envoy_config.body_limits(settings)
    assert default == 100_000
    # Both LUNA feedback routes, and only they, take a preview frame (base64) more.
    assert sorted((method, pattern) for method, pattern, _ in larger) == [
        ("POST", "^/1/streams/feedback$"),
        ("POST", "^/2/streams/feedback$"),
    ]
    assert {limit for _, _, limit in larger} == {100_000 + 400_000 + 1024}
    prelude = envoy_config._lua_prelude("luna", settings.replace(public_base_url="https://v.example/"))
    assert 'VIGIL_LISTENER = "luna"' in prelude
    assert 'VIGIL_PUBLIC_BASE_URL = "https://v.example"' in prelude
    assert "VIGIL_MAX_JSON_BYTES = 100000" in prelude


def test_edge_settings_reach_envoy(tmp_path: Path) -> None:
    settings = _settings(
        data_dir=tmp_path,
        edge_max_connections=77,
        edge_max_heap_bytes=256 * 1024**2,
        edge_request_headers_timeout_seconds=4,
        edge_idle_timeout_seconds=30,
    )
    config = envoy_config.render(settings)
    monitors = {m["name"]: m["typed_config"] for m in config["overload_manager"]["resource_monitors"]}
    connections = monitors["envoy.resource_monitors.global_downstream_max_connections"]
    assert connections["max_active_downstream_connections"] == 77
    assert monitors["envoy.resource_monitors.fixed_heap"]["max_heap_size_bytes"] == 256 * 1024**2
    for listener in config["static_resources"]["listeners"]:
        assert listener["per_connection_buffer_limit_bytes"] == 32 * 1024
        hcm = listener["filter_chains"][0]["filters"][0]["typed_config"]
        assert (hcm["request_headers_timeout"], hcm["stream_idle_timeout"]) == ("4s", "30s")
        assert hcm["common_http_protocol_options"]["idle_timeout"] == "30s"
        assert hcm["http_protocol_options"]["accept_http_10"] is True
        routes = {str(r["match"]): r for r in hcm["route_config"]["virtual_hosts"][0]["routes"]}
        classify = routes[str({"prefix": "/vigil.classification.v1.ClassificationService/"})]["route"]
        assert classify["idle_timeout"] == "300s"
        # REST paths buffer at most the JSON limit, but the feedback routes a frame more.
        assert routes[str({"prefix": "/"})]["request_body_buffer_limit"] == 1024**2 + 1024
        feedback = routes[str({"safe_regex": {"regex": "^/1/streams/feedback/?$"}})]
        assert feedback["request_body_buffer_limit"] > 1024**2 + 8 * 1024**2
    # Envoy itself accepts the whole configuration (with the JWKS the
    # platform makes at its first start, for jwt_authn).
    keys.ensure_local_keys(settings)
    path = envoy_config.write(settings, tmp_path / "envoy.yaml")
    assert yaml.safe_load(path.read_text())["overload_manager"]
    checked = subprocess.run(
        [envoy_binary(), "--mode", "validate", "-c", str(path)], capture_output=True, text=True, timeout=120
    )
    assert checked.returncode == 0, checked.stdout[-2000:] + checked.stderr[-2000:]
    assert "deprecated" not in (checked.stdout + checked.stderr).lower()
