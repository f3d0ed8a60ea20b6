"""Content negotiation of `GET /config` and `GET /docs/spec`, the developer
manual's pages, and `/config` as text."""

from __future__ import annotations

import json

import pytest

from services.common.errors import NotFound
from services.system import manual
from services.system.accept import negotiate

CONFIG = ("application/json", "text/plain")
SPEC = ("application/x-yaml", "text/html")


@pytest.mark.parametrize(
    ("accept", "offered", "chosen"),
    [
        ("", CONFIG, "application/json"),
        ("*/*", CONFIG, "application/json"),
        ("text/plain", CONFIG, "text/plain"),
        ("TEXT/PLAIN; charset=utf-8", CONFIG, "text/plain"),
        ("text/*", CONFIG, "text/plain"),
        ("application/json;q=0.2, text/plain", CONFIG, "text/plain"),
        ("text/plain;q=0.5, application/json", CONFIG, "application/json"),
        ("text/plain;q=0, */*", CONFIG, "application/json"),
        ("application/xml", CONFIG, None),
        ("*/*", SPEC, "application/x-yaml"),
        ("", SPEC, "application/x-yaml"),
        ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", SPEC, "text/html"),
        ("application/json", SPEC, None),
        ("text/html;q=bad", SPEC, None),
    ],
)
def test_negotiate(accept: str, offered: tuple[str, ...], chosen: str | None) -> None:
    assert negotiate(accept, offered) == chosen


def test_manual_pages() -> None:
    page = manual.page("index.html")
    assert page.startswith(b"<!doctype html>") and b"Vigil developer manual" in page
    for name in ("", "nope.html", "../manual.py", "../../README.md", "manual/index.html", ".", "index.htm"):
        with pytest.raises(NotFound):
            manual.page(name)


def test_config_text_lines() -> None:
    sections = {"VIGIL": {"HTTP_PORT": 8080, "DATA_DIR": "data", "LOAD_MODELS": ["*"], "URL": "a=b"}}
    text = manual.config_text(sections)
    assert text == 'VIGIL_HTTP_PORT = 8080\nVIGIL_DATA_DIR = "data"\nVIGIL_LOAD_MODELS = ["*"]\nVIGIL_URL = "a=b"\n'
    assert json.loads(manual.config_json(sections)) == sections
