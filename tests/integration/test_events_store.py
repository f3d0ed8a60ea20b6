"""The events store (services/events) on SQLite and PostgreSQL: append from
several threads at once, list with filters and pages, the live feed with
ids committed out of order, retention by age and per-stream cap."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import av
import numpy as np
import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from services.db.engine import make_engine
from services.db.models import utcnow
from services.events import retention
from services.events.follow import EventFeed, FollowerTooSlow
from services.events.store import EventQuery, EventStore, NewEvent


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def store(engine: Engine, tmp_path: Path) -> EventStore:
    return EventStore(engine, tmp_path)


def jpeg() -> bytes:
    """A real JPEG, encoded with PyAV."""
    frame = av.VideoFrame.from_ndarray(np.full((32, 48, 3), 120, np.uint8), format="rgb24")
    codec = av.CodecContext.create("mjpeg", "w")
    codec.width, codec.height, codec.pix_fmt = 48, 32, "yuvj420p"
    return b"".join(bytes(p) for p in [*codec.encode(frame.reformat(format="yuvj420p")), *codec.encode(None)])


def event(stream: str = "s-1", kind: str = "line_in", analytic: str = "NFV4-MPA", **kw: object) -> NewEvent:
    return NewEvent(stream_id=stream, analytic_id=analytic, event_type=kind, occurred_at=kw.pop("at", utcnow()), **kw)  # type: ignore[arg-type]


def test_append_returns_ids_in_order_and_keeps_every_field(store: EventStore, tmp_path: Path) -> None:
    picture = jpeg()
    ids = store.append(
        [
            event(
                track_id=7,
                label="person",
                score=0.91,
                box=(0.1, 0.2, 0.3, 0.4),
                thumbnail=picture,
                sub_analytic="counting",
                attributes={"line": "Pintu", "direction": "in"},
                node_num=0,
            ),
            event(kind="area_enter"),
        ]
    )
    assert ids == sorted(ids) and len(ids) == 2
    first, second = store.after(0, 10)
    assert (first.id, second.id) == tuple(ids)
    assert first.track_id == 7 and first.label == "person" and first.score == pytest.approx(0.91)
    assert first.box == [0.1, 0.2, 0.3, 0.4] and first.attributes == {"line": "Pintu", "direction": "in"}
    assert first.sub_analytic == "counting" and first.has_thumbnail and not second.has_thumbnail
    assert store.thumbnail(ids[0]) == picture and store.thumbnail(ids[1]) is None
    assert list((tmp_path / "events" / "thumbnails" / "s-1").iterdir())  # a file, not a column
    assert store.stats() == (2, len(picture))


@pytest.mark.parametrize(
    "bad",
    [
        {"stream": "../etc"},
        {"kind": "explosion"},
        {"analytic": "NFV4-XX"},
        {"thumbnail": b"GIF89a"},
        {"box": (0.1, 0.2, 0.3)},
        {"score": float("nan")},
    ],
)
def test_a_bad_event_stores_nothing(store: EventStore, tmp_path: Path, bad: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        store.append([event(thumbnail=jpeg()), event(**bad)])  # type: ignore[arg-type]
    assert store.stats() == (0, 0)
    assert not list((tmp_path / "events").rglob("*.jpg"))


def test_appends_from_many_threads_lose_nothing(store: EventStore) -> None:
    errors: list[BaseException] = []

    def worker(n: int) -> None:
        try:
            for _ in range(10):
                store.append([event(stream=f"s-{n}") for _ in range(5)])
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert store.stats()[0] == 200
    assert len({e.id for e in store.after(0, 1000)}) == 200


def test_newest_filters_and_pages(store: EventStore) -> None:
    base = utcnow() - timedelta(hours=1)
    store.append([event(stream="a", at=base + timedelta(minutes=i)) for i in range(5)])
    store.append(
        [event(stream="b", kind="area_exit", analytic="NFV4-MVA", at=base + timedelta(minutes=i)) for i in range(3)]
    )
    assert len(store.newest(EventQuery(stream_id="a"), 100)) == 5
    assert len(store.newest(EventQuery(analytic_id="NFV4-MVA"), 100)) == 3
    assert len(store.newest(EventQuery(event_type="line_in"), 100)) == 5
    window = EventQuery(since=base + timedelta(minutes=1), until=base + timedelta(minutes=3))
    assert len(store.newest(window, 100)) == 4  # minutes 1 and 2 of both streams
    page = store.newest(EventQuery(), 3)
    rest = store.newest(EventQuery(), 10, before_id=page[-1].id)
    assert [e.id for e in page + rest] == sorted((e.id for e in page + rest), reverse=True)
    assert len(page + rest) == 8


def test_retention_by_age_and_by_cap(store: EventStore, tmp_path: Path) -> None:
    now = utcnow()
    store.append([event(stream="a", at=now - timedelta(days=10), thumbnail=jpeg()) for _ in range(3)])
    store.append([event(stream="a", at=now - timedelta(minutes=i)) for i in range(6)])
    store.append([event(stream="b", at=now - timedelta(minutes=i)) for i in range(2)])
    removed = retention.enforce(store, retention.Retention(retention_days=7, max_events_per_stream=4), now)
    assert (removed.expired, removed.over_cap) == (3, 2)
    assert not list((tmp_path / "events").rglob("*.jpg"))
    kept = store.newest(EventQuery(stream_id="a"), 100)
    # The four newest by their own time stay.
    assert sorted(now - e.occurred_at for e in kept) == [timedelta(minutes=i) for i in range(4)]
    assert len(store.newest(EventQuery(stream_id="b"), 100)) == 2


def test_feed_delivers_new_rows_and_rows_committed_out_of_order(store: EventStore, engine: Engine) -> None:
    async def scenario() -> list[int]:
        feed = EventFeed(store, poll_seconds=0.05)
        got: list[int] = []
        async with feed.subscribe(EventQuery(stream_id="a")) as live:
            # An id taken before another, committed after it (a hole the feed waits for).
            if engine.dialect.name == "postgresql":
                late = Session(engine)
                late_id = store_insert_uncommitted(late)
            first = await asyncio.to_thread(store.append, [event(stream="a"), event(stream="other")])
            got.append((await anext(live)).id)
            if engine.dialect.name == "postgresql":
                late.commit()
                late.close()
                got.append((await asyncio.wait_for(anext(live), 5)).id)
                assert late_id < first[0]
            second = await asyncio.to_thread(store.append, [event(stream="a")])
            got.append((await asyncio.wait_for(anext(live), 5)).id)
            assert got[0] == first[0] and got[-1] == second[0]
        return got

    got = asyncio.run(scenario())
    assert len(got) == len(set(got))


def store_insert_uncommitted(session: Session) -> int:
    from sqlalchemy import insert

    from services.db.models import Event

    row = {
        "stream_id": "a",
        "node_num": 0,
        "analytic_id": "NFV4-MPA",
        "sub_analytic": "",
        "event_type": "area_enter",
        "label": "",
        "score": 0.0,
        "occurred_at": utcnow(),
        "created_at": utcnow(),
        "thumbnail_bytes": 0,
        "attributes": {},
    }
    statement = insert(Event).returning(Event.id)  # type: ignore[call-overload]
    return int(session.execute(statement, [row]).scalar_one())


def test_appends_are_counted_by_analytic_and_type(store: EventStore) -> None:
    from prometheus_client import REGISTRY

    labels = {"analytic": "NFV4-LPR3", "type": "plate_read"}
    before = REGISTRY.get_sample_value("vigil_events_total", labels) or 0.0
    store.append([event(analytic="NFV4-LPR3", kind="plate_read", label="B 1234 XY") for _ in range(3)])
    store.append([event()])
    assert REGISTRY.get_sample_value("vigil_events_total", labels) == before + 3


def test_a_follower_that_falls_behind_is_ended(store: EventStore) -> None:
    async def scenario() -> list[int]:
        feed = EventFeed(store, poll_seconds=0.05, capacity=2)
        got: list[int] = []
        async with feed.subscribe(EventQuery()) as live:
            await asyncio.to_thread(store.append, [event() for _ in range(5)])
            with pytest.raises(FollowerTooSlow):
                while True:
                    got.append((await asyncio.wait_for(anext(live), 5)).id)
        return got

    assert len(asyncio.run(scenario())) == 2  # what fitted, then the end
