"""The engine's workers (services/engine/workers.py) on SQLite and
PostgreSQL, each with its own StreamEngine as two engine processes would
have, reading real H.264 files: two workers never take one row, a worker
opens the streams of what it holds and feeds their frames at the analytic's
rate, applies config changes and drops removed rows, gives rows back on
stop, and a stalled worker's rows are taken over after the lease."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from services.catalog import work
from services.catalog.repository import CatalogRepository
from services.db.engine import make_engine
from services.db.models import Stream, utcnow
from services.engine.repository import EngineRepository
from services.engine.sources import ASSIGNMENT, OpenStream, StreamEngine
from services.engine.workers import WorkWorker, sample_fps
from services.media.frame_ring import FrameRef
from services.media.live_source import SourceOptions
from tests.media import make_h264

LEASE = 1.5
BEAT = 0.2


@pytest.fixture
def database(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_h264(tmp_path_factory.mktemp("clips") / "clip.mp4", seconds=4, fps=25, width=96, height=64)


def add_stream(database: Engine, stream_id: str, address: str) -> None:
    now = utcnow()
    with Session(database) as session:
        session.add(Stream(stream_id=stream_id, reference=address, create_time=now, last_update_time=now))
        session.commit()


def assign(database: Engine, stream_id: str, analytic: str = "NFV4-MPA", fps: float = 5) -> int:
    row = CatalogRepository(database).assign(
        stream_id, 0, analytic, {"sample_fps": fps}, 100, lambda n: f"{analytic}-N0-{n:04d}", utcnow()
    )
    assert row.id is not None
    return row.id


class Recorder:
    """An analyser that records which worker saw which frames (real frames:
    it reads their pixels)."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.frames: dict[int, list[float]] = {}
        self.shapes: set[tuple[int, ...]] = set()

    def refuse(self, item: work.WorkItem) -> str | None:
        return None

    def forget(self, work_id: int) -> None:
        pass

    async def analyse(self, item: work.WorkItem, config: dict[str, Any], stream: OpenStream, ref: FrameRef) -> None:
        pixels = stream.read(ref)
        if pixels is not None:
            self.shapes.add(tuple(getattr(pixels, "shape", ())))
        self.frames.setdefault(item.id, []).append(asyncio.get_running_loop().time())


@contextlib.asynccontextmanager
async def rig(database: Engine, clip: Path) -> AsyncIterator[Callable[..., tuple[WorkWorker, StreamEngine, Recorder]]]:
    """Makes workers, each with its own StreamEngine (as separate engine
    processes have), and stops them all at the end."""
    made: list[tuple[WorkWorker, StreamEngine]] = []
    options = SourceOptions(
        open_timeout_seconds=5,
        read_timeout_seconds=5,
        backoff_seconds=0.1,
        max_backoff_seconds=0.5,
        file_root=clip.parent,
    )

    def make(name: str, **kwargs: Any) -> tuple[WorkWorker, StreamEngine, Recorder]:
        streams = StreamEngine(EngineRepository(database), options, report_seconds=0.2, linger_seconds=0.3)
        recorder = Recorder(name)
        worker = WorkWorker(
            database,
            streams,
            name=name,
            lease_seconds=kwargs.pop("lease_seconds", LEASE),
            heartbeat_seconds=BEAT,
            analyser=recorder,
            **kwargs,
        )
        made.append((worker, streams))
        return worker, streams, recorder

    try:
        yield make
    finally:
        for worker, streams in made:
            await worker.close()
            await streams.close()


async def until(check: Callable[[], Any], seconds: float = 20.0) -> Any:
    """Poll until `check` is true (a deadline against hangs)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while not (value := check()):
        assert loop.time() < deadline, "condition not reached"
        await asyncio.sleep(0.05)
    return value


def test_sample_fps_of_a_config() -> None:
    assert sample_fps({"sample_fps": 2}) == 2
    assert sample_fps({"a": {"sample_fps": 1}, "b": {"sample_fps": 10}}) == 10
    assert sample_fps({}) == 5
    assert sample_fps({"sample_fps": 0, "x": {"sample_fps": True}}) == 5


async def test_two_workers_never_take_one_row_and_open_only_their_streams(database, clip) -> None:
    async with rig(database, clip) as make_worker:
        ids = []
        for n in range(6):
            add_stream(database, f"s{n}", f"file://{clip}")
            ids.append(assign(database, f"s{n}"))
        a, streams_a, seen_a = make_worker("worker-a", claim_limit=2)
        b, streams_b, seen_b = make_worker("worker-b", claim_limit=2)
        for _ in range(4):  # concurrent rounds: each claims up to 2
            await asyncio.gather(a.step(), b.step())
        assert set(a.held).isdisjoint(b.held)
        assert set(a.held) | set(b.held) == set(ids)
        # Each engine opened the streams of its own rows, and only those.
        assert set(streams_a.open_streams()) == {h.item.stream_id for h in a.held.values()}
        assert set(streams_b.open_streams()) == {h.item.stream_id for h in b.held.values()}
        assert all(s.demands[ASSIGNMENT] == 1 for s in streams_a.open_streams().values())
        await until(lambda: set(seen_a.frames) == set(a.held) and set(seen_b.frames) == set(b.held))
        assert seen_a.shapes | seen_b.shapes == {(96, 96)}  # 96x64 I420: 64 rows of Y, 32 of chroma
        # The rows stay where they are while both heartbeat.
        for _ in range(3):
            await asyncio.gather(a.step(), b.step())
        assert set(seen_a.frames).isdisjoint(seen_b.frames)
        assert {item.owner for n in range(6) for item in work.of_stream(database, f"s{n}")} == {"worker-a", "worker-b"}


async def test_frames_are_sampled_at_the_analytics_rate(database, clip) -> None:
    async with rig(database, clip) as make_worker:
        add_stream(database, "s1", f"file://{clip}")
        work_id = assign(database, "s1", fps=5)
        worker, _, seen = make_worker("worker-a")
        running = asyncio.create_task(worker.run_forever())  # heartbeats keep the lease
        await until(lambda: len(seen.frames.get(work_id, [])) >= 11)
        running.cancel()
        times = seen.frames[work_id]
        spacing = (times[10] - times[0]) / 10
        # 5 a second from a 25 fps source: never faster; slower only by a busy machine.
        assert 0.19 <= spacing <= 0.3, spacing


async def test_config_changes_apply_and_a_removed_row_closes_its_stream(database, clip) -> None:
    async with rig(database, clip) as make_worker:
        add_stream(database, "s1", f"file://{clip}")
        work_id = assign(database, "s1", fps=5)
        worker, streams, _ = make_worker("worker-a")
        await worker.step()
        assert worker.held[work_id].config == {"sample_fps": 5}
        task = worker.held[work_id].task
        CatalogRepository(database).update_config("s1", "NFV4-MPA", {"sample_fps": 2}, utcnow())
        await worker.step()
        held = worker.held[work_id]
        assert (held.config, held.version, held.task) == ({"sample_fps": 2}, 2, task)  # no restart
        assert CatalogRepository(database).remove("s1", "NFV4-MPA")
        await worker.step()
        assert worker.held == {}
        assert task is not None
        await asyncio.wait([task], timeout=10)  # cancelled at once; it ends within a frame wait
        assert task.done()
        stream = streams.open_streams()["s1"]
        assert not stream.demands
        await asyncio.sleep(0.4)  # the linger time
        await streams.step()
        assert "s1" not in streams.open_streams() and stream.closed


async def test_close_gives_rows_back_at_once(database, clip) -> None:
    async with rig(database, clip) as make_worker:
        add_stream(database, "s1", f"file://{clip}")
        work_id = assign(database, "s1")
        a, _, _ = make_worker("worker-a")
        b, _, _ = make_worker("worker-b")
        await a.step()
        assert set(a.held) == {work_id}
        await a.close()
        (row,) = work.of_stream(database, "s1")
        assert (row.state, row.owner) == (work.PENDING, None)
        await b.step()
        assert set(b.held) == {work_id}
        await a.step()  # a closed worker claims nothing
        assert a.held == {}


async def test_a_stalled_workers_rows_are_taken_over_after_the_lease(database, clip) -> None:
    async with rig(database, clip) as make_worker:
        add_stream(database, "s1", f"file://{clip}")
        work_id = assign(database, "s1")
        a, _, seen_a = make_worker("worker-a")
        b, streams_b, seen_b = make_worker("worker-b")
        await a.step()
        await until(lambda: seen_a.frames.get(work_id))
        # `a` stops heartbeating (as a killed or stalled process would); within
        # the lease b gets nothing; past it `a` fences itself (analyses nothing).
        await b.step()
        assert b.held == {}
        await asyncio.sleep(LEASE + 0.2)
        fenced = len(seen_a.frames[work_id])
        await b.step()
        assert set(b.held) == {work_id}
        (row,) = work.of_stream(database, "s1")
        assert (row.owner, row.attempts) == ("worker-b", 2)
        await until(lambda: seen_b.frames.get(work_id))
        # `a` comes back: its heartbeat finds the row gone and it stops at once.
        await a.step()
        assert a.held == {}
        await asyncio.sleep(0.5)
        assert len(seen_a.frames[work_id]) == fenced  # never both at once
        assert "s1" in streams_b.open_streams()
