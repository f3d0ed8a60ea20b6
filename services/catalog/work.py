"""The work model: every analytic assigned to a stream is one row of the
`work` table (services/db/models.py `Work`), and that row is the durable
work a worker takes. The stream engine takes `live` work (camera streams:
Visionaire4 and LUNA streams), the offline jobs take `offline` work (the
internal `offline_mode` stream of an uploaded video). The catalog service
writes the rows (assign, change config, remove); workers use only the
functions below.

Contract
--------

States of a row:

* `idle`: stored but not to be run: an offline assignment whose analysis is
  not scheduled (`schedule_stream` makes it `pending`). Never claimed.
* `pending`: waiting for a worker. A live assignment starts here.
* `running`: claimed by `owner`, which heartbeats. A running row whose
  heartbeat is older than the caller's lease is expired: `claim` takes it
  over (attempts + 1) and `take_over_expired` puts it back to `pending`.
* `done`: offline work that reached the end of its video (`release`).
* `failed`: stopped with `error` (`release`); not claimed again until its
  config changes (an update makes live work `pending` again) or its stream
  is scheduled again.

A worker:

1. `claim(engine, worker_id, lease_seconds=..., kinds=("live",))` takes up
   to `limit` pending or expired rows, atomically: one `UPDATE ...
   RETURNING` over a `FOR UPDATE SKIP LOCKED` pick on PostgreSQL (takers
   never wait for each other and never get the same row), the database
   write lock on SQLite (the statement is atomic there), as the LUNA queue
   does (services/streams/luna_repository.py).
2. Calls `heartbeat(engine, work_id, worker_id)` (or `heartbeat_all` for
   everything it holds) well within the lease. The answer is the row's
   current `config_version`; when it is higher than the version the worker
   runs, `read_config` gives the new config, which the worker applies
   without a restart. `None` (not in `heartbeat_all`'s answer) means the
   worker lost the row: it was removed (the assignment was deleted, or its
   stream), taken over after the lease expired, or released: stop at once.
3. `release(engine, work_id, worker_id, state=...)`: `pending` to give it
   back (shutting down), `done` or `failed` (with `error`) to finish.

Every write names its owner and expected state, so repeating it is
harmless (at-least-once never means twice): a second `release`, or a
heartbeat from a worker whose row was taken over, changes nothing and
answers False / None. Writes are single statements; none copies a row back.
A worker's clock is not trusted across machines: `now` defaults to this
host's UTC time and every taker of one database should share one clock
source (NTP); leases of tens of seconds absorb the usual skew.

Columns (table `work`, migration 0005): `id`, `stream_id` (goes with the
stream: ON DELETE CASCADE), `node_num`, `analytic_id` (the Visionaire4 id,
`NFV4-MPA`), `seat`, `serial_number`, `kind`, `config` (JSON, valid against
the analytic's schema, defaults filled in), `config_version`, `state`,
`owner`, `heartbeat_at`, `progress` (0..1), `error`, `attempts`,
`created_at`, `updated_at`, `started_at`, `finished_at`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_, update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from services.db.models import Work, as_utc, utcnow

LIVE = "live"
OFFLINE = "offline"
KINDS = (LIVE, OFFLINE)

IDLE = "idle"
PENDING = "pending"
RUNNING = "running"
DONE = "done"
FAILED = "failed"
STATES = (IDLE, PENDING, RUNNING, DONE, FAILED)
#: The states `release` may leave a row in.
RELEASE_STATES = (PENDING, DONE, FAILED)
#: An analysis of a stream is under way while one of its rows is in these.
ACTIVE_STATES = (PENDING, RUNNING)


@dataclass(frozen=True)
class WorkItem:
    """One row of work as a worker sees it."""

    id: int
    stream_id: str
    node_num: int
    analytic_id: str
    kind: str
    config: dict[str, Any]
    config_version: int
    state: str
    owner: str | None
    heartbeat_at: datetime | None
    progress: float
    error: str
    attempts: int
    seat: int
    serial_number: str

    @classmethod
    def of(cls, row: Work) -> WorkItem:
        assert row.id is not None
        return cls(
            id=row.id,
            stream_id=row.stream_id,
            node_num=row.node_num,
            analytic_id=row.analytic_id,
            kind=row.kind,
            config=dict(row.config or {}),
            config_version=row.config_version,
            state=row.state,
            owner=row.owner,
            heartbeat_at=as_utc(row.heartbeat_at) if row.heartbeat_at else None,
            progress=row.progress,
            error=row.error,
            attempts=row.attempts,
            seat=row.seat,
            serial_number=row.serial_number,
        )


def _now(now: datetime | None) -> datetime:
    return now or utcnow()


def _claimable(cutoff: datetime) -> Any:
    """Pending rows, and running rows whose heartbeat is older than `cutoff`."""
    return or_(
        col(Work.state) == PENDING,
        and_(col(Work.state) == RUNNING, or_(col(Work.heartbeat_at).is_(None), col(Work.heartbeat_at) < cutoff)),
    )


def claim(
    engine: Engine,
    worker_id: str,
    *,
    lease_seconds: float,
    kinds: Sequence[str] = (LIVE,),
    node_num: int | None = None,
    analytic_ids: Iterable[str] | None = None,
    limit: int = 1,
    now: datetime | None = None,
) -> list[WorkItem]:
    """Take up to `limit` pending rows (and running rows whose heartbeat is
    older than `lease_seconds`) of the given kinds, node and analytics, oldest
    first: they become `running`, owned by `worker_id`, heartbeat now,
    attempts + 1. Concurrent claims never return the same row."""
    if not worker_id or len(worker_id) > 128:
        raise ValueError("worker_id must be 1..128 characters")
    now = _now(now)
    cutoff = now - timedelta(seconds=lease_seconds)
    conditions = [_claimable(cutoff), col(Work.kind).in_(list(kinds))]
    if node_num is not None:
        conditions.append(col(Work.node_num) == node_num)
    if analytic_ids is not None:
        conditions.append(col(Work.analytic_id).in_(list(analytic_ids)))
    chosen = select(Work.id).where(*conditions).order_by(col(Work.id)).limit(limit)
    postgres = engine.dialect.name == "postgresql"
    if postgres:
        chosen = chosen.with_for_update(skip_locked=True)
    # A CTE runs once: a LIMIT subquery inside `IN (...)` may be run again
    # per row by PostgreSQL's planner, handing out more than `limit`.
    picked = chosen.cte("picked")
    statement = (
        update(Work)
        .where(col(Work.id) == picked.c.id, _claimable(cutoff))
        .values(
            state=RUNNING,
            owner=worker_id,
            heartbeat_at=now,
            attempts=col(Work.attempts) + 1,
            started_at=now,
            finished_at=None,
            updated_at=now,
        )
        .returning(col(Work.id))
    )
    with Session(engine) as session:
        ids = list(session.execute(statement).scalars())
        session.commit()
        if not ids:
            return []
        rows = session.exec(select(Work).where(col(Work.id).in_(ids)).order_by(col(Work.id)))
        return [WorkItem.of(row) for row in rows]


def heartbeat(
    engine: Engine, work_id: int, worker_id: str, *, progress: float | None = None, now: datetime | None = None
) -> int | None:
    """Renew the lease of one running row the worker owns (and record
    `progress`, 0..1, for offline work). The row's `config_version`; None
    when the worker no longer owns it (removed, taken over, released)."""
    values: dict[str, Any] = {"heartbeat_at": _now(now)}
    if progress is not None:
        values["progress"] = min(max(float(progress), 0.0), 1.0)
    statement = (
        update(Work)
        .where(col(Work.id) == work_id, col(Work.owner) == worker_id, col(Work.state) == RUNNING)
        .values(**values)
        .returning(col(Work.config_version))
    )
    with Session(engine) as session:
        version = session.execute(statement).scalar_one_or_none()
        session.commit()
        return None if version is None else int(version)


def heartbeat_all(engine: Engine, worker_id: str, *, now: datetime | None = None) -> dict[int, int]:
    """Renew every running row the worker owns, in one statement: work id ->
    config version. A row the worker held and that is missing here is lost."""
    statement = (
        update(Work)
        .where(col(Work.owner) == worker_id, col(Work.state) == RUNNING)
        .values(heartbeat_at=_now(now))
        .returning(col(Work.id), col(Work.config_version))
    )
    with Session(engine) as session:
        rows = session.execute(statement).all()
        session.commit()
        return {int(work_id): int(version) for work_id, version in rows}


def read_config(engine: Engine, work_id: int) -> tuple[dict[str, Any], int] | None:
    """The row's current config and its version; None when it is gone."""
    with Session(engine) as session:
        row = session.execute(select(Work.config, Work.config_version).where(col(Work.id) == work_id)).first()
        return None if row is None else (dict(row[0] or {}), int(row[1]))


def release(
    engine: Engine,
    work_id: int,
    worker_id: str,
    *,
    state: str = PENDING,
    error: str = "",
    progress: float | None = None,
    now: datetime | None = None,
) -> bool:
    """Give a running row back (`pending`) or finish it (`done`, `failed`
    with `error`). False when the worker did not own it (any more)."""
    if state not in RELEASE_STATES:
        raise ValueError(f"release state must be one of {', '.join(RELEASE_STATES)}")
    now = _now(now)
    values: dict[str, Any] = {"state": state, "owner": None, "heartbeat_at": None, "error": error, "updated_at": now}
    if state in (DONE, FAILED):
        values["finished_at"] = now
    if progress is not None:
        values["progress"] = min(max(float(progress), 0.0), 1.0)
    statement = (
        update(Work)
        .where(col(Work.id) == work_id, col(Work.owner) == worker_id, col(Work.state) == RUNNING)
        .values(**values)
    )
    with Session(engine) as session:
        result = session.execute(statement)
        session.commit()
        return bool(result.rowcount)  # type: ignore[attr-defined]


def take_over_expired(engine: Engine, *, lease_seconds: float, now: datetime | None = None) -> int:
    """Put running rows whose heartbeat is older than `lease_seconds` back
    to `pending` (their worker died); how many. `claim` also takes such rows
    directly; this is for a supervisor that only watches."""
    now = _now(now)
    cutoff = now - timedelta(seconds=lease_seconds)
    statement = (
        update(Work)
        .where(
            col(Work.state) == RUNNING,
            or_(col(Work.heartbeat_at).is_(None), col(Work.heartbeat_at) < cutoff),
        )
        .values(state=PENDING, owner=None, heartbeat_at=None, updated_at=now)
    )
    with Session(engine) as session:
        result = session.execute(statement)
        session.commit()
        return int(result.rowcount)  # type: ignore[attr-defined]


def schedule_stream(engine: Engine, stream_id: str, *, now: datetime | None = None) -> int:
    """Schedule the analysis of an offline stream: its `idle`, `done` and
    `failed` rows become `pending` (progress 0, error cleared); how many.
    For the offline jobs."""
    statement = (
        update(Work)
        .where(
            col(Work.stream_id) == stream_id,
            col(Work.kind) == OFFLINE,
            col(Work.state).in_([IDLE, DONE, FAILED]),
        )
        .values(state=PENDING, progress=0.0, error="", finished_at=None, updated_at=_now(now))
    )
    with Session(engine) as session:
        result = session.execute(statement)
        session.commit()
        return int(result.rowcount)  # type: ignore[attr-defined]


def unschedule_stream(engine: Engine, stream_id: str, *, now: datetime | None = None) -> int:
    """Cancel a scheduled analysis of an offline stream that no worker has
    taken yet: its `pending` rows become `idle`; how many. A running row is
    left to its worker (release it)."""
    statement = (
        update(Work)
        .where(col(Work.stream_id) == stream_id, col(Work.kind) == OFFLINE, col(Work.state) == PENDING)
        .values(state=IDLE, updated_at=_now(now))
    )
    with Session(engine) as session:
        result = session.execute(statement)
        session.commit()
        return int(result.rowcount)  # type: ignore[attr-defined]


def of_stream(engine: Engine, stream_id: str) -> list[WorkItem]:
    """Every row of one stream, in assignment order."""
    with Session(engine) as session:
        rows = session.exec(select(Work).where(col(Work.stream_id) == stream_id).order_by(col(Work.id)))
        return [WorkItem.of(row) for row in rows]
