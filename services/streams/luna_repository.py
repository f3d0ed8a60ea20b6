"""SQL of the LUNA face: stream filters and pages, the processing queue,
worker feedback and stream logs, stream groups and their links.

Every read-modify-write locks the stream row first, with the lock every
writer of the row takes (`repository.lock_stream`), and writes only the
columns it decides on. The queue hands streams out in one `UPDATE ... RETURNING`
whose CTE picks the rows, skipping those another taker has locked (`FOR
UPDATE SKIP LOCKED`) on PostgreSQL; SQLite runs the whole statement under its
write lock.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, and_, delete, false, func, or_, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from services.db.models import Stream, StreamGroup, StreamGroupLink, StreamLog
from services.streams.visionaire_repository import insert_stream, lock_stream

T = TypeVar("T")


@dataclass(frozen=True)
class StreamFilters:
    """Which streams a list, count or delete covers (every given filter must
    match)."""

    account_id: str | None = None
    stream_ids: Sequence[str] = ()
    stream_id_gte: str | None = None
    stream_id_lt: str | None = None
    names: Sequence[str] = ()
    reference: str | None = None
    statuses: Sequence[str] = ()
    create_time_gte: datetime | None = None
    create_time_lt: datetime | None = None
    group_name: str | None = None


@dataclass(frozen=True)
class QueueFilters:
    """Which queued streams a worker looks at or takes (every given filter
    must match)."""

    stream_ids: Sequence[str] = ()
    names: Sequence[str] = ()
    group_ids: Sequence[str] = ()
    group_names: Sequence[str] = ()


@dataclass(frozen=True)
class LogFilters:
    """Which stream log records a list covers."""

    account_id: str | None = None
    stream_ids: Sequence[str] = ()
    statuses: Sequence[str] = ()
    log_time_gte: datetime | None = None
    log_time_lt: datetime | None = None


@dataclass(frozen=True)
class GroupFilters:
    """Which groups a list or count covers."""

    account_id: str | None = None
    group_ids: Sequence[str] = ()
    group_names: Sequence[str] = ()


@dataclass
class StreamChange:
    """What to write to a locked stream row, in the same transaction: new
    column values, a log record to append, a group to attach it to."""

    values: dict[str, Any] = field(default_factory=dict)
    log: StreamLog | None = None
    attach_group: str | None = None


def _stream_conditions(filters: StreamFilters) -> list[ColumnElement[bool]]:
    out: list[ColumnElement[bool]] = []
    if filters.account_id is not None:
        out.append(col(Stream.account_id) == filters.account_id)
    if filters.stream_ids:
        out.append(col(Stream.stream_id).in_(filters.stream_ids))
    if filters.stream_id_gte is not None:
        out.append(col(Stream.stream_id) >= filters.stream_id_gte)
    if filters.stream_id_lt is not None:
        out.append(col(Stream.stream_id) < filters.stream_id_lt)
    if filters.names:
        out.append(col(Stream.name).in_(filters.names))
    if filters.reference is not None:
        out.append(col(Stream.reference) == filters.reference)
    if filters.statuses:
        out.append(col(Stream.status).in_(filters.statuses))
    if filters.create_time_gte is not None:
        out.append(col(Stream.create_time) >= filters.create_time_gte)
    if filters.create_time_lt is not None:
        out.append(col(Stream.create_time) < filters.create_time_lt)
    if filters.group_name is not None:
        grouped = (
            select(StreamGroupLink.stream_id)
            .join(StreamGroup, col(StreamGroup.group_id) == col(StreamGroupLink.group_id))
            .where(col(StreamGroup.group_name) == filters.group_name)
        )
        if filters.account_id is not None:
            grouped = grouped.where(col(StreamGroup.account_id) == filters.account_id)
        out.append(col(Stream.stream_id).in_(grouped))
    return out


def _queue_conditions(filters: QueueFilters) -> list[ColumnElement[bool]]:
    out: list[ColumnElement[bool]] = [col(Stream.status) == "pending", col(Stream.api_version).is_not(None)]
    if filters.stream_ids:
        out.append(col(Stream.stream_id).in_(filters.stream_ids))
    if filters.names:
        out.append(col(Stream.name).in_(filters.names))
    if filters.group_ids:
        out.append(
            col(Stream.stream_id).in_(
                select(StreamGroupLink.stream_id).where(col(StreamGroupLink.group_id).in_(filters.group_ids))
            )
        )
    if filters.group_names:
        out.append(
            col(Stream.stream_id).in_(
                select(StreamGroupLink.stream_id)
                .join(StreamGroup, col(StreamGroup.group_id) == col(StreamGroupLink.group_id))
                .where(col(StreamGroup.group_name).in_(filters.group_names))
            )
        )
    return out


def _log_conditions(filters: LogFilters) -> list[ColumnElement[bool]]:
    out: list[ColumnElement[bool]] = []
    if filters.account_id is not None:
        out.append(
            col(StreamLog.stream_id).in_(select(Stream.stream_id).where(col(Stream.account_id) == filters.account_id))
        )
    if filters.stream_ids:
        out.append(col(StreamLog.stream_id).in_(filters.stream_ids))
    if filters.statuses:
        out.append(col(StreamLog.status).in_(filters.statuses))
    if filters.log_time_gte is not None:
        out.append(col(StreamLog.log_time) >= filters.log_time_gte)
    if filters.log_time_lt is not None:
        out.append(col(StreamLog.log_time) < filters.log_time_lt)
    return out


def _group_conditions(filters: GroupFilters) -> list[ColumnElement[bool]]:
    out: list[ColumnElement[bool]] = []
    if filters.account_id is not None:
        out.append(col(StreamGroup.account_id) == filters.account_id)
    if filters.group_ids:
        out.append(col(StreamGroup.group_id).in_(filters.group_ids))
    if filters.group_names:
        out.append(col(StreamGroup.group_name).in_(filters.group_names))
    return out


QUEUE_ORDER = (col(Stream.create_time), col(Stream.stream_id))


class LunaStreamRepository:
    """Reads and writes the LUNA side of `streams`, `stream_logs` and the
    group links."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._postgres = engine.dialect.name == "postgresql"

    # --- reads -------------------------------------------------------------------

    def get(self, stream_id: str) -> Stream | None:
        with Session(self._engine) as session:
            return session.get(Stream, stream_id)

    def groups_of(self, stream_ids: Iterable[str]) -> dict[str, list[str]]:
        """The names of the groups of each stream, oldest group first."""
        ids = list(stream_ids)
        out: dict[str, list[str]] = {stream_id: [] for stream_id in ids}
        if not ids:
            return out
        with Session(self._engine) as session:
            rows = session.exec(
                select(StreamGroupLink.stream_id, StreamGroup.group_name)
                .join(StreamGroup, col(StreamGroup.group_id) == col(StreamGroupLink.group_id))
                .where(col(StreamGroupLink.stream_id).in_(ids))
                .order_by(col(StreamGroup.create_time), col(StreamGroup.group_id))
            )
            for stream_id, name in rows:
                out[stream_id].append(name)
        return out

    def page(self, filters: StreamFilters, *, by_id: bool, descending: bool, offset: int, limit: int) -> list[Stream]:
        """One page of matching streams, in creation order (or by ID)."""
        keys = [col(Stream.stream_id)] if by_id else [col(Stream.create_time), col(Stream.stream_id)]
        order = [key.desc() if descending else key.asc() for key in keys]
        with Session(self._engine) as session:
            query = select(Stream).where(*_stream_conditions(filters)).order_by(*order).offset(offset).limit(limit)
            return list(session.exec(query))

    def count(self, filters: StreamFilters) -> int:
        with Session(self._engine) as session:
            query = select(func.count()).select_from(Stream).where(*_stream_conditions(filters))
            return int(session.exec(query).one())

    def queued(self, filters: QueueFilters, limit: int) -> list[Stream]:
        """The queued streams a worker would take, without taking them."""
        with Session(self._engine) as session:
            query = select(Stream).where(*_queue_conditions(filters)).order_by(*QUEUE_ORDER).limit(limit)
            return list(session.exec(query))

    def in_status(self, status: str) -> list[Stream]:
        """Every LUNA stream in `status`."""
        with Session(self._engine) as session:
            query = select(Stream).where(col(Stream.status) == status, col(Stream.api_version).is_not(None))
            return list(session.exec(query))

    def accounts_of(self, stream_ids: Iterable[str]) -> dict[str, str | None]:
        """The account of each of the streams that exist."""
        ids = list(stream_ids)
        if not ids:
            return {}
        with Session(self._engine) as session:
            rows = session.exec(select(Stream.stream_id, Stream.account_id).where(col(Stream.stream_id).in_(ids)))
            return dict(rows.all())

    # --- writes ------------------------------------------------------------------

    def add(self, stream: Stream, group_id: str | None) -> Stream:
        """Insert a stream, attached to `group_id` when given; `NodeFull`
        when its node has no room."""
        with Session(self._engine) as session:
            insert_stream(session, stream)
            if group_id is not None:
                session.flush()
                session.add(StreamGroupLink(stream_id=stream.stream_id, group_id=group_id))
            session.commit()
            session.refresh(stream)
            return stream

    def change(self, stream_id: str, decide: Callable[[Stream], StreamChange | None]) -> tuple[Stream | None, bool]:
        """Lock a stream, let `decide` look at it, write what it returns.

        Returns the stream as it is afterwards (None when it does not exist)
        and whether anything was written.
        """
        with Session(self._engine) as session:
            stream = lock_stream(session, stream_id)
            if stream is None:
                session.rollback()
                return None, False
            decision = decide(stream)
            if decision is None:
                session.expunge(stream)  # keeps what was read; a rollback would expire it
                session.rollback()
                return stream, False
            for name, value in decision.values.items():
                setattr(stream, name, value)
            session.add(stream)
            if decision.log is not None:
                session.add(decision.log)
            if decision.attach_group is not None and (
                session.get(StreamGroupLink, (stream_id, decision.attach_group)) is None
            ):
                session.add(StreamGroupLink(stream_id=stream_id, group_id=decision.attach_group))
            session.commit()
            session.refresh(stream)
            return stream, True

    def delete_matching(self, account_id: str | None, stream_ids: Sequence[str], names: Sequence[str]) -> list[str]:
        """Delete the streams with any of the IDs or names; their IDs."""
        if not stream_ids and not names:
            return []
        match = or_(
            col(Stream.stream_id).in_(stream_ids) if stream_ids else false(),
            col(Stream.name).in_(names) if names else false(),
        )
        if account_id is not None:
            match = and_(match, col(Stream.account_id) == account_id)
        with Session(self._engine) as session:
            ids = list(session.exec(select(Stream.stream_id).where(match)))
            if ids:
                session.execute(delete(StreamLog).where(col(StreamLog.stream_id).in_(ids)))
                session.execute(delete(StreamGroupLink).where(col(StreamGroupLink.stream_id).in_(ids)))
                session.execute(delete(Stream).where(col(Stream.stream_id).in_(ids)))
            session.commit()
            return ids

    def take(self, filters: QueueFilters, limit: int, now: datetime) -> list[Stream]:
        """Atomically move up to `limit` queued streams to "in_progress" and
        return them in queue order. Concurrent takers never get the same
        stream."""
        chosen = select(Stream.stream_id).where(*_queue_conditions(filters)).order_by(*QUEUE_ORDER).limit(limit)
        if self._postgres:
            chosen = chosen.with_for_update(skip_locked=True)
        # A CTE runs once: a LIMIT subquery inside `IN (...)` may be run again
        # per row by PostgreSQL's planner, handing out more than `limit`.
        picked = chosen.cte("picked")
        statement = (
            update(Stream)
            .where(col(Stream.stream_id) == picked.c.stream_id, col(Stream.status) == "pending")
            .values(status="in_progress", last_update_time=now)
            .returning(col(Stream.stream_id))
        )
        with Session(self._engine) as session:
            ids = list(session.execute(statement).scalars())
            session.commit()
            if not ids:
                return []
            taken = session.exec(select(Stream).where(col(Stream.stream_id).in_(ids)).order_by(*QUEUE_ORDER))
            return list(taken)

    # --- logs --------------------------------------------------------------------

    def logs(self, filters: LogFilters, offset: int, limit: int) -> list[StreamLog]:
        """One page of log records, newest first."""
        with Session(self._engine) as session:
            query = (
                select(StreamLog)
                .where(*_log_conditions(filters))
                .order_by(col(StreamLog.log_time).desc(), col(StreamLog.log_id).desc())
                .offset(offset)
                .limit(limit)
            )
            return list(session.exec(query))

    def delete_logs(self, before: datetime | None) -> int:
        """Delete the records written before `before` (all when None), except
        the last record of every stream; how many were deleted."""
        last = select(func.max(StreamLog.log_id)).group_by(col(StreamLog.stream_id))
        conditions: list[ColumnElement[bool]] = [col(StreamLog.log_id).not_in(last.scalar_subquery())]
        if before is not None:
            conditions.append(col(StreamLog.log_time) < before)
        with Session(self._engine) as session:
            result = session.execute(delete(StreamLog).where(*conditions))
            session.commit()
            return int(result.rowcount or 0)  # type: ignore[attr-defined]


class LunaGroupRepository:
    """Reads and writes `stream_groups` and `stream_group_links`."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def add(self, group: StreamGroup) -> StreamGroup | None:
        """Insert a group; None when the account already has one by that
        name."""
        with Session(self._engine) as session:
            session.add(group)
            try:
                session.commit()
            except IntegrityError:
                session.rollback()
                return None
            session.refresh(group)
            return group

    def get(self, group_id: str) -> StreamGroup | None:
        with Session(self._engine) as session:
            return session.get(StreamGroup, group_id)

    def by_name(self, account_id: str, group_name: str) -> StreamGroup | None:
        with Session(self._engine) as session:
            query = select(StreamGroup).where(
                col(StreamGroup.account_id) == account_id, col(StreamGroup.group_name) == group_name
            )
            return session.exec(query).first()

    def page(self, filters: GroupFilters, offset: int, limit: int) -> list[StreamGroup]:
        """One page of groups, oldest first."""
        with Session(self._engine) as session:
            query = (
                select(StreamGroup)
                .where(*_group_conditions(filters))
                .order_by(col(StreamGroup.create_time), col(StreamGroup.group_id))
                .offset(offset)
                .limit(limit)
            )
            return list(session.exec(query))

    def count(self, filters: GroupFilters) -> int:
        with Session(self._engine) as session:
            query = select(func.count()).select_from(StreamGroup).where(*_group_conditions(filters))
            return int(session.exec(query).one())

    def set_description(self, group_id: str, description: str) -> bool:
        with Session(self._engine) as session:
            result = session.execute(
                update(StreamGroup).where(col(StreamGroup.group_id) == group_id).values(description=description)
            )
            session.commit()
            return bool(result.rowcount)  # type: ignore[attr-defined]

    def delete(self, group_id: str) -> bool:
        with Session(self._engine) as session:
            session.execute(delete(StreamGroupLink).where(col(StreamGroupLink.group_id) == group_id))
            result = session.execute(delete(StreamGroup).where(col(StreamGroup.group_id) == group_id))
            session.commit()
            return bool(result.rowcount)  # type: ignore[attr-defined]

    def link(self, group_id: str, stream_ids: Sequence[str], attach: bool) -> bool:
        """Attach the streams to the group, or detach them; False when the
        group or a stream went away meanwhile."""
        with Session(self._engine) as session:
            if attach:
                present = set(
                    session.exec(
                        select(StreamGroupLink.stream_id).where(
                            col(StreamGroupLink.group_id) == group_id,
                            col(StreamGroupLink.stream_id).in_(stream_ids),
                        )
                    )
                )
                for stream_id in dict.fromkeys(stream_ids):
                    if stream_id not in present:
                        session.add(StreamGroupLink(stream_id=stream_id, group_id=group_id))
            else:
                session.execute(
                    delete(StreamGroupLink).where(
                        col(StreamGroupLink.group_id) == group_id, col(StreamGroupLink.stream_id).in_(stream_ids)
                    )
                )
            try:
                session.commit()
            except IntegrityError:
                session.rollback()
                return False
            return True
