"""LUNA's documentation and configuration routes through the real Envoy, as
clients negotiate them: `GET /config` as JSON or `text/plain`, `GET /docs/dev`
redirecting (302) to the developer manual the platform serves, and
`GET /docs/spec` answering curl's `Accept: */*` with YAML."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import yaml

from services.system.manual import MANUAL_DIR
from tests.conftest import http_client

LINE = re.compile(r"^([A-Z][A-Z0-9_]*) = (.*)$")


@pytest.fixture(scope="module")
def http(platform: Any) -> Iterator[httpx.Client]:
    """One persistent-connection client for the module, on the LUNA port."""
    with http_client(platform, "LUNA") as client:
        yield client


def luna_error(reply: httpx.Response, status: int, code: int) -> str:
    assert reply.status_code == status, reply.text
    body = reply.json()
    assert set(body) == {"error_code", "desc", "detail"} and body["error_code"] == code, body
    return str(body["detail"])


def get(http: httpx.Client, path: str, accept: str | None) -> httpx.Response:
    """GET with this Accept header, or with none at all for None."""
    request = http.build_request("GET", path)
    if accept is None:
        del request.headers["Accept"]
    else:
        request.headers["Accept"] = accept
    return http.send(request)


@pytest.mark.parametrize("accept", [None, "*/*", "application/json", "application/json, text/plain;q=0.5"])
def test_config_as_json(http: httpx.Client, platform: Any, accept: str | None) -> None:
    reply = get(http, "/config", accept)
    assert "accept" not in reply.request.headers if accept is None else reply.request.headers["accept"] == accept
    assert reply.status_code == 200 and reply.headers["content-type"] == "application/json", reply.text
    values = reply.json()["VIGIL"]
    assert values["HTTP_PORT"] == int(platform.env["VIGIL_HTTP_PORT"])


@pytest.mark.parametrize("accept", ["text/plain", "application/json;q=0.2, text/plain"])
def test_config_as_text(http: httpx.Client, platform: Any, accept: str) -> None:
    reply = http.get("/config", headers={"Accept": accept})
    assert reply.status_code == 200, reply.text
    assert reply.headers["content-type"].startswith("text/plain")
    assert re.match(r"^\d{10},", reply.headers["Luna-Request-Id"])
    settings = {}
    for line in reply.text.splitlines():
        match = LINE.match(line)
        assert match, line
        settings[match.group(1)] = json.loads(match.group(2))
    assert settings["VIGIL_HTTP_PORT"] == int(platform.env["VIGIL_HTTP_PORT"])
    as_json = http.get("/config").json()["VIGIL"]
    assert settings == {f"VIGIL_{key}": value for key, value in as_json.items()}
    url = platform.env["VIGIL_DATABASE_URL"]
    if "@" in url and ":" in url.split("//", 1)[1].split("@")[0]:
        password = url.split("//", 1)[1].split("@")[0].split(":", 1)[1]
        assert password not in reply.text and "********" in settings["VIGIL_DATABASE_URL"]


def test_docs_dev_redirects_to_the_manual(http: httpx.Client) -> None:
    for path in ("/docs/dev", "/docs/dev/"):
        reply = http.get(path)
        assert reply.status_code == 302, reply.text
        assert reply.headers["location"] == "/docs/dev/index.html"
    manual = http.get("/docs/dev", follow_redirects=True)
    assert manual.status_code == 200 and str(manual.url).endswith("/docs/dev/index.html")
    assert manual.headers["content-type"].startswith("text/html")
    assert manual.content == (MANUAL_DIR / "index.html").read_bytes()
    text = manual.text
    assert "<title>Vigil developer manual</title>" in text
    assert 'id="how-the-rest-edge-works"' in text  # the README
    assert 'id="vigil.system.v1.SystemService.GetDocsDevPage"' in text  # every RPC, with its route
    assert "GET /docs/dev/{page}" in text and 'id="vigil.streams.v1.LunaStream"' in text


def test_unknown_manual_pages_are_luna_404s(http: httpx.Client) -> None:
    for page in ("nope.html", "index.htm", "..%2Fmanual.py", "%2E%2E"):
        luna_error(http.get(f"/docs/dev/{page}"), 404, 39001)
    assert http.get("/docs/dev/index.html").status_code == 200  # same connection, still in step


@pytest.mark.parametrize("accept", [None, "*/*", "application/x-yaml", "application/*"])
def test_docs_spec_yaml_for_curl(http: httpx.Client, accept: str | None) -> None:
    reply = get(http, "/docs/spec", accept)
    assert reply.status_code == 200 and reply.headers["content-type"] == "application/x-yaml", reply.text
    assert yaml.safe_load(reply.text)["openapi"].startswith("3.")


def test_docs_spec_refuses_what_it_cannot_give(http: httpx.Client) -> None:
    html = http.get("/docs/spec", headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert html.status_code == 200 and html.headers["content-type"].startswith("text/html")
    luna_error(http.get("/docs/spec", headers={"Accept": "application/json"}), 415, 12024)
