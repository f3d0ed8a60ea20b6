"""Stream previews on disk: the last JPEG frame of each stream, as LUNA
workers report it in feedback, and a wake-up for the live (MJPEG) viewers
of a stream whenever a new frame is stored.

A worker reports `preview.last_frame.url`; an `http(s)://` URL is fetched
(bounded in time and size), a `data:image/jpeg;base64,...` URL carries the
frame itself. A fetch is a request the server makes on a worker's word
(SSRF): it goes only to hosts whose every address lies in the networks
`VIGIL_LUNA_PREVIEW_FETCH` allows (loopback by default, none with `off`),
without proxies, and follows no redirect. Either way the frame is written atomically to
`<data_dir>/previews/<stream_id>.jpg`.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import ipaddress
import logging
import os
import re
import socket
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import AsyncIterator, Iterable, Sequence
from pathlib import Path
from typing import Any

Network = ipaddress.IPv4Network | ipaddress.IPv6Network

log = logging.getLogger(__name__)

_DATA_URL = re.compile(r"^data:image/jpe?g(?:;[^,;]*)*;base64,", re.IGNORECASE)
_JPEG_START = b"\xff\xd8\xff"


def is_jpeg(data: bytes) -> bool:
    return data.startswith(_JPEG_START)


def is_data_url(url: str) -> bool:
    return url[:5].lower() == "data:"


def decode_data_url(url: str, max_bytes: int) -> bytes:
    """The JPEG a `data:image/jpeg;base64,...` URL carries; ValueError when it
    is not one, is not a JPEG, or is larger than `max_bytes`."""
    match = _DATA_URL.match(url)
    if not match:
        raise ValueError("a data URL must be data:image/jpeg;base64,...")
    payload = url[match.end() :]
    if len(payload) > (max_bytes * 4) // 3 + 4:
        raise ValueError(f"the frame is larger than {max_bytes} bytes")
    try:
        frame = base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("the data URL is not valid base64") from None
    if not is_jpeg(frame):
        raise ValueError("the data URL does not hold a JPEG image")
    return frame


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect would lead the fetch to a host nobody checked."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


#: No proxies from the environment, no redirects followed.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirect())


class PreviewStore:
    """The last frame of each stream, on disk, with change notification for
    the live viewers in this process."""

    def __init__(
        self,
        root: Path,
        *,
        fetch_timeout_seconds: float,
        max_bytes: int,
        fetch_networks: Sequence[Network] = (
            ipaddress.ip_network("127.0.0.0/8"),
            ipaddress.ip_network("::1/128"),
        ),
    ) -> None:
        self._root = root
        self._networks = tuple(fetch_networks)
        self._fetch_timeout = fetch_timeout_seconds
        self.max_bytes = max_bytes
        self._changed: dict[str, asyncio.Condition] = {}
        self._tasks: set[asyncio.Task[bool]] = set()

    def _path(self, stream_id: str) -> Path:
        return self._root / f"{stream_id}.jpg"

    def _write(self, stream_id: str, frame: bytes) -> None:
        self._root.mkdir(parents=True, exist_ok=True)
        final = self._path(stream_id)
        partial = final.with_suffix(f".{os.getpid()}.{id(frame)}.tmp")
        partial.write_bytes(frame)
        os.replace(partial, final)

    def _read(self, stream_id: str) -> bytes | None:
        try:
            return self._path(stream_id).read_bytes()
        except FileNotFoundError:
            return None

    def _condition(self, stream_id: str) -> asyncio.Condition:
        condition = self._changed.get(stream_id)
        if condition is None:
            condition = self._changed[stream_id] = asyncio.Condition()
        return condition

    async def save(self, stream_id: str, frame: bytes) -> None:
        """Store a stream's new last frame and wake its live viewers."""
        await asyncio.to_thread(self._write, stream_id, frame)
        condition = self._condition(stream_id)
        async with condition:
            condition.notify_all()

    async def load(self, stream_id: str) -> bytes | None:
        """The last frame of a stream, or None."""
        return await asyncio.to_thread(self._read, stream_id)

    async def delete(self, stream_ids: Iterable[str]) -> None:
        """Forget the frames of deleted streams and end their live views."""
        for stream_id in stream_ids:
            with contextlib.suppress(FileNotFoundError):
                await asyncio.to_thread(self._path(stream_id).unlink)
            condition = self._changed.pop(stream_id, None)
            if condition is not None:
                async with condition:
                    condition.notify_all()

    async def stored_ids(self) -> set[str]:
        """The streams that have a stored frame."""

        def scan() -> set[str]:
            if not self._root.is_dir():
                return set()
            return {path.stem for path in self._root.glob("*.jpg")}

        return await asyncio.to_thread(scan)

    async def wait_for_change(self, stream_id: str, seconds: float) -> bool:
        """Wait until a new frame of the stream is stored (True) or `seconds`
        pass (False)."""
        condition = self._condition(stream_id)
        async with condition:
            try:
                async with asyncio.timeout(seconds):
                    await condition.wait()
            except TimeoutError:
                return False
            return True

    async def frames(self, stream_id: str, keepalive_seconds: float) -> AsyncIterator[bytes | None]:
        """The stored frame now, then every new one; None every
        `keepalive_seconds` without a new frame (the caller decides whether
        to go on)."""
        frame = await self.load(stream_id)
        if frame is not None:
            yield frame
        while True:
            changed = await self.wait_for_change(stream_id, keepalive_seconds)
            frame = await self.load(stream_id) if changed else None
            yield frame

    def check_fetch(self, url: str) -> None:
        """Raise ValueError unless `url` is http(s) to a host whose every
        address is in an allowed network (this resolves the name: blocking)."""
        parts = urllib.parse.urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("only http and https URLs are fetched")
        if not self._networks:
            raise ValueError("fetching preview URLs is off (VIGIL_LUNA_PREVIEW_FETCH=off)")
        try:
            infos = socket.getaddrinfo(parts.hostname, parts.port or 80, proto=socket.IPPROTO_TCP)
        except (socket.gaierror, UnicodeError) as exc:
            raise ValueError(f"cannot resolve {parts.hostname}: {exc}") from None
        for info in infos:
            address = ipaddress.ip_address(str(info[4][0]).split("%")[0])
            if not any(address in network for network in self._networks):
                raise ValueError(f"{parts.hostname} ({address}) is not in VIGIL_LUNA_PREVIEW_FETCH")

    def _download(self, url: str) -> bytes:
        self.check_fetch(url)
        request = urllib.request.Request(url, headers={"Accept": "image/jpeg"})
        with _OPENER.open(request, timeout=self._fetch_timeout) as reply:
            frame = bytes(reply.read(self.max_bytes + 1))
        if len(frame) > self.max_bytes:
            raise ValueError(f"larger than {self.max_bytes} bytes")
        if not is_jpeg(frame):
            raise ValueError("not a JPEG image")
        return frame

    async def fetch_and_save(self, stream_id: str, url: str) -> bool:
        """Fetch a worker's `http(s)://` last frame URL and store it; False
        (and a warning in the log) when that fails."""
        try:
            frame = await asyncio.to_thread(self._download, url)
        except (OSError, ValueError) as exc:
            log.warning("preview of stream %s: cannot fetch %s: %s", stream_id, url, exc)
            return False
        await self.save(stream_id, frame)
        return True

    def fetch_later(self, stream_id: str, url: str) -> None:
        """Fetch and store in the background."""
        task = asyncio.create_task(self.fetch_and_save(stream_id, url))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
