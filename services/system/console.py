"""The operator console's static files (`GET /console/...`): what
`npm run build` in `console/` leaves in `console/dist/` (README "Operator
console"). Only regular files under that folder are served, by their own
names; `/console` and `/console/` are `index.html`."""

from __future__ import annotations

from pathlib import Path

from services.common.errors import NotFound

#: The built console (`npm run build` in console/).
DIST_DIR = Path(__file__).resolve().parents[2] / "console" / "dist"

#: Content types by suffix; any other file is served as bytes.
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".map": "application/json",
    ".json": "application/json",
    ".txt": "text/plain; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".ico": "image/x-icon",
}


def console_file(path: str, root: Path | None = None) -> tuple[str, bytes]:
    """The content type and bytes of a built console file. Raises NotFound
    for a path outside the build, a hidden or missing file, and when the
    console was not built."""
    root = (root or DIST_DIR).resolve()
    index = root / "index.html"
    if not index.is_file():
        raise NotFound(
            "the console is not built: run `npm ci && npm run build` in console/ (scripts/bootstrap.sh does)"
        )
    name = path.strip("/") or "index.html"
    parts = name.split("/")
    if any(part in ("", ".", "..") or part.startswith(".") or "\\" in part or "\0" in part for part in parts):
        raise NotFound(f"no console file {name[:60]!r}")
    target = root.joinpath(*parts)
    try:
        resolved = target.resolve(strict=True)
    except (OSError, RuntimeError):
        raise NotFound(f"no console file {name[:60]!r}") from None
    if not resolved.is_relative_to(root) or not resolved.is_file():
        raise NotFound(f"no console file {name[:60]!r}")
    return CONTENT_TYPES.get(resolved.suffix, "application/octet-stream"), resolved.read_bytes()
