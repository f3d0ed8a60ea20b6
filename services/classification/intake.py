"""Taking in a `POST /api/classify` body: `multipart/form-data` with the
video file and its metadata, read as it streams in.

The form, as Gaard's clients send it (`curl -F video=@clip.mp4 -F tenant=t
-F metadata=@metadata.json`):

* the video file: the part named `video` (or `file`); without one, the only
  file part with a video content type (`video/*`) or a video file extension;
  without one, the only file part. Required, exactly one. Every file part
  goes straight to disk (the spool) as it arrives; nothing holds more than
  one piece of the body.
* `tenant`: required, a text part.
* `metadata`: optional, a JSON object, as a text part or as a file part
  (`-F metadata=@metadata.json`, `application/json` or any other type).
* any other text part (`site_id`, `camera_id`, `client_id`, `parentId`...):
  added to the metadata as a string (the JSON part's keys win).

Any other file part is refused (400), as is a second video.

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

from services.auth.tenant import current_owner
from services.classification import errors
from services.classification.errors import gaard_error
from services.http_body.multipart import MultipartError, MultipartParser, PartData, PartEnd, PartStart, boundary_of

#: The parent id of a classification submitted without one.
NO_PARENT = "0" * 24
#: Largest text part (the JSON metadata included).
MAX_TEXT_BYTES = 64 * 1024
#: Bytes gathered before a write to the spool file.
WRITE_BYTES = 1024 * 1024
#: Names of parts that are the video even without a filename.
VIDEO_PARTS = {"video", "file"}
#: Parts that are read as text even when sent as files, and are not metadata.
CONTROL_PARTS = {"tenant", "metadata"}
#: File extensions that mark a file part as a video.
VIDEO_EXTENSIONS = {
    ".3gp", ".asf", ".avi", ".dav", ".flv", ".h264", ".h265", ".hevc", ".m2ts", ".m4v", ".mjpeg", ".mkv",
    ".mov", ".mp4", ".mpeg", ".mpg", ".mts", ".ogv", ".ts", ".webm", ".wmv",
}  # fmt: skip


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


@dataclass
class _FilePart:
    """A file part of the form, spooled to disk as it arrives."""

    name: str
    filename: str
    content_type: str
    sink: _Sink

    @property
    def named_video(self) -> bool:
        return self.name in VIDEO_PARTS

    @property
    def looks_like_video(self) -> bool:
        return self.content_type.lower().startswith("video/") or Path(self.filename).suffix.lower() in VIDEO_EXTENSIONS


def choose_video(files: list[_FilePart]) -> _FilePart | None:
    """The video among a form's file parts (the module docstring gives the
    rule); None when there is no file part. Raises BAD_REQUEST when there is
    more than one video or a file part that is neither."""
    if not files:
        return None
    named = [f for f in files if f.named_video]
    videos = named or [f for f in files if f.looks_like_video] or files
    if len(videos) > 1:
        if named or any(f.looks_like_video for f in videos):
            raise gaard_error(errors.BAD_REQUEST, "the form has more than one video file")
        raise gaard_error(
            errors.BAD_REQUEST, "the form has several file parts and none is a video: name the video part 'video'"
        )
    chosen = videos[0]
    extra = next((f for f in files if f is not chosen), None)
    if extra is not None:
        if extra.looks_like_video:
            raise gaard_error(errors.BAD_REQUEST, "the form has more than one video file")
        raise gaard_error(
            errors.BAD_REQUEST,
            f"the file part '{extra.name[:40]}' is neither the video nor 'metadata'",
        )
    return chosen


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
        files: list[_FilePart] = []
        file: _FilePart | None = None  # the file part being received
        texts: dict[str, str] = {}
        current: PartStart | None = None
        text_parts: list[bytes] = []
        text_bytes = 0
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
                        current, text_parts, text_bytes, file = event, [], 0, None
                        if _is_file(event):
                            path = self._spool.part_path(classification_id).with_name(
                                f"{classification_id}.part{len(files)}"
                            )
                            file = _FilePart(event.name, event.filename or event.name, event.content_type, _Sink(path))
                            files.append(file)
                            await file.sink.open()
                    elif isinstance(event, PartData):
                        assert current is not None
                        if file is not None:
                            await file.sink.write(event.data)
                        else:
                            text_bytes += len(event.data)
                            if text_bytes > MAX_TEXT_BYTES:
                                raise gaard_error(
                                    errors.BAD_REQUEST, f"the form field '{current.name[:40]}' is too long"
                                )
                            text_parts.append(bytes(event.data))
                    elif isinstance(event, PartEnd):
                        assert current is not None
                        if file is None:
                            texts.setdefault(current.name, _text(current.name, b"".join(text_parts)))
                        current, file = None, None
            try:
                parser.close()
            except MultipartError as exc:
                raise gaard_error(errors.BAD_REQUEST, str(exc)) from None
            # A verified Bearer token's tenant wins over the form's (issue 11).
            tenant = current_owner() or texts.get("tenant", "").strip()
            if not tenant:
                raise gaard_error(errors.TENANT_REQUIRED, "the form field 'tenant' is required")
            if len(tenant) > self._max_string:
                raise gaard_error(errors.BAD_REQUEST, f"'tenant' is longer than {self._max_string} characters")
            metadata: dict[str, Any] = {k: v for k, v in texts.items() if k not in CONTROL_PARTS}
            metadata.update(_metadata(texts.get("metadata", "")))
            video = choose_video(files)
            if video is None:
                raise gaard_error(errors.VIDEO_REQUIRED, "the form has no video file")
            if video.sink.size == 0:
                raise gaard_error(errors.VIDEO_REQUIRED, "the video file is empty")
            await video.sink.close()
            path = self._spool.part_path(classification_id)
            await asyncio.to_thread(os.replace, video.sink.path, path)
            return Submission(
                id=classification_id,
                tenant=tenant,
                videoname=video.filename[: self._max_string],
                path=path,
                filesize=video.sink.size,
                metadata=metadata,
            )
        except BaseException:
            for spooled in files:
                spooled.sink.abort()
                self._spool.remove(spooled.sink.path)
            self._spool.remove(self._spool.part_path(classification_id))
            raise


def _is_file(part: PartStart) -> bool:
    """Whether a part goes to disk: a file part or a part named as the video;
    `tenant` and `metadata` are text even when sent as files."""
    if part.name in CONTROL_PARTS:
        return False
    return part.filename is not None or part.name in VIDEO_PARTS
