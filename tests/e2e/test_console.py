"""The operator console's static files through the real Envoy (README
"Operator console"): `/console/` is the built `index.html` on every listener,
its bundle and stylesheet follow with their content types, and nothing
outside `console/dist/` is served."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from services.system.console import DIST_DIR
from tests.conftest import http_client


@pytest.fixture(scope="module", params=["HTTP", "VISIONAIRE"])
def client(request: pytest.FixtureRequest, platform: Any) -> Iterator[httpx.Client]:
    """A browser-like client (no credentials) on 8080, then on 4004."""
    with http_client(platform, request.param, credentials=False) as http:
        yield http


@pytest.mark.parametrize("path", ["/console/", "/console", "/console/index.html"])
def test_index_is_the_built_page(client: httpx.Client, path: str) -> None:
    reply = client.get(path, headers={"Accept": "text/html"})
    assert reply.status_code == 200, reply.text
    assert reply.headers["content-type"] == "text/html; charset=utf-8"
    assert reply.content == (DIST_DIR / "index.html").read_bytes()
    assert '<script type="module" src="/console/main.js">' in reply.text
    assert '<link rel="stylesheet" href="/console/main.css">' in reply.text


def test_bundle_and_stylesheet(client: httpx.Client) -> None:
    script = client.get("/console/main.js")
    assert script.status_code == 200 and script.headers["content-type"] == "text/javascript; charset=utf-8"
    assert script.content == (DIST_DIR / "main.js").read_bytes() and len(script.content) > 10_000
    # The login gate's Lenz check is in the bundle: the real build, not a stub.
    assert b"/api/visionaire/analytic_list" in script.content
    style = client.get("/console/main.css")
    assert style.status_code == 200 and style.headers["content-type"] == "text/css; charset=utf-8"
    assert b".top" in style.content


@pytest.mark.parametrize(
    "path",
    ["/console/nope.js", "/console/..%2F..%2Fpyproject.toml", "/console/.%2E/package.json", "/console/%2Ehidden"],
)
def test_nothing_else_is_served(client: httpx.Client, path: str) -> None:
    reply = client.get(path)
    assert reply.status_code == 404, reply.text
    body = reply.json()
    assert body["code"] == 404 and "console file" in body["message"], body
