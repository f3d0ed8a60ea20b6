"""SQL for the node registry, stored settings documents and database stats."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, text
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from services.db.models import EngineWorker, Node, Setting, Stream, utcnow


class SystemRepository:
    """Reads and writes nodes and settings; measures the database."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def register_node(self, node_num: int, ip_address: str, run_mode: str, started_at: datetime) -> None:
        with Session(self._engine) as session:
            node = session.get(Node, node_num) or Node(
                node_num=node_num, ip_address=ip_address, run_mode=run_mode, started_at=started_at, last_seen=started_at
            )
            node.ip_address, node.run_mode, node.started_at, node.last_seen = ip_address, run_mode, started_at, utcnow()
            session.add(node)
            session.commit()

    def heartbeat(self, node_num: int) -> None:
        with Session(self._engine) as session:
            node = session.get(Node, node_num)
            if node is not None:
                node.last_seen = utcnow()
                session.add(node)
                session.commit()

    def nodes(self) -> list[Node]:
        with Session(self._engine) as session:
            return list(session.exec(select(Node).order_by(Node.node_num)))  # type: ignore[arg-type]

    def engine_workers(self) -> list[EngineWorker]:
        """The stream-engine worker registry (services/engine/registry.py)."""
        with Session(self._engine) as session:
            return list(session.exec(select(EngineWorker).order_by(EngineWorker.node_num, EngineWorker.worker_id)))  # type: ignore[arg-type]

    def stream_count(self) -> int:
        with Session(self._engine) as session:
            return int(session.exec(select(func.count()).select_from(Stream)).one())

    def stream_exists(self, stream_id: str) -> bool:
        with Session(self._engine) as session:
            return session.get(Stream, stream_id) is not None

    def get_setting(self, key: str) -> dict[str, Any] | None:
        with Session(self._engine) as session:
            row = session.get(Setting, key)
            return dict(row.value) if row else None

    def put_setting(self, key: str, value: dict[str, Any]) -> None:
        with Session(self._engine) as session:
            row = session.get(Setting, key) or Setting(key=key, value={}, updated_at=utcnow())
            row.value, row.updated_at = value, utcnow()
            session.add(row)
            session.commit()

    def delete_setting(self, key: str) -> None:
        with Session(self._engine) as session:
            row = session.get(Setting, key)
            if row is not None:
                session.delete(row)
                session.commit()

    def ping(self) -> None:
        with self._engine.connect() as conn:
            conn.execute(text("SELECT 1"))

    def database_bytes(self) -> float:
        """Bytes the database uses: the SQLite files, or pg_database_size."""
        url = self._engine.url
        if url.get_backend_name() == "sqlite":
            from pathlib import Path

            base = Path(url.database or "")
            return float(sum(p.stat().st_size for p in (base, Path(f"{base}-wal")) if p.exists()))
        with self._engine.connect() as conn:
            return float(conn.execute(text("SELECT pg_database_size(current_database())")).scalar_one())
