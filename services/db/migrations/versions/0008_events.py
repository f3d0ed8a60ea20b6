"""Events: what the analytics saw, appended by the stream engine through
`services/events` (the events store of the stream-engine issue).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "events",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True, autoincrement=True),
        sa.Column("stream_id", sa.String(36), nullable=False),
        sa.Column("node_num", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("analytic_id", sa.String(32), nullable=False),
        sa.Column("sub_analytic", sa.String(32), nullable=False, server_default=""),
        sa.Column("event_type", sa.String(32), nullable=False),
        sa.Column("track_id", sa.BigInteger(), nullable=True),
        sa.Column("label", sa.String(64), nullable=False, server_default=""),
        sa.Column("score", sa.Float(), nullable=False, server_default="0"),
        sa.Column("box", sa.JSON(), nullable=True),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("thumbnail_path", sa.String(255), nullable=True),
        sa.Column("thumbnail_bytes", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("attributes", sa.JSON(), nullable=False),
        # Ids are never reused (followers poll by id).
        sqlite_autoincrement=True,
    )
    op.create_index("ix_events_stream_time", "events", ["stream_id", "occurred_at"])
    op.create_index("ix_events_stream_id", "events", ["stream_id", "id"])
    op.create_index("ix_events_occurred_at", "events", ["occurred_at"])
    op.create_index("ix_events_analytic_type", "events", ["analytic_id", "event_type"])


def downgrade() -> None:
    op.drop_index("ix_events_analytic_type", table_name="events")
    op.drop_index("ix_events_occurred_at", table_name="events")
    op.drop_index("ix_events_stream_id", table_name="events")
    op.drop_index("ix_events_stream_time", table_name="events")
    op.drop_table("events")
