"""The events store: append (the stream engine), list, read after an id
(followers), count and measure, delete (retention).

Append is one multi-row INSERT in one short transaction, safe from any
number of workers and processes at once: rows are only ever inserted, never
updated, so appenders take no row locks and never wait on one another
beyond the database's own insert (SQLite's write lock for the few
milliseconds of the statement). Thumbnails are written as files first
(`<data_dir>/events/thumbnails/<stream_id>/<uuid>.jpg`, written to a
temporary name and renamed) and removed again when the insert fails.

Why files and not a bytes column: a thumbnail is 5-30 KB and a busy stream
keeps up to `max_events_per_stream` events (100 000 by default), gigabytes
per stream; in the database that would bloat backups, VACUUM and every
replica, while rows of ~300 bytes keep listing, counting and retention
cheap. The price: the data directory must be shared by the engine and the
System process (it is, on one node).
"""

from __future__ import annotations

import math
import os
import re
import struct
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import delete, func, insert
from sqlalchemy.engine import Engine
from sqlalchemy.sql.expression import Executable
from sqlmodel import Session, col, select

from services.db.models import Event, EventEmbedding, as_utc, utcnow
from services.events import metrics
from services.events.vocabulary import ANALYTIC_IDS, EVENT_TYPES, MAX_LABEL, MAX_SUB_ANALYTIC, MAX_THUMBNAIL_BYTES

#: A stream id as the streams table holds it (a UUID, at most 36 characters);
#: it names a thumbnail folder, so nothing else is allowed.
STREAM_ID = re.compile(r"^[A-Za-z0-9_-]{1,36}$")
#: Rows deleted per retention statement.
DELETE_BATCH = 2000
#: Embedding kinds (what the vector describes) and the longest vector kept.
EMBEDDING_KIND = re.compile(r"^[a-z][a-z0-9_]{0,15}$")
MAX_EMBEDDING_DIM = 4096
#: The longest caption (`primary_text`, `secondary_text`).
MAX_TEXT = 255
#: The longest idempotency key.
MAX_KEY = 128


@dataclass(frozen=True)
class Embedding:
    """An event's embedding: `kind` names what it describes (\"face\"), and
    `vector` is float32, L2-normalised (`check` refuses one that is not)."""

    kind: str
    vector: Sequence[float]

    def as_bytes(self) -> bytes:
        return struct.pack(f"<{len(self.vector)}f", *self.vector)


@dataclass(frozen=True)
class NewEvent:
    """An event to append. `occurred_at` is the event's own time (the
    frame's), timezone-aware; `box` is (x1, y1, x2, y2) normalised to the
    frame; `thumbnail` is a JPEG or None."""

    stream_id: str
    analytic_id: str
    event_type: str
    occurred_at: datetime
    node_num: int = 0
    sub_analytic: str = ""
    track_id: int | None = None
    label: str = ""
    score: float = 0.0
    box: tuple[float, float, float, float] | None = None
    thumbnail: bytes | None = None
    attributes: Mapping[str, Any] = field(default_factory=dict)
    primary_text: str = ""
    secondary_text: str = ""
    embedding: Embedding | None = None
    #: A key unique to this event (an offline job's: work id, frame time,
    #: track, type), or None: an append skips an event whose key is stored.
    idempotency_key: str | None = None


class Fenced(Exception):
    """An append's fence statement changed no row (its writer no longer owns
    the work): nothing was stored."""


@dataclass(frozen=True)
class StoredEvent:
    """An event as stored, with its id and where its thumbnail is."""

    id: int
    stream_id: str
    node_num: int
    analytic_id: str
    sub_analytic: str
    event_type: str
    track_id: int | None
    label: str
    score: float
    box: list[float] | None
    occurred_at: datetime
    created_at: datetime
    has_thumbnail: bool
    attributes: dict[str, Any]
    primary_text: str = ""
    secondary_text: str = ""


@dataclass(frozen=True)
class EventQuery:
    """Which events: every field left None matches all."""

    stream_id: str | None = None
    analytic_id: str | None = None
    event_type: str | None = None
    since: datetime | None = None
    until: datetime | None = None

    def matches(self, event: StoredEvent) -> bool:
        return (
            (self.stream_id is None or event.stream_id == self.stream_id)
            and (self.analytic_id is None or event.analytic_id == self.analytic_id)
            and (self.event_type is None or event.event_type == self.event_type)
            and (self.since is None or event.occurred_at >= self.since)
            and (self.until is None or event.occurred_at < self.until)
        )


def check(event: NewEvent) -> None:
    """Raise ValueError naming what is wrong with an event to append."""
    if not STREAM_ID.match(event.stream_id):
        raise ValueError(f"bad stream_id {event.stream_id[:40]!r}")
    if event.analytic_id not in ANALYTIC_IDS:
        raise ValueError(f"unknown analytic_id {event.analytic_id[:40]!r}")
    if event.event_type not in EVENT_TYPES:
        raise ValueError(f"unknown event_type {event.event_type[:40]!r}")
    if event.occurred_at.tzinfo is None:
        raise ValueError("occurred_at must be timezone-aware")
    if len(event.label) > MAX_LABEL or len(event.sub_analytic) > MAX_SUB_ANALYTIC:
        raise ValueError("label or sub_analytic too long")
    if not math.isfinite(event.score):
        raise ValueError("score must be a finite number")
    if event.box is not None and (len(event.box) != 4 or not all(math.isfinite(v) for v in event.box)):
        raise ValueError("box must be four finite numbers")
    if len(event.primary_text) > MAX_TEXT or len(event.secondary_text) > MAX_TEXT:
        raise ValueError(f"primary_text or secondary_text longer than {MAX_TEXT} characters")
    if event.idempotency_key is not None and not 1 <= len(event.idempotency_key) <= MAX_KEY:
        raise ValueError(f"idempotency_key must be 1..{MAX_KEY} characters")
    if event.embedding is not None:
        check_embedding(event.embedding)
    if event.thumbnail is not None:
        if len(event.thumbnail) > MAX_THUMBNAIL_BYTES:
            raise ValueError("thumbnail too large")
        if not event.thumbnail.startswith(b"\xff\xd8"):
            raise ValueError("thumbnail is not a JPEG")


def check_embedding(embedding: Embedding) -> None:
    """Raise ValueError naming what is wrong with an embedding."""
    if not EMBEDDING_KIND.match(embedding.kind):
        raise ValueError(f"bad embedding kind {embedding.kind[:40]!r}")
    if not 1 <= len(embedding.vector) <= MAX_EMBEDDING_DIM:
        raise ValueError(f"an embedding has 1..{MAX_EMBEDDING_DIM} values")
    if not all(math.isfinite(v) for v in embedding.vector):
        raise ValueError("embedding values must be finite")
    norm = math.sqrt(math.fsum(float(v) * float(v) for v in embedding.vector))
    if abs(norm - 1.0) > 1e-3:
        raise ValueError(f"embedding must be L2-normalised (norm {norm:.4f})")


class EventStore:
    """The events table and the thumbnail folder under `data_dir`."""

    def __init__(self, engine: Engine, data_dir: Path) -> None:
        self._engine = engine
        self._root = Path(data_dir) / "events" / "thumbnails"

    # -- writing ---------------------------------------------------------------

    def append(self, events: Sequence[NewEvent], *, fence: Executable | None = None) -> list[int]:
        """Store a batch of events in one transaction and return their ids,
        in the order given. Every event is checked first (ValueError: none is
        stored). An event whose `idempotency_key` is already stored (or
        repeated in the batch) is skipped and has no id in the answer.
        `fence`, when given, is an UPDATE run in the same transaction that
        must change one row (an offline job's checkpoint, only while its
        worker owns the row), else nothing is stored and `Fenced` is raised.
        Blocking: call it from a worker thread, not an event loop."""
        for event in events:
            check(event)
        if not events and fence is None:
            return []
        now = utcnow()
        written: list[Path] = []
        rows: list[dict[str, Any]] = []
        try:
            with Session(self._engine) as session:
                events = self._unseen(session, events)
                for event in events:
                    path = self._write_thumbnail(event.stream_id, event.thumbnail) if event.thumbnail else None
                    if path is not None:
                        written.append(path)
                    rows.append(self._row(event, path, now))
                ids: list[int] = []
                if rows:
                    result = session.execute(
                        insert(Event).returning(col(Event.id), sort_by_parameter_order=True),  # type: ignore[arg-type]
                        rows,
                    )
                    ids = [int(row[0]) for row in result]
                vectors = [
                    {
                        "event_id": event_id,
                        "kind": event.embedding.kind,
                        "dim": len(event.embedding.vector),
                        "vector": event.embedding.as_bytes(),
                        "stream_id": event.stream_id,
                        "occurred_at": event.occurred_at.astimezone(UTC),
                    }
                    for event_id, event in zip(ids, events, strict=True)
                    if event.embedding is not None
                ]
                if vectors:
                    session.execute(insert(EventEmbedding), vectors)
                if fence is not None and session.execute(fence).rowcount != 1:  # type: ignore[attr-defined]
                    session.rollback()
                    raise Fenced("the work is no longer this writer's: its events were not stored")
                session.commit()
        except BaseException:
            for path in written:
                path.unlink(missing_ok=True)
            raise
        for event in events:
            metrics.EVENTS.labels(event.analytic_id, event.event_type).inc()
        return ids

    @staticmethod
    def _unseen(session: Session, events: Sequence[NewEvent]) -> list[NewEvent]:
        """The events whose idempotency key is neither stored nor repeated
        earlier in the batch (events without a key are all kept)."""
        keys = [e.idempotency_key for e in events if e.idempotency_key is not None]
        if not keys:
            return list(events)
        stored = set(session.exec(select(Event.idempotency_key).where(col(Event.idempotency_key).in_(keys))).all())
        kept: list[NewEvent] = []
        for event in events:
            if event.idempotency_key is not None:
                if event.idempotency_key in stored:
                    continue
                stored.add(event.idempotency_key)
            kept.append(event)
        return kept

    def _row(self, event: NewEvent, path: Path | None, now: datetime) -> dict[str, Any]:
        return {
            "stream_id": event.stream_id,
            "node_num": event.node_num,
            "analytic_id": event.analytic_id,
            "sub_analytic": event.sub_analytic,
            "event_type": event.event_type,
            "track_id": event.track_id,
            "label": event.label,
            "score": float(event.score),
            "box": [float(v) for v in event.box] if event.box is not None else None,
            "occurred_at": event.occurred_at.astimezone(UTC),
            "created_at": now,
            "thumbnail_path": str(path.relative_to(self._root)) if path else None,
            "thumbnail_bytes": len(event.thumbnail) if event.thumbnail else 0,
            "attributes": dict(event.attributes),
            "primary_text": event.primary_text,
            "secondary_text": event.secondary_text,
            "idempotency_key": event.idempotency_key,
        }

    def _write_thumbnail(self, stream_id: str, jpeg: bytes) -> Path:
        folder = self._root / stream_id
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{uuid.uuid4().hex}.jpg"
        tmp = path.with_suffix(".tmp")
        tmp.write_bytes(jpeg)
        os.replace(tmp, path)
        return path

    # -- reading ---------------------------------------------------------------

    def newest(self, query: EventQuery, limit: int, before_id: int | None = None) -> list[StoredEvent]:
        """Events matching `query`, newest (highest id) first, at most
        `limit`, only ids below `before_id` when given."""
        stmt = self._where(select(Event), query)
        if before_id is not None:
            stmt = stmt.where(col(Event.id) < before_id)
        stmt = stmt.order_by(col(Event.id).desc()).limit(limit)
        with Session(self._engine) as session:
            return [_stored(row) for row in session.exec(stmt)]

    def after(self, after_id: int, limit: int, query: EventQuery | None = None) -> list[StoredEvent]:
        """Events with ids above `after_id`, oldest first, at most `limit`."""
        stmt = self._where(select(Event), query or EventQuery()).where(col(Event.id) > after_id)
        with Session(self._engine) as session:
            return [_stored(row) for row in session.exec(stmt.order_by(col(Event.id)).limit(limit))]

    def by_ids(self, ids: Sequence[int]) -> list[StoredEvent]:
        """The events among these ids that exist, oldest first."""
        if not ids:
            return []
        stmt = select(Event).where(col(Event.id).in_(list(ids))).order_by(col(Event.id))
        with Session(self._engine) as session:
            return [_stored(row) for row in session.exec(stmt)]

    def latest_id(self) -> int:
        with Session(self._engine) as session:
            return int(session.exec(select(func.max(Event.id))).one() or 0)

    def names_stream(self, stream_id: str) -> bool:
        """True when any stored event belongs to this stream."""
        with Session(self._engine) as session:
            return session.exec(select(Event.id).where(Event.stream_id == stream_id).limit(1)).first() is not None

    def thumbnail(self, event_id: int) -> bytes | None:
        """The event's JPEG; None when there is no such event or thumbnail."""
        with Session(self._engine) as session:
            path = session.exec(select(Event.thumbnail_path).where(Event.id == event_id)).first()
        if not path:
            return None
        try:
            return (self._root / path).read_bytes()
        except FileNotFoundError:
            return None

    def counts(self, stream_ids: Sequence[str]) -> dict[str, int]:
        """How many events each of these streams has (0 when none)."""
        found = dict.fromkeys(stream_ids, 0)
        if found:
            with Session(self._engine) as session:
                rows = session.exec(
                    select(Event.stream_id, func.count())
                    .where(col(Event.stream_id).in_(list(found)))
                    .group_by(Event.stream_id)  # type: ignore[arg-type]
                ).all()
            found.update({str(stream_id): int(count) for stream_id, count in rows})
        return found

    def stats(self) -> tuple[int, int]:
        """(how many events, bytes of their thumbnails)."""
        with Session(self._engine) as session:
            count, size = session.exec(select(func.count(), func.coalesce(func.sum(Event.thumbnail_bytes), 0))).one()
        return int(count), int(size)

    @staticmethod
    def _where(stmt: Any, query: EventQuery) -> Any:
        if query.stream_id is not None:
            stmt = stmt.where(Event.stream_id == query.stream_id)
        if query.analytic_id is not None:
            stmt = stmt.where(Event.analytic_id == query.analytic_id)
        if query.event_type is not None:
            stmt = stmt.where(Event.event_type == query.event_type)
        if query.since is not None:
            stmt = stmt.where(col(Event.occurred_at) >= query.since)
        if query.until is not None:
            stmt = stmt.where(col(Event.occurred_at) < query.until)
        return stmt

    # -- retention -------------------------------------------------------------

    def delete_older_than(self, cutoff: datetime) -> int:
        """Delete events whose own time is before `cutoff`; how many."""
        deleted = 0
        while True:
            with Session(self._engine) as session:
                rows = session.exec(
                    select(Event.id, Event.thumbnail_path)
                    .where(col(Event.occurred_at) < cutoff)
                    .order_by(col(Event.id))
                    .limit(DELETE_BATCH)
                ).all()
            deleted += self._delete(rows)
            if len(rows) < DELETE_BATCH:
                return deleted

    def cap_per_stream(self, cap: int) -> int:
        """Keep each stream's `cap` newest events (by their own time); how
        many were deleted."""
        with Session(self._engine) as session:
            streams = session.exec(
                select(Event.stream_id).group_by(Event.stream_id).having(func.count() > cap)  # type: ignore[arg-type]
            ).all()
        deleted = 0
        for stream_id in streams:
            while True:
                with Session(self._engine) as session:
                    rows = session.exec(
                        select(Event.id, Event.thumbnail_path)
                        .where(Event.stream_id == stream_id)
                        .order_by(col(Event.occurred_at).desc(), col(Event.id).desc())
                        .offset(cap)
                        .limit(DELETE_BATCH)
                    ).all()
                deleted += self._delete(rows)
                if len(rows) < DELETE_BATCH:
                    break
        return deleted

    def delete_stream(self, stream_id: str) -> int:
        """Delete every event of one stream (a deleted video's); how many."""
        deleted = 0
        while True:
            with Session(self._engine) as session:
                rows = session.exec(
                    select(Event.id, Event.thumbnail_path)
                    .where(Event.stream_id == stream_id)
                    .order_by(col(Event.id))
                    .limit(DELETE_BATCH)
                ).all()
            deleted += self._delete(rows)
            if len(rows) < DELETE_BATCH:
                return deleted

    def delete_analytics(self, stream_id: str, analytic_ids: Sequence[str]) -> int:
        """Delete the events of some analytics of one stream; how many."""
        deleted = 0
        while True:
            with Session(self._engine) as session:
                rows = session.exec(
                    select(Event.id, Event.thumbnail_path)
                    .where(Event.stream_id == stream_id, col(Event.analytic_id).in_(list(analytic_ids)))
                    .order_by(col(Event.id))
                    .limit(DELETE_BATCH)
                ).all()
            deleted += self._delete(rows)
            if len(rows) < DELETE_BATCH:
                return deleted

    def analytic_counts(self, stream_ids: Sequence[str], analytic_ids: Sequence[str]) -> dict[tuple[str, str], int]:
        """How many events each (stream, analytic) of these has (absent: none)."""
        if not stream_ids or not analytic_ids:
            return {}
        with Session(self._engine) as session:
            rows = session.exec(
                select(Event.stream_id, Event.analytic_id, func.count())
                .where(col(Event.stream_id).in_(list(stream_ids)), col(Event.analytic_id).in_(list(analytic_ids)))
                .group_by(Event.stream_id, Event.analytic_id)  # type: ignore[arg-type]
            ).all()
        return {(str(stream), str(analytic)): int(count) for stream, analytic, count in rows}

    def embeddings_of(self, stream_id: str, analytic_id: str, kind: str) -> list[list[float]]:
        """The embeddings of one kind of one analytic's events of a stream, in event order."""
        with Session(self._engine) as session:
            rows = session.exec(
                select(EventEmbedding.vector)
                .join(Event, col(Event.id) == col(EventEmbedding.event_id))
                .where(
                    EventEmbedding.stream_id == stream_id,
                    EventEmbedding.kind == kind,
                    Event.analytic_id == analytic_id,
                )
                .order_by(col(EventEmbedding.event_id))
            ).all()
        return [list(struct.unpack(f"<{len(vector) // 4}f", vector)) for vector in rows]

    def _delete(self, rows: Iterable[Any]) -> int:
        rows = list(rows)
        if not rows:
            return 0
        with Session(self._engine) as session:
            ids = [r[0] for r in rows]
            # Embeddings go with their events, in the same transaction.
            session.execute(delete(EventEmbedding).where(col(EventEmbedding.event_id).in_(ids)))
            session.execute(delete(Event).where(col(Event.id).in_(ids)))
            session.commit()
        for _, path in rows:
            if path:
                (self._root / path).unlink(missing_ok=True)
        return len(rows)


def _stored(row: Event) -> StoredEvent:
    assert row.id is not None
    return StoredEvent(
        id=row.id,
        stream_id=row.stream_id,
        node_num=row.node_num,
        analytic_id=row.analytic_id,
        sub_analytic=row.sub_analytic,
        event_type=row.event_type,
        track_id=row.track_id,
        label=row.label,
        score=row.score,
        box=list(row.box) if row.box is not None else None,
        occurred_at=as_utc(row.occurred_at),
        created_at=as_utc(row.created_at),
        has_thumbnail=bool(row.thumbnail_path),
        attributes=dict(row.attributes or {}),
        primary_text=row.primary_text or "",
        secondary_text=row.secondary_text or "",
    )
