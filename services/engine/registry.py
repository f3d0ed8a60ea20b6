"""The registry of stream-engine workers (table `engine_workers`).

Every heartbeat round a worker upserts its own row (how many work rows it
holds, when it last beat) and deletes the rows of its node's workers that
stopped beating `forget_seconds` ago (killed ones: a worker that stops
cleanly deletes its own row). Only the owner writes a row, so writers never
undo each other; a row deleted while its worker was stalled comes back with
its next beat. `/node_status` and `/resource_stats` read it
(services/system).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from services.db.models import EngineWorker, utcnow


@dataclass(frozen=True)
class WorkerView:
    """A registered worker, as the system routes show it."""

    worker_id: str
    node_num: int
    pid: int
    work_held: int
    started_at: datetime
    heartbeat_at: datetime


def report(
    engine: Engine,
    worker_id: str,
    node_num: int,
    work_held: int,
    started_at: datetime,
    *,
    forget_seconds: float,
    now: datetime | None = None,
) -> None:
    """Upsert this worker's row and forget the node's long-dead workers."""
    now = now or utcnow()
    values = {
        "worker_id": worker_id,
        "node_num": node_num,
        "pid": os.getpid(),
        "work_held": work_held,
        "started_at": started_at,
        "heartbeat_at": now,
    }
    dialect = postgresql if engine.dialect.name == "postgresql" else sqlite
    insert = dialect.insert(EngineWorker).values(**values)
    upsert = insert.on_conflict_do_update(
        index_elements=["worker_id"], set_={"work_held": work_held, "heartbeat_at": now, "node_num": node_num}
    )
    with Session(engine) as session:
        session.execute(upsert)
        session.execute(
            delete(EngineWorker).where(
                col(EngineWorker.node_num) == node_num,
                col(EngineWorker.heartbeat_at) < now - timedelta(seconds=forget_seconds),
            )
        )
        session.commit()


def remove(engine: Engine, worker_id: str) -> None:
    """The worker stopped cleanly."""
    with Session(engine) as session:
        session.execute(delete(EngineWorker).where(col(EngineWorker.worker_id) == worker_id))
        session.commit()


def workers(engine: Engine) -> list[WorkerView]:
    """Every registered worker, by node and id."""
    with Session(engine) as session:
        rows = session.exec(select(EngineWorker).order_by(col(EngineWorker.node_num), col(EngineWorker.worker_id)))
        return [WorkerView(r.worker_id, r.node_num, r.pid, r.work_held, r.started_at, r.heartbeat_at) for r in rows]
