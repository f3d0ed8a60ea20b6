"""SQL for streams and the node registry they live on, and the row locks
every writer of a stream row takes (the Visionaire4 face here, the LUNA face
in `luna_repository`).

A writer locks the row, decides on what it read, and writes only the columns
it owns, in one transaction: `SELECT ... FOR UPDATE` on PostgreSQL; on SQLite
a no-op `UPDATE` of the row first, which takes the database's write lock
before the read (pysqlite only opens a transaction at the first write). No
writer copies a whole row back, so concurrent writers of other columns are
never reverted.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable
from typing import Any

from sqlalchemy import delete, func
from sqlalchemy import select as sql_select
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from services.db.locks import lock_row
from services.db.models import Node, Setting, Stream, StreamGroupLink, StreamLog, StreamStatsRow, Work

#: The `settings` row the system service writes `POST /config/platform` to.
PLATFORM_SETTING = "platform"


class NodeFull(Exception):
    """A create on a node that already has `limit` streams."""

    def __init__(self, limit: int) -> None:
        super().__init__(limit)
        self.limit = limit


def lock_stream(session: Session, stream_id: str) -> Stream | None:
    """The stream row, locked against every other writer until commit, as
    it is now (not as the session last saw it)."""
    if not lock_row(session, col(Stream.stream_id), stream_id):
        return None
    return session.get(Stream, stream_id, populate_existing=True)


def _lock_node(session: Session, node_num: int) -> bool:
    """Lock a node's registry row (creates on one node take turns); False
    when the node is not registered."""
    return lock_row(session, col(Node.node_num), node_num)


def _stream_limit(session: Session) -> int | None:
    """`max_streams_per_node` as `POST /config/platform` stored it; None
    when it was never stored."""
    row = session.get(Setting, PLATFORM_SETTING)
    value = (row.value or {}).get("max_streams_per_node") if row is not None else None
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None


def insert_stream(session: Session, stream: Stream) -> None:
    """Add a stream in `session` after checking, under the node's lock, that
    its node has room; otherwise roll the session back (which releases the
    lock) and raise `NodeFull`. The caller commits."""
    _lock_node(session, stream.node_num)
    limit = _stream_limit(session)
    if limit is not None:
        count = session.exec(
            select(func.count()).select_from(Stream).where(col(Stream.node_num) == stream.node_num)
        ).one()
        if int(count) >= limit:
            session.rollback()
            raise NodeFull(limit)
    session.add(stream)


class StreamRepository:
    """Reads and writes the `streams` table (shared by every API family)."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def node_exists(self, node_num: int) -> bool:
        with Session(self._engine) as session:
            return session.get(Node, node_num) is not None

    def list(self, node_num: int | None = None) -> list[tuple[Any, ...]]:
        """The columns Visionaire4 shows of every stream (of one node), in
        creation order: one query, plain tuples, no ORM objects."""
        query = sql_select(
            Stream.__table__.c.stream_id,  # type: ignore[attr-defined]
            Stream.__table__.c.name,  # type: ignore[attr-defined]
            Stream.__table__.c.reference,  # type: ignore[attr-defined]
            Stream.__table__.c.node_num,  # type: ignore[attr-defined]
            Stream.__table__.c.latitude,  # type: ignore[attr-defined]
            Stream.__table__.c.longitude,  # type: ignore[attr-defined]
            Stream.__table__.c.custom_data,  # type: ignore[attr-defined]
        ).order_by(col(Stream.create_time), col(Stream.stream_id))
        if node_num is not None:
            query = query.where(col(Stream.node_num) == node_num)
        with Session(self._engine) as session:
            return [tuple(row) for row in session.execute(query)]

    def count(self) -> int:
        with Session(self._engine) as session:
            return int(session.exec(select(func.count()).select_from(Stream)).one())

    def get(self, stream_id: str) -> Stream | None:
        with Session(self._engine) as session:
            return session.get(Stream, stream_id)

    def stream_stats(self, stream_id: str) -> StreamStatsRow | None:
        """The stream engine's last report on the stream (services/engine)."""
        with Session(self._engine) as session:
            return session.get(StreamStatsRow, stream_id)

    def pipelines_of(self, stream_id: str) -> builtins.list[tuple[str, str]]:
        """(analytic id, seat serial number) of every analytic assigned to
        the stream (the catalog's `work` rows), in assignment order."""
        table = Work.__table__.c  # type: ignore[attr-defined]
        query = sql_select(table.analytic_id, table.serial_number).where(table.stream_id == stream_id)
        with Session(self._engine) as session:
            return [(str(a), str(s)) for a, s in session.execute(query.order_by(table.id))]

    def add(self, stream: Stream) -> Stream:
        """Insert a stream; `NodeFull` when its node has no room."""
        with Session(self._engine) as session:
            insert_stream(session, stream)
            session.commit()
            session.refresh(stream)
            return stream

    def change(self, stream_id: str, node_num: int, decide: Callable[[Stream], dict[str, Any]]) -> Stream | None:
        """Lock a stream of `node_num`, let `decide` look at it and name the
        columns to set, write only those. None when there is no such stream."""
        with Session(self._engine) as session:
            stream = lock_stream(session, stream_id)
            if stream is None or stream.node_num != node_num:
                session.rollback()
                return None
            for name, value in decide(stream).items():
                setattr(stream, name, value)
            session.add(stream)
            session.commit()
            session.refresh(stream)
            return stream

    def delete(self, stream_id: str, node_num: int) -> Stream | None:
        """Delete a stream of `node_num` with its logs and group links; the
        stream as it was, or None when there is no such stream."""
        with Session(self._engine) as session:
            stream = lock_stream(session, stream_id)
            if stream is None or stream.node_num != node_num:
                session.rollback()
                return None
            session.expunge(stream)
            session.execute(delete(StreamLog).where(col(StreamLog.stream_id) == stream_id))
            session.execute(delete(StreamGroupLink).where(col(StreamGroupLink.stream_id) == stream_id))
            session.execute(delete(Stream).where(col(Stream.stream_id) == stream_id))
            session.commit()
            return stream
