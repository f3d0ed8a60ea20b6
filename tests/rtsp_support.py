"""Start and stop the real RTSP test server (tests/rtsp_server.py, under
the system Python with GStreamer) and read MJPEG live views part by part."""

from __future__ import annotations

import contextlib
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

SERVER = Path(__file__).resolve().parent / "rtsp_server.py"
SYSTEM_PYTHON = "/usr/bin/python3"


def rtsp_available() -> bool:
    probe = 'import gi; gi.require_version("GstRtspServer", "1.0"); from gi.repository import GstRtspServer'
    try:
        return subprocess.run([SYSTEM_PYTHON, "-c", probe], capture_output=True, timeout=30).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


@dataclass
class RtspServer:
    """A running RTSP server on 127.0.0.1."""

    port: int
    args: list[str]
    process: subprocess.Popen[str] | None = None
    log: list[str] = field(default_factory=list)

    def url(self, mount: str) -> str:
        return f"rtsp://127.0.0.1:{self.port}{mount}"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [SYSTEM_PYTHON, str(SERVER), "--port", str(self.port), *self.args],
            stdout=subprocess.PIPE,
            stderr=sys.stderr,
            text=True,
        )
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        assert line.startswith("READY"), f"the RTSP server did not start: {line!r}"

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        self.process = None


@contextlib.contextmanager
def rtsp_server(port: int, *args: str) -> Iterator[RtspServer]:
    if not rtsp_available():
        pytest.skip("GStreamer's RTSP server is not installed (scripts/rtsp_server_deps.sh installs it as root)")
    server = RtspServer(port, list(args))
    server.start()
    try:
        yield server
    finally:
        server.stop()


@dataclass(frozen=True)
class Part:
    """One part of an MJPEG answer."""

    headers: dict[str, str]
    jpeg: bytes

    @property
    def time(self) -> float:
        return float(self.headers["x-frame-time"])


def mjpeg_parts(response: httpx.Response) -> Iterator[Part]:
    """The parts of a `multipart/x-mixed-replace; boundary=frame` answer as
    they arrive (each part says its length)."""
    buffer = b""
    chunks = response.iter_raw()
    while True:
        while b"\r\n\r\n" not in buffer:
            chunk = next(chunks, None)
            if chunk is None:
                return  # the answer ended
            buffer += chunk
        head, buffer = buffer.split(b"\r\n\r\n", 1)
        lines = head.decode().split("\r\n")
        assert lines[0] == "--frame", lines
        headers = {k.strip().lower(): v.strip() for k, v in (line.split(":", 1) for line in lines[1:])}
        size = int(headers["content-length"])
        while len(buffer) < size + 2:
            chunk = next(chunks, None)
            assert chunk is not None, "the answer ended inside a part"
            buffer += chunk
        yield Part(headers, buffer[:size])
        assert buffer[size : size + 2] == b"\r\n"
        buffer = buffer[size + 2 :]


def jpeg_size(jpeg: bytes) -> tuple[int, int]:
    """Width and height from a JPEG's start-of-frame marker."""
    assert jpeg.startswith(b"\xff\xd8")
    at = 2
    while at < len(jpeg):
        marker, length = jpeg[at + 1], int.from_bytes(jpeg[at + 2 : at + 4], "big")
        if marker in (0xC0, 0xC1, 0xC2):
            height = int.from_bytes(jpeg[at + 5 : at + 7], "big")
            width = int.from_bytes(jpeg[at + 7 : at + 9], "big")
            return width, height
        at += 2 + length
    raise AssertionError("no start-of-frame marker")
