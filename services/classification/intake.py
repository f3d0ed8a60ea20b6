"""Taking in a `POST /api/classify` body: `multipart/form-data` with the
video file and its metadata, read as it streams in.

The form, as Gaard's clients send it:

* the video file: the part that has a filename (or a part named `video` or
  `file`). Required, exactly one. It goes straight to disk (the spool) as
  it arrives; nothing holds more than one piece of the body.
* `tenant`: required, a text part.
* `metadata`: optional, a text part holding a JSON object.
* any other text part (`site_id`, `camera_id`, `client_id`, `parentId`...):
  added to the metadata as a string (the JSON part's keys win).

`parentId` (or `parent_id`) and `cameraId` (or `camera_id`) are read from
the metadata; both spellings are accepted.

The whole body may not exceed the configured maximum; a larger one is
refused as soon as the maximum is passed.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import secrets
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from services.classification import errors
from services.classification.errors import gaard_error
from services.uploads.multipart import MultipartError, MultipartParser, PartData, PartEnd, PartStart, boundary_of

#: The parent id of a classification submitted without one.
NO_PARENT = "0" * 24
#: Largest text part (the JSON metadata included).
MAX_TEXT_BYTES = 64 * 1024
#: Bytes gathered before a write to the spool file.
WRITE_BYTES = 1024 * 1024
#: Names of parts that are the video even without a filename.
VIDEO_PARTS = {"video", "file"}
#: Text parts that are not metadata.
CONTROL_PARTS = {"tenant", "metadata"}


def new_id() -> str:
    """A 24-hex-digit id as Gaard prints them (a MongoDB ObjectId's layout:
    4 bytes of seconds since the epoch, then 8 random bytes)."""
    return int(time.time()).to_bytes(4, "big").hex() + secrets.token_hex(8)


@dataclass
class Submission:
    """A submitted video, on disk, and its form fields."""

    id: str
    tenant: str
    videoname: str
    path: Path
    filesize: int
    metadata: dict[str, Any] = field(default_factory=dict)

    @property
    def parent_id(self) -> str:
        value = self.metadata.get("parentId", self.metadata.get("parent_id"))
        return NO_PARENT if value is None or value == "" else str(value)

    @property
    def camera_id(self) -> str:
        value = self.metadata.get("cameraId", self.metadata.get("camera_id"))
        return "" if value is None else str(value)


class Spool:
    """Where submitted videos wait for their classification:
    `<root>/<id>.part` while they arrive, `<id>.video` once accepted."""

    def __init__(self, root: Path) -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True)

    def part_path(self, classification_id: str) -> Path:
        return self.root / f"{classification_id}.part"

    def video_path(self, classification_id: str) -> Path:
        return self.root / f"{classification_id}.video"

    def accept(self, part: Path) -> Path:
        """The arrived file becomes a waiting video (atomically)."""
        target = part.with_suffix(".video")
        os.replace(part, target)
        return target

    def remove(self, path: Path | str) -> None:
        with contextlib.suppress(FileNotFoundError):
            Path(path).unlink()

    def sweep(self, keep: set[str]) -> int:
        """Delete every file but those in `keep` (paths); returns how many."""
        removed = 0
        for path in self.root.iterdir():
            if path.is_file() and str(path) not in keep:
                self.remove(path)
                removed += 1
        return removed


class _Sink:
    """The video part going to disk, written in large blocks in a thread."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.size = 0
        self._pending: list[bytes] = []
        self._pending_bytes = 0
        self._handle: Any = None

    async def open(self) -> None:
        self._handle = await asyncio.to_thread(open, self.path, "wb")

    async def write(self, data: memoryview) -> None:
        self._pending.append(bytes(data))
        self._pending_bytes += len(data)
        self.size += len(data)
        if self._pending_bytes >= WRITE_BYTES:
            await self._flush()

    async def _flush(self) -> None:
        if self._pending:
            block = b"".join(self._pending)
            self._pending, self._pending_bytes = [], 0
            await asyncio.to_thread(self._handle.write, block)

    async def close(self) -> None:
        """Write what is left and make it durable."""
        await self._flush()

        def finish() -> None:
            self._handle.flush()
            os.fsync(self._handle.fileno())
            self._handle.close()

        await asyncio.to_thread(finish)

    def abort(self) -> None:
        if self._handle is not None and not self._handle.closed:
            self._handle.close()


def _text(name: str, data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise gaard_error(errors.BAD_REQUEST, f"the form field '{name}' is not UTF-8 text") from None


def _metadata(raw: str) -> dict[str, Any]:
    try:
        value = json.loads(raw) if raw.strip() else {}
    except (json.JSONDecodeError, RecursionError):
        raise gaard_error(errors.BAD_REQUEST, "the form field 'metadata' is not valid JSON") from None
    if not isinstance(value, dict):
        raise gaard_error(errors.BAD_REQUEST, "the form field 'metadata' must be a JSON object")
    return value


class Intake:
    """Reads a classify body into a Submission, the video spooled to disk."""

    def __init__(self, spool: Spool, max_bytes: int, max_string_length: int) -> None:
        self._spool = spool
        self._max_bytes = max_bytes
        self._max_string = max_string_length

    async def read(self, content_type: str, body: AsyncIterator[bytes]) -> Submission:
        """Parse the body. Raises the Gaard errors BAD_REQUEST,
        TENANT_REQUIRED, VIDEO_REQUIRED and TOO_LARGE; nothing stays on disk
        when it fails."""
        try:
            parser = MultipartParser(boundary_of(content_type))
        except MultipartError as exc:
            raise gaard_error(errors.BAD_REQUEST, str(exc)) from None
        classification_id = new_id()
        sink: _Sink | None = None
        texts: dict[str, str] = {}
        current: PartStart | None = None
        text_parts: list[bytes] = []
        text_bytes = 0
        filename = ""
        received = 0
        try:
            async for piece in body:
                received += len(piece)
                if received > self._max_bytes:
                    raise gaard_error(
                        errors.TOO_LARGE, f"the request body exceeds the limit of {self._max_bytes} bytes"
                    )
                try:
                    events = parser.feed(piece)
                except MultipartError as exc:
                    raise gaard_error(errors.BAD_REQUEST, str(exc)) from None
                for event in events:
                    if isinstance(event, PartStart):
                        current, text_parts, text_bytes = event, [], 0
                        if event.filename is not None or event.name in VIDEO_PARTS:
                            if sink is not None:
                                raise gaard_error(errors.BAD_REQUEST, "the form has more than one video file")
                            filename = event.filename or event.name
                            sink = _Sink(self._spool.part_path(classification_id))
                            await sink.open()
                    elif isinstance(event, PartData):
                        assert current is not None
                        if _is_file(current):
                            assert sink is not None
                            await sink.write(event.data)
                        else:
                            text_bytes += len(event.data)
                            if text_bytes > MAX_TEXT_BYTES:
                                raise gaard_error(errors.BAD_REQUEST, f"the form field '{current.name}' is too long")
                            text_parts.append(bytes(event.data))
                    elif isinstance(event, PartEnd):
                        assert current is not None
                        if not _is_file(current):
                            texts.setdefault(current.name, _text(current.name, b"".join(text_parts)))
                        current = None
            try:
                parser.close()
            except MultipartError as exc:
                raise gaard_error(errors.BAD_REQUEST, str(exc)) from None
            tenant = texts.get("tenant", "").strip()
            if not tenant:
                raise gaard_error(errors.TENANT_REQUIRED, "the form field 'tenant' is required")
            if len(tenant) > self._max_string:
                raise gaard_error(errors.BAD_REQUEST, f"'tenant' is longer than {self._max_string} characters")
            if sink is None:
                raise gaard_error(errors.VIDEO_REQUIRED, "the form has no video file")
            if sink.size == 0:
                raise gaard_error(errors.VIDEO_REQUIRED, "the video file is empty")
            await sink.close()
            metadata: dict[str, Any] = {k: v for k, v in texts.items() if k not in CONTROL_PARTS}
            metadata.update(_metadata(texts.get("metadata", "")))
            return Submission(
                id=classification_id,
                tenant=tenant,
                videoname=filename[: self._max_string],
                path=sink.path,
                filesize=sink.size,
                metadata=metadata,
            )
        except BaseException:
            if sink is not None:
                sink.abort()
                self._spool.remove(sink.path)
            raise


def _is_file(part: PartStart) -> bool:
    return part.filename is not None or part.name in VIDEO_PARTS
