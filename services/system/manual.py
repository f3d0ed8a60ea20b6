"""LUNA's documentation and configuration routes: the developer manual
(`GET /docs/dev` redirects to `/docs/dev/index.html`, an HTML page that
`scripts/generate.py` builds from the README and the contracts) and
`GET /config` as JSON or as text."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from services.common.errors import NotFound

#: Where the generated manual's pages are.
MANUAL_DIR = Path(__file__).resolve().parent / "manual"
#: The page `GET /docs/dev` redirects to.
INDEX = "/docs/dev/index.html"


@cache
def page(name: str) -> bytes:
    """A page of the developer manual. Raises NotFound for any other name."""
    path = MANUAL_DIR / name
    if name != path.name or path.suffix != ".html" or not path.is_file():
        raise NotFound(f"no page {name[:40]!r} in the developer manual; it starts at {INDEX}")
    return path.read_bytes()


def redirect_page() -> bytes:
    """The small HTML body of the redirect, for clients that do not follow it."""
    return f'<!doctype html><title>Found</title><a href="{INDEX}">{INDEX}</a>\n'.encode()


def config_text(sections: dict[str, dict[str, Any]]) -> str:
    """The settings as text: one `NAME = value` line per setting, the name as
    its environment variable (`VIGIL_HTTP_PORT`) and the value as JSON, in
    the style of LUNA's configuration files."""
    lines = []
    for section, values in sections.items():
        for key, value in values.items():
            lines.append(f"{section}_{key} = {json.dumps(value, ensure_ascii=False)}")
    return "\n".join(lines) + "\n"


def config_json(sections: dict[str, dict[str, Any]]) -> bytes:
    """The settings as the JSON object `GET /config` prints by default."""
    return json.dumps(sections, ensure_ascii=False, separators=(",", ":")).encode()
