"""Stream rules shared by every face (Visionaire4 now, LUNA and the pipelines
later): address validation, limits, node checks."""

from __future__ import annotations

import asyncio
import json
import math
import re
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from services.common.errors import InvalidArgument, NotFound
from services.db.models import Stream, utcnow
from services.streams.repository import StreamRepository

#: URL schemes of network sources and the schemes' need for a host.
NETWORK_SCHEMES = {"rtsp", "rtsps", "rtmp", "rtmps", "http", "https"}
MAX_ADDRESS_LENGTH = 1024
MAX_NAME_LENGTH = 128
MAX_CUSTOM_DATA_BYTES = 64 * 1024
_USB_DEVICE = re.compile(r"^/dev/video\d{1,3}$")


def valid_stream_address(address: str) -> bool:
    """True for an rtsp/rtmp/http(s) URL with a host, a `file://` URL with a
    path, or a USB camera (`usb://N` or `/dev/videoN`)."""
    if not address or len(address) > MAX_ADDRESS_LENGTH or any(c.isspace() or ord(c) < 32 for c in address):
        return False
    if _USB_DEVICE.match(address):
        return True
    try:
        parts = urlsplit(address)
    except ValueError:
        return False
    scheme = parts.scheme.lower()
    if scheme in NETWORK_SCHEMES:
        return bool(parts.hostname)
    if scheme == "file":
        return parts.netloc in ("", "localhost") and len(parts.path) > 1
    if scheme == "usb":
        return (parts.netloc + parts.path).isdigit()
    return False


@dataclass(frozen=True)
class StreamChanges:
    """Fields a caller asked to change; None means keep."""

    address: str | None = None
    name: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    custom_data: dict[str, Any] | None = None


class StreamsDomain:
    """Creates, reads, changes and deletes streams on registered nodes."""

    def __init__(self, repo: StreamRepository) -> None:
        self._repo = repo

    async def _require_node(self, node_num: int) -> None:
        if not await asyncio.to_thread(self._repo.node_exists, node_num):
            raise NotFound("node not found")

    async def list_streams(self, node_num: int | None = None) -> list[Stream]:
        if node_num is not None:
            await self._require_node(node_num)
        return await asyncio.to_thread(self._repo.list, node_num)

    async def get_stream(self, node_num: int, stream_id: str) -> Stream:
        await self._require_node(node_num)
        stream = await asyncio.to_thread(self._repo.get, stream_id)
        if stream is None or stream.node_num != node_num:
            raise NotFound("stream not found")
        return stream

    async def create_stream(self, node_num: int, changes: StreamChanges) -> Stream:
        await self._require_node(node_num)
        self._validate(changes, creating=True)
        now = utcnow()
        stream = Stream(
            stream_id=str(uuid.uuid4()),
            node_num=node_num,
            name=changes.name or "",
            reference=changes.address or "",
            latitude=changes.latitude,
            longitude=changes.longitude,
            custom_data=changes.custom_data or {},
            create_time=now,
            last_update_time=now,
        )
        return await asyncio.to_thread(self._repo.add, stream)

    async def update_stream(self, node_num: int, stream_id: str, changes: StreamChanges) -> Stream:
        stream = await self.get_stream(node_num, stream_id)
        self._validate(changes, creating=False)
        if changes.address is not None:
            stream.reference = changes.address
        if changes.name is not None:
            stream.name = changes.name
        if changes.latitude is not None:
            stream.latitude = changes.latitude
        if changes.longitude is not None:
            stream.longitude = changes.longitude
        if changes.custom_data is not None:
            stream.custom_data = changes.custom_data
        stream.version += 1
        stream.last_update_time = utcnow()
        return await asyncio.to_thread(self._repo.save, stream)

    async def delete_stream(self, node_num: int, stream_id: str) -> Stream:
        stream = await self.get_stream(node_num, stream_id)
        if not await asyncio.to_thread(self._repo.delete, stream_id):
            raise NotFound("stream not found")
        return stream

    @staticmethod
    def _validate(changes: StreamChanges, *, creating: bool) -> None:
        if (creating or changes.address is not None) and not valid_stream_address(changes.address or ""):
            raise InvalidArgument("Invalid stream_address")
        if changes.name is not None and len(changes.name) > MAX_NAME_LENGTH:
            raise InvalidArgument(f"stream_name is longer than {MAX_NAME_LENGTH} characters")
        for label, value, bound in (
            ("stream_latitude", changes.latitude, 90.0),
            ("stream_longitude", changes.longitude, 180.0),
        ):
            if value is not None and (not math.isfinite(value) or abs(value) > bound):
                raise InvalidArgument(f"{label} must be between -{bound:g} and {bound:g}")
        if changes.custom_data is not None and len(json.dumps(changes.custom_data)) > MAX_CUSTOM_DATA_BYTES:
            raise InvalidArgument(f"stream_custom_data is larger than {MAX_CUSTOM_DATA_BYTES} bytes")
