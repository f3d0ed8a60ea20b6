"""SQL of the stream engine: the streams it is asked to open (address and
node), the analytics assigned to them (read through the catalog's work API,
services/catalog/work.py), and the stats it measures of them (`stream_stats`, one row per
stream, written by the engine that has the stream open)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from services.catalog import work
from services.db.models import Stream, StreamStatsRow, utcnow


@dataclass(frozen=True)
class StreamSource:
    """What the engine needs to open a stream."""

    stream_id: str
    node_num: int
    address: str
    #: LUNA's `data.type` (`tcp` or `udp` for RTSP), "" when not given.
    transport: str = ""


@dataclass(frozen=True)
class StatsReport:
    """One stream's measured stats."""

    stream_id: str
    state: str
    fps: float
    width: int
    height: int
    message: str
    frames: int
    reconnects: int


class EngineRepository:
    """The engine's reads of `streams` and writes of `stream_stats`."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def sources(self, stream_ids: Iterable[str]) -> dict[str, StreamSource]:
        """The streams among `stream_ids` that exist, with their addresses."""
        ids = list(stream_ids)
        if not ids:
            return {}
        query = select(col(Stream.stream_id), col(Stream.node_num), col(Stream.reference), col(Stream.luna_data)).where(
            col(Stream.stream_id).in_(ids)
        )
        with Session(self._engine) as session:
            rows = session.execute(query).all()
        return {
            stream_id: StreamSource(stream_id, node_num, address, _transport(data))
            for stream_id, node_num, address, data in rows
        }

    def assigned_analytics(self, stream_id: str) -> set[str]:
        """The analytics assigned to a stream (the catalog's work rows)."""
        return {item.analytic_id for item in work.of_stream(self._engine, stream_id)}

    def write_stats(self, reports: Sequence[StatsReport], reporter: str, now: datetime | None = None) -> None:
        """Upsert the stats of open streams; a stream deleted meanwhile is
        skipped (its row went with it)."""
        now = now or utcnow()
        with Session(self._engine) as session:
            dialect = session.get_bind().dialect.name
            for report in reports:
                values = {
                    "stream_id": report.stream_id,
                    "state": report.state,
                    "fps": report.fps,
                    "frame_width": report.width,
                    "frame_height": report.height,
                    "last_error_msg": report.message[:1000],
                    "frames": report.frames,
                    "reconnects": report.reconnects,
                    "reporter": reporter[:64],
                    "updated_at": now,
                }
                insert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(StreamStatsRow)
                statement = insert.values(values).on_conflict_do_update(
                    index_elements=["stream_id"], set_={k: v for k, v in values.items() if k != "stream_id"}
                )
                try:
                    with session.begin_nested():
                        session.execute(statement)
                except IntegrityError:
                    continue  # the stream was deleted
            session.commit()


def _transport(data: object) -> str:
    if isinstance(data, dict):
        kind = str(data.get("type", "")).lower()
        if kind in ("tcp", "udp"):
            return kind
    return ""
