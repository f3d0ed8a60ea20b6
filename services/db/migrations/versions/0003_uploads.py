"""Uploads: resumable upload sessions, the uploaded videos (Lenz videos and
FindFace archives in one table), and `streams.offline_mode` for the internal
stream that plays an uploaded file.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-21
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "upload_sessions",
        sa.Column("session_id", sa.String(40), primary_key=True),
        sa.Column("video_id", sa.String(32), nullable=False),
        sa.Column("nvr_server_id", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("original_filename", sa.String(255), nullable=False),
        sa.Column("total_chunks", sa.Integer(), nullable=False),
        sa.Column("total_size", sa.BigInteger(), nullable=False),
        sa.Column("chunk_size", sa.BigInteger(), nullable=True),
        sa.Column("auto_stream", sa.Boolean(), nullable=False, server_default=sa.true()),
        sa.Column("status", sa.String(16), nullable=False, server_default="uploading"),
        sa.Column("chunks_received", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("bytes_written", sa.BigInteger(), nullable=False, server_default="0"),
        sa.Column("seq", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("error", sa.String(1024), nullable=False, server_default=""),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_upload_sessions_video_id", "upload_sessions", ["video_id"])
    op.create_index("ix_upload_sessions_status", "upload_sessions", ["status"])
    op.create_table(
        "videos",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("video_id", sa.String(32), nullable=False, unique=True),
        sa.Column("nvr_server_id", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("original_filename", sa.String(255), nullable=False, server_default=""),
        sa.Column("name", sa.String(256), nullable=True),
        sa.Column("url", sa.String(2048), nullable=True),
        sa.Column("camera_group", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("camera", sa.Integer(), nullable=True),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("file_path", sa.String(1024), nullable=False, server_default=""),
        sa.Column("file_size", sa.BigInteger(), nullable=False, server_default="0"),
        sa.Column("sha256", sa.String(64), nullable=False, server_default=""),
        sa.Column("duration", sa.Float(), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("started_at_src", sa.String(16), nullable=False, server_default=""),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status", sa.String(16), nullable=False, server_default="pending"),
        sa.Column("error", sa.String(1024), nullable=False, server_default=""),
        sa.Column("auto_stream", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("stream_id", sa.String(36), nullable=True),
        sa.Column("stream_settings", sa.JSON(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("queued", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("finished", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("processing_start_date", sa.DateTime(timezone=True), nullable=True),
        sa.Column("face_count", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("body_count", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("car_count", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("device_error_count", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("device_restart_count", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_videos_nvr_server_id", "videos", ["nvr_server_id"])
    op.create_index("ix_videos_created_at", "videos", ["created_at"])
    with op.batch_alter_table("streams") as batch:
        batch.add_column(sa.Column("offline_mode", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("streams") as batch:
        batch.drop_column("offline_mode")
    op.drop_index("ix_videos_created_at", "videos")
    op.drop_index("ix_videos_nvr_server_id", "videos")
    op.drop_table("videos")
    op.drop_index("ix_upload_sessions_status", "upload_sessions")
    op.drop_index("ix_upload_sessions_video_id", "upload_sessions")
    op.drop_table("upload_sessions")
