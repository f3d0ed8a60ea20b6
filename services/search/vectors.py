"""The vector index: the events' embeddings (table `event_embeddings`,
written with their events by `services/events/store.py` and deleted with
them by retention), searched by cosine similarity.

One interface, `VectorIndex`; `ExactIndex` is the exact backend, a scan of
the table in chunks with numpy, on SQLite and PostgreSQL alike. It is the
reference every approximate backend is measured against (recall@10), and
is fast enough for tens of thousands of vectors per kind.

All methods block (database I/O): call them from a worker thread.
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

import numpy as np
from sqlalchemy import delete, insert
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from services.db.models import EventEmbedding
from services.events.store import Embedding, check_embedding

#: Rows read per chunk by the exact scan.
SCAN_CHUNK = 8192


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

    def search(self, vector: Sequence[float], kind: str, k: int, where: VectorFilter | None = None) -> list[Hit]: ...


def normalised(vector: Sequence[float]) -> np.ndarray:
    """A query vector as float32 with unit length; ValueError for a zero or
    non-finite one."""
    array = np.asarray(vector, dtype=np.float32).reshape(-1)
    norm = float(np.linalg.norm(array))
    if array.size == 0 or not np.isfinite(norm) or norm == 0.0:
        raise ValueError("a query vector must be non-empty, finite and not zero")
    return array / norm


class ExactIndex:
    """Exact cosine search over `event_embeddings` (both databases)."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def add(self, items: Sequence[Indexed]) -> None:
        for item in items:
            check_embedding(item.embedding)
        if not items:
            return
        rows = [
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
        with Session(self._engine) as session:
            session.execute(insert(EventEmbedding), rows)
            session.commit()

    def remove(self, event_ids: Sequence[int]) -> None:
        if not event_ids:
            return
        with Session(self._engine) as session:
            session.execute(delete(EventEmbedding).where(col(EventEmbedding.event_id).in_(list(event_ids))))
            session.commit()

    def search(self, vector: Sequence[float], kind: str, k: int, where: VectorFilter | None = None) -> list[Hit]:
        if k <= 0:
            return []
        query = normalised(vector)
        where = where or VectorFilter()
        stmt = select(EventEmbedding.event_id, EventEmbedding.vector).where(
            EventEmbedding.kind == kind, EventEmbedding.dim == query.size
        )
        if where.stream_id is not None:
            stmt = stmt.where(EventEmbedding.stream_id == where.stream_id)
        if where.since is not None:
            stmt = stmt.where(col(EventEmbedding.occurred_at) >= where.since)
        if where.until is not None:
            stmt = stmt.where(col(EventEmbedding.occurred_at) < where.until)
        # (similarity, -event_id): the heap keeps the k best, ties to the older event.
        best: list[tuple[float, int]] = []
        with Session(self._engine) as session:
            result = session.execute(stmt.execution_options(yield_per=SCAN_CHUNK))
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
