"""The Visionaire4 stream rules: node checks, limits, and changes that keep
what other writers of the row (LUNA clients, workers) wrote."""

from __future__ import annotations

import asyncio
import json
import math
import uuid
from dataclasses import dataclass
from typing import Any

from services.common.errors import InvalidArgument, NotFound
from services.db.models import Stream, StreamStatsRow, as_utc, utcnow
from services.streams.addresses import valid_stream_address
from services.streams.visionaire_repository import NodeFull, StreamRepository

__all__ = ["StreamChanges", "StreamsDomain", "valid_stream_address"]

MAX_NAME_LENGTH = 128
MAX_CUSTOM_DATA_BYTES = 64 * 1024
#: The statuses a user chose (LUNA PATCH); a new address keeps them.
USER_HELD_STATUSES = ("pause", "cancel")


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

    def __init__(self, repo: StreamRepository, *, stats_stale_seconds: float = 10.0) -> None:
        self._repo = repo
        self._stats_stale = stats_stale_seconds

    async def stream_stats(self, stream_id: str) -> StreamStatsRow | None:
        """What the stream engine last measured of the stream (None when no
        engine has opened it). A report older than `stats_stale_seconds`
        while the stream was not STOPPED means its engine is gone: STOPPED."""
        row = await asyncio.to_thread(self._repo.stream_stats, stream_id)
        if row is None or row.state == "STOPPED":
            return row
        age = (utcnow() - as_utc(row.updated_at)).total_seconds()
        if age > self._stats_stale:
            row.state, row.fps = "STOPPED", 0.0
            row.last_error_msg = f"the stream engine stopped reporting {age:.0f} s ago"
        return row

    async def _require_node(self, node_num: int) -> None:
        if not await asyncio.to_thread(self._repo.node_exists, node_num):
            raise NotFound("node not found")

    async def list_streams(self, node_num: int | None = None) -> list[tuple[Any, ...]]:
        """(stream_id, name, address, node_num, latitude, longitude,
        custom_data) of every stream (of one node), oldest first."""
        if node_num is not None:
            await self._require_node(node_num)
        return await asyncio.to_thread(self._repo.list, node_num)

    async def get_stream(self, node_num: int, stream_id: str) -> Stream:
        await self._require_node(node_num)
        stream = await asyncio.to_thread(self._repo.get, stream_id)
        if stream is None or stream.node_num != node_num:
            raise NotFound("stream not found")
        return stream

    async def pipelines_of(self, stream_id: str) -> list[tuple[str, str]]:
        """(analytic id, seat serial number) of the analytics assigned to a stream."""
        return await asyncio.to_thread(self._repo.pipelines_of, stream_id)

    async def create_stream(self, node_num: int, changes: StreamChanges) -> Stream:
        """A new stream; INVALID_ARGUMENT when the node already has
        `max_streams_per_node` streams (`POST /config/platform`)."""
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
        try:
            return await asyncio.to_thread(self._repo.add, stream)
        except NodeFull as full:
            raise InvalidArgument(node_full_message(node_num, full.limit)) from None

    async def update_stream(self, node_num: int, stream_id: str, changes: StreamChanges) -> Stream:
        """Change the given fields, under the row lock, and nothing else. A
        new address is a new processing setting: the version grows by one
        and a stream a worker was processing goes back to the queue
        (`pending`, as a LUNA PUT does) with its last error cleared and its
        autorestart count afresh; other changes keep the version."""
        await self._require_node(node_num)
        self._validate(changes, creating=False)

        def decide(stream: Stream) -> dict[str, Any]:
            values: dict[str, Any] = {}
            if changes.name is not None:
                values["name"] = changes.name
            if changes.latitude is not None:
                values["latitude"] = changes.latitude
            if changes.longitude is not None:
                values["longitude"] = changes.longitude
            if changes.custom_data is not None:
                values["custom_data"] = changes.custom_data
            if changes.address is not None and changes.address != stream.reference:
                values |= {"reference": changes.address, "version": stream.version + 1, "last_error": None}
                if stream.autorestart is not None:  # a new source starts its restart count afresh
                    restart = bool(stream.autorestart.get("restart"))
                    values["autorestart"] = stream.autorestart | {
                        "current_attempt": 0,
                        "failure_time": None,
                        "status": "enabled" if restart else "disabled",
                    }
                if stream.status not in USER_HELD_STATUSES:
                    values["status"] = "pending"
            values["last_update_time"] = utcnow()
            return values

        stream = await asyncio.to_thread(self._repo.change, stream_id, node_num, decide)
        if stream is None:
            raise NotFound("stream not found")
        return stream

    async def delete_stream(self, node_num: int, stream_id: str) -> Stream:
        await self._require_node(node_num)
        stream = await asyncio.to_thread(self._repo.delete, stream_id, node_num)
        if stream is None:
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


def node_full_message(node_num: int, limit: int) -> str:
    """The detail of a create refused on a full node."""
    return f"node {node_num} already has the maximum of {limit} streams (max_streams_per_node)"
