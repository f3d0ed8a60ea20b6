"""The vector index (services/search/vectors.py) and the smart-search frame
(services/search/smart.py) on SQLite and PostgreSQL: embeddings stored with
their events, exact top-k against numpy, filters, removal by retention and
by `remove`, and the request rules of `POST /smart-search`."""

from __future__ import annotations

import asyncio
import base64
import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from services.common.errors import InvalidArgument, Unimplemented
from services.db.engine import make_engine
from services.db.models import EventEmbedding, utcnow
from services.events.store import Embedding, EventStore, NewEvent
from services.search.smart import SearchQuery, SmartSearch
from services.search.vectors import ExactIndex, Hit, Indexed, UsearchIndex, VectorFilter
from tests.integration.test_events_store import jpeg
from vigil.analytics.v1 import search_service_pb2 as pb


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def store(engine: Engine, tmp_path: Path) -> EventStore:
    return EventStore(engine, tmp_path)


def unit(rng: np.random.Generator, dim: int = 128) -> list[float]:
    v = rng.standard_normal(dim).astype(np.float32)
    return [float(x) for x in v / np.linalg.norm(v)]


def face(stream: str, vector: list[float] | None, at_minutes: float = 0, **kw: object) -> NewEvent:
    return NewEvent(
        stream_id=stream,
        analytic_id="NFV4-FR",
        event_type="unknown_face",
        occurred_at=utcnow() - timedelta(minutes=at_minutes),
        embedding=Embedding("face", vector) if vector is not None else None,
        **kw,  # type: ignore[arg-type]
    )


def test_exact_top_k_matches_numpy_and_filters(store: EventStore, engine: Engine) -> None:
    rng = np.random.default_rng(7)
    vectors = [unit(rng) for _ in range(300)]
    ids = store.append([face(f"s-{i % 3}", v, at_minutes=i) for i, v in enumerate(vectors)])
    index = ExactIndex(engine)
    query = unit(rng)
    scores = np.asarray(vectors, dtype=np.float32) @ np.asarray(query, dtype=np.float32)
    want = [ids[i] for i in np.argsort(-scores)[:10]]
    hits = index.search(query, "face", 10)
    assert [h.event_id for h in hits] == want
    assert hits[0].similarity == pytest.approx(float(scores.max()), abs=1e-5)
    # By stream and time range (until excluded).
    only = index.search(query, "face", 300, VectorFilter(stream_id="s-1"))
    assert {h.event_id for h in only} == {ids[i] for i in range(300) if i % 3 == 1}
    now = utcnow()
    recent = index.search(query, "face", 300, VectorFilter(since=now - timedelta(minutes=49.5)))
    assert {h.event_id for h in recent} == set(ids[:50])
    # Another kind or dimension finds nothing.
    assert index.search(query, "body", 10) == []
    assert index.search(query[:64], "face", 10) == []


def test_embedding_is_checked_and_optional(store: EventStore, engine: Engine) -> None:
    with pytest.raises(ValueError, match="L2-normalised"):
        store.append([face("s-1", [1.0, 1.0])])
    with pytest.raises(ValueError, match="finite"):
        store.append([face("s-1", [float("nan"), 0.0])])
    with pytest.raises(ValueError, match="primary_text"):
        store.append([face("s-1", None, primary_text="x" * 300)])
    [plain] = store.append([face("s-1", None, primary_text="B 1234 XY", secondary_text="Employees")])
    [stored] = store.by_ids([plain])
    assert (stored.primary_text, stored.secondary_text) == ("B 1234 XY", "Employees")
    with Session(engine) as session:
        assert session.exec(select(EventEmbedding)).all() == []


def test_retention_and_remove_take_vectors_away(store: EventStore, engine: Engine) -> None:
    rng = np.random.default_rng(3)
    old = store.append([face("s-1", unit(rng), at_minutes=120) for _ in range(5)])
    new = store.append([face("s-1", unit(rng)) for _ in range(5)])
    index = ExactIndex(engine)
    assert store.delete_older_than(utcnow() - timedelta(minutes=60)) == 5
    hits = index.search(unit(rng), "face", 100)
    assert {h.event_id for h in hits} == set(new)
    with Session(engine) as session:
        assert not set(old) & set(session.exec(select(EventEmbedding.event_id)).all())
    index.remove(new[:2])
    assert {h.event_id for h in index.search(unit(rng), "face", 100)} == set(new[2:])
    # `add` indexes an event after the fact.
    [later] = store.append([face("s-2", None)])
    vector = unit(rng)
    index.add([Indexed(later, Embedding("face", vector), "s-2", utcnow())])
    assert index.search(vector, "face", 1)[0] == Hit(later, pytest.approx(1.0, abs=1e-5))  # type: ignore[arg-type]


def request(**kw: object) -> pb.SmartSearchRequest:
    return pb.SmartSearchRequest(**kw)  # type: ignore[arg-type]


def test_smart_search_rules_and_results(store: EventStore, engine: Engine) -> None:
    rng = np.random.default_rng(5)
    picture = jpeg()
    vectors = [unit(rng) for _ in range(4)]
    ids = store.append(
        [face("s-1", v, thumbnail=picture, primary_text=f"P{i}", secondary_text="list") for i, v in enumerate(vectors)]
    )
    index = ExactIndex(engine)
    seen: list[SearchQuery] = []

    async def by_image(jpeg_bytes: bytes, query: SearchQuery) -> list[Hit]:
        assert jpeg_bytes == picture
        seen.append(query)
        return await asyncio.to_thread(index.search, vectors[2], "face", query.limit, query.where)

    image_b64 = base64.b64encode(picture).decode()
    bare = SmartSearch(store)

    def run(smart: SmartSearch, **kw: object) -> list:  # type: ignore[type-arg]
        return list(asyncio.run(smart.search(request(**kw))))

    cases: list[tuple[dict[str, object], str]] = [
        ({"type": "video", "query": "x"}, "invalid query type"),
        ({"type": "", "query": "x"}, "invalid query type"),
        ({"type": "text", "query": "  "}, "query is required"),
        ({"type": "text", "query": "x" * 300}, "longer than"),
        ({"type": "image", "query": "not base64!"}, "not a base64 JPEG"),
        ({"type": "image", "query": base64.b64encode(b"GIF89a").decode()}, "not a base64 JPEG"),
        ({"type": "image", "query": image_b64, "limit": 1001}, "limit"),
        ({"type": "image", "query": image_b64, "since": "2026-01-01T00:00:00"}, "time zone"),
        (
            {"type": "image", "query": image_b64, "since": "2026-01-02T00:00:00Z", "until": "2026-01-01T00:00:00Z"},
            "after",
        ),
        ({"type": "image", "query": image_b64, "stream_id": "../etc"}, "stream_id"),
    ]
    for bad, message in cases:
        with pytest.raises(InvalidArgument, match=message):
            run(bare, **bad)
    with pytest.raises(Unimplemented, match="issue 15"):
        run(bare, type="image", query=image_b64)
    with pytest.raises(Unimplemented, match="issue 15"):
        run(bare, type="text", query="B 1234")

    smart = SmartSearch(store, image=by_image)
    results = run(smart, type="image", query=image_b64, limit=3)
    assert results[0].primary_text == "P2"
    assert len(results) == 3 and results[0].similarity == pytest.approx(1.0, abs=1e-5)
    assert [r.similarity for r in results] == sorted((r.similarity for r in results), reverse=True)
    top = results[0]
    assert (top.stream_id, top.analytic_id, top.node_num, top.secondary_text) == ("s-1", "NFV4-FR", 0, "list")
    assert base64.b64decode(top.image_jpeg) == picture
    [stored] = store.by_ids([ids[2]])
    assert top.timestamp_ms == int(stored.occurred_at.timestamp() * 1000)
    assert seen[-1].limit == 3
    assert run(smart, type="image", query=image_b64, stream_id="other") == []


def test_usearch_catches_up_with_every_writer(engine: Engine, store: EventStore) -> None:
    """UsearchIndex keeps a graph in this process; rows written by anyone
    else (the events store, another process's index) are found on the next
    search, late commits below the highest id seen too, embeddings added to
    old events at the next resync, and rows removed elsewhere never come
    back. (`event_embeddings` has no foreign key: the ids added through
    `other` below stand for events of another process.)"""
    rng = np.random.default_rng(13)
    now = [0.0]
    index = UsearchIndex(engine, resync_seconds=60, clock=lambda: now[0])
    other = UsearchIndex(engine)

    def add(event_id: int, vector: list[float]) -> None:
        other.add([Indexed(event_id, Embedding("face", vector), "s-9", utcnow())])

    def top(vector: list[float]) -> int:
        return index.search(vector, "face", 1)[0].event_id

    assert index.search(unit(rng), "face", 5) == []
    first = [unit(rng) for _ in range(50)]
    ids = store.append([face("s-1", v) for v in first])
    assert top(first[7]) == ids[7]
    # Written by the store after the graph was built.
    more = [unit(rng) for _ in range(20)]
    more_ids = store.append([face("s-2", v) for v in more])
    assert top(more[3]) == more_ids[3]
    # A late commit: below the highest id seen, inside the re-read window.
    outside = {}
    high = max(more_ids) + 100
    outside[high] = unit(rng)
    add(high, outside[high])
    assert top(outside[high]) == high
    outside[high - 50] = unit(rng)
    add(high - 50, outside[high - 50])
    assert top(outside[high - 50]) == high - 50
    # Far below the window: found at the next resync.
    far = high + 10 * UsearchIndex.RESCAN_WINDOW
    outside[far] = unit(rng)
    add(far, outside[far])
    assert top(outside[far]) == far
    outside[high + 1] = unit(rng)
    add(high + 1, outside[high + 1])
    assert top(outside[high + 1]) != high + 1  # not yet
    now[0] += 61
    assert top(outside[high + 1]) == high + 1
    # Removed by another process, or by retention: never returned.
    other.remove([ids[7]])
    assert ids[7] not in {h.event_id for h in index.search(first[7], "face", 10)}
    assert store.delete_older_than(utcnow() + timedelta(minutes=1)) == 70
    assert {h.event_id for h in index.search(first[0], "face", 100)} == set(outside)
    assert {h.event_id for h in index.search(first[0], "face", 100, VectorFilter(stream_id="s-1"))} == set()


def test_usearch_filters_and_agreement_with_exact(engine: Engine) -> None:
    rng = np.random.default_rng(17)
    start = utcnow() - timedelta(days=1)
    # Small enough (200) for the graph walk (200 candidates) to be exact.
    vectors = np.asarray([unit(rng) for _ in range(200)], dtype=np.float32)
    exact = ExactIndex(engine)
    exact.add(
        [
            Indexed(i + 1, Embedding("face", [float(x) for x in v]), f"s-{i % 4}", start + timedelta(minutes=i))
            for i, v in enumerate(vectors)
        ]
    )
    index = UsearchIndex(engine)
    wheres = [
        None,
        VectorFilter(stream_id="s-2"),
        VectorFilter(since=start + timedelta(minutes=100), until=start + timedelta(minutes=130)),
        VectorFilter(stream_id="nowhere"),
    ]
    for where in wheres:
        for query in [unit(rng) for _ in range(5)]:
            want = exact.search(query, "face", 10, where)
            got = index.search(query, "face", 10, where)
            assert [h.event_id for h in got] == [h.event_id for h in want]
            assert [h.similarity for h in got] == pytest.approx([h.similarity for h in want], abs=1e-6)
    assert index.search(unit(rng), "body", 10) == []
    assert index.search(unit(rng, 64), "face", 10) == []
    with pytest.raises(ValueError, match="not zero"):
        index.search([0.0] * 128, "face", 10)


def test_usearch_answers_exactly_while_its_graph_loads(engine: Engine) -> None:
    rng = np.random.default_rng(19)
    vectors = [unit(rng) for _ in range(50)]
    ExactIndex(engine).add([Indexed(i + 1, Embedding("face", v), "s-1", utcnow()) for i, v in enumerate(vectors)])
    index = UsearchIndex(engine)
    loading = threading.Event()
    release = threading.Event()
    real_resync = index._resync

    def slow_resync() -> None:
        loading.set()
        release.wait(10)
        real_resync()

    index._resync = slow_resync  # type: ignore[method-assign]
    prepare = threading.Thread(target=index.prepare)
    prepare.start()
    assert loading.wait(10)
    # The graph is not there yet: the answer is the exact one, at once.
    assert [h.event_id for h in index.search(vectors[9], "face", 3)] == [
        h.event_id for h in ExactIndex(engine).search(vectors[9], "face", 3)
    ]
    release.set()
    prepare.join(10)
    assert index.search(vectors[9], "face", 1)[0].event_id == 10
