"""LUNA Streams: the LUNA columns of streams, stream groups and their links,
stream logs.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

#: The JSON columns LUNA adds to streams (NULL for Visionaire4 streams).
JSON_COLUMNS = ("luna_data", "event_handler", "policies", "location", "autorestart", "video_info", "preview")


def upgrade() -> None:
    with op.batch_alter_table("streams") as batch:
        batch.alter_column("description", existing_type=sa.String(128), type_=sa.String(512))
        batch.add_column(sa.Column("api_version", sa.Integer(), nullable=True))
        for name in JSON_COLUMNS:
            batch.add_column(sa.Column(name, sa.JSON(), nullable=True))
        batch.add_column(sa.Column("last_error", sa.Text(), nullable=True))
    op.create_table(
        "stream_groups",
        sa.Column("group_id", sa.String(36), primary_key=True),
        sa.Column("account_id", sa.String(36), nullable=False),
        sa.Column("group_name", sa.String(128), nullable=False),
        sa.Column("description", sa.String(256), nullable=False, server_default=""),
        sa.Column("create_time", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("account_id", "group_name", name="uq_stream_groups_account_name"),
    )
    op.create_index("ix_stream_groups_account_id", "stream_groups", ["account_id"])
    op.create_index("ix_stream_groups_create_time", "stream_groups", ["create_time"])
    op.create_table(
        "stream_group_links",
        sa.Column(
            "stream_id",
            sa.String(36),
            sa.ForeignKey("streams.stream_id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column(
            "group_id",
            sa.String(36),
            sa.ForeignKey("stream_groups.group_id", ondelete="CASCADE"),
            primary_key=True,
        ),
    )
    op.create_index("ix_stream_group_links_group_id", "stream_group_links", ["group_id"])
    op.create_table(
        "stream_logs",
        sa.Column("log_id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("stream_id", sa.String(36), sa.ForeignKey("streams.stream_id", ondelete="CASCADE"), nullable=False),
        sa.Column("log_time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("video_info", sa.JSON(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False, server_default="1"),
        sa.Column("preview", sa.JSON(), nullable=True),
    )
    op.create_index("ix_stream_logs_stream_id", "stream_logs", ["stream_id"])
    op.create_index("ix_stream_logs_log_time", "stream_logs", ["log_time"])


def downgrade() -> None:
    op.drop_index("ix_stream_logs_log_time", "stream_logs")
    op.drop_index("ix_stream_logs_stream_id", "stream_logs")
    op.drop_table("stream_logs")
    op.drop_index("ix_stream_group_links_group_id", "stream_group_links")
    op.drop_table("stream_group_links")
    op.drop_index("ix_stream_groups_create_time", "stream_groups")
    op.drop_index("ix_stream_groups_account_id", "stream_groups")
    op.drop_table("stream_groups")
    with op.batch_alter_table("streams") as batch:
        batch.drop_column("last_error")
        for name in reversed(JSON_COLUMNS):
            batch.drop_column(name)
        batch.drop_column("api_version")
        batch.alter_column("description", existing_type=sa.String(512), type_=sa.String(128))
