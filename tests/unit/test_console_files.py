"""services/system/console.py: only the built files, by their own names."""

from __future__ import annotations

from pathlib import Path

import pytest

from services.common.errors import NotFound
from services.system.console import console_file


@pytest.fixture
def dist(tmp_path: Path) -> Path:
    root = tmp_path / "dist"
    (root / "assets").mkdir(parents=True)
    (root / "index.html").write_text("<!doctype html>")
    (root / "main.js").write_text("export {}")
    (root / "assets" / "logo.svg").write_text("<svg/>")
    (root / ".secret").write_text("no")
    (tmp_path / "outside.txt").write_text("no")
    (root / "link.txt").symlink_to(tmp_path / "outside.txt")
    return root


def test_files_and_index(dist: Path) -> None:
    assert console_file("", dist) == ("text/html; charset=utf-8", b"<!doctype html>")
    assert console_file("/", dist)[1] == b"<!doctype html>"
    assert console_file("main.js", dist) == ("text/javascript; charset=utf-8", b"export {}")
    assert console_file("assets/logo.svg", dist) == ("image/svg+xml", b"<svg/>")


@pytest.mark.parametrize(
    "path", ["../outside.txt", "assets/../../outside.txt", ".secret", "link.txt", "assets", "nope.js", "a\\b", "x\0"]
)
def test_refused(dist: Path, path: str) -> None:
    with pytest.raises(NotFound):
        console_file(path, dist)


def test_not_built(tmp_path: Path) -> None:
    with pytest.raises(NotFound, match="not built"):
        console_file("", tmp_path)
