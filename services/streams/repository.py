"""SQL for streams and the node registry they live on."""

from __future__ import annotations

from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from services.db.models import Node, Stream


class StreamRepository:
    """Reads and writes the `streams` table (shared by every API family)."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def node_exists(self, node_num: int) -> bool:
        with Session(self._engine) as session:
            return session.get(Node, node_num) is not None

    def list(self, node_num: int | None = None) -> list[Stream]:
        with Session(self._engine) as session:
            query = select(Stream).order_by(Stream.create_time, Stream.stream_id)  # type: ignore[arg-type]
            if node_num is not None:
                query = query.where(Stream.node_num == node_num)
            return list(session.exec(query))

    def count(self) -> int:
        with Session(self._engine) as session:
            return int(session.exec(select(func.count()).select_from(Stream)).one())

    def get(self, stream_id: str) -> Stream | None:
        with Session(self._engine) as session:
            return session.get(Stream, stream_id)

    def add(self, stream: Stream) -> Stream:
        with Session(self._engine) as session:
            session.add(stream)
            session.commit()
            session.refresh(stream)
            return stream

    def save(self, stream: Stream) -> Stream:
        with Session(self._engine) as session:
            merged = session.merge(stream)
            session.commit()
            session.refresh(merged)
            return merged

    def delete(self, stream_id: str) -> bool:
        with Session(self._engine) as session:
            stream = session.get(Stream, stream_id)
            if stream is None:
                return False
            session.delete(stream)
            session.commit()
            return True
