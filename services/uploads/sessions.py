"""Resumable chunked uploads (Lenz): sessions, chunks in any order and more
than once, crash-safe acknowledgement, completion into a video.

A chunk's `file` part streams to disk as it arrives: straight into the
session's data file at its offset when the form fields that place it came
first (and no other request is writing that chunk), otherwise into a spool
file that is copied into place once the fields are known. A chunk counts as
received only once its bytes and then its ledger record are fsynced; the
ledger (see store.py) is what status and resume report, so after a crash they
report exactly the chunks that are durably on disk.

Every chunk but the last has the same size, fixed by the first chunk that
arrives (for the last chunk, `(total_size - its size) / (total_chunks - 1)`),
so chunk i lives at `i * chunk_size` and the file is never assembled by
copying.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import secrets
from collections.abc import AsyncIterator, Coroutine
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from services.auth.tenant import current_owner, visible
from services.common.errors import FailedPrecondition, InvalidArgument, NotFound
from services.common.settings import UploadsSettings
from services.db.models import UploadSession, as_utc, utcnow
from services.http_body.multipart import MultipartError, MultipartParser, PartData, PartStart, boundary_of
from services.media import probe
from services.uploads.library import VideoLibrary, clean_filename
from services.uploads.repository import UploadsRepository
from services.uploads.store import ChunkStore, Sink, TooLarge

log = logging.getLogger(__name__)

#: Sessions that still take chunks.
OPEN = ("uploading", "paused")
#: The longest value of a plain (non-file) form field.
MAX_FIELD_BYTES = 4096
#: The most chunks one file may be cut into.
MAX_CHUNKS = 1_000_000
_REQUIRED = ("filename", "chunk_index", "total_chunks", "total_size")


@dataclass(frozen=True)
class ChunkHead:
    """What the first message of an UploadChunk stream says besides the body."""

    nvr_server_id: int
    auto_stream: bool
    content_type: str


@dataclass(frozen=True)
class ChunkForm:
    """The form fields of one chunk, validated."""

    filename: str
    chunk_index: int
    total_chunks: int
    total_size: int
    session_id: str | None


@dataclass(frozen=True)
class Receipt:
    """The answer to one chunk."""

    message: str
    session: UploadSession
    chunk_index: int


@dataclass(frozen=True)
class SessionView:
    """A session as status and resume report it, from its ledger."""

    session: UploadSession
    missing: list[int]


@dataclass
class _Live:
    """What this process knows of a session besides the database."""

    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    ledger: dict[int, int] | None = None
    writing: set[int] = field(default_factory=set)
    # The SHA-256 of the file's first `hashed` bytes, fed as chunks that
    # arrive in order are written (so completion need not read them again).
    digest: Any = None
    hashed: int = 0


def _int_field(fields: dict[str, str], name: str) -> int:
    raw = fields.get(name)
    if raw is None:
        raise InvalidArgument(f"missing form field '{name}'")
    text = raw.strip()
    if not text.isascii() or not text.lstrip("-").isdigit() or len(text) > 19:
        raise InvalidArgument(f"{name} must be an integer, not {raw[:40]!r}")
    return int(text)


def chunk_size_from(index: int, size: int, total_chunks: int, total_size: int) -> int:
    """The size of every chunk but the last, from one chunk's index and size.
    Raises InvalidArgument when no consistent chunk size exists."""
    if total_chunks == 1:
        chunk = total_size
    elif index == total_chunks - 1:
        rest = total_size - size
        if size < 1 or rest <= 0 or rest % (total_chunks - 1):
            raise InvalidArgument(
                f"the last chunk has {size} bytes, which leaves no equal size for the other "
                f"{total_chunks - 1} chunks of a {total_size}-byte file"
            )
        chunk = rest // (total_chunks - 1)
    else:
        chunk = size
    last = total_size - (total_chunks - 1) * chunk
    if chunk < 1 or not 1 <= last <= chunk:
        low = -(-total_size // total_chunks)
        high = -(-total_size // (total_chunks - 1)) - 1 if total_chunks > 1 else total_size
        raise InvalidArgument(
            f"chunk {index} has {size} bytes: a {total_size}-byte file in {total_chunks} chunks needs "
            f"every chunk but the last to have between {low} and {high} bytes"
        )
    return chunk


def expected_size(index: int, chunk: int, total_chunks: int, total_size: int) -> int:
    """How many bytes chunk `index` has when every chunk but the last has `chunk`."""
    return total_size - (total_chunks - 1) * chunk if index == total_chunks - 1 else chunk


class UploadSessions:
    """Receives chunks, reports and resumes sessions, cancels them."""

    def __init__(
        self, repo: UploadsRepository, store: ChunkStore, library: VideoLibrary, settings: UploadsSettings
    ) -> None:
        self._repo = repo
        self._store = store
        self._library = library
        self._settings = settings
        self._live: dict[str, _Live] = {}
        self._tasks: set[asyncio.Task[Any]] = set()
        self._recovered: list[str] = []

    # -- helpers -------------------------------------------------------------------

    def _state(self, session_id: str) -> _Live:
        return self._live.setdefault(session_id, _Live())

    async def _ledger(self, session_id: str) -> dict[int, int]:
        live = self._state(session_id)
        if live.ledger is None:
            live.ledger = await asyncio.to_thread(self._store.read_ledger, session_id)
        return live.ledger

    def _effective_status(self, upload: UploadSession) -> str:
        if upload.status == "uploading":
            idle = utcnow() - as_utc(upload.updated_at)
            if idle > timedelta(seconds=self._settings.idle_seconds):
                return "paused"
        return upload.status

    async def _session(self, node: int, session_id: str) -> UploadSession:
        await self._library.require_node(node)
        upload = await asyncio.to_thread(self._repo.get_session, session_id) if session_id else None
        if upload is None or upload.nvr_server_id != node or not visible(upload.owner):
            raise NotFound("upload session not found")
        return upload

    def _form(self, fields: dict[str, str], *, complete: bool) -> ChunkForm | None:
        """The validated form; with complete=False, None while a field that
        places the chunk has not arrived yet."""
        if not complete and any(name not in fields for name in _REQUIRED):
            return None
        for name in _REQUIRED:
            if name not in fields:
                raise InvalidArgument(f"missing form field '{name}'")
        filename = clean_filename(fields["filename"])
        if not filename:
            raise InvalidArgument("filename must not be empty")
        index = _int_field(fields, "chunk_index")
        total_chunks = _int_field(fields, "total_chunks")
        total_size = _int_field(fields, "total_size")
        if not 1 <= total_chunks <= MAX_CHUNKS:
            raise InvalidArgument(f"total_chunks must be between 1 and {MAX_CHUNKS}")
        if total_size < 1:
            raise InvalidArgument("total_size must be at least 1")
        if total_size > self._settings.max_bytes:
            raise TooLarge(f"total_size {total_size} exceeds the limit of {self._settings.max_bytes} bytes per video")
        if total_chunks > total_size:
            raise InvalidArgument("total_chunks must not exceed total_size")
        if not 0 <= index < total_chunks:
            raise InvalidArgument(f"chunk_index {index} is outside [0, {total_chunks})")
        session_id = (fields.get("session_id") or "").strip() or None
        return ChunkForm(filename, index, total_chunks, total_size, session_id)

    @staticmethod
    def _check_open(upload: UploadSession, form: ChunkForm) -> None:
        if upload.status not in (*OPEN, "completed", "assembling"):
            raise FailedPrecondition(f"upload session {upload.session_id} is {upload.status}")
        if (form.total_chunks, form.total_size) != (upload.total_chunks, upload.total_size):
            raise InvalidArgument(
                f"the chunk says total_chunks={form.total_chunks}, total_size={form.total_size}; the session has "
                f"total_chunks={upload.total_chunks}, total_size={upload.total_size}"
            )

    async def _open_session(self, head: ChunkHead, form: ChunkForm) -> UploadSession:
        """A new session for the first chunk of a file."""
        await asyncio.to_thread(self._library.check_room, form.total_size)
        now = utcnow()
        upload = UploadSession(
            session_id=f"sess-{secrets.token_hex(12)}",
            video_id=secrets.token_hex(6),
            nvr_server_id=head.nvr_server_id,
            original_filename=form.filename,
            total_chunks=form.total_chunks,
            total_size=form.total_size,
            auto_stream=head.auto_stream,
            created_at=now,
            updated_at=now,
            owner=current_owner(),
        )
        await asyncio.to_thread(self._store.create_session, upload.session_id, upload.total_size)
        try:
            return await asyncio.to_thread(self._repo.add_session, upload)
        except BaseException:
            await asyncio.to_thread(self._store.remove_session, upload.session_id)
            raise

    async def _discard_session(self, upload: UploadSession) -> None:
        """Forget a session whose first request failed before any chunk."""
        upload.status, upload.updated_at, upload.error = "cancelled", utcnow(), "the first chunk did not arrive"
        await asyncio.to_thread(self._repo.save_session, upload)
        await asyncio.to_thread(self._store.remove_session, upload.session_id)
        self._live.pop(upload.session_id, None)

    # -- receiving chunks ------------------------------------------------------------

    async def receive_chunk(self, head: ChunkHead, pieces: AsyncIterator[bytes]) -> Receipt:
        """Parse one multipart chunk as it arrives and record it."""
        await self._library.require_node(head.nvr_server_id)
        try:
            boundary = boundary_of(head.content_type)
        except MultipartError as exc:
            raise InvalidArgument(str(exc)) from None
        intake = _Intake(self, head)
        try:
            await intake.read(pieces, MultipartParser(boundary))
        except BaseException:
            await intake.close()
            raise
        # Once the chunk is in, recording it (and completing the upload) runs
        # to its end even if the client goes away meanwhile.
        return await asyncio.shield(self._spawn(intake.commit()))

    def _spawn(self, work: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        """A task that runs to its end whoever waits for it."""
        task = asyncio.create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        task.add_done_callback(lambda t: t.cancelled() or t.exception())
        return task

    async def _place(self, head: ChunkHead, form: ChunkForm | None, intake: _Intake) -> Sink:
        """Where the file part goes, decided when it starts."""
        spool = self._settings.max_chunk_bytes
        if form is None:
            # A spool file needs new space (a chunk placed in its session's
            # preallocated file does not): not below the reserve.
            await asyncio.to_thread(self._library.check_room, 0)
            return Sink.spool(self._store.new_tmp_path(), spool, durable=False)
        if form.session_id is None:
            intake.session = await self._open_session(head, form)
            intake.created = True
        else:
            intake.session = await self._session(head.nvr_server_id, form.session_id)
            self._check_open(intake.session, form)
        upload = intake.session
        if upload.status not in OPEN:  # completed: every chunk is in, a re-sent one is dropped
            return Sink.discard(spool)
        live = self._state(upload.session_id)
        ledger = await self._ledger(upload.session_id)
        if form.chunk_index in ledger:
            return Sink.discard(spool)
        chunk = upload.chunk_size
        if form.chunk_index in live.writing or (chunk is None and form.chunk_index != 0):
            await asyncio.to_thread(self._library.check_room, 0)
            return Sink.spool(self._store.new_tmp_path(), spool, durable=False)
        live.writing.add(form.chunk_index)
        intake.writing = form.chunk_index
        if chunk is None:  # chunk 0 before any other: it fixes the chunk size
            limit = upload.total_size if upload.total_chunks == 1 else upload.total_size - (upload.total_chunks - 1)
        else:
            limit = expected_size(form.chunk_index, chunk, upload.total_chunks, upload.total_size)
        offset = form.chunk_index * (chunk or 0)
        fd = await asyncio.to_thread(self._store.open_data, upload.session_id)
        if limit > spool:
            return Sink.direct(fd, offset, spool)
        index = form.chunk_index

        def too_large(limit: int) -> Exception:
            return InvalidArgument(f"chunk {index} has more than the {limit} bytes it can have")

        sink = Sink.direct(fd, offset, limit, too_large)
        if offset == live.hashed and (live.digest is not None or offset == 0):
            sink.digest = live.digest.copy() if live.digest is not None else hashlib.sha256()
        return sink

    async def _commit(self, intake: _Intake, form: ChunkForm, sink: Sink) -> Receipt:
        """Record a received chunk; complete the upload when it was the last."""
        if intake.session is None:
            if form.session_id is None:
                intake.session = await self._open_session(intake.head, form)
                intake.created = True
            else:
                intake.session = await self._session(intake.head.nvr_server_id, form.session_id)
        sid = intake.session.session_id
        live = self._state(sid)
        async with live.lock:
            upload = await asyncio.to_thread(self._repo.get_session, sid)
            if upload is None:
                raise NotFound("upload session not found")
            self._check_open(upload, form)
            if upload.status not in OPEN:
                # A chunk re-sent after the upload finished (its answer was
                # lost): the same answer again, nothing changes.
                intake.committed = True
                message = "Upload completed" if upload.status == "completed" else "Upload is being assembled"
                return Receipt(message, upload, form.chunk_index)
            ledger = await self._ledger(sid)
            upload.seq += 1
            upload.updated_at = utcnow()
            if form.chunk_index in ledger:
                upload.status = "uploading"
                upload = await asyncio.to_thread(self._repo.save_session, upload)
                intake.committed = True
                return Receipt("Chunk already received", upload, form.chunk_index)
            size = sink.size
            chunk = upload.chunk_size or chunk_size_from(form.chunk_index, size, upload.total_chunks, upload.total_size)
            want = expected_size(form.chunk_index, chunk, upload.total_chunks, upload.total_size)
            if size != want:
                raise InvalidArgument(f"chunk {form.chunk_index} has {size} bytes; it must have {want}")
            if sink.path is not None:
                await asyncio.to_thread(self._store.copy_into, sink.path, sid, form.chunk_index * chunk, size)
            await asyncio.to_thread(self._store.append_ledger, sid, form.chunk_index, size)
            ledger[form.chunk_index] = size
            offset = form.chunk_index * chunk
            if sink.digest is not None and sink.path is None and offset == live.hashed:
                live.digest, live.hashed = sink.digest, offset + size
            upload.chunk_size = chunk
            upload.chunks_received = len(ledger)
            upload.bytes_written = sum(ledger.values())
            done = upload.chunks_received == upload.total_chunks and upload.bytes_written == upload.total_size
            upload.status = "assembling" if done else "uploading"
            upload = await asyncio.to_thread(self._repo.save_session, upload)
            intake.committed = True
        if done:
            upload = await self._complete(upload)
            return Receipt("Upload completed", upload, form.chunk_index)
        return Receipt("Chunk received", upload, form.chunk_index)

    async def _complete(self, upload: UploadSession) -> UploadSession:
        """Probe the finished file and turn it into a video, or fail the
        session with the reason when it is not a video."""
        data = self._store.data_path(upload.session_id)
        live = self._state(upload.session_id)
        try:
            await self._library.complete_upload(upload, data, live.digest, live.hashed)
        except probe.NotAVideo as exc:
            upload.status, upload.updated_at = "failed", utcnow()
            upload.error = f"{upload.original_filename} is not a video that can be decoded: {exc}"[:1024]
            upload = await asyncio.to_thread(self._repo.save_session, upload)
            await asyncio.to_thread(self._store.remove_session, upload.session_id)
            self._live.pop(upload.session_id, None)
            raise InvalidArgument(upload.error) from None
        except BaseException:
            upload.status = "uploading"  # every chunk stays; completion is tried again on the next chunk or start
            with contextlib.suppress(Exception):
                await asyncio.to_thread(self._repo.save_session, upload)
            raise
        await asyncio.to_thread(self._store.remove_session, upload.session_id)
        self._live.pop(upload.session_id, None)
        fresh = await asyncio.to_thread(self._repo.get_session, upload.session_id)
        return fresh or upload

    # -- status, resume, cancel --------------------------------------------------------

    async def _view(self, upload: UploadSession) -> SessionView:
        """The session with its counters from the ledger (reconciled into the
        database when a crash left them behind)."""
        status = self._effective_status(upload)
        if upload.status in OPEN:
            ledger = await self._ledger(upload.session_id)
            received, written = len(ledger), sum(ledger.values())
            if (received, written, status) != (upload.chunks_received, upload.bytes_written, upload.status):
                upload.chunks_received, upload.bytes_written, upload.status = received, written, status
                upload = await asyncio.to_thread(self._repo.save_session, upload)
            missing = [i for i in range(upload.total_chunks) if i not in ledger]
        elif upload.status in ("completed", "assembling"):
            missing = []
        else:
            missing = list(range(upload.total_chunks))
        return SessionView(upload, missing)

    async def status(self, node: int, session_id: str) -> SessionView:
        return await self._view(await self._session(node, session_id))

    async def resume(self, node: int, session_id: str, filename: str, video_id: str) -> tuple[SessionView, bool, str]:
        """(view, can_reuse_session, message)."""
        view = await self._view(await self._session(node, session_id))
        upload = view.session
        if upload.status not in OPEN:
            return view, False, f"Session is {upload.status}, start a new upload"
        if filename and clean_filename(filename) != upload.original_filename:
            return view, False, "Session belongs to another file, start a new upload"
        if video_id and video_id != upload.video_id:
            return view, False, "Session belongs to another video, start a new upload"
        return view, True, "Session found, can resume"

    async def cancel(self, node: int, session_id: str) -> UploadSession:
        upload = await self._session(node, session_id)
        live = self._state(upload.session_id)
        async with live.lock:
            fresh = await asyncio.to_thread(self._repo.get_session, upload.session_id)
            upload = fresh or upload
            if upload.status in ("completed", "assembling"):
                raise FailedPrecondition(f"upload session {session_id} is already {upload.status}")
            if upload.status != "cancelled":
                upload.status, upload.updated_at = "cancelled", utcnow()
                upload = await asyncio.to_thread(self._repo.save_session, upload)
            await asyncio.to_thread(self._store.remove_session, upload.session_id)
        self._live.pop(upload.session_id, None)
        return upload

    # -- start-up recovery and housekeeping --------------------------------------------------

    def recover(self) -> None:
        """At start-up, before serving (blocking): empty tmp/, drop the data
        of finished or unknown sessions, bring every open session's counters
        in line with its ledger, and note those whose every chunk is on disk
        (a crash hit their completion): `housekeeping` completes them."""
        self._store.prepare()
        on_disk = self._store.session_ids_on_disk()
        known = self._repo.session_ids(on_disk) if on_disk else {}
        for sid in on_disk:
            if known.get(sid) not in (*OPEN, "assembling"):
                self._store.remove_session(sid)
        for upload in self._repo.sessions_with_status([*OPEN, "assembling"]):
            data = self._store.data_path(upload.session_id)
            final = self._library.video_file_of(upload)
            if not data.exists() and final.exists() and self._store.session_dir(upload.session_id).exists():
                self._store.place(final, data)  # the crash hit between the move and the commit
            if not data.exists():
                upload.status, upload.error = "failed", "the upload's data is missing from the storage"
                self._repo.save_session(upload)
                continue
            ledger = self._store.read_ledger(upload.session_id)
            if not ledger:
                # Opened by a first chunk that never finished: its client
                # never got the session id, so nobody can resume it.
                upload.status, upload.error = "cancelled", "the first chunk never arrived"
                self._repo.save_session(upload)
                self._store.remove_session(upload.session_id)
                continue
            upload.chunks_received, upload.bytes_written = len(ledger), sum(ledger.values())
            complete = upload.chunks_received == upload.total_chunks and upload.bytes_written == upload.total_size
            upload.status = (
                "assembling" if complete else ("uploading" if upload.status == "assembling" else upload.status)
            )
            self._repo.save_session(upload)
            if complete:
                self._recovered.append(upload.session_id)

    async def complete_recovered(self) -> None:
        """Complete the sessions `recover` found with every chunk on disk."""
        for session_id in self._recovered:
            upload = await asyncio.to_thread(self._repo.get_session, session_id)
            if upload is not None:
                await self._complete_quietly(upload)
        self._recovered.clear()

    async def housekeeping(self) -> None:
        """Complete what `recover` found complete, then sweep idle sessions
        for as long as the process runs."""
        await self.complete_recovered()
        await self.sweep_forever()

    async def _complete_quietly(self, upload: UploadSession) -> None:
        try:
            await self._complete(upload)
        except Exception as exc:  # logged: nobody is waiting for this answer
            log.warning("completing upload %s after a restart failed: %s", upload.session_id, exc)

    async def sweep(self) -> None:
        """Mark idle sessions paused; cancel paused ones past their time to
        live and delete their data."""
        now = utcnow()
        for upload in await asyncio.to_thread(self._repo.sessions_with_status, OPEN):
            idle = (now - as_utc(upload.updated_at)).total_seconds()
            if idle > self._settings.session_ttl_seconds:
                log.info("upload session %s expired after %.0f s idle", upload.session_id, idle)
                await self.cancel(upload.nvr_server_id, upload.session_id)
            elif upload.status == "uploading" and idle > self._settings.idle_seconds:
                upload.status = "paused"
                await asyncio.to_thread(self._repo.save_session, upload)

    async def sweep_forever(self) -> None:
        interval = max(1.0, min(self._settings.idle_seconds / 2, 60.0))
        while True:
            await asyncio.sleep(interval)
            try:
                await self.sweep()
            except Exception:
                log.exception("sweeping upload sessions failed")


class _Intake:
    """One UploadChunk request while it streams in."""

    def __init__(self, owner: UploadSessions, head: ChunkHead) -> None:
        self.owner = owner
        self.head = head
        self.fields: dict[str, str] = {}
        self.sink: Sink | None = None
        self.session: UploadSession | None = None
        self.created = False
        self.committed = False
        self.writing: int | None = None

    async def read(self, pieces: AsyncIterator[bytes], parser: MultipartParser) -> None:
        field_name: str | None = None
        value = bytearray()
        in_file = False
        async for piece in pieces:
            try:
                events = parser.feed(piece)
            except MultipartError as exc:
                raise InvalidArgument(f"malformed multipart body: {exc}") from None
            for event in events:
                if isinstance(event, PartData):
                    if in_file:
                        assert self.sink is not None
                        await self.sink.write(event.data)
                    else:
                        value += event.data
                        if len(value) > MAX_FIELD_BYTES:
                            raise InvalidArgument(f"form field '{field_name}' is longer than {MAX_FIELD_BYTES} bytes")
                elif isinstance(event, PartStart):
                    if event.name == "file":
                        if self.sink is not None:
                            raise InvalidArgument("the body has more than one 'file' part")
                        in_file = True
                        form = self.owner._form(self.fields, complete=False)
                        self.sink = await self.owner._place(self.head, form, self)
                    else:
                        field_name, value = event.name, bytearray()
                elif in_file:
                    assert self.sink is not None
                    await self.sink.finish()
                    in_file = False
                elif field_name is not None:
                    try:
                        self.fields[field_name] = value.decode("utf-8")
                    except UnicodeDecodeError:
                        raise InvalidArgument(f"form field '{field_name}' is not UTF-8 text") from None
                    field_name = None
        try:
            parser.close()
        except MultipartError as exc:
            raise InvalidArgument(f"malformed multipart body: {exc}") from None
        if self.sink is None:
            raise InvalidArgument("missing form field 'file'")

    async def commit(self) -> Receipt:
        try:
            form = self.owner._form(self.fields, complete=True)
            assert form is not None and self.sink is not None
            return await self.owner._commit(self, form, self.sink)
        finally:
            await self.close()

    async def close(self) -> None:
        """Release what the request held; a session this request opened and
        that never got its chunk is discarded."""
        if self.sink is not None:
            await self.sink.abort()
        if self.session is not None and self.writing is not None:
            self.owner._state(self.session.session_id).writing.discard(self.writing)
        if self.created and not self.committed and self.session is not None:
            with contextlib.suppress(Exception):
                await self.owner._discard_session(self.session)
