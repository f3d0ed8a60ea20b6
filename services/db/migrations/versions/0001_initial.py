"""Initial schema: node registry, streams, settings.

Revision ID: 0001
Revises:
Create Date: 2026-11-21
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "nodes",
        sa.Column("node_num", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("ip_address", sa.String(64), nullable=False),
        sa.Column("run_mode", sa.String(8), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "streams",
        sa.Column("stream_id", sa.String(36), primary_key=True),
        sa.Column("account_id", sa.String(36), nullable=True),
        sa.Column("node_num", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("name", sa.String(128), nullable=False, server_default=""),
        sa.Column("description", sa.String(128), nullable=False, server_default=""),
        sa.Column("reference", sa.String(1024), nullable=False),
        sa.Column("latitude", sa.Float(), nullable=True),
        sa.Column("longitude", sa.Float(), nullable=True),
        sa.Column("custom_data", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False, server_default="pending"),
        sa.Column("version", sa.Integer(), nullable=False, server_default="1"),
        sa.Column("create_time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_update_time", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_streams_account_id", "streams", ["account_id"])
    op.create_index("ix_streams_node_num", "streams", ["node_num"])
    op.create_index("ix_streams_status", "streams", ["status"])
    op.create_index("ix_streams_create_time", "streams", ["create_time"])
    op.create_table(
        "settings",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("value", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("settings")
    op.drop_index("ix_streams_create_time", "streams")
    op.drop_index("ix_streams_status", "streams")
    op.drop_index("ix_streams_node_num", "streams")
    op.drop_index("ix_streams_account_id", "streams")
    op.drop_table("streams")
    op.drop_table("nodes")
