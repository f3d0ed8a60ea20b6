"""The chunk store: ledger durability rules, torn records, sinks with limits,
a full disk as a clear error, and the chunk-size rules of a session."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest

from services.common.errors import InvalidArgument
from services.uploads.library import clean_filename, extension_of
from services.uploads.sessions import chunk_size_from, expected_size
from services.uploads.store import ChunkStore, Sink, StorageFull, TooLarge


@pytest.fixture
def store(tmp_path: Path) -> ChunkStore:
    store = ChunkStore(tmp_path / "uploads")
    store.prepare()
    return store


def test_session_reserves_its_size_and_ledger_round_trips(store: ChunkStore) -> None:
    store.create_session("s1", 10_000)
    assert store.data_path("s1").stat().st_size == 10_000
    assert os.stat(store.data_path("s1")).st_blocks * 512 >= 10_000  # reserved, not sparse
    assert store.read_ledger("s1") == {}
    store.append_ledger("s1", 3, 2500)
    store.append_ledger("s1", 0, 2500)
    assert store.read_ledger("s1") == {3: 2500, 0: 2500}


def test_a_torn_record_is_dropped_and_overwritten(store: ChunkStore) -> None:
    store.create_session("s1", 100)
    store.append_ledger("s1", 0, 50)
    with open(store.ledger_path("s1"), "ab") as ledger:
        ledger.write(b"VCK1\x01\x00")  # a crash in the middle of an append
    assert store.read_ledger("s1") == {0: 50}
    store.append_ledger("s1", 1, 50)
    assert store.read_ledger("s1") == {0: 50, 1: 50}
    assert store.ledger_path("s1").stat().st_size == 2 * 20


def test_a_corrupt_record_ends_the_ledger(store: ChunkStore) -> None:
    store.create_session("s1", 100)
    store.append_ledger("s1", 0, 50)
    store.append_ledger("s1", 1, 50)
    raw = bytearray(store.ledger_path("s1").read_bytes())
    raw[25] ^= 0xFF  # flip a bit in the second record
    store.ledger_path("s1").write_bytes(bytes(raw))
    assert store.read_ledger("s1") == {0: 50}


def test_prepare_empties_tmp_and_removal_is_complete(store: ChunkStore) -> None:
    (store.tmp / "left-over").write_bytes(b"x")
    store.create_session("s1", 10)
    store.prepare()
    assert list(store.tmp.iterdir()) == []
    assert store.session_ids_on_disk() == ["s1"]
    store.remove_session("s1")
    assert store.session_ids_on_disk() == []


def test_direct_and_spool_sinks(store: ChunkStore) -> None:
    store.create_session("s1", 12 * 1024 * 1024)
    data = os.urandom(6 * 1024 * 1024)

    async def run() -> None:
        direct = Sink.direct(store.open_data("s1"), 6 * 1024 * 1024, len(data))
        for i in range(0, len(data), 65536):
            await direct.write(memoryview(data)[i : i + 65536])
        assert await direct.finish() == len(data)
        spool = Sink.spool(store.new_tmp_path(), len(data))
        await spool.write(memoryview(data))
        await spool.finish()
        assert spool.path is not None
        store.copy_into(spool.path, "s1", 0, len(data))
        await spool.abort()
        assert not spool.path.exists()

    asyncio.run(run())
    assert store.data_path("s1").read_bytes() == data + data


def test_a_sink_refuses_bytes_past_its_limit(store: ChunkStore) -> None:
    async def run() -> None:
        sink = Sink.spool(store.new_tmp_path(), 10)
        await sink.write(memoryview(b"12345"))
        with pytest.raises(TooLarge):
            await sink.write(memoryview(b"123456"))
        await sink.abort()

    asyncio.run(run())
    assert list(store.tmp.iterdir()) == []


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
def test_a_full_disk_is_storage_full(store: ChunkStore) -> None:
    """/dev/full answers every write with ENOSPC, as a full disk does."""

    async def run() -> None:
        sink = Sink.direct(os.open("/dev/full", os.O_WRONLY), 0, 1 << 30)
        await sink.write(memoryview(b"\0" * (8 * 1024 * 1024)))
        with pytest.raises(StorageFull, match="storage is full"):
            await sink.finish()
        await sink.abort()

    asyncio.run(run())


def test_a_session_larger_than_the_disk_is_storage_full(store: ChunkStore) -> None:
    too_big = store.free_bytes() + (1 << 30)
    with pytest.raises(StorageFull):
        store.create_session("big", too_big)
    assert store.session_ids_on_disk() == []


@pytest.mark.parametrize(
    ("index", "size", "chunks", "total", "chunk"),
    [
        (0, 10, 10, 100, 10),
        (1, 30, 4, 100, 30),  # the last chunk has 10
        (3, 10, 4, 100, 30),  # the last chunk arriving first fixes the others
        (0, 100, 1, 100, 100),
        (0, 5, 3, 12, 5),  # 5 + 5 + 2
        (2, 2, 3, 12, 5),
    ],
)
def test_chunk_size_rules(index: int, size: int, chunks: int, total: int, chunk: int) -> None:
    assert chunk_size_from(index, size, chunks, total) == chunk
    assert sum(expected_size(i, chunk, chunks, total) for i in range(chunks)) == total


@pytest.mark.parametrize(
    ("index", "size", "chunks", "total"),
    [
        (0, 9, 10, 100),  # ten chunks of 9 cannot make 100
        (0, 50, 4, 100),  # 3 * 50 is already more than 100
        (3, 11, 4, 100),  # 89 does not split into three equal chunks
        (3, 40, 4, 100),  # the last chunk cannot be larger than the others
    ],
)
def test_impossible_chunk_sizes_are_refused(index: int, size: int, chunks: int, total: int) -> None:
    with pytest.raises(InvalidArgument):
        chunk_size_from(index, size, chunks, total)


@pytest.mark.parametrize(
    ("raw", "name", "ext"),
    [
        ("rekaman-2026-01.mp4", "rekaman-2026-01.mp4", "mp4"),
        ("../../etc/passwd", "passwd", "bin"),
        ("C:\\videos\\cam 1.MOV", "cam 1.MOV", "mov"),
        ("..\x00evil.mp4", "evil.mp4", "mp4"),
        ("x.../../sh", "sh", "bin"),
        ("film.mp4;rm -rf", "film.mp4;rm -rf", "bin"),
    ],
)
def test_file_names_never_become_paths(raw: str, name: str, ext: str) -> None:
    assert clean_filename(raw) == name
    assert extension_of(clean_filename(raw)) == ext
