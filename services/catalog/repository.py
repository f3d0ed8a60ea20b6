"""SQL of the catalog: assignments (rows of the `work` table, whose worker
side is services/catalog/work.py), the seats they hold, and the nodes and
streams they are on.

An assignment locks its stream row first (services/db/locks.py), the lock
every writer of a stream takes, so a check of the stream's running analysis
and the insert are one decision. Seats are numbered 1..N per node and
analytic; a unique constraint on (node, analytic, seat) settles two
assignments that pick the same free seat at once (the loser retries with
the next one), on both databases.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, update
from sqlalchemy import select as sql_select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from services.catalog import work
from services.common.errors import AlreadyExists, FailedPrecondition, NotFound
from services.db.locks import lock_row
from services.db.models import Node, Stream, Work

#: How often an assignment retries after another took the same seat.
SEAT_RETRIES = 8


@dataclass(frozen=True)
class SeatUse:
    """A seat held by an assignment."""

    node_num: int
    analytic_id: str
    seat: int
    serial_number: str
    stream_id: str
    state: str


class NoFreeSeat(FailedPrecondition):
    """Every seat of the analytic on the node is in use."""


class AnalysisRunning(FailedPrecondition):
    """An analysis of the (offline) stream is running or scheduled."""


class CatalogRepository:
    """Reads and writes assignments."""

    def __init__(self, engine: Engine, *, offline_schedule_delay_seconds: float = 10.0) -> None:
        self._engine = engine
        #: An assignment to an uploaded video's stream schedules its job
        #: this long after the last assignment change (work.arm_stream).
        self.schedule_delay = offline_schedule_delay_seconds

    @property
    def engine(self) -> Engine:
        return self._engine

    def nodes(self) -> list[int]:
        with Session(self._engine) as session:
            return sorted(int(n) for n in session.exec(select(Node.node_num)))

    def node_exists(self, node_num: int) -> bool:
        with Session(self._engine) as session:
            return session.get(Node, node_num) is not None

    def stream_node(self, stream_id: str) -> int | None:
        """The node of a stream; None when there is no such stream."""
        with Session(self._engine) as session:
            found = session.exec(select(Stream.node_num).where(col(Stream.stream_id) == stream_id)).first()
            return None if found is None else int(found)

    def assignment(self, stream_id: str, analytic_id: str) -> Work | None:
        with Session(self._engine) as session:
            return session.exec(
                select(Work).where(col(Work.stream_id) == stream_id, col(Work.analytic_id) == analytic_id)
            ).first()

    def seats_in_use(self, nodes: Iterable[int] | None = None) -> list[SeatUse]:
        table = Work.__table__.c  # type: ignore[attr-defined]
        query = sql_select(
            table.node_num, table.analytic_id, table.seat, table.serial_number, table.stream_id, table.state
        )
        if nodes is not None:
            query = query.where(table.node_num.in_(list(nodes)))
        with Session(self._engine) as session:
            return [SeatUse(*row) for row in session.execute(query.order_by(table.seat))]

    def assigned_analytics(self) -> set[str]:
        with Session(self._engine) as session:
            return {str(a) for a in session.exec(select(Work.analytic_id).distinct())}

    def assign(
        self,
        stream_id: str,
        node_num: int,
        analytic_id: str,
        config: dict[str, Any],
        seats: int,
        serial_of: Callable[[int], str],
        now: datetime,
    ) -> Work:
        """Assign an analytic to a stream of `node_num`, holding the lowest
        free seat of `seats`. NotFound (no such stream on the node),
        AlreadyExists, AnalysisRunning, NoFreeSeat."""
        for _ in range(SEAT_RETRIES):
            try:
                return self._assign_once(stream_id, node_num, analytic_id, config, seats, serial_of, now)
            except IntegrityError:
                continue  # another assignment took that seat (or this pair) meanwhile: look again
        raise NoFreeSeat(f"no free seat of {analytic_id} on node {node_num}: every seat was taken meanwhile")

    def _assign_once(
        self,
        stream_id: str,
        node_num: int,
        analytic_id: str,
        config: dict[str, Any],
        seats: int,
        serial_of: Callable[[int], str],
        now: datetime,
    ) -> Work:
        with Session(self._engine) as session:
            if not lock_row(session, col(Stream.stream_id), stream_id):
                raise NotFound("stream not found")
            stream = session.get(Stream, stream_id, populate_existing=True)
            if stream is None or stream.node_num != node_num:
                raise NotFound("stream not found")
            rows = list(session.exec(select(Work).where(col(Work.stream_id) == stream_id)))
            if any(row.analytic_id == analytic_id for row in rows):
                raise AlreadyExists(f"{analytic_id} is already assigned to stream {stream_id}; use PUT to change it")
            job = work.derive_job(rows, now)
            if job.state in (work.JOB_SCHEDULED, work.JOB_RUNNING):
                video = (stream.custom_data or {}).get("video_id") or stream_id
                names = ", ".join(f"{row.analytic_id} ({row.state})" for row in rows if row.kind == work.OFFLINE)
                raise AnalysisRunning(
                    f"cannot assign {analytic_id}: the analysis job of video {video} is running or scheduled "
                    f"({names}; the job is {job.state}); wait until it finishes, or cancel its schedule first "
                    f"(POST /vigil/v1/videos/{video}/cancel)"
                )
            used = set(
                session.exec(
                    select(Work.seat).where(col(Work.node_num) == node_num, col(Work.analytic_id) == analytic_id)
                )
            )
            free = [seat for seat in range(1, seats + 1) if seat not in used]
            if not free:
                raise NoFreeSeat(
                    f"no free seat of {analytic_id} on node {node_num}: all {seats} seats are in use; "
                    "remove it from another stream first"
                )
            kind = work.OFFLINE if stream.offline_mode else work.LIVE
            row = Work(
                stream_id=stream_id,
                node_num=node_num,
                analytic_id=analytic_id,
                seat=free[0],
                serial_number=serial_of(free[0]),
                kind=kind,
                config=config,
                config_version=1,
                state=work.IDLE if kind == work.OFFLINE else work.PENDING,
                created_at=now,
                updated_at=now,
            )
            session.add(row)
            if kind == work.OFFLINE:
                session.flush()
                # Every assignment change (re)schedules the video's job.
                work.arm_stream(session, stream_id, self.schedule_delay, now)
            session.commit()
            session.refresh(row)
            return row

    def update_config(self, stream_id: str, analytic_id: str, config: dict[str, Any], now: datetime) -> Work | None:
        """Replace the config of an assignment in one statement: version + 1;
        live work that failed becomes pending again (a new config is a new
        try); an uploaded video's job that is not `scheduled` or `running`
        (it ended: done, failed, cancelled; or it is armed) is armed again as
        an assignment arms it (work.arm_stream: the schedule delay, then the
        whole video with every assigned analytic), while a `scheduled` or
        `running` job keeps its run and the new config applies to the next
        run. None when the analytic is not assigned to the stream."""
        with Session(self._engine) as session:
            offline = session.exec(select(Stream.offline_mode).where(col(Stream.stream_id) == stream_id)).first()
            if offline:
                # The stream row's lock orders this with an assignment or a
                # worker's claim of the job (work.claim_job locks it too).
                lock_row(session, col(Stream.stream_id), stream_id)
            result = session.execute(
                update(Work)
                .where(col(Work.stream_id) == stream_id, col(Work.analytic_id) == analytic_id)
                .values(config=config, config_version=col(Work.config_version) + 1, updated_at=now)
                .returning(col(Work.id))
            )
            work_id = result.scalar_one_or_none()
            if work_id is None:
                session.rollback()
                return None
            session.execute(
                update(Work)
                .where(col(Work.id) == work_id, col(Work.kind) == work.LIVE, col(Work.state) == work.FAILED)
                .values(state=work.PENDING, error="")
            )
            if offline:
                rows = list(session.exec(select(Work).where(col(Work.stream_id) == stream_id)))
                if not work.job_active(rows, now):
                    work.arm_stream(session, stream_id, self.schedule_delay, now)
            session.commit()
            return session.get(Work, work_id, populate_existing=True)

    def remove(self, stream_id: str, analytic_id: str) -> bool:
        """Delete an assignment (its seat is free at once; its worker loses
        it at its next heartbeat). False when there was none."""
        with Session(self._engine) as session:
            result = session.execute(
                delete(Work).where(col(Work.stream_id) == stream_id, col(Work.analytic_id) == analytic_id)
            )
            session.commit()
            return bool(result.rowcount)  # type: ignore[attr-defined]

    def count(self) -> int:
        with Session(self._engine) as session:
            return int(session.exec(select(func.count()).select_from(Work)).one())
