"""The uploads servicers on a real grpc.aio server, on SQLite and PostgreSQL:
client-streaming bodies split at every awkward place, the stored SHA-256,
and start-up recovery after crashes at the points a kill can hit."""

from __future__ import annotations

import asyncio
import hashlib
import random
import time
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest
from sqlmodel import Session, select

from services.common.settings import Settings
from services.db.engine import make_engine
from services.db.models import Stream, UploadSession, Video
from services.uploads.wiring import build
from tests.conftest import register_local_node
from tests.e2e.uploads_client import multipart, split
from tests.media import make_h264
from vigil.uploads.v1 import (
    archives_service_pb2,
    archives_service_pb2_grpc,
    uploads_service_pb2,
    uploads_service_pb2_grpc,
)


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    register_local_node(database_url)
    return Settings(_env_file=None, database_url=database_url, data_dir=tmp_path / "data")


@pytest.fixture
def channel(settings: Settings, aio_server) -> grpc.Channel:
    return aio_server(lambda: build(settings).registrations).channel


@pytest.fixture(scope="module")
def video(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    return make_h264(tmp_path_factory.mktemp("m") / "a.mp4", seconds=2, noise=True).read_bytes()


def messages(body: bytes, content_type: str, sizes: Iterator[int]) -> Iterator[uploads_service_pb2.UploadChunkRequest]:
    pos, first = 0, True
    while pos < len(body) or first:
        size = next(sizes)
        msg = uploads_service_pb2.UploadChunkRequest(nvr_server_id=0)
        if first:
            msg.http_body.content_type = content_type
            first = False
        msg.http_body.data = body[pos : pos + size]
        pos += size
        yield msg


def chunk(stub, index: int, data: bytes, n: int, total: int, sid: str | None, sizes: Iterator[int], **kw):
    fields = [("filename", "a.mp4"), ("chunk_index", str(index)), ("total_chunks", str(n)), ("total_size", str(total))]
    if sid:
        fields.append(("session_id", sid))
    body, ctype = multipart(fields, data, **kw)
    return stub.UploadChunk(messages(body, ctype, sizes)).data


def rows(settings: Settings, model: type) -> list:
    engine = make_engine(settings.sqlalchemy_url)
    try:
        with Session(engine) as session:
            return list(session.exec(select(model)))
    finally:
        engine.dispose()


def test_bodies_split_anywhere_and_the_stored_hash(settings: Settings, channel, video: bytes) -> None:
    stub = uploads_service_pb2_grpc.UploadsServiceStub(channel)
    rng = random.Random(3)
    sizes = iter(lambda: rng.choice([1, 2, 3, 7, 64, 1000, 70000]), None)
    pieces = split(video, 3)
    sid = None
    for index, file_first in ((0, False), (1, True), (2, False)):  # in order: hashed as written
        sid = chunk(stub, index, pieces[index], 3, len(video), sid, sizes, file_first=file_first).session_id
    (row,) = rows(settings, Video)
    assert row.sha256 == hashlib.sha256(video).hexdigest()
    assert Path(row.file_path).read_bytes() == video


def test_out_of_order_hash_and_an_archive_hash(settings: Settings, channel, video: bytes) -> None:
    stub = uploads_service_pb2_grpc.UploadsServiceStub(channel)
    sizes = iter(lambda: 4096, None)
    pieces = split(video, 3)
    sid = chunk(stub, 2, pieces[2], 3, len(video), None, sizes).session_id
    chunk(stub, 0, pieces[0], 3, len(video), sid, sizes)
    assert chunk(stub, 1, pieces[1], 3, len(video), sid, sizes).status == "completed"
    archives = archives_service_pb2_grpc.ArchivesServiceStub(channel)
    created = archives.CreateArchive(
        archives_service_pb2.CreateArchiveRequest(camera_group=1, name={"string_value": "x"})
    )

    def raw() -> Iterator[archives_service_pb2.UploadSourceFileRequest]:
        yield archives_service_pb2.UploadSourceFileRequest(id=created.id, http_body={"content_type": "video/mp4"})
        for i in range(0, len(video), 999):
            yield archives_service_pb2.UploadSourceFileRequest(http_body={"data": video[i : i + 999]})

    archives.UploadSourceFile(raw())
    assert {v.sha256 for v in rows(settings, Video)} == {hashlib.sha256(video).hexdigest()}
    assert len(rows(settings, Video)) == 2 and len(rows(settings, Stream)) == 2


def test_recovery_after_crashes(settings: Settings, channel, video: bytes) -> None:
    """Three sessions, each as a kill left it: the last chunk ledgered but not
    counted in the database; every chunk in and the file moved to its place
    but no commit; one chunk of four in."""
    stub = uploads_service_pb2_grpc.UploadsServiceStub(channel)
    sizes = iter(lambda: 65536, None)
    pieces = split(video, 4)
    sids = []
    for _ in range(3):
        sid = chunk(stub, 0, pieces[0], 4, len(video), None, sizes).session_id
        sids.append(sid)
    for sid in sids[:2]:
        for index in (1, 2):
            chunk(stub, index, pieces[index], 4, len(video), sid, sizes)
    # The kill: the last chunk is on disk and in the ledger, the database
    # has not heard of it (a crash between the ledger append and the commit).
    sessions = build(settings).sessions
    store = sessions._store
    chunk_size = len(pieces[0])
    for sid in sids[:2]:
        with open(store.data_path(sid), "r+b") as data:
            data.seek(3 * chunk_size)
            data.write(pieces[3])
        store.append_ledger(sid, 3, len(pieces[3]))
    # Session 2 also had its file moved into place before the crash.
    upload = next(u for u in rows(settings, UploadSession) if u.session_id == sids[1])
    store.place(store.data_path(sids[1]), sessions._library.video_file_of(upload))

    restarted = build(settings).sessions  # what a restart does before serving
    asyncio.run(restarted.complete_recovered())
    by_id = {u.session_id: u for u in rows(settings, UploadSession)}
    assert by_id[sids[0]].status == by_id[sids[1]].status == "completed"
    assert (by_id[sids[2]].status, by_id[sids[2]].chunks_received) == ("uploading", 1)
    videos = rows(settings, Video)
    assert len(videos) == 2
    for row in videos:
        assert Path(row.file_path).read_bytes() == video and row.sha256 == hashlib.sha256(video).hexdigest()
    assert not store.session_dir(sids[0]).exists() and store.session_dir(sids[2]).exists()


def test_idle_sessions_pause_then_expire(settings: Settings, channel, video: bytes) -> None:
    stub = uploads_service_pb2_grpc.UploadsServiceStub(channel)
    sid = chunk(stub, 0, split(video, 2)[0], 2, len(video), None, iter(lambda: 65536, None)).session_id
    # Two sweepers with different limits, so a slow machine cannot skip the
    # paused state: idle past 0.05 s pauses, idle past the time to live expires.
    pauses = build(settings.replace(upload_idle_seconds=0.05, upload_session_ttl_seconds=3600)).sessions
    sessions = build(settings.replace(upload_idle_seconds=0.05, upload_session_ttl_seconds=0.05)).sessions
    time.sleep(0.1)
    asyncio.run(pauses.sweep())
    assert rows(settings, UploadSession)[0].status == "paused"
    time.sleep(0.1)
    asyncio.run(sessions.sweep())
    (upload,) = rows(settings, UploadSession)
    assert upload.status == "cancelled" and not sessions._store.session_dir(sid).exists()


def test_client_streaming_errors_carry_codes_and_edge_metadata(channel, video: bytes) -> None:
    stub = uploads_service_pb2_grpc.UploadsServiceStub(channel)
    body, ctype = multipart([("filename", "a.mp4")], b"x")

    def to(node: int) -> Iterator[uploads_service_pb2.UploadChunkRequest]:
        yield uploads_service_pb2.UploadChunkRequest(
            nvr_server_id=node, http_body={"content_type": ctype, "data": body}
        )

    with pytest.raises(grpc.RpcError) as err:
        stub.UploadChunk(to(9))
    assert err.value.code() == grpc.StatusCode.NOT_FOUND and err.value.details() == "media server 9 not found"
    assert dict(err.value.trailing_metadata())["vigil-http-status"] == "404"
    with pytest.raises(grpc.RpcError) as err:
        stub.UploadChunk(to(0))
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert err.value.details() == "missing form field 'chunk_index'"
    assert dict(err.value.trailing_metadata())["vigil-http-status"] == "400"
