"""SQL of the classifications table. Blocking: the domain calls it in a
thread."""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from services.db.models import Classification

PENDING = "pending"


class ClassificationsRepository:
    """Reads and writes classification rows."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def add(self, row: Classification) -> Classification:
        with Session(self._engine, expire_on_commit=False) as session:
            session.add(row)
            session.commit()
            return row

    def get(self, classification_id: str) -> Classification | None:
        with Session(self._engine, expire_on_commit=False) as session:
            return session.get(Classification, classification_id)

    def update(self, classification_id: str, **values: Any) -> Classification | None:
        """Set columns of one row; returns it, or None when it is gone."""
        with Session(self._engine, expire_on_commit=False) as session:
            row = session.get(Classification, classification_id)
            if row is None:
                return None
            for name, value in values.items():
                setattr(row, name, value)
            session.add(row)
            session.commit()
            return row

    def unfinished(self) -> list[Classification]:
        """The classifications still pending, oldest first."""
        with Session(self._engine, expire_on_commit=False) as session:
            query = (
                select(Classification)
                .where(Classification.status_classify == PENDING)
                .order_by(col(Classification.created_at), col(Classification.id))
            )
            return list(session.exec(query).all())

    def pending_files(self) -> set[str]:
        """The video files that pending classifications still need."""
        return {row.file_path for row in self.unfinished() if row.file_path}
