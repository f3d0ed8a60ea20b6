"""The vector index: the events' embeddings (table `event_embeddings`,
written with their events by `services/events/store.py` and deleted with
them by retention), searched by cosine similarity.

One interface, `VectorIndex`, three backends, and `open_index` to pick the
one for a database (call it once per process and share the object):

- `PgVectorIndex`: PostgreSQL with pgvector (migration 0011 added the
  `embedding` column, the trigger that fills it and an HNSW index per kind
  in HNSW_KINDS). Approximate, in the database, shared by every process.
- `UsearchIndex`: SQLite (or any database): an in-memory HNSW graph (usearch)
  per kind and dimension in this process, caught up from the table before
  each search; candidates are re-scored from the table, so a removed event
  never comes back and similarities are exact.
- `ExactIndex`: a scan of the table in chunks with numpy, on both databases.
  The reference every approximate backend is measured against (recall@10),
  the fallback for narrow filters, and what PostgreSQL without pgvector
  (Debian's) uses.

All methods block (database I/O): call them from a worker thread.
"""

from __future__ import annotations

import heapq
import math
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol, TypeVar

import numpy as np
import sqlalchemy as sa
from sqlalchemy import delete, func, insert
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select
from usearch.index import Index as UsearchGraph

from services.db.models import EventEmbedding, as_utc
from services.events.store import EMBEDDING_KIND, Embedding, check_embedding

#: Rows read per chunk by the exact scan and by the usearch loads.
SCAN_CHUNK = 8192
#: (kind, dimension) pairs with an HNSW index on PostgreSQL (migration 0011
#: made these; a new pair needs a migration). Other kinds are searched
#: exactly by pgvector, in the database.
HNSW_KINDS = frozenset({("face", 128)})
#: Candidates an HNSW search keeps: pgvector's hnsw.ef_search (with the
#: m 32, ef_construction 128 index of migration 0019: recall@10 0.96 at a
#: million faces, p95 22 ms on two cores), and usearch's expansion_search
#: (README "Smart search and the vector index").
EF_SEARCH = 200
USEARCH_EF_SEARCH = 200
#: A filter matching at most this many rows is searched exactly, on the
#: B-tree indexes of `event_embeddings`: a graph walk would visit more rows
#: to find k of them, and still miss some (pgvector and usearch alike).
NARROW_ROWS = 20_000


#: A query vector: floats, or a numpy array of them.
Vector = Sequence[float] | np.ndarray


@dataclass(frozen=True)
class VectorFilter:
    """Which events a search considers: None matches all. `until` is
    excluded, like the events list's."""

    stream_id: str | None = None
    since: datetime | None = None
    until: datetime | None = None


@dataclass(frozen=True)
class Hit:
    """An event and its cosine similarity to the query (-1..1)."""

    event_id: int
    similarity: float


@dataclass(frozen=True)
class Indexed:
    """An embedding to add for an event that is already stored."""

    event_id: int
    embedding: Embedding
    stream_id: str
    occurred_at: datetime


class VectorIndex(Protocol):
    """The events' embeddings. `search` returns at most `k` hits of `kind`
    matching `where`, most similar first (ties by event id)."""

    def add(self, items: Sequence[Indexed]) -> None: ...

    def remove(self, event_ids: Sequence[int]) -> None: ...

    def search(self, vector: Vector, kind: str, k: int, where: VectorFilter | None = None) -> list[Hit]: ...

    def prepare(self) -> None:
        """Load what the first search would (UsearchIndex's graphs); run it
        once at start, in a worker thread."""

    def close(self) -> None:
        """Stop a `prepare` under way (the process is stopping)."""


def normalised(vector: Vector) -> np.ndarray:
    """A query vector as float32 with unit length; ValueError for a zero or
    non-finite one."""
    array = np.asarray(vector, dtype=np.float32).reshape(-1)
    norm = float(np.linalg.norm(array))
    if array.size == 0 or not np.isfinite(norm) or norm == 0.0:
        raise ValueError("a query vector must be non-empty, finite and not zero")
    return array / norm


def _rows(items: Sequence[Indexed]) -> list[dict[str, Any]]:
    """The table rows for `items` (checked first: ValueError)."""
    for item in items:
        check_embedding(item.embedding)
    return [
        {
            "event_id": item.event_id,
            "kind": item.embedding.kind,
            "dim": len(item.embedding.vector),
            "vector": item.embedding.as_bytes(),
            "stream_id": item.stream_id,
            "occurred_at": item.occurred_at.astimezone(UTC),
        }
        for item in items
    ]


_S = TypeVar("_S")


def _filtered(stmt: _S, where: VectorFilter) -> _S:
    """`stmt` (a select on event_embeddings) narrowed to `where`."""
    out: Any = stmt
    if where.stream_id is not None:
        out = out.where(EventEmbedding.stream_id == where.stream_id)
    if where.since is not None:
        out = out.where(col(EventEmbedding.occurred_at) >= where.since)
    if where.until is not None:
        out = out.where(col(EventEmbedding.occurred_at) < where.until)
    return out  # type: ignore[no-any-return]


def _is_filtered(where: VectorFilter) -> bool:
    return where.stream_id is not None or where.since is not None or where.until is not None


def _delete_rows(engine: Engine, event_ids: Sequence[int]) -> None:
    with Session(engine) as session:
        session.execute(delete(EventEmbedding).where(col(EventEmbedding.event_id).in_(list(event_ids))))
        session.commit()


def _ranked(pairs: dict[int, float], k: int) -> list[Hit]:
    """The k best of {event_id: similarity}, most similar first, ties to
    the older event."""
    best = heapq.nsmallest(k, pairs.items(), key=lambda p: (-p[1], p[0]))
    return [Hit(event_id, similarity) for event_id, similarity in best]


class ExactIndex:
    """Exact cosine search over `event_embeddings` (both databases)."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def prepare(self) -> None:
        pass

    def close(self) -> None:
        pass

    def add(self, items: Sequence[Indexed]) -> None:
        rows = _rows(items)
        if not rows:
            return
        with Session(self._engine) as session:
            session.execute(insert(EventEmbedding), rows)
            session.commit()

    def remove(self, event_ids: Sequence[int]) -> None:
        if event_ids:
            _delete_rows(self._engine, event_ids)

    def search(self, vector: Vector, kind: str, k: int, where: VectorFilter | None = None) -> list[Hit]:
        if k <= 0:
            return []
        query = normalised(vector)
        stmt = _filtered(
            select(EventEmbedding.event_id, EventEmbedding.vector).where(
                EventEmbedding.kind == kind, EventEmbedding.dim == query.size
            ),
            where or VectorFilter(),
        )
        # (similarity, -event_id): the heap keeps the k best, ties to the older event.
        best: list[tuple[float, int]] = []
        with self._engine.connect() as conn:
            result = conn.execute(stmt.execution_options(yield_per=SCAN_CHUNK))
            for chunk in result.partitions():
                ids = np.fromiter((row[0] for row in chunk), dtype=np.int64, count=len(chunk))
                matrix = np.frombuffer(b"".join(row[1] for row in chunk), dtype="<f4").reshape(len(chunk), query.size)
                scores = matrix @ query
                if len(chunk) > k:
                    top = np.argpartition(-scores, k - 1)[:k]
                else:
                    top = np.arange(len(chunk))
                for i in top:
                    entry = (float(scores[i]), -int(ids[i]))
                    if len(best) < k:
                        heapq.heappush(best, entry)
                    elif entry > best[0]:
                        heapq.heapreplace(best, entry)
        return [Hit(-neg_id, similarity) for similarity, neg_id in sorted(best, reverse=True)]


def _vector_literal(vector: np.ndarray | Sequence[float]) -> str:
    """pgvector's text form; repr keeps every float32 exactly."""
    return "[" + ",".join(repr(float(v)) for v in vector) + "]"


#: pgvector's first release with iterative index scans (filtered top k).
PGVECTOR_MIN = (0, 8)


def has_pgvector(engine: Engine) -> bool:
    """Whether migration 0011 found pgvector here (`event_embeddings` has
    its `embedding` column) and it is 0.8 or later."""
    if engine.dialect.name != "postgresql":
        return False
    with engine.connect() as conn:
        column = conn.execute(
            sa.text(
                "SELECT 1 FROM information_schema.columns WHERE table_schema = current_schema() "
                "AND table_name = 'event_embeddings' AND column_name = 'embedding'"
            )
        ).first()
        version = conn.execute(sa.text("SELECT extversion FROM pg_extension WHERE extname = 'vector'")).scalar()
    if column is None or version is None:
        return False
    numbers = tuple(int(part) for part in str(version).split(".")[:2] if part.isdigit())
    return numbers >= PGVECTOR_MIN


class PgVectorIndex:
    """pgvector on PostgreSQL: `ORDER BY embedding <=> query LIMIT k` through
    the kind's HNSW index (cosine), with pgvector 0.8's iterative scan so
    that a filter (stream, time range) still fills the top k. A filter
    matching at most `narrow_rows` rows is searched exactly over those rows
    (their B-tree indexes), and so is any search the scan leaves short
    (`hnsw.max_scan_tuples`)."""

    def __init__(self, engine: Engine, *, ef_search: int = EF_SEARCH, narrow_rows: int = NARROW_ROWS) -> None:
        self._engine = engine
        self._ef_search = ef_search
        self._narrow_rows = narrow_rows

    def prepare(self) -> None:
        pass

    def close(self) -> None:
        pass

    def add(self, items: Sequence[Indexed]) -> None:
        rows = _rows(items)
        if not rows:
            return
        for row, item in zip(rows, items, strict=True):
            row["embedding"] = _vector_literal(item.embedding.vector)
        with self._engine.begin() as conn:
            conn.execute(
                sa.text(
                    "INSERT INTO event_embeddings (event_id, kind, dim, vector, embedding, stream_id, occurred_at) "
                    "VALUES (:event_id, :kind, :dim, :vector, CAST(:embedding AS vector), :stream_id, :occurred_at)"
                ),
                rows,
            )

    def remove(self, event_ids: Sequence[int]) -> None:
        if event_ids:
            _delete_rows(self._engine, event_ids)

    def search(self, vector: Vector, kind: str, k: int, where: VectorFilter | None = None) -> list[Hit]:
        if k <= 0 or not EMBEDDING_KIND.fullmatch(kind):  # it goes into the SQL as a literal
            return []
        query = normalised(vector)
        where = where or VectorFilter()
        dim = int(query.size)
        indexed = (kind, dim) in HNSW_KINDS
        narrow = self._narrow_rows
        if indexed and _is_filtered(where) and self._matching(kind, dim, where, narrow + 1) <= narrow:
            # A narrow filter: its rows are fewer than a graph walk would
            # visit to find k of them, and exact.
            return self._query(query, kind, dim, k, where, approximate=False)
        hits = self._query(query, kind, dim, k, where, approximate=indexed)
        if len(hits) < k and indexed:
            # Fewer than k: either fewer rows match, or the iterative scan
            # stopped before finding them. The exact query tells.
            hits = self._query(query, kind, dim, k, where, approximate=False)
        return hits

    @staticmethod
    def _where(kind: str, dim: int, where: VectorFilter) -> tuple[str, dict[str, Any]]:
        # Kind and dimension are literals (a checked name, an int), so the
        # planner matches the partial HNSW index.
        clauses = [f"kind = '{kind}'", f"dim = {dim}", "embedding IS NOT NULL"]
        params: dict[str, Any] = {}
        if where.stream_id is not None:
            clauses.append("stream_id = :stream_id")
            params["stream_id"] = where.stream_id
        if where.since is not None:
            clauses.append("occurred_at >= :since")
            params["since"] = where.since
        if where.until is not None:
            clauses.append("occurred_at < :until")
            params["until"] = where.until
        return " AND ".join(clauses), params

    def _matching(self, kind: str, dim: int, where: VectorFilter, cap: int) -> int:
        """How many rows match `where`, counted up to `cap` at most."""
        condition, params = self._where(kind, dim, where)
        sql = f"SELECT count(*) FROM (SELECT 1 FROM event_embeddings WHERE {condition} LIMIT :cap) AS matching"
        with self._engine.connect() as conn:
            return int(conn.execute(sa.text(sql), {**params, "cap": cap}).scalar_one())

    def _query(
        self, query: np.ndarray, kind: str, dim: int, k: int, where: VectorFilter, *, approximate: bool
    ) -> list[Hit]:
        # The cast to vector(dim) is the HNSW index's expression; the exact
        # query leaves it out, so it never takes that index and scans the
        # filtered rows (through their B-tree indexes).
        distance = (
            f"embedding::vector({dim}) <=> CAST(:q AS vector({dim}))"
            if approximate
            else "embedding <=> CAST(:q AS vector)"
        )
        condition, params = self._where(kind, dim, where)
        params.update(q=_vector_literal(query), k=k)
        sql = (
            f"SELECT event_id, {distance} AS distance FROM event_embeddings "
            f"WHERE {condition} ORDER BY {distance} LIMIT :k"
        )
        with self._engine.begin() as conn:
            if approximate:
                conn.execute(sa.text(f"SET LOCAL hnsw.ef_search = {max(self._ef_search, min(k, 1000))}"))
                # relaxed_order: rows come nearly in order (sorted below).
                conn.execute(sa.text("SET LOCAL hnsw.iterative_scan = relaxed_order"))
            rows = conn.execute(sa.text(sql), params).all()
        return _ranked({int(event_id): 1.0 - float(d) for event_id, d in rows}, k)


@dataclass
class _Graph:
    """One usearch HNSW graph: the embeddings of one kind and dimension."""

    index: UsearchGraph
    keys: set[int] = field(default_factory=set)


class UsearchIndex:
    """An in-memory HNSW graph (usearch, cosine) per kind and dimension, in
    this process, over `event_embeddings` (the table stays the truth).

    Before each search the graphs catch up with the table: on the first (or
    in `prepare`, while searches are answered exactly), all of it; then
    the rows with ids above the highest seen, re-reading a window of
    RESCAN_WINDOW ids below it for rows committed late (any
    process may write the table); every `resync_seconds` the ids of the
    whole table are compared with the graphs' (rows added to old events,
    rows removed by another process). Candidates are re-scored from the
    table's vectors, filtered there too: an event removed anywhere is never
    returned, and the similarities are exactly ExactIndex's. A filter is
    served by oversampling candidates in proportion to how few rows it
    matches; a narrow one (few rows, or a small share) goes to ExactIndex,
    as does a search the graph cannot fill."""

    #: Ids below the highest seen that each catch-up reads again.
    RESCAN_WINDOW = 1024
    #: A graph of at most this many vectors is searched by brute force.
    BRUTE_FORCE_ROWS = 1000
    #: A filter matching less than this share of the kind's rows is searched
    #: exactly, as is one matching at most NARROW_ROWS.
    NARROW_SHARE = 0.02

    def __init__(
        self,
        engine: Engine,
        *,
        expansion_search: int = USEARCH_EF_SEARCH,
        connectivity: int = 16,
        expansion_add: int = 128,
        resync_seconds: float = 60.0,
        narrow_rows: int = NARROW_ROWS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._engine = engine
        self._narrow_rows = narrow_rows
        self._exact = ExactIndex(engine)
        self._connectivity = connectivity
        self._expansion_add = expansion_add
        self._expansion_search = expansion_search
        self._resync_seconds = resync_seconds
        self._clock = clock
        self._graphs: dict[tuple[str, int], _Graph] = {}
        self._known: set[int] = set()  # every graph's keys
        self._known_sum = 0
        #: (low, rows, highest id) of the last window read.
        self._window: tuple[int, int, int] | None = None
        self._max_seen = 0
        self._synced_at: float | None = None
        self._lock = threading.Lock()
        self._closing = threading.Event()

    def prepare(self) -> None:
        with self._lock:
            self._catch_up()

    def close(self) -> None:
        self._closing.set()

    def add(self, items: Sequence[Indexed]) -> None:
        self._exact.add(items)
        with self._lock:
            if self._synced_at is None:
                return  # the first search loads everything
            self._insert(
                [
                    (item.event_id, item.embedding.kind, np.asarray(item.embedding.vector, dtype=np.float32))
                    for item in items
                ]
            )

    def remove(self, event_ids: Sequence[int]) -> None:
        if not event_ids:
            return
        self._exact.remove(event_ids)
        with self._lock:
            self._forget(set(event_ids))

    def search(self, vector: Vector, kind: str, k: int, where: VectorFilter | None = None) -> list[Hit]:
        if k <= 0:
            return []
        query = normalised(vector)
        where = where or VectorFilter()
        dim = int(query.size)
        if not self._lock.acquire(blocking=self._synced_at is not None):
            # The first load is under way (`prepare` at start): answer
            # exactly meanwhile rather than wait for it.
            return self._exact.search(vector, kind, k, where)
        try:
            self._catch_up()
            graph = self._graphs.get((kind, dim))
            total = len(graph.keys) if graph is not None else 0
        finally:
            self._lock.release()
        if graph is None or total == 0:
            return []
        if _is_filtered(where):
            matched = self._count(kind, dim, where)
            if matched == 0:
                return []
            if matched <= self._narrow_rows or matched < self.NARROW_SHARE * total:
                return self._exact.search(vector, kind, k, where)
            want = math.ceil(2 * k * total / matched) + 10
        else:
            want = 2 * k + 10
        while True:
            count = min(want, total)
            with self._lock:
                # usearch keeps expansion_search candidates whatever the count.
                graph.index.expansion_search = max(self._expansion_search, count)  # type: ignore[misc]
                # A small graph is compared with every vector: cheaper than
                # the walk, and exact (a walk may still miss a node).
                keys = graph.index.search(query, count, exact=total <= self.BRUTE_FORCE_ROWS).keys
            found = self._rescore(keys, kind, query, where)
            if not _is_filtered(where):
                gone = {int(key) for key in keys} - found.keys()
                if gone:  # removed by another process
                    with self._lock:
                        self._forget(gone)
            if len(found) >= k or count >= total:
                break
            if 4 * want > total // 2:
                return self._exact.search(vector, kind, k, where)
            want *= 4
        if len(found) < k:
            return self._exact.search(vector, kind, k, where)
        return _ranked(found, k)

    # -- the table -------------------------------------------------------------

    def _count(self, kind: str, dim: int, where: VectorFilter) -> int:
        stmt = _filtered(
            select(func.count())
            .select_from(EventEmbedding)
            .where(EventEmbedding.kind == kind, EventEmbedding.dim == dim),
            where,
        )
        with self._engine.connect() as conn:
            return int(conn.execute(stmt).scalar_one())

    def _rescore(self, keys: np.ndarray, kind: str, query: np.ndarray, where: VectorFilter) -> dict[int, float]:
        """{event_id: exact similarity} of the candidates still in the
        table and matching `where`. Looked up by primary key only (a kind
        or stream condition in SQL lets SQLite pick the kind's index and
        scan it whole), the filter applied here."""
        since = as_utc(where.since) if where.since is not None else None
        until = as_utc(where.until) if where.until is not None else None
        found: dict[int, float] = {}
        ids = [int(key) for key in keys]
        with self._engine.connect() as conn:
            for start in range(0, len(ids), SCAN_CHUNK):
                rows = [
                    row
                    for row in conn.execute(
                        sa.select(
                            col(EventEmbedding.event_id),
                            col(EventEmbedding.kind),
                            col(EventEmbedding.dim),
                            col(EventEmbedding.stream_id),
                            col(EventEmbedding.occurred_at),
                            col(EventEmbedding.vector),
                        ).where(col(EventEmbedding.event_id).in_(ids[start : start + SCAN_CHUNK]))
                    )
                    if row.kind == kind
                    and row.dim == query.size
                    and (where.stream_id is None or row.stream_id == where.stream_id)
                    and (since is None or as_utc(row.occurred_at) >= since)
                    and (until is None or as_utc(row.occurred_at) < until)
                ]
                if not rows:
                    continue
                matrix = np.frombuffer(b"".join(row.vector for row in rows), dtype="<f4").reshape(len(rows), query.size)
                for row, score in zip(rows, matrix @ query, strict=True):
                    found[int(row.event_id)] = float(score)
        return found

    # -- the graphs (under self._lock) -----------------------------------------

    def _catch_up(self) -> None:
        now = self._clock()
        if self._synced_at is None or now - self._synced_at >= self._resync_seconds:
            self._resync()
            self._synced_at = self._clock()  # a first load takes a while
            return
        low = max(0, self._max_seen - self.RESCAN_WINDOW)
        recent = col(EventEmbedding.event_id) > low
        with self._engine.connect() as conn:
            # One row says whether the window changed since the last look
            # (a late commit adds a row below the highest id seen) ...
            count, highest = conn.execute(select(func.count(), func.max(EventEmbedding.event_id)).where(recent)).one()
            window = (low, int(count), int(highest or 0))
            if window == self._window:
                return
            # ... and only then are its ids read.
            ids = conn.execute(select(EventEmbedding.event_id).where(recent)).scalars()
            fresh = [int(i) for i in ids if int(i) not in self._known]
        self._load(fresh)
        self._window = window

    def _resync(self) -> None:
        """Compare the table's ids with the graphs': load what is missing,
        forget what is gone. One row (count and sum of the ids) says
        whether anything differs; only then are the ids read."""
        in_table: set[int] = set()
        with self._engine.connect() as conn:
            count, total = conn.execute(select(func.count(), func.coalesce(func.sum(EventEmbedding.event_id), 0))).one()
            if self._known and (int(count), int(total)) == (len(self._known), self._known_sum):
                return
            for chunk in conn.execute(
                select(EventEmbedding.event_id).execution_options(yield_per=SCAN_CHUNK * 8)
            ).partitions():
                in_table.update(int(row[0]) for row in chunk)
        self._forget(self._known - in_table)
        self._load(sorted(in_table - self._known))

    def _load(self, event_ids: Sequence[int]) -> None:
        """Read the rows of `event_ids` (ascending) and add them."""
        with self._engine.connect() as conn:
            for start in range(0, len(event_ids), SCAN_CHUNK):
                if self._closing.is_set():
                    raise RuntimeError("the vector index is closed")
                rows = conn.execute(
                    select(EventEmbedding.event_id, EventEmbedding.kind, EventEmbedding.vector).where(
                        col(EventEmbedding.event_id).in_(list(event_ids[start : start + SCAN_CHUNK]))
                    )
                ).all()
                self._insert([(int(i), kind, np.frombuffer(blob, dtype="<f4")) for i, kind, blob in rows])

    def _insert(self, rows: Sequence[tuple[int, str, np.ndarray]]) -> None:
        by_graph: dict[tuple[str, int], list[tuple[int, np.ndarray]]] = {}
        for event_id, kind, vector in rows:
            self._max_seen = max(self._max_seen, event_id)
            by_graph.setdefault((kind, int(vector.size)), []).append((event_id, vector))
        for (kind, dim), entries in by_graph.items():
            graph = self._graphs.get((kind, dim))
            if graph is None:
                graph = self._graphs[(kind, dim)] = _Graph(
                    UsearchGraph(
                        ndim=dim,
                        metric="cos",
                        dtype="f32",
                        connectivity=self._connectivity,
                        expansion_add=self._expansion_add,
                        expansion_search=self._expansion_search,
                    )
                )
            entries = [(event_id, vector) for event_id, vector in entries if event_id not in graph.keys]
            if not entries:
                continue
            keys = np.fromiter((event_id for event_id, _ in entries), dtype=np.uint64, count=len(entries))
            graph.index.add(keys, np.stack([vector for _, vector in entries]).astype(np.float32))
            added = {int(key) for key in keys}
            graph.keys |= added
            self._known_sum += sum(added - self._known)
            self._known |= added

    def _forget(self, event_ids: set[int]) -> None:
        for graph in self._graphs.values():
            gone = graph.keys & event_ids
            if gone:
                graph.index.remove(np.fromiter(gone, dtype=np.uint64, count=len(gone)))
                graph.keys -= gone
                self._known_sum -= sum(gone & self._known)
                self._known -= gone


def open_index(engine: Engine) -> VectorIndex:
    """The vector index for this database: pgvector's HNSW on PostgreSQL
    where migration 0011 found the extension, the exact scan on PostgreSQL
    without it, usearch on SQLite. One per process: UsearchIndex keeps its
    graphs in memory, so build it once and share it (services/engine/wiring.py)."""
    if engine.dialect.name == "postgresql":
        return PgVectorIndex(engine) if has_pgvector(engine) else ExactIndex(engine)
    return UsearchIndex(engine)
