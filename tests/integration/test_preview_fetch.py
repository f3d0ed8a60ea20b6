"""Fetching a worker's preview URL is not a way in (SSRF, issue 11): only
http(s), only to hosts in the networks `VIGIL_LUNA_PREVIEW_FETCH` allows,
no redirects followed. A real HTTP server on loopback counts what reaches it."""

from __future__ import annotations

import asyncio
import http.server
import ipaddress
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import ValidationError

from services.common.settings import Settings, StreamsSettings, preview_networks
from services.streams.previews import PreviewStore

JPEG = b"\xff\xd8\xff\xe0" + b"\0" * 64 + b"\xff\xd9"


class _Handler(http.server.BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self) -> None:
        _Handler.hits.append(self.path)
        if self.path == "/redirect":
            self.send_response(302)
            self.send_header("Location", "/frame.jpg")
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", "image/jpeg")
        self.send_header("Content-Length", str(len(JPEG)))
        self.end_headers()
        self.wfile.write(JPEG)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[str]:
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    _Handler.hits = []
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def store(tmp_path: Path, setting: str) -> PreviewStore:
    return PreviewStore(tmp_path, fetch_timeout_seconds=5, max_bytes=1024, fetch_networks=preview_networks(setting))


def test_loopback_is_fetched_by_default(tmp_path: Path, server: str) -> None:
    previews = store(tmp_path, StreamsSettings.model_fields["preview_fetch"].default)
    assert asyncio.run(previews.fetch_and_save("s1", f"{server}/frame.jpg"))
    assert asyncio.run(previews.load("s1")) == JPEG


@pytest.mark.parametrize("setting", ["off", "10.0.0.0/8,192.168.0.0/16"])
def test_a_host_outside_the_allowed_networks_is_never_asked(tmp_path: Path, server: str, setting: str) -> None:
    previews = store(tmp_path, setting)
    assert not asyncio.run(previews.fetch_and_save("s1", f"{server}/frame.jpg"))
    assert _Handler.hits == []
    assert asyncio.run(previews.load("s1")) is None


def test_an_allowed_network_in_cidr_notation(tmp_path: Path, server: str) -> None:
    assert asyncio.run(store(tmp_path, "127.0.0.1/32").fetch_and_save("s1", f"{server}/frame.jpg"))


def test_a_redirect_is_not_followed(tmp_path: Path, server: str) -> None:
    previews = store(tmp_path, "loopback")
    assert not asyncio.run(previews.fetch_and_save("s1", f"{server}/redirect"))
    assert _Handler.hits == ["/redirect"]


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://127.0.0.1/x.jpg", "gopher://127.0.0.1/"])
def test_other_schemes_are_refused(tmp_path: Path, url: str) -> None:
    with pytest.raises(ValueError, match="only http and https"):
        store(tmp_path, "loopback").check_fetch(url)


def test_the_setting_is_checked_at_start() -> None:
    with pytest.raises(ValidationError, match="VIGIL_LUNA_PREVIEW_FETCH"):
        Settings().replace(luna_preview_fetch="everywhere")
    assert preview_networks("off") == []
    assert ipaddress.ip_address("::1") in preview_networks("loopback")[1]


@pytest.mark.parametrize("host", ["0.0.0.0", "10.1.2.3", "::", "example.com"])
def test_grpc_ports_refuse_to_listen_beyond_loopback(host: str) -> None:
    """Item 4: the gRPC servers trust their callers, so they never bind beyond loopback."""
    with pytest.raises(ValidationError, match="not a loopback address"):
        Settings().replace(grpc_host=host)
    assert Settings(grpc_host="127.0.0.1").grpc_host == "127.0.0.1"
    assert Settings(grpc_host="::1").grpc_host == "::1"
