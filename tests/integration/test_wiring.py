"""Every process is wired the same way, and serves what the one list of
services says it serves."""

from __future__ import annotations

import importlib
from pathlib import Path

from services.common.server import Built
from services.common.settings import SERVICES, Settings
from services.platform import envoy_config


def test_every_process_builds_what_the_list_says(database_url: str, tmp_path: Path) -> None:
    settings = Settings(_env_file=None, database_url=database_url, data_dir=tmp_path)
    for name, services in SERVICES.items():
        built = importlib.import_module(f"services.{name}.wiring").build(settings)
        assert isinstance(built, Built)
        assert [r.service_name for r in built.registrations] == list(services), name


def test_the_edge_routes_every_service_to_its_process() -> None:
    config = envoy_config.render(Settings(_env_file=None))
    (listener, *_) = config["static_resources"]["listeners"]
    manager = listener["filter_chains"][0]["filters"][0]["typed_config"]
    routes = manager["route_config"]["virtual_hosts"][0]["routes"]
    # The gRPC service prefixes (REST paths the transcoder has not yet rewritten
    # match `/` or, for larger bodies, a path regex: services/platform/envoy_config.py).
    prefixes = [r for r in routes if r["match"].get("prefix", "/") != "/"]
    routed = {r["match"]["prefix"].strip("/"): r["route"]["cluster"] for r in prefixes}
    assert routed == {
        service: process for process, names in SERVICES.items() for service in names if process != "inference"
    }
    main = Path(__file__).resolve().parents[2] / "services"
    for name in SERVICES:
        text = (main / name / "__main__.py").read_text()
        assert f'run("{name}", build)' in text, name
