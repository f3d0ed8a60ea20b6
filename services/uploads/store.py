"""The chunk store: upload data on disk under `<data_dir>/uploads`, written as
it arrives and made durable before it is acknowledged.

Layout (every file name is generated; nothing a client sends becomes a path):

    uploads/sessions/<session_id>/data     the file being uploaded, preallocated
                                           to its total size; chunk i is written
                                           at i * chunk_size
    uploads/sessions/<session_id>/ledger   one fixed-size, checksummed record per
                                           chunk that is durably in `data`
    uploads/videos/<video_id>.<ext>        finished videos
    uploads/screenshots/<video_id>.jpg     the screenshot of a video
    uploads/tmp/                           bodies that cannot go straight to
                                           their place yet (spooled chunks,
                                           FindFace source files); emptied at start

A chunk is acknowledged only after its bytes are fsynced and then its ledger
record is appended and fsynced, so after a crash the ledger lists exactly
the chunks that are durably on disk. A torn last record (a crash in the
middle of an append) fails its checksum and is dropped.

Every method blocks on the file system: the domain calls them in threads.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import errno
import os
import shutil
import struct
import uuid
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from services.common.errors import ResourceExhausted

_RECORD = struct.Struct("<4sIQI")  # magic, chunk index, chunk size, crc32 of the first 16 bytes
_MAGIC = b"VCK1"
#: How many bytes a sink gathers before it hands them to a thread to write.
WRITE_BATCH_BYTES = 4 * 1024 * 1024
_NO_SPACE = {errno.ENOSPC, errno.EDQUOT}


class StorageFull(ResourceExhausted):
    """The upload storage has no room: HTTP 507 Insufficient Storage."""

    http_status = 507
    desc = "Insufficient storage"


class TooLarge(ResourceExhausted):
    """A body or an announced size is over a configured limit: HTTP 413."""

    http_status = 413
    desc = "Payload too large"


def storage_error(exc: OSError) -> Exception:
    """A full disk becomes StorageFull; other OS errors stay what they are."""
    if exc.errno in _NO_SPACE:
        return StorageFull("the media server's storage is full")
    return exc


@contextlib.contextmanager
def no_space_is_storage_full() -> Iterator[None]:
    """Turn ENOSPC/EDQUOT raised inside the block into StorageFull."""
    try:
        yield
    except OSError as exc:
        err = storage_error(exc)
        if err is exc:
            raise
        raise err from None


def fsync_dir(path: Path) -> None:
    """Make a directory's entries (a create, rename or unlink in it) durable."""
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _sync_file_range() -> Callable[[int, int, int], None]:
    """Linux's sync_file_range(SYNC_FILE_RANGE_WRITE): start writing a range
    back to disk without waiting, so the fsync that acknowledges a chunk finds
    little left to do. A no-op where it does not exist."""
    try:
        call = ctypes.CDLL(None, use_errno=True).sync_file_range
    except (AttributeError, OSError):
        return lambda fd, offset, length: None
    call.argtypes = [ctypes.c_int, ctypes.c_int64, ctypes.c_int64, ctypes.c_uint]
    call.restype = ctypes.c_int

    def start_writeback(fd: int, offset: int, length: int) -> None:
        call(fd, offset, length, 2)  # SYNC_FILE_RANGE_WRITE; a failure only means no head start

    return start_writeback


start_writeback = _sync_file_range()


def pwrite_all(fd: int, views: list[memoryview], offset: int, digest: Any = None) -> int:
    """Write every buffer at `offset` (writes may be partial), start their
    write-back, and feed them to `digest` (a hashlib object) when given;
    bytes written."""
    if digest is not None:
        for view in views:
            digest.update(view)
    total = 0
    pending = [v for v in views if len(v)]
    while pending:
        with no_space_is_storage_full():
            n = os.pwritev(fd, pending, offset + total)
        if n <= 0:
            raise StorageFull("the media server's storage is full")
        total += n
        while pending and n >= len(pending[0]):
            n -= len(pending[0])
            pending.pop(0)
        if n:
            pending[0] = pending[0][n:]
    start_writeback(fd, offset, total)
    return total


def _valid_record(raw: bytes, start: int) -> bool:
    magic, _, _, crc = _RECORD.unpack_from(raw, start)
    return bool(magic == _MAGIC and crc == zlib.crc32(raw[start : start + 16]))


def _durable(fd: int) -> None:
    """fdatasync, a full disk reported as StorageFull."""
    with no_space_is_storage_full():
        os.fdatasync(fd)


class ChunkStore:
    """Upload files and ledgers under one root folder."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.sessions = root / "sessions"
        self.videos = root / "videos"
        self.tmp = root / "tmp"
        self.screenshots = root / "screenshots"
        self._ledger_end: dict[str, int] = {}  # session -> end of its valid ledger records

    # -- set-up and space --------------------------------------------------

    def prepare(self) -> None:
        """Create the folders and drop what a crash left in tmp/."""
        for folder in (self.sessions, self.videos, self.screenshots):
            folder.mkdir(parents=True, exist_ok=True)
        shutil.rmtree(self.tmp, ignore_errors=True)
        self.tmp.mkdir(parents=True, exist_ok=True)

    def free_bytes(self) -> int:
        return shutil.disk_usage(self.root).free

    # -- sessions ------------------------------------------------------------

    def session_dir(self, session_id: str) -> Path:
        return self.sessions / session_id

    def data_path(self, session_id: str) -> Path:
        return self.session_dir(session_id) / "data"

    def ledger_path(self, session_id: str) -> Path:
        return self.session_dir(session_id) / "ledger"

    def create_session(self, session_id: str, total_size: int) -> None:
        """Make the session's folder, its data file with `total_size` bytes
        reserved on disk (so a full disk shows now, not at 90%), and an empty
        ledger."""
        folder = self.session_dir(session_id)
        folder.mkdir()
        try:
            fd = os.open(folder / "data", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o640)
            try:
                with no_space_is_storage_full():
                    if total_size:
                        os.posix_fallocate(fd, 0, total_size)
                    os.fsync(fd)
            finally:
                os.close(fd)
            fd = os.open(folder / "ledger", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o640)
            os.fsync(fd)
            os.close(fd)
            fsync_dir(folder)
            fsync_dir(self.sessions)
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise

    def open_data(self, session_id: str) -> int:
        """A write descriptor on the session's data file."""
        return os.open(self.data_path(session_id), os.O_WRONLY)

    def read_ledger(self, session_id: str) -> dict[int, int]:
        """{chunk index: size} of every chunk durably on disk, from the ledger;
        stops at the first record that fails its checksum (a torn append)."""
        try:
            raw = self.ledger_path(session_id).read_bytes()
        except FileNotFoundError:
            return {}
        chunks: dict[int, int] = {}
        for start in range(0, len(raw) - _RECORD.size + 1, _RECORD.size):
            if not _valid_record(raw, start):
                break
            _, index, size, _ = _RECORD.unpack_from(raw, start)
            chunks[index] = size
        return chunks

    def append_ledger(self, session_id: str, index: int, size: int) -> None:
        """Record chunk `index` as durable. Call only after its data is fsynced."""
        path = self.ledger_path(session_id)
        valid = self._ledger_end.get(session_id)
        if valid is None:  # first append in this process: find the end of the valid records
            raw = path.read_bytes()
            valid = 0
            while valid + _RECORD.size <= len(raw) and _valid_record(raw, valid):
                valid += _RECORD.size
        head = struct.pack("<4sIQ", _MAGIC, index, size)
        record = head + struct.pack("<I", zlib.crc32(head))
        fd = os.open(path, os.O_WRONLY)
        try:
            with no_space_is_storage_full():
                if os.fstat(fd).st_size != valid:
                    os.ftruncate(fd, valid)  # drop a torn record first
                os.pwrite(fd, record, valid)
                os.fsync(fd)
        finally:
            os.close(fd)
        self._ledger_end[session_id] = valid + _RECORD.size

    def remove_session(self, session_id: str) -> None:
        self._ledger_end.pop(session_id, None)
        folder = self.session_dir(session_id)
        if folder.exists():
            shutil.rmtree(folder, ignore_errors=True)
            fsync_dir(self.sessions)

    def session_ids_on_disk(self) -> list[str]:
        return sorted(p.name for p in self.sessions.iterdir() if p.is_dir())

    def copy_into(self, source: Path, session_id: str, offset: int, size: int) -> None:
        """Copy a spooled chunk into the session's data file at `offset`, in
        the kernel, and make it durable."""
        with open(source, "rb") as src:
            fd = self.open_data(session_id)
            try:
                done = 0
                while done < size:
                    with no_space_is_storage_full():
                        n = os.copy_file_range(src.fileno(), fd, size - done, done, offset + done)
                    if n == 0:
                        raise OSError(errno.EIO, f"spooled chunk {source.name} is shorter than {size} bytes")
                    done += n
                _durable(fd)
            finally:
                os.close(fd)

    # -- spooled bodies and finished files -----------------------------------

    def new_tmp_path(self) -> Path:
        return self.tmp / uuid.uuid4().hex

    def video_path(self, video_id: str, extension: str) -> Path:
        return self.videos / f"{video_id}.{extension}"

    def screenshot_path(self, video_id: str) -> Path:
        return self.screenshots / f"{video_id}.jpg"

    def place(self, source: Path, target: Path) -> None:
        """Move a finished file into place atomically and durably."""
        os.replace(source, target)
        fsync_dir(target.parent)

    def remove_file(self, path: Path) -> None:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


class Sink:
    """Where the bytes of one file part go as they arrive: written in batches
    by a thread, one batch in flight while the next one gathers."""

    def __init__(
        self,
        fd: int | None,
        offset: int,
        limit: int,
        path: Path | None = None,
        too_large: Callable[[int], Exception] | None = None,
    ) -> None:
        self.digest: Any = None  # a hashlib object fed with every byte, in order, when set
        self.durable = True  # finish() fsyncs
        self._fd = fd
        self._offset = offset
        self._limit = limit
        self._too_large = too_large or (lambda limit: TooLarge(f"the file part is larger than {limit} bytes"))
        self.path = path  # set for a spool file, removed on abort
        self.size = 0
        self._batch: list[memoryview] = []
        self._batch_bytes = 0
        self._written = 0
        self._pending: asyncio.Future[int] | None = None

    @classmethod
    def direct(cls, fd: int, offset: int, limit: int, too_large: Callable[[int], Exception] | None = None) -> Sink:
        """Write at `offset` of an open file (a session's data file); past
        `limit` bytes, raise `too_large(limit)`."""
        return cls(fd, offset, limit, too_large=too_large)

    @classmethod
    def spool(cls, path: Path, limit: int, *, durable: bool = True) -> Sink:
        """Write to a new file at `path`; `durable=False` for a file that is
        only copied elsewhere (which makes the copy durable)."""
        sink = cls(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o640), 0, limit, path)
        sink.durable = durable
        return sink

    @classmethod
    def discard(cls, limit: int) -> Sink:
        """Only count the bytes (a chunk that is already on disk)."""
        return cls(None, 0, limit)

    @property
    def over_limit(self) -> bool:
        return self.size > self._limit

    async def write(self, data: memoryview) -> None:
        """Take the next bytes; raises TooLarge past the limit."""
        self.size += len(data)
        if self.size > self._limit:
            raise self._too_large(self._limit)
        if self._fd is None:
            return
        self._batch.append(data)
        self._batch_bytes += len(data)
        if self._batch_bytes >= WRITE_BATCH_BYTES:
            await self._flush()

    async def _flush(self) -> None:
        if self._pending is not None:
            await self._pending
            self._pending = None
        if not self._batch or self._fd is None:
            return
        batch, offset = self._batch, self._offset + self._written
        self._batch, self._written, self._batch_bytes = [], self._written + self._batch_bytes, 0
        self._pending = asyncio.get_running_loop().run_in_executor(
            None, pwrite_all, self._fd, batch, offset, self.digest
        )

    async def finish(self) -> int:
        """Write what is left and make it durable; the part's size."""
        await self._flush()
        if self._pending is not None:
            await self._pending
            self._pending = None
        if self._fd is not None and self.durable:
            await asyncio.to_thread(_durable, self._fd)
        self.close()
        return self.size

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    async def abort(self) -> None:
        """Stop: close the file, and delete it if it is a spool file."""
        if self._pending is not None:
            with contextlib.suppress(Exception):
                await self._pending
            self._pending = None
        self.close()
        if self.path is not None:
            with contextlib.suppress(FileNotFoundError):
                self.path.unlink()
