"""The SQL schema, as SQLModel tables. One schema serves every API family:
a stream created through Visionaire4 is the row LUNA and the pipelines see.

Schema changes go through Alembic (services/db/migrations); the platform
migrates on start.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, Column, DateTime
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    """The current time in UTC, timezone-aware."""
    return datetime.now(UTC)


def as_utc(value: datetime) -> datetime:
    """SQLite drops the zone on the way back; every stored time is UTC."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)


class Node(SQLModel, table=True):
    """A cluster node in the node registry. Node 0 is the local node."""

    __tablename__ = "nodes"

    node_num: int = Field(primary_key=True)
    ip_address: str = Field(max_length=64)
    run_mode: str = Field(max_length=8)  # GPU or CPU
    started_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    last_seen: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))


class Stream(SQLModel, table=True):
    """A video source. Visionaire4's `stream_address` is LUNA's `reference`."""

    __tablename__ = "streams"

    stream_id: str = Field(primary_key=True, max_length=36)
    account_id: str | None = Field(default=None, index=True, max_length=36)
    node_num: int = Field(default=0, index=True)
    name: str = Field(default="", max_length=128)
    description: str = Field(default="", max_length=128)
    reference: str = Field(max_length=1024)
    latitude: float | None = None
    longitude: float | None = None
    custom_data: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    status: str = Field(default="pending", max_length=16, index=True)
    version: int = Field(default=1)
    create_time: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False, index=True))
    last_update_time: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))


class Setting(SQLModel, table=True):
    """A named JSON document of run-time configuration (platform, database,
    licence check-in)."""

    __tablename__ = "settings"

    key: str = Field(primary_key=True, max_length=64)
    value: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    updated_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
