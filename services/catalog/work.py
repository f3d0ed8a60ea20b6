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
  not scheduled (`schedule_stream` makes it `pending`). Never claimed by
  `claim`; `claim_job` takes an offline row that is `idle` with a
  `not_before` that has come (the job's schedule, `arm_stream`).
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
`created_at`, `updated_at`, `started_at`, `finished_at`; migration 0016
adds the offline job's `not_before` (when an armed `idle` row is due),
`checkpoint_seconds` (the frame time up to which the row's events are
stored) and `cancelled_at`.

Offline jobs
------------

The offline rows of one stream (one uploaded video) are one job, run by one
worker with one decode (services/engine/offline.py). `arm_stream` (the
catalog, on every assignment) makes them `idle` with `not_before` = now +
the schedule delay; `claim_job` takes every claimable offline row of the
oldest due stream at once (the stream row is locked first, so two takers
never split a job); `checkpoint_job` records each row's progress and
checkpoint with the heartbeat; `checkpoint_statement` is the fence an event
append runs in its own transaction (it moves the row's checkpoint and fails
unless the worker still owns the row); `cancel_stream` makes every row
`idle`, unscheduled, with `cancelled_at`; `job_of` derives the job's state.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Update, and_, or_, update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from services.db.locks import lock_row
from services.db.models import Stream, Work, as_utc, utcnow

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
    #: Offline work: the frame time up to which its events are stored.
    checkpoint_seconds: float = 0.0

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
            checkpoint_seconds=float(row.checkpoint_seconds or 0.0),
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
        .values(
            state=PENDING,
            progress=0.0,
            checkpoint_seconds=0.0,
            error="",
            finished_at=None,
            not_before=None,
            cancelled_at=None,
            updated_at=_now(now),
        )
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
        .values(state=IDLE, not_before=None, updated_at=_now(now))
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


# -- offline jobs -------------------------------------------------------------

#: Job states of an uploaded video, derived from its offline rows (`job_of`).
JOB_IDLE = "idle"
JOB_SCHEDULED = "scheduled"
JOB_RUNNING = "running"
JOB_DONE = "done"
JOB_FAILED = "failed"
JOB_CANCELLED = "cancelled"
JOB_STATES = (JOB_IDLE, JOB_SCHEDULED, JOB_RUNNING, JOB_DONE, JOB_FAILED, JOB_CANCELLED)


@dataclass(frozen=True)
class Job:
    """The analysis job of one offline stream, as its rows say: `state`,
    `progress` (0..1, the least of its rows), `processed_seconds` (the least
    checkpoint), `error` (the first failed row's), `scheduled_for` (when an
    idle job becomes due, None when it is not scheduled)."""

    state: str
    progress: float = 0.0
    processed_seconds: float = 0.0
    error: str = ""
    scheduled_for: datetime | None = None


def _due(row: Work, now: datetime) -> bool:
    return row.state == IDLE and row.not_before is not None and as_utc(row.not_before) <= now


def derive_job(rows: Sequence[Work], now: datetime | None = None) -> Job:
    """The job of these offline rows (one stream's): `running` when any row
    runs; `scheduled` when any waits for a worker (pending, or idle and due);
    `idle` with `scheduled_for` while the schedule delay runs; `failed` when
    any failed; `done` when all are done; `cancelled` when cancelled; else
    `idle` (nothing assigned, or never scheduled)."""
    now = _now(now)
    rows = [r for r in rows if r.kind == OFFLINE]
    if not rows:
        return Job(JOB_IDLE)
    progress = min(float(r.progress) for r in rows)
    processed = min(float(r.checkpoint_seconds or 0.0) for r in rows)
    failed = [r for r in rows if r.state == FAILED]
    error = failed[0].error if failed else ""
    states = {r.state for r in rows}
    if RUNNING in states:
        state = JOB_RUNNING
    elif PENDING in states or any(_due(r, now) for r in rows):
        state = JOB_SCHEDULED
    elif any(r.state == IDLE and r.not_before is not None for r in rows):
        armed = min(as_utc(r.not_before) for r in rows if r.not_before is not None)
        return Job(JOB_IDLE, progress, processed, "", armed)
    elif failed:
        state = JOB_FAILED
    elif states == {DONE}:
        state = JOB_DONE
    elif any(r.cancelled_at is not None for r in rows):
        state = JOB_CANCELLED
    else:
        state = JOB_IDLE
    if state == JOB_DONE:  # a truncated file is done with a note of where it stopped
        error = next((r.error for r in rows if r.error), "")
    return Job(state, progress, processed, error if state in (JOB_FAILED, JOB_DONE) else "")


def job_active(rows: Sequence[Work], now: datetime | None = None) -> bool:
    """The job is `scheduled` or `running`: no assignment may change now."""
    return derive_job(rows, now).state in (JOB_SCHEDULED, JOB_RUNNING)


def jobs_of(engine: Engine, stream_ids: Iterable[str], now: datetime | None = None) -> dict[str, Job]:
    """The job of each offline stream (a stream with no rows is `idle`)."""
    wanted = list(dict.fromkeys(stream_ids))
    found: dict[str, list[Work]] = {s: [] for s in wanted}
    if wanted:
        with Session(engine) as session:
            for row in session.exec(select(Work).where(col(Work.stream_id).in_(wanted), col(Work.kind) == OFFLINE)):
                found[row.stream_id].append(row)
    return {s: derive_job(rows, now) for s, rows in found.items()}


def arm_stream(session: Session, stream_id: str, delay_seconds: float, now: datetime) -> int:
    """Schedule the job of an offline stream `delay_seconds` from now: its
    offline rows become `idle` with `not_before`, progress and checkpoint
    0, error and cancel mark cleared. In the caller's transaction (which has
    checked that the job is not scheduled or running)."""
    result = session.execute(
        update(Work)
        .where(col(Work.stream_id) == stream_id, col(Work.kind) == OFFLINE)
        .values(
            state=IDLE,
            not_before=now + timedelta(seconds=delay_seconds),
            attempts=0,
            progress=0.0,
            checkpoint_seconds=0.0,
            error="",
            owner=None,
            heartbeat_at=None,
            finished_at=None,
            cancelled_at=None,
            updated_at=now,
        )
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def _job_claimable(cutoff: datetime, now: datetime) -> Any:
    return and_(
        col(Work.kind) == OFFLINE,
        or_(
            col(Work.state) == PENDING,
            and_(col(Work.state) == IDLE, col(Work.not_before).is_not(None), col(Work.not_before) <= now),
            and_(col(Work.state) == RUNNING, or_(col(Work.heartbeat_at).is_(None), col(Work.heartbeat_at) < cutoff)),
        ),
    )


def claim_job(
    engine: Engine,
    worker_id: str,
    *,
    lease_seconds: float,
    node_num: int | None = None,
    now: datetime | None = None,
) -> list[WorkItem]:
    """Take one offline job: every claimable row (pending, idle and due, or
    running with an expired lease) of the stream whose row is oldest. The
    stream row is locked first, so two takers never split one job (the
    second finds nothing left and answers []). Rows become `running`, owned
    by `worker_id`, attempts + 1; their checkpoint stays (a takeover goes on
    from it)."""
    if not worker_id or len(worker_id) > 128:
        raise ValueError("worker_id must be 1..128 characters")
    now = _now(now)
    cutoff = now - timedelta(seconds=lease_seconds)
    conditions = [_job_claimable(cutoff, now)]
    if node_num is not None:
        conditions.append(col(Work.node_num) == node_num)
    with Session(engine) as session:
        stream_id = session.exec(select(Work.stream_id).where(*conditions).order_by(col(Work.id)).limit(1)).first()
        if stream_id is None:
            return []
        if not lock_row(session, col(Stream.stream_id), stream_id):
            return []
        statement = (
            update(Work)
            .where(col(Work.stream_id) == stream_id, *conditions)
            .values(
                state=RUNNING,
                owner=worker_id,
                heartbeat_at=now,
                attempts=col(Work.attempts) + 1,
                started_at=now,
                finished_at=None,
                not_before=None,
                updated_at=now,
            )
            .returning(col(Work.id))
        )
        ids = list(session.execute(statement).scalars())
        session.commit()
        if not ids:
            return []
        rows = session.exec(select(Work).where(col(Work.id).in_(ids)).order_by(col(Work.id)))
        return [WorkItem.of(row) for row in rows]


def checkpoint_statement(work_id: int, worker_id: str, seconds: float, progress: float) -> Update:
    """Move a running row's checkpoint (and progress) forward, only while
    `worker_id` owns it: the fence an event append runs in its own
    transaction (services/events/store.py), so the events of a frame and
    the checkpoint past it are stored together or not at all."""
    return (
        update(Work)
        .where(col(Work.id) == work_id, col(Work.owner) == worker_id, col(Work.state) == RUNNING)
        .values(checkpoint_seconds=float(seconds), progress=min(max(float(progress), 0.0), 1.0))
    )


def checkpoint_job(
    engine: Engine, worker_id: str, marks: dict[int, tuple[float, float]], *, now: datetime | None = None
) -> set[int]:
    """Heartbeat a job's rows, recording each row's (checkpoint seconds,
    progress); the ids the worker still owns (a missing one was lost:
    removed, cancelled, taken over)."""
    now = _now(now)
    kept: set[int] = set()
    with Session(engine) as session:
        for work_id, (seconds, progress) in marks.items():
            statement = (
                update(Work)
                .where(col(Work.id) == work_id, col(Work.owner) == worker_id, col(Work.state) == RUNNING)
                .values(
                    heartbeat_at=now,
                    checkpoint_seconds=float(seconds),
                    progress=min(max(float(progress), 0.0), 1.0),
                )
            )
            if session.execute(statement).rowcount:  # type: ignore[attr-defined]
                kept.add(work_id)
        session.commit()
    return kept


def cancel_stream(engine: Engine, stream_id: str, *, now: datetime | None = None) -> int:
    """Cancel the job of an offline stream: its idle (scheduled), pending and
    running rows become `idle`, unscheduled, with `cancelled_at`; a worker
    running it loses the rows at its next heartbeat (and its next event
    append is fenced off). How many rows."""
    now = _now(now)
    statement = (
        update(Work)
        .where(
            col(Work.stream_id) == stream_id,
            col(Work.kind) == OFFLINE,
            or_(
                col(Work.state).in_([PENDING, RUNNING]),
                and_(col(Work.state) == IDLE, col(Work.not_before).is_not(None)),
            ),
        )
        .values(
            state=IDLE,
            not_before=None,
            owner=None,
            heartbeat_at=None,
            cancelled_at=now,
            updated_at=now,
        )
    )
    with Session(engine) as session:
        result = session.execute(statement)
        session.commit()
        return int(result.rowcount)  # type: ignore[attr-defined]


def schedule_job(engine: Engine, stream_id: str, *, now: datetime | None = None) -> int:
    """Schedule an offline stream's job to run now (after a cancel, a
    failure, or to run it again), unless it is scheduled or running; how
    many rows (0: nothing assigned, or already scheduled or running)."""
    now = _now(now)
    with Session(engine) as session:
        if not lock_row(session, col(Stream.stream_id), stream_id):
            return 0
        rows = list(session.exec(select(Work).where(col(Work.stream_id) == stream_id, col(Work.kind) == OFFLINE)))
        if not rows or job_active(rows, now):
            return 0
        count = arm_stream(session, stream_id, 0.0, now)
        session.commit()
        return count
