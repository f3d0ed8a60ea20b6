"""Row locks shared by every writer of a row, whichever service it is in.

A writer locks the row, decides on what it read, and writes only the
columns it owns, in one transaction: `SELECT ... FOR UPDATE` on PostgreSQL;
on SQLite a no-op `UPDATE` of the row first, which takes the database's
write lock before the read (pysqlite only opens a transaction at the first
write).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import update
from sqlmodel import Session, select


def lock_row(session: Session, key: Any, value: object) -> bool:
    """Lock the row whose primary key column `key` equals `value` against
    every other writer until commit: `FOR UPDATE` on PostgreSQL, a no-op
    UPDATE (SQLite's write lock) otherwise. False when there is no such row."""
    if session.get_bind().dialect.name == "postgresql":
        return session.exec(select(key).where(key == value).with_for_update()).first() is not None
    result = session.execute(update(key.class_).where(key == value).values({key.key: key}))
    return bool(result.rowcount)  # type: ignore[attr-defined]
